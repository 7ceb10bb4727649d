// Oracle reports: one typed report per violation, with a kernel-style first
// line (the title) and a context dump, delivered to a sink.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace labyrinth {

// X(kind, kernel-style title prefix, severity)
//   report_continues : the kernel prints and goes on; so does the run
//   report_fatal     : the kernel would hang or die here: the run halts
//   report_verdict   : the workload, not the allocator, ended the run (the
//                      kernel would panic or livelock the same way); fatal, but
//                      not a bug of the model
inline constexpr int report_continues = 0, report_fatal = 1, report_verdict = 2;
#define LABYRINTH_REPORT_KINDS(X)                                                   \
  X(sleep_in_atomic, "BUG: sleeping function called from invalid context", report_continues)   \
  X(bad_page_state, "BUG: Bad page state", report_continues)                                   \
  X(page_allocated_twice, "BUG: page allocated twice", report_continues)                       \
  X(double_free, "BUG: double free of page", report_continues)                                 \
  X(exclusive_mapped_twice, "BUG: exclusive page mapped twice", report_continues)              \
  X(leak, "BUG: leak", report_continues)                                                       \
  X(free_list_corrupt, "BUG: free list corrupt", report_continues)                             \
  X(pcp_corrupt, "BUG: per-cpu page list corrupt", report_continues)                           \
  X(counter_corrupt, "BUG: page counter corrupt", report_continues)                            \
  X(memory_corruption, "pagealloc: memory corruption", report_continues)                       \
  X(watermark_breach, "BUG: watermark breached", report_continues)                             \
  X(nofail_failed, "BUG: __GFP_NOFAIL allocation failed", report_continues)                    \
  X(pcp_reentered, "BUG: per-cpu page list reentered", report_continues)                       \
  X(nmi_unsafe, "BUG: page allocator called from NMI context", report_continues)               \
  X(lockdep_inconsistent, "WARNING: inconsistent lock state", report_continues)                \
  X(lockdep_irq_order, "WARNING: irq lock inversion dependency detected", report_continues)    \
  X(lockdep_circular, "WARNING: possible circular locking dependency detected", report_continues) \
  X(lockdep_recursive, "WARNING: possible recursive locking detected", report_continues)       \
  X(deadlock, "BUG: spinlock recursion", report_fatal)                                      \
  X(lockup, "BUG: spinlock lockup suspected", report_fatal)                                    \
  X(lock_imbalance, "WARNING: bad unlock balance detected", report_continues)                  \
  X(context_imbalance, "BUG: context imbalance", report_continues)                             \
  X(warning, "WARNING", report_continues)                                                      \
  X(nonblocking_reclaim, "BUG: non-blocking allocation entered direct reclaim", report_continues) \
  X(livelock, "INFO: allocation livelock: __GFP_NOFAIL request cannot make progress", report_verdict)

enum class report_kind : uint8_t {
#define LABYRINTH_X(kind, title, fatal) kind,
  LABYRINTH_REPORT_KINDS(LABYRINTH_X)
#undef LABYRINTH_X
};

const char* report_kind_name(report_kind kind);
const char* report_kind_title(report_kind kind);
bool report_kind_fatal(report_kind kind);    // fatal or verdict: the run halts
bool report_kind_verdict(report_kind kind);  // a workload verdict, not a bug

struct report {
  report_kind kind = report_kind::warning;
  std::string title;    // first line, e.g. "BUG: Bad page state in process labyrinth pfn:00042"
  std::string details;  // the context dump, several lines
  uint64_t op_index = 0;
  std::string text() const { return title + "\n" + details; }
};

// Thrown out of the model after a fatal report: the kernel would be hung or
// dead here, so the run stops.  Callers of world operations catch it.
struct run_halted {
  report_kind kind;
};

enum class sink_mode : uint8_t {
  collect,  // keep every report (tests)
  abort,    // print the first report and abort() (fuzzing: libFuzzer keeps the input)
};

class report_sink {
 public:
  explicit report_sink(sink_mode mode = sink_mode::collect) : mode_(mode) {}
  // Delivers the report.  In abort mode prints it and aborts, unless it is a
  // workload verdict (report_kind_verdict), which is only kept.
  void deliver(report r);
  const std::vector<report>& reports() const { return reports_; }
  // The reports, moved out (the sink is left with none).
  std::vector<report> take_reports() {
    std::vector<report> out = std::move(reports_);
    reports_.clear();
    bugs_ = 0;
    return out;
  }
  bool empty() const { return reports_.empty(); }
  // Reports that are bugs (not workload verdicts).  Counted as they arrive:
  // a fuzz run asks before and after every step.
  size_t bug_count() const { return bugs_; }
  size_t count(report_kind kind) const;
  // Abort mode: called before abort(), so the caller prints the reports with
  // the readable program and decision trace.  Returns whether it printed the
  // report; if not (no hook, or false), the sink prints it.
  std::function<bool()> on_abort;
  sink_mode mode() const { return mode_; }
  void set_mode(sink_mode mode) { mode_ = mode; }

 private:
  sink_mode mode_;
  std::vector<report> reports_;
  size_t bugs_ = 0;  // reports_ entries that are not workload verdicts
};

}  // namespace labyrinth
