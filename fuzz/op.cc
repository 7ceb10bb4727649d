#include "fuzz/op.h"

namespace labyrinth::fuzz {
namespace {

struct op_info {
  const char* name;
  uint8_t contexts;
  uint8_t weight_generic;
  uint8_t weight_client;
  std::array<arg_kind, max_op_args> args;
  const char* help;
};

constexpr op_info ops[] = {
#define LABYRINTH_X(id, contexts, wg, wc, a0, a1, a2, help) \
  {#id, contexts, wg, wc, {arg_kind::a0, arg_kind::a1, arg_kind::a2}, help},
    LABYRINTH_FUZZ_OPS(LABYRINTH_X)
#undef LABYRINTH_X
};
static_assert(sizeof ops / sizeof ops[0] == op_code_count);

struct arg_info {
  const char* key;
  unsigned bytes;
};

constexpr arg_info args[] = {
    {"", 0},
#define LABYRINTH_X(kind, key, bytes) {key, bytes},
    LABYRINTH_FUZZ_ARGS(LABYRINTH_X)
#undef LABYRINTH_X
};

constexpr const char* lock_names[lock_count] = {"client_lock", "rx_lock", "tx_lock"};

}  // namespace

const char* context_base_name(context_base base) {
  switch (base) {
    case context_base::task: return "task";
    case context_base::softirq: return "softirq";
    case context_base::hardirq: return "hardirq";
    case context_base::nmi: return "nmi";
  }
  return "?";
}

const char* op_set_name(op_set set) { return set == op_set::generic ? "generic" : "client"; }

const char* op_name(op_code code) { return ops[static_cast<unsigned>(code)].name; }
const char* op_help(op_code code) { return ops[static_cast<unsigned>(code)].help; }

std::optional<op_code> parse_op_name(std::string_view name) {
  for (unsigned i = 0; i < op_code_count; ++i)
    if (name == ops[i].name) return static_cast<op_code>(i);
  return std::nullopt;
}

uint8_t op_contexts(op_code code) { return ops[static_cast<unsigned>(code)].contexts; }

unsigned op_weight(op_code code, op_set set) {
  const op_info& info = ops[static_cast<unsigned>(code)];
  return set == op_set::generic ? info.weight_generic : info.weight_client;
}

arg_kind op_arg(op_code code, unsigned index) {
  return index < max_op_args ? ops[static_cast<unsigned>(code)].args[index] : arg_kind::none;
}

unsigned op_arg_count(op_code code) {
  unsigned count = 0;
  while (count < max_op_args && op_arg(code, count) != arg_kind::none) ++count;
  return count;
}

const char* arg_key(arg_kind kind) { return args[static_cast<unsigned>(kind)].key; }
unsigned arg_bytes(arg_kind kind) { return args[static_cast<unsigned>(kind)].bytes; }

namespace {
struct probe_info {
  const char* name;
  const char* expected;
};
constexpr probe_info probes[] = {
#define LABYRINTH_X(name, expected) {#name, expected},
    LABYRINTH_FUZZ_PROBES(LABYRINTH_X)
#undef LABYRINTH_X
};
}  // namespace

const char* probe_name(probe_kind kind) {
  return static_cast<unsigned>(kind) < probe_count ? probes[static_cast<unsigned>(kind)].name : "?";
}
const char* probe_expected(probe_kind kind) {
  return static_cast<unsigned>(kind) < probe_count ? probes[static_cast<unsigned>(kind)].expected : "?";
}

const char* lock_name(unsigned lock) { return lock < lock_count ? lock_names[lock] : "?"; }

}  // namespace labyrinth::fuzz
