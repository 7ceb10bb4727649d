#include "fuzz/reproduction.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "fuzz/printer.h"

namespace labyrinth::fuzz {
namespace {

std::string step_line(const program& p, const step_record& s, size_t number) {
  char head[96];
  std::snprintf(head, sizeof head, "#%-4zu %*s%-7s pc=%-7x%s op %-3llu ", number, 2 * s.depth, "",
                context_kind_name(context_of(s.preempt_count)), s.preempt_count, s.irqs_disabled ? " irqs-off" : "",
                static_cast<unsigned long long>(s.world_op));
  std::string line = head;
  if (s.type == step_type::interrupt) {
    line += std::string(">> ") + interrupt_kind_name(s.kind) + " at " + irq_point_name(s.point) + ": runs " +
            list_name(s.list);
    return line;
  }
  if (s.type == step_type::release) return line + "(end of program: release every page the client holds, teardown_check)";
  const auto& ops = p.at(s.list);
  if (s.index >= ops.size()) return line + "?";
  const op& o = ops[s.index];
  line += std::string(list_name(s.list)) + "[" + std::to_string(s.index + 1) + "] " + format_op(o);
  char result[48] = "";
  switch (o.code) {
    case op_code::alloc:
    case op_code::cache_add:
      if (s.result < 0)
        std::snprintf(result, sizeof result, " -> NULL");
      else
        std::snprintf(result, sizeof result, " -> pfn:%05llx", static_cast<unsigned long long>(s.result));
      break;
    case op_code::map:
    case op_code::unmap:
      std::snprintf(result, sizeof result, " -> %s",
                    s.result == 0 ? "0" : s.result == -EBUSY ? "-EBUSY" : s.result == -EEXIST ? "-EEXIST" : "-EINVAL");
      break;
    case op_code::tx_send:
      if (s.result >= 0)
        std::snprintf(result, sizeof result, " -> pfn:%05llx queued", static_cast<unsigned long long>(s.result));
      else
        std::snprintf(result, sizeof result, " -> %s", s.result == -ENOMEM ? "-ENOMEM" : "-ENOBUFS");
      break;
    case op_code::napi_poll: std::snprintf(result, sizeof result, " -> %lld received", static_cast<long long>(s.result)); break;
    case op_code::rx_refill: std::snprintf(result, sizeof result, " -> %lld posted", static_cast<long long>(s.result)); break;
    case op_code::recvmsg:
    case op_code::tx_complete: std::snprintf(result, sizeof result, " -> %lld freed", static_cast<long long>(s.result)); break;
    default: break;
  }
  return line + result;
}

}  // namespace

std::string format_steps(const program& p, const run_result& r, long last) {
  std::string out;
  size_t end = last < 0 ? r.steps.size() : std::min(r.steps.size(), static_cast<size_t>(last) + 1);
  for (size_t i = 0; i < end; ++i) {
    out += step_line(p, r.steps[i], i);
    if (static_cast<long>(i) == r.first_bug_step) out += "   <== first report here";
    out += '\n';
  }
  if (end < r.steps.size()) out += "... " + std::to_string(r.steps.size() - end) + " later steps not shown\n";
  if (r.steps_truncated) out += "... (step log full: later steps were not recorded)\n";
  return out;
}

std::string format_reproduction(const program& p, const run_result& r, const layout& l) {
  std::string out;
  size_t bugs = r.bug_count(), expected = r.expected_reports.size();
  out += "== reports: " + std::to_string(bugs) + " bug(s), " + std::to_string(r.reports.size() - bugs - expected) +
         " verdict(s), " + std::to_string(expected) + " expected by misuse probes\n";
  for (size_t i = 0; i < r.reports.size(); ++i) {
    bool asked = std::find(r.expected_reports.begin(), r.expected_reports.end(), i) != r.expected_reports.end();
    out += (asked ? "(expected by a misuse probe) " : "") + r.reports[i].text() + "\n";
  }
  if (!r.log.empty()) {
    out += "== world log\n";
    for (const std::string& line : r.log) out += line + "\n";
  }
  out += "== program (readable; save it as a scenario)\n";
  out += print_program(p, l);
  long last = r.first_bug_step;
  out += "== execution" + std::string(last >= 0 ? " up to the failing step" : "") + " (context at each step)\n";
  out += format_steps(p, r, last);
  unsigned long long interrupts = r.stats.interrupts[0] + r.stats.interrupts[1] + r.stats.interrupts[2];
  out += "== decisions: " + std::to_string(r.trace.size()) + " question(s); " + std::to_string(interrupts) +
         " interrupt(s) delivered (" + std::to_string(r.stats.interrupts[0]) + " hardirq, " +
         std::to_string(r.stats.interrupts[1]) + " softirq, " + std::to_string(r.stats.interrupts[2]) + " nmi); " +
         std::to_string(r.faults.size()) + " fault(s) injected (an interrupt arriving counts as a fault of site irq)\n";
  for (const fi::fault_event& f : r.faults) out += "fault: " + fi::format_fault_event(f) + "\n";
  size_t shown = 0;
  for (const fi::decision_record& d : r.trace) {
    if (shown++ >= 400) {
      out += "... " + std::to_string(r.trace.size() - 400) + " more decisions\n";
      break;
    }
    out += fi::format_decision(d) + "\n";
  }
  return out;
}


}  // namespace labyrinth::fuzz
