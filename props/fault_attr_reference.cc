#include "props/fault_attr_reference.h"

namespace labyrinth::props {

fault_attr_reference::fault_attr_reference(const fi::fault_config& config, uint64_t seed)
    : config_(config), random_(seed) {
  for (unsigned index = 0; index < fi::fault_site_count; ++index) {
    states_[index].times = config_.sites[index].times;
    states_[index].space = config_.sites[index].space;
    states_[index].fail_nth = config_.sites[index].fail_nth;
  }
}

uint32_t fault_attr_reference::draw(uint32_t bound) {
  if (bound <= 1) return 0;  // a question with one answer is not asked
  ++draws_;
  return random_.below(bound);
}

bool fault_attr_reference::should_fail_alloc_page(const fi::page_alloc_request& request, bool in_task) {
  const fi::fault_attr_config& attr = config_[fi::fault_site::page_alloc];
  if (request.order < attr.min_order) return false;
  if (request.nofail) return false;
  if (attr.ignore_gfp_highmem && request.highmem) return false;
  if (attr.ignore_gfp_wait && request.direct_reclaim) return false;
  return should_fail_ex(fi::fault_site::page_alloc, uint64_t{1} << request.order, in_task, request.nowarn);
}

bool fault_attr_reference::should_fail(fi::fault_site site, uint64_t size, bool in_task) {
  return should_fail_ex(site, size, in_task, false);
}

unsigned fault_attr_reference::failure_outcome(fi::fault_site site) {
  // reclaim and kswapd fail with "no progress" or "half progress"; the other
  // sites have a single way to fail.
  const bool two_outcomes = site == fi::fault_site::reclaim || site == fi::fault_site::kswapd;
  return draw(two_outcomes ? 2 : 1);
}

unsigned fault_attr_reference::interrupt_at(unsigned deliverable, bool in_task) {
  if (deliverable == 0) return 0;
  if (!should_fail_ex(fi::fault_site::interrupt, 1, in_task, true)) return 0;
  return draw(deliverable) + 1;
}

// Section 8, steps 1-8, with the model's context filter in front.
bool fault_attr_reference::should_fail_ex(fi::fault_site site, uint64_t size, bool in_task, bool nowarn) {
  const fi::fault_attr_config& attr = config_[site];
  site_state& state = states_[static_cast<unsigned>(site)];
  if (attr.contexts == fi::context_filter::task && !in_task) return false;
  if (attr.contexts == fi::context_filter::interrupt && in_task) return false;
  // 1. fail-nth: per task in the kernel, so only task context counts, unless
  //    the model's contexts filter widens it.
  if (attr.contexts != fi::context_filter::kernel || in_task) {
    if (state.fail_nth > 0) {
      --state.fail_nth;
      if (state.fail_nth != 0) return false;
      state.fail_nth_fired = true;
      return fail(site, fi::fault_reason::fail_nth, nowarn);
    }
    if (state.fail_nth_fired && attr.fail_nth_sticky) return fail(site, fi::fault_reason::sticky, nowarn);
  }
  if (attr.probability == 0) return false;                        // 2.
  if (attr.task_filter && !in_task) return false;                 // 3. make-it-fail always set
  if (state.times == 0) return false;                             // 4.
  if (state.space > 0 && static_cast<uint64_t>(state.space) > size) {  // 6.
    state.space -= static_cast<long>(size);
    return false;
  }
  if (attr.interval > 1 && ++state.count % attr.interval != 0) return false;  // 7.
  if (attr.probability < 100 && attr.probability <= draw(100)) return false;  // 8.
  return fail(site, fi::fault_reason::attributes, nowarn);
}

// 9. The message, then times-- unless -1 (the kernel's atomic_dec_not_zero:
//    a fail-nth failure at times == 0 leaves it at 0).
bool fault_attr_reference::fail(fi::fault_site site, fi::fault_reason reason, bool nowarn) {
  const fi::fault_attr_config& attr = config_[site];
  site_state& state = states_[static_cast<unsigned>(site)];
  faults_.push_back({site, reason});
  if (!nowarn && attr.verbose > 0) ++messages_;
  if (state.times != -1 && state.times != 0) --state.times;
  return true;
}

}  // namespace labyrinth::props
