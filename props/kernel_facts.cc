#include "props/kernel_facts.h"

#include <algorithm>

namespace labyrinth::props::facts {

context_predicates predicates_of_count(uint32_t count) {
  context_predicates p;
  p.in_nmi = (count & nmi_bits) != 0;
  p.in_hardirq = (count & hardirq_bits) != 0;
  p.in_softirq = (count & softirq_bits) != 0;
  p.in_serving_softirq = (count & serving_softirq_unit) != 0;
  p.in_interrupt = (count & (nmi_bits | hardirq_bits | softirq_bits)) != 0;
  p.in_task = (count & (nmi_bits | hardirq_bits | serving_softirq_unit)) == 0;
  p.in_atomic = count != 0;
  return p;
}

unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order, bool rt_task_in_task) {
  unsigned flags = alloc_wmark_min | alloc_cpuset;
  if (gfp & __GFP_HIGH) flags |= alloc_min_reserve;
  if (gfp & __GFP_KSWAPD_RECLAIM) flags |= alloc_kswapd;
  const bool can_block = (gfp & __GFP_DIRECT_RECLAIM) != 0;
  if (!can_block) {
    if (!(gfp & __GFP_NOMEMALLOC)) {
      flags |= alloc_non_block;
      if (order > 0) flags |= alloc_highatomic;
    }
    if (flags & alloc_min_reserve) flags &= ~alloc_cpuset;
  } else if (rt_task_in_task) {
    flags |= alloc_min_reserve;
  }
  return flags;
}

unsigned pfmemalloc_flags(gfp_t gfp, uint32_t preempt_count, uint32_t task_flags, bool oom_victim) {
  const context_predicates context = predicates_of_count(preempt_count);
  const bool pf_memalloc = (task_flags & task_pf_memalloc) != 0;
  if (gfp & __GFP_NOMEMALLOC) return 0;
  if (gfp & __GFP_MEMALLOC) return alloc_no_watermarks;
  if (context.in_serving_softirq && pf_memalloc) return alloc_no_watermarks;
  if (!context.in_interrupt) {
    if (pf_memalloc) return alloc_no_watermarks;
    if (oom_victim) return alloc_oom;
  }
  return 0;
}

bool zone_watermark_ok(const zone_numbers& z, unsigned order, long mark, unsigned highest_zoneidx,
                       unsigned alloc_flags, long free_pages) {
  const bool reserves = (alloc_flags & alloc_reserves) != 0;
  long unusable = (1L << order) - 1;
  if (!reserves) unusable += z.nr_reserved_highatomic;
  free_pages -= unusable;  // no CMA: ALLOC_CMA changes nothing
  long min = mark;
  if (reserves) {
    if (alloc_flags & alloc_min_reserve) {
      min -= min / 2;
      if (alloc_flags & alloc_non_block) min -= min / 4;
    }
    if (alloc_flags & alloc_oom) min -= min / 2;
  }
  if (free_pages <= min + z.lowmem_reserve[highest_zoneidx]) return false;
  if (order == 0) return true;
  const bool highatomic_usable = (alloc_flags & (alloc_highatomic | alloc_oom)) != 0;
  for (unsigned o = order; o < orders; ++o) {
    if (z.nr_free[o][0] > 0) return true;
    if (highatomic_usable && z.nr_free[o][1] > 0) return true;
  }
  return false;
}

bool entitled_floor(gfp_t gfp, uint32_t preempt_count, uint32_t task_flags, bool oom_victim, long min_mark,
                    long* floor) {
  if (gfp & __GFP_NOFAIL) return false;
  const unsigned reserve = pfmemalloc_flags(gfp, preempt_count, task_flags, oom_victim);
  if (reserve & alloc_no_watermarks) return false;
  // The flags of the fast and first slow-path attempts: the discounts apply
  // to the min mark (the fast path's low mark is higher).
  long by_flags = min_mark;
  const unsigned flags = gfp_to_alloc_flags(gfp, 1, false);
  if (flags & alloc_min_reserve) {
    by_flags -= by_flags / 2;
    if (flags & alloc_non_block) by_flags -= by_flags / 4;
  }
  // The slow path's retry replaces the flags with ALLOC_OOM for an OOM victim.
  long by_oom = reserve & alloc_oom ? min_mark - min_mark / 2 : min_mark;
  *floor = std::min(by_flags, by_oom);
  return true;
}

}  // namespace labyrinth::props::facts
