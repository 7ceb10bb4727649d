#include "fuzz/encoder.h"

#include "fuzz/decoder.h"
#include "fuzz/gfp_choice.h"

namespace labyrinth::fuzz {
namespace {

// The `to` byte that names `target` from `self` (decoder.cc handoff_target).
uint8_t handoff_byte(context_base self, uint32_t target) {
  uint8_t index = 0;
  for (unsigned b = 0; b < 3; ++b) {
    if (static_cast<context_base>(b) == self) continue;
    if (b == target) return index;
    ++index;
  }
  return 0;
}

std::string encode_op(const op& o, const section_state& state, std::vector<uint8_t>& out) {
  unsigned order = 0;
  for (unsigned i = 0; i < max_op_args; ++i)
    if (op_arg(o.code, i) == arg_kind::order) order = o.args[i];
  for (unsigned i = 0; i < max_op_args; ++i) {
    arg_kind kind = op_arg(o.code, i);
    uint32_t value = o.args[i];
    switch (kind) {
      case arg_kind::none: break;
      case arg_kind::gfp: {
        auto raw = gfp_to_raw(value, order, state.atomic());
        if (!raw) return "gfp has no encoding";
        out.push_back(static_cast<uint8_t>(*raw & 0xff));
        out.push_back(static_cast<uint8_t>(*raw >> 8));
        break;
      }
      case arg_kind::to: out.push_back(handoff_byte(state.base(), value)); break;
      case arg_kind::count: out.push_back(static_cast<uint8_t>(value - 1)); break;
      default: out.push_back(static_cast<uint8_t>(value)); break;
    }
  }
  return "";
}

}  // namespace

encode_result encode(const program& p, const layout& l) {
  encode_result result;
  result.error = program_problem(p, l);
  if (!result.ok()) return result;
  std::vector<uint8_t>& out = result.bytes;
  out.push_back(static_cast<uint8_t>((p.pcp_irqsave ? 1u : 0u) | (p.rx_order ? 2u : 0u) | (p.large_world ? 0x1cu : 0u)));
  size_t meaningful = out.size();  // bytes before any trailing END
  unsigned lists = l.handlers ? list_count : 1;
  for (unsigned i = 0; i < lists; ++i) {
    list_id list = static_cast<list_id>(i);
    const auto& ops = p.lists[i];
    const unsigned capacity = list_capacity(list);
    section_state state(list);
    bool ended_by_capacity = false;
    for (size_t n = 0; n < ops.size(); ++n) {
      if (n + state.depth() >= capacity) {  // the decoder appends the closers left
        ended_by_capacity = true;
        break;
      }
      int value = opcode_value(l.set, state.base(), ops[n].code);
      if (value < 0) {
        result.error = std::string(list_name(list)) + " op #" + std::to_string(n + 1) + ": " + op_name(ops[n].code) +
                       " has no opcode in this op set";
        return result;
      }
      out.push_back(static_cast<uint8_t>(value));
      // A closer is the decoder's `end`, which has no argument bytes.
      std::string why = is_closer(ops[n].code) ? "" : encode_op(ops[n], state, out);
      if (!why.empty()) {
        result.error = std::string(list_name(list)) + " op #" + std::to_string(n + 1) + ": " + why;
        return result;
      }
      meaningful = out.size();
      state.apply(ops[n]);
    }
    if (!ended_by_capacity && ops.size() < capacity) out.push_back(opcode_end);
  }
  if (l.decisions && !p.decisions.empty()) {
    out.insert(out.end(), p.decisions.rbegin(), p.decisions.rend());
  } else {
    out.resize(meaningful);
  }
  return result;
}

}  // namespace labyrinth::fuzz
