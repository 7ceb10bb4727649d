// The injector: the one object alloc/ asks "does this fault site fail now?"
// and "does an interrupt arrive here, and which?".  It evaluates the kernel's
// fault attributes (fault_attr.h) with random draws taken from a
// decision_source, and records every decision in a trace.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "faultinject/decision.h"
#include "faultinject/fault_attr.h"
#include "faultinject/fault_site.h"

namespace labyrinth::fi {

// Per-site settings for a whole run.  Defaults: every site at the kernel's
// defaults (probability 0: nothing fails, no interrupt arrives).
struct fault_config {
  std::array<fault_attr_config, fault_site_count> sites{};
  fault_attr_config& operator[](fault_site site) { return sites[static_cast<unsigned>(site)]; }
  const fault_attr_config& operator[](fault_site site) const {
    return sites[static_cast<unsigned>(site)];
  }
  bool operator==(const fault_config&) const = default;
};

// Why an injected fault fired.
//   fail_nth   : the armed fail-nth count reached zero
//   sticky     : a later eligible call after fail-nth fired (fail-nth-sticky=Y)
//   attributes : probability/interval/times/space let it through
enum class fault_reason : uint8_t { fail_nth, sticky, attributes };
const char* fault_reason_name(fault_reason reason);

// One injected fault (should_fail returned true), in the order they happened.
// Faults that fire without a question to the source (fail-nth, probability
// 100) appear here but not in the decision trace.
struct fault_event {
  fault_site site = fault_site::page_alloc;
  fault_reason reason = fault_reason::attributes;
  uint64_t call = 0;  // 1-based index among the site's calls that reached should_fail_ex
  decision_context context;
};

// e.g. "fail_page_alloc call 3 (fail-nth) op 7 cpu0 pc=0x0 task"
std::string format_fault_event(const fault_event& event);

// What fail_page_alloc's filters look at, without alloc/'s gfp type.
struct page_alloc_request {
  unsigned order = 0;
  bool nofail = false;          // __GFP_NOFAIL: never failed
  bool highmem = false;         // __GFP_HIGHMEM
  bool direct_reclaim = false;  // __GFP_DIRECT_RECLAIM ("gfp wait")
  bool nowarn = false;          // __GFP_NOWARN: no FAULT_INJECTION message
};

class injector {
 public:
  injector(const fault_config& config, decision_source& source);

  // should_fail_alloc_page(): fail_page_alloc's filters, then should_fail_ex.
  bool should_fail_alloc_page(const page_alloc_request& request, const decision_context& context);
  // should_fail_ex(attr, size) for any other site.
  bool should_fail(fault_site site, uint64_t size, const decision_context& context);
  // After should_fail() returned true for a site with several failure
  // outcomes: which one, in [0, fault_site_outcomes(site)).  Quiet answer: 0.
  unsigned failure_outcome(fault_site site, const decision_context& context);
  // At an interrupt point with `deliverable` (>= 1) interrupts allowed by the
  // discipline: returns 0 for none, or 1..deliverable for the chosen one.
  // Evaluates the `irq` site's attributes first, so fail-nth, probability,
  // interval and times govern interrupt arrival too.
  unsigned interrupt_at(unsigned deliverable, const decision_context& context);
  // At an interleaving point of the SMP scheduler with `runnable` (>= 1)
  // tasks that may run: which one, in [0, runnable) (0 = no preemption).  No
  // fault attribute governs it; a single candidate asks nothing.
  unsigned schedule_choice(unsigned runnable, const decision_context& context);

  // Every question put to the source, with its answer, in order.
  const std::vector<decision_record>& trace() const { return trace_; }
  // The trace, moved out (the injector's own is left empty).
  std::vector<decision_record> take_trace() { return std::move(trace_); }
  std::vector<fault_event> take_faults() { return std::move(faults_); }
  // Before the first question: record the trace and the faults into these
  // buffers (emptied, their capacity kept), which take_trace/take_faults hand
  // back: a fuzz harness reuses them for every input.
  void adopt_buffers(std::vector<decision_record>&& trace, std::vector<fault_event>&& faults);
  // Off: decisions are answered as always but not kept in the trace (a fuzz
  // run that records nothing until a report makes it run again; runtime.h).
  void set_recording(bool on) { recording_ = on; }
  // Every fault injected, in order.
  const std::vector<fault_event>& faults() const { return faults_; }
  // FAULT_INJECTION messages printed so far (verbose > 0, no __GFP_NOWARN).
  const std::vector<std::string>& messages() const { return messages_; }
  const fault_attr_state& state(fault_site site) const;
  const fault_config& config() const { return config_; }

 private:
  uint32_t ask(decision_kind kind, fault_site site, uint32_t bound, uint32_t quiet,
               const decision_context& context);
  bool should_fail_ex(fault_site site, uint64_t size, bool nowarn, const decision_context& context);
  bool attributes_let_fail(fault_site site, uint64_t size, const decision_context& context);
  bool fail(fault_site site, fault_reason reason, bool nowarn, const decision_context& context);
  fault_attr_state& mutable_state(fault_site site) { return states_[static_cast<unsigned>(site)]; }

  // Reserved at the first question: one allocation for a run's questions
  // instead of a doubling series (the reallocations were 5% of a fuzz_faults
  // run).
  static constexpr size_t initial_trace_capacity = 256;

  fault_config config_;
  decision_source& source_;
  std::array<fault_attr_state, fault_site_count> states_{};
  std::vector<decision_record> trace_;
  bool recording_ = true;
  std::vector<fault_event> faults_;
  std::vector<std::string> messages_;
};

}  // namespace labyrinth::fi
