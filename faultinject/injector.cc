// The injector: lib/fault-inject.c's should_fail_ex() and mm/fail_page_alloc.c's
// should_fail_alloc_page(), with the kernel's evaluation order, over a model
// with one task per run and random draws taken from a decision_source.
//
// Where the model differs from the kernel (each also said where it happens):
// - fail-nth is per site, not per task: arming it on one site counts only that
//   site's calls (the kernel's /proc/<pid>/fail-nth counts every fault site).
// - The run has one task and its make-it-fail is always set, so task-filter=Y
//   only excludes calls from interrupt context.
// - No stack-trace filters (require/reject ranges): every call passes them.
// - No message rate limit, and verbose=2 adds no stack dump to the message.
// - A probability of 100 or more fails without drawing a random number (the
//   draw could not change the result), and a question with a single possible
//   answer is not put to the source: fuzz input bits go only where they matter.
// - The context filter (contexts=) and fail-nth-sticky are Labyrinth extensions.
#include "faultinject/injector.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "faultinject/plant.h"

namespace labyrinth::fi {
namespace {

// contexts=task / contexts=interrupt: a call from the other context passes
// without consuming anything.  "Interrupt context" is !in_task (NMI, hardirq,
// serving softirq), the complement of the kernel's in_task().
bool context_admits(context_filter filter, const decision_context& context) {
  switch (filter) {
    case context_filter::kernel:
    case context_filter::any: return true;
    case context_filter::task: return context.in_task;
    case context_filter::interrupt: return !context.in_task;
  }
  return true;
}

// fail-nth is per task in the kernel and only consulted when in_task(); the
// other filters count every admitted call.
bool fail_nth_counts(context_filter filter, const decision_context& context) {
  return filter != context_filter::kernel || context.in_task;
}

// `space > size`, with the kernel's signed comparison (a negative space never covers).
bool space_covers(long space, uint64_t size) {
  return space > 0 && static_cast<uint64_t>(space) > size;
}

std::string forcing_failure_message(const char* name, const fault_attr_config& attr,
                                    const fault_attr_state& state) {
  char text[256];
  std::snprintf(text, sizeof text,
                "FAULT_INJECTION: forcing a failure.\n"
                "name %s, interval %lu, probability %lu, space %ld, times %ld",
                name, attr.interval, attr.probability, state.space, state.times);
  return text;
}

// (The source's name is asked only when the answer is out of range.)
void check_answer(uint32_t answer, const decision_request& request, const decision_source& source) {
  if (answer < request.bound) return;
  std::fprintf(stderr, "labyrinth: decision source '%s' answered %" PRIu32 " for %s\n",
               source.name(), answer, format_request(request).c_str());
  std::abort();
}

}  // namespace

fault_attr_state initial_fault_attr_state(const fault_attr_config& config) {
  fault_attr_state state;
  state.times = config.times;
  state.space = config.space;
  state.fail_nth = config.fail_nth;
  if constexpr (planted(plant::fail_nth_off_by_one)) {
    if (state.fail_nth > 0) state.fail_nth++;  // planted: fails the call after the Nth
  }
  return state;
}

const char* fault_reason_name(fault_reason reason) {
  switch (reason) {
    case fault_reason::fail_nth: return "fail-nth";
    case fault_reason::sticky: return "sticky";
    case fault_reason::attributes: return "attributes";
  }
  return "?";
}

std::string format_fault_event(const fault_event& event) {
  char text[160];
  std::snprintf(text, sizeof text, "%s call %" PRIu64 " (%s) op %" PRIu64 " cpu%" PRIu32
                " pc=0x%" PRIx32 " %s",
                fault_site_name(event.site), event.call, fault_reason_name(event.reason),
                event.context.op_index, event.context.cpu, event.context.preempt_count,
                event.context.in_task ? "task" : "interrupt");
  return text;
}

injector::injector(const fault_config& config, decision_source& source)
    : config_(config), source_(source) {
  for (unsigned index = 0; index < fault_site_count; ++index) {
    states_[index] = initial_fault_attr_state(config_.sites[index]);
  }
}

void injector::adopt_buffers(std::vector<decision_record>&& trace, std::vector<fault_event>&& faults) {
  if (!trace_.empty() || !faults_.empty())
    throw std::logic_error("injector::adopt_buffers: the injector has already recorded decisions");
  trace_ = std::move(trace);
  trace_.clear();
  faults_ = std::move(faults);
  faults_.clear();
}

const fault_attr_state& injector::state(fault_site site) const {
  return states_[static_cast<unsigned>(site)];
}

bool injector::should_fail_alloc_page(const page_alloc_request& request,
                                      const decision_context& context) {
  const fault_attr_config& attr = config_[fault_site::page_alloc];
  if (request.order < attr.min_order) return false;
  if (request.nofail) return false;
  if (attr.ignore_gfp_highmem && request.highmem) return false;
  if (attr.ignore_gfp_wait && request.direct_reclaim) return false;
  const uint64_t size = uint64_t{1} << (request.order < 63 ? request.order : 63);
  return should_fail_ex(fault_site::page_alloc, size, request.nowarn, context);
}

bool injector::should_fail(fault_site site, uint64_t size, const decision_context& context) {
  return should_fail_ex(site, size, /*nowarn=*/false, context);
}

unsigned injector::failure_outcome(fault_site site, const decision_context& context) {
  return ask(decision_kind::outcome, site, fault_site_outcomes(site), /*quiet=*/0, context);
}

unsigned injector::interrupt_at(unsigned deliverable, const decision_context& context) {
  if (deliverable == 0) return 0;  // nothing may arrive: no question, nothing consumed
  if (!should_fail_ex(fault_site::interrupt, 1, /*nowarn=*/true, context)) return 0;
  return ask(decision_kind::interrupt, fault_site::interrupt, deliverable, /*quiet=*/0, context) + 1;
}

unsigned injector::schedule_choice(unsigned runnable, const decision_context& context) {
  return ask(decision_kind::schedule, fault_site::page_alloc, runnable, /*quiet=*/0, context);
}

// should_fail_ex(attr, size, flags), step 1 (fail-nth) here, the rest in
// attributes_let_fail().
bool injector::should_fail_ex(fault_site site, uint64_t size, bool nowarn,
                              const decision_context& context) {
  const fault_attr_config& attr = config_[site];
  fault_attr_state& state = mutable_state(site);
  if (!context_admits(attr.contexts, context)) return false;
  state.calls++;
  if (fail_nth_counts(attr.contexts, context)) {
    state.eligible_calls++;
    if (state.fail_nth > 0) {
      // Bypasses probability, task-filter, times, space and interval.
      state.fail_nth--;
      if (state.fail_nth > 0) return false;
      state.fail_nth_fired = true;
      return fail(site, fault_reason::fail_nth, nowarn, context);
    }
    if (state.fail_nth_fired && attr.fail_nth_sticky) {
      return fail(site, fault_reason::sticky, nowarn, context);
    }
  }
  if (!attributes_let_fail(site, size, context)) return false;
  return fail(site, fault_reason::attributes, nowarn, context);
}

// Steps 2-8 of should_fail_ex, in the kernel's order.
bool injector::attributes_let_fail(fault_site site, uint64_t size,
                                   const decision_context& context) {
  const fault_attr_config& attr = config_[site];
  fault_attr_state& state = mutable_state(site);
  if (attr.probability == 0) return false;
  // fail_task(): in_task() && current->make_it_fail; the model's one task
  // always has make-it-fail set.
  if (attr.task_filter && !context.in_task) return false;
  if (state.times == 0) return false;
  // (stack-trace filters: not modelled, every call passes them)
  if (space_covers(state.space, size)) {
    state.space -= static_cast<long>(size);
    return false;
  }
  if (attr.interval > 1) {
    state.count++;
    if (state.count % attr.interval != 0) return false;
  }
  if (attr.probability < 100) {
    const uint32_t draw = ask(decision_kind::random, site, 100, /*quiet=*/99, context);
    if (attr.probability <= draw) return false;
  }
  return true;
}

// The kernel's `fail:` label: the message (unless FAULT_NOWARN or verbose=0),
// then times-- unless it is -1 (atomic_dec_not_zero: never below 0).
bool injector::fail(fault_site site, fault_reason reason, bool nowarn,
                    const decision_context& context) {
  const fault_attr_config& attr = config_[site];
  fault_attr_state& state = mutable_state(site);
  state.failures++;
  faults_.push_back(fault_event{site, reason, state.calls, context});
  if (!nowarn && attr.verbose > 0) {
    messages_.push_back(forcing_failure_message(fault_site_name(site), attr, state));
  }
  if constexpr (!planted(plant::times_not_decremented)) {
    if (state.times != -1 && state.times != 0) state.times--;
  }
  return true;
}

// Puts one question to the source and records it.  A question with a single
// possible answer (bound 1) is answered 0 without asking or recording.
uint32_t injector::ask(decision_kind kind, fault_site site, uint32_t bound, uint32_t quiet,
                       const decision_context& context) {
  if (bound <= 1) return 0;
  // The record is built in place in the trace (no temporary record copied
  // in); not recording, only the request is built.
  decision_record* record = nullptr;
  decision_request unrecorded;
  if (recording_) {
    if (trace_.capacity() == 0) trace_.reserve(initial_trace_capacity);
    record = &trace_.emplace_back();
    record->sequence = trace_.size() - 1;
  }
  decision_request& request = record ? record->request : unrecorded;
  request.kind = kind;
  request.subject = static_cast<uint16_t>(site);
  request.bound = bound;
  request.quiet = quiet < bound ? quiet : bound - 1;
  request.context = context;
  const uint32_t answer = source_.decide(request);
  check_answer(answer, request, source_);
  if (record) record->answer = answer;
  return answer;
}

}  // namespace labyrinth::fi
