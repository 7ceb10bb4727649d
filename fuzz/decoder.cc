#include "fuzz/decoder.h"

#include <algorithm>

#include "alloc/mmzone.h"
#include "fuzz/gfp_choice.h"

namespace labyrinth::fuzz {
namespace {

struct opcode_tables {
  // [op set][context base][opcode value]
  op_code table[2][4][opcode_values];
  opcode_tables() {
    for (unsigned set = 0; set < 2; ++set)
      for (unsigned base = 0; base < 4; ++base) build(static_cast<op_set>(set), static_cast<context_base>(base));
  }
  // Each operation of the context gets `weight` consecutive values; the list
  // repeats until the 60 values are filled.
  void build(op_set set, context_base base) {
    op_code* out = table[static_cast<unsigned>(set)][static_cast<unsigned>(base)];
    unsigned filled = 0;
    for (unsigned round = 0; round < opcode_values && filled < opcode_values; ++round) {
      for (unsigned code = 0; code < op_code_count && filled < opcode_values; ++code) {
        op_code c = static_cast<op_code>(code);
        if (!(op_contexts(c) & context_bit(base))) continue;
        for (unsigned w = op_weight(c, set); w > 0 && filled < opcode_values; --w) out[filled++] = c;
      }
    }
  }
};

const opcode_tables& tables() {
  static const opcode_tables instance;
  return instance;
}

class byte_reader {
 public:
  explicit byte_reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool empty() const { return position_ >= bytes_.size(); }
  uint8_t next() { return empty() ? 0 : bytes_[position_++]; }
  size_t position() const { return position_; }

 private:
  std::span<const uint8_t> bytes_;
  size_t position_ = 0;
};

// The other contexts a page may be handed to, in `to` byte order.
context_base handoff_target(context_base self, uint8_t byte) {
  context_base others[2];
  unsigned n = 0;
  for (unsigned b = 0; b < 3 && n < 2; ++b)
    if (static_cast<context_base>(b) != self) others[n++] = static_cast<context_base>(b);
  return others[byte % 2];
}

// One operation's arguments from the input; the gfp is finished once the
// order is known.
op read_op(op_code code, byte_reader& in, const section_state& state) {
  op o;
  o.code = code;
  uint16_t gfp_raw = 0;
  int gfp_index = -1, order_index = -1;
  for (unsigned i = 0; i < max_op_args; ++i) {
    arg_kind kind = op_arg(code, i);
    if (kind == arg_kind::none) break;
    uint8_t b = in.next();
    switch (kind) {
      case arg_kind::none: break;
      case arg_kind::slot: o.args[i] = slots_of(state.base()) ? b % slots_of(state.base()) : 0; break;
      case arg_kind::gfp:
        gfp_raw = static_cast<uint16_t>(b | (in.next() << 8));
        gfp_index = static_cast<int>(i);
        break;
      case arg_kind::order: o.args[i] = b % (MAX_PAGE_ORDER + 1); order_index = static_cast<int>(i); break;
      case arg_kind::mm: o.args[i] = b % nr_mms; break;
      case arg_kind::mode: o.args[i] = b % 2; break;
      case arg_kind::lock: o.args[i] = b % lock_count; break;
      case arg_kind::cache_kind: o.args[i] = b % 3; break;
      case arg_kind::index: o.args[i] = b % cache_list_max; break;
      case arg_kind::to: o.args[i] = static_cast<uint32_t>(handoff_target(state.base(), b)); break;
      case arg_kind::byte: o.args[i] = b; break;
      case arg_kind::count: o.args[i] = b % max_count + 1; break;
      case arg_kind::probe: o.args[i] = b % probe_count; break;
    }
  }
  if (gfp_index >= 0) {
    unsigned order = order_index >= 0 ? o.args[order_index] : 0;
    o.args[gfp_index] = gfp_from_raw(gfp_raw, order, state.atomic());
  }
  return o;
}

void decode_list(byte_reader& in, list_id list, const layout& l, std::vector<op>& out) {
  section_state state(list);
  const unsigned capacity = list_capacity(list);
  const context_base base = list_base(list);
  for (unsigned reads = 0; reads < 4 * capacity && out.size() + state.depth() < capacity && !in.empty(); ++reads) {
    unsigned value = in.next() & 63u;
    if (value >= opcode_values) break;  // END
    op_code code = opcode_operation(l.set, base, value);
    op o = read_op(code, in, state);
    if (code == op_code::end) {
      if (state.depth() == 0) continue;
      o = closer_of(state.innermost());
    }
    if (!state.admits(o)) continue;
    section_kind kind;
    if (opens_section(o.code, &kind) && out.size() + state.depth() + 2 > capacity) continue;  // no room for its closer
    out.push_back(o);
    state.apply(o);
  }
  while (state.depth() > 0) {
    op closer = closer_of(state.innermost());
    out.push_back(closer);
    state.apply(closer);
  }
}

}  // namespace

op_code opcode_operation(op_set set, context_base base, unsigned value) {
  return tables().table[static_cast<unsigned>(set)][static_cast<unsigned>(base)][value % opcode_values];
}

int opcode_value(op_set set, context_base base, op_code code) {
  if (is_closer(code)) code = op_code::end;
  const op_code* table = tables().table[static_cast<unsigned>(set)][static_cast<unsigned>(base)];
  for (unsigned value = 0; value < opcode_values; ++value)
    if (table[value] == code) return static_cast<int>(value);
  return -1;
}

program decode(std::span<const uint8_t> bytes, const layout& l) {
  program p;
  decode_into(bytes, l, p);
  return p;
}

void decode_into(std::span<const uint8_t> bytes, const layout& l, program& p) {
  for (unsigned i = 0; i < list_count; ++i) {
    p.lists[i].clear();
    p.lists[i].reserve(list_capacity(static_cast<list_id>(i)));
  }
  p.decisions.clear();
  byte_reader in(bytes);
  uint8_t header = in.next();
  p.pcp_irqsave = header & 1u;
  p.rx_order = (header >> 1) & 1u;
  p.large_world = (header & 0x1cu) == 0x1cu;
  decode_list(in, list_id::task, l, p.at(list_id::task));
  if (l.handlers)
    for (unsigned i = 1; i < list_count; ++i) decode_list(in, static_cast<list_id>(i), l, p.lists[i]);
  if (l.decisions) {
    p.decisions.assign(bytes.begin() + static_cast<std::ptrdiff_t>(std::min(in.position(), bytes.size())), bytes.end());
    std::reverse(p.decisions.begin(), p.decisions.end());
  }
}

}  // namespace labyrinth::fuzz
