#include "fuzz/printer.h"

#include <cstdio>

#include "alloc/gfp.h"

namespace labyrinth::fuzz {
namespace {

const char* cache_kind_names[3] = {"clean", "dirty", "swapbacked"};

std::string format_arg(arg_kind kind, uint32_t value) {
  char text[24];
  switch (kind) {
    case arg_kind::none: return "";
    case arg_kind::gfp: return format_gfp(value);
    case arg_kind::mode: return value ? "mode=shared" : "mode=exclusive";
    case arg_kind::lock: return std::string("lock=") + lock_name(value);
    case arg_kind::cache_kind: return std::string("kind=") + (value < 3 ? cache_kind_names[value] : "?");
    case arg_kind::to: return std::string("to=") + context_base_name(static_cast<context_base>(value));
    case arg_kind::probe: return std::string("misuse=") + probe_name(static_cast<probe_kind>(value));
    case arg_kind::byte:
      std::snprintf(text, sizeof text, "byte=0x%02x", value & 0xffu);
      return text;
    default: return std::string(arg_key(kind)) + "=" + std::to_string(value);
  }
}

void hex_byte(std::string& out, uint8_t byte) {
  static const char digits[] = "0123456789abcdef";
  out += digits[byte >> 4];
  out += digits[byte & 15];
}

}  // namespace

std::string format_op(const op& o) {
  std::string text = op_name(o.code);
  for (unsigned i = 0; i < max_op_args; ++i) {
    arg_kind kind = op_arg(o.code, i);
    if (kind == arg_kind::none) break;
    text += ' ';
    text += format_arg(kind, o.args[i]);
  }
  return text;
}

std::string format_decisions(const std::vector<uint8_t>& decisions) {
  std::string out;
  unsigned entries = 0;
  for (size_t i = 0; i < decisions.size();) {
    size_t run = 1;
    while (i + run < decisions.size() && decisions[i + run] == decisions[i]) ++run;
    if (entries % 32 == 0) out += entries ? "\ndecisions:" : "decisions:";
    out += ' ';
    hex_byte(out, decisions[i]);
    if (run >= 4) {
      out += '*';
      out += std::to_string(run);
      i += run;
    } else {
      ++i;
    }
    ++entries;
  }
  return out;
}

std::string print_program(const program& p, const layout& l) {
  std::string out = std::string("config pcp=") + (p.pcp_irqsave ? "irqsave" : "trylock") +
                    " world=" + (p.large_world ? "large" : "small") + " rx_order=" + std::to_string(p.rx_order) + "\n";
  unsigned lists = l.handlers ? list_count : 1;
  for (unsigned i = 0; i < lists; ++i) {
    list_id list = static_cast<list_id>(i);
    out += list_name(list);
    out += ":\n";
    section_state state(list);
    for (const op& o : p.lists[i]) {
      unsigned depth = is_closer(o.code) && state.depth() > 0 ? state.depth() - 1 : state.depth();
      out.append(2 + 2 * depth, ' ');
      out += format_op(o);
      out += '\n';
      state.apply(o);
    }
  }
  if (l.decisions && !p.decisions.empty()) {
    out += format_decisions(p.decisions);
    out += '\n';
  }
  return out;
}

}  // namespace labyrinth::fuzz
