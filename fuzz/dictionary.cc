#include "fuzz/dictionary.h"

#include <cstdio>
#include <set>
#include <vector>

#include "fuzz/decoder.h"

namespace labyrinth::fuzz {
namespace {

std::string escaped(const std::vector<uint8_t>& bytes) {
  std::string out;
  char hex[8];
  for (uint8_t b : bytes) {
    std::snprintf(hex, sizeof hex, "\\x%02x", b);
    out += hex;
  }
  return out;
}

}  // namespace

std::string dictionary(const harness& h) {
  std::string out = std::string("# libFuzzer dictionary for fuzz_") + h.name +
                    " (generated: labyrinth-program dict --harness " + h.name + ")\n";
  std::set<std::vector<uint8_t>> seen;
  auto add = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    if (!seen.insert(bytes).second) return;
    out += name + "=\"" + escaped(bytes) + "\"\n";
  };
  add("end", {opcode_end});
  const context_base bases[] = {context_base::task, context_base::softirq, context_base::hardirq, context_base::nmi};
  for (context_base base : bases) {
    if (base != context_base::task && !h.program_layout.handlers) continue;
    for (unsigned code = 0; code < op_code_count; ++code) {
      op_code c = static_cast<op_code>(code);
      if (is_closer(c)) continue;
      int value = opcode_value(h.program_layout.set, base, c);
      if (value < 0) continue;
      std::vector<uint8_t> bytes = {static_cast<uint8_t>(value)};
      for (unsigned i = 0; i < op_arg_count(c); ++i) bytes.insert(bytes.end(), arg_bytes(op_arg(c, i)), 0);
      add(std::string(op_name(c)) + "_" + context_base_name(base), bytes);
    }
  }
  const char* families[] = {"GFP_KERNEL", "GFP_NOFS", "GFP_NOIO", "GFP_USER",
                            "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL_ACCOUNT", "GFP_ATOMIC", "GFP_NOWAIT"};
  for (unsigned f = 0; f < 8; ++f) add(std::string("gfp_") + families[f], {static_cast<uint8_t>(f), 0});
  const char* rare[] = {"NOFAIL", "RETRY_MAYFAIL", "MEMALLOC", "NOMEMALLOC"};
  for (unsigned r = 0; r < 4; ++r) add(std::string("gfp_KERNEL_") + rare[r], {0, static_cast<uint8_t>(4 + r)});
  return out;
}

}  // namespace labyrinth::fuzz
