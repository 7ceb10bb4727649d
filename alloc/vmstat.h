// Event counters (the model's vm_event_states): kept per CPU, as the kernel
// does, so that CPUs running at once never write the same counter; the world
// sums them (world::stats()).
#pragma once

#include <cstdint>

namespace labyrinth {

struct world_stats {
  uint64_t allocations = 0, allocation_failures = 0, frees = 0;
  uint64_t pcp_hits = 0, pcp_trylock_fallbacks = 0, pcp_refills = 0, pcp_bulk_frees = 0;
  uint64_t slowpath_entries = 0, direct_reclaims = 0, pages_reclaimed = 0;
  uint64_t kswapd_wakeups = 0, kswapd_runs = 0, oom_kills = 0;
  uint64_t highatomic_reserved = 0, highatomic_unreserved = 0;
  uint64_t interrupts[3] = {0, 0, 0};  // by interrupt_kind
  uint64_t softirqs_run = 0;

  world_stats& operator+=(const world_stats& other) {
    allocations += other.allocations;
    allocation_failures += other.allocation_failures;
    frees += other.frees;
    pcp_hits += other.pcp_hits;
    pcp_trylock_fallbacks += other.pcp_trylock_fallbacks;
    pcp_refills += other.pcp_refills;
    pcp_bulk_frees += other.pcp_bulk_frees;
    slowpath_entries += other.slowpath_entries;
    direct_reclaims += other.direct_reclaims;
    pages_reclaimed += other.pages_reclaimed;
    kswapd_wakeups += other.kswapd_wakeups;
    kswapd_runs += other.kswapd_runs;
    oom_kills += other.oom_kills;
    highatomic_reserved += other.highatomic_reserved;
    highatomic_unreserved += other.highatomic_unreserved;
    for (unsigned i = 0; i < 3; ++i) interrupts[i] += other.interrupts[i];
    softirqs_run += other.softirqs_run;
    return *this;
  }
};

}  // namespace labyrinth
