#include "alloc/alloc_flags.h"

#include <algorithm>

#include "alloc/context.h"
#include "alloc/preempt.h"
#include "faultinject/plant.h"

namespace labyrinth {

unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order, bool rt_task_in_task) {
  unsigned alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
  alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
  if (!(gfp & __GFP_DIRECT_RECLAIM)) {
    if (!(gfp & __GFP_NOMEMALLOC)) {
      alloc_flags |= ALLOC_NON_BLOCK;
      if (order > 0) alloc_flags |= ALLOC_HIGHATOMIC;
    }
    if (alloc_flags & ALLOC_MIN_RESERVE) alloc_flags &= ~ALLOC_CPUSET;
  } else if (rt_task_in_task) {
    alloc_flags |= ALLOC_MIN_RESERVE;
  }
  if constexpr (planted(plant::kernel_into_reserve)) {
    if (gfp & __GFP_DIRECT_RECLAIM) alloc_flags |= ALLOC_MIN_RESERVE;
  }
  return alloc_flags;
}

unsigned gfp_pfmemalloc_flags(gfp_t gfp, uint32_t preempt_count, uint32_t task_flags, bool oom_victim) {
  if (gfp & __GFP_NOMEMALLOC) {
    if constexpr (!planted(plant::nomemalloc_ignored)) return 0;
  }
  if (gfp & __GFP_MEMALLOC) return ALLOC_NO_WATERMARKS;
  if (in_serving_softirq(preempt_count) && (task_flags & PF_MEMALLOC)) return ALLOC_NO_WATERMARKS;
  if (!in_interrupt(preempt_count)) {
    if (task_flags & PF_MEMALLOC) return ALLOC_NO_WATERMARKS;
    if (oom_victim) return ALLOC_OOM;
  }
  return 0;
}

long zone_watermark_unusable_free(const zone& z, unsigned order, unsigned alloc_flags) {
  long unusable_free = (1L << order) - 1;
  if (!(alloc_flags & ALLOC_RESERVES)) unusable_free += z.nr_reserved_highatomic;
  return unusable_free;  // no CMA in the model
}

bool zone_watermark_ok(const zone& z, unsigned order, long mark, zone_type highest_zoneidx,
                       unsigned alloc_flags, long free_pages) {
  long min = mark;
  free_pages -= zone_watermark_unusable_free(z, order, alloc_flags);
  if (alloc_flags & ALLOC_RESERVES) {
    if (alloc_flags & ALLOC_MIN_RESERVE) {
      min -= min / 2;
      if (alloc_flags & ALLOC_NON_BLOCK) {
        if constexpr (planted(plant::atomic_discount_wrong))
          min -= min;  // the whole remaining reserve
        else
          min -= min / 4;
      }
    }
    if (alloc_flags & ALLOC_OOM) min -= min / 2;
  }
  if (free_pages <= min + z.lowmem_reserve[highest_zoneidx]) return false;
  if (order == 0) return true;
  for (unsigned o = order; o < NR_PAGE_ORDERS; ++o) {
    const free_area& area = z.area[o];
    if (area.nr_free() == 0) continue;
    if (area.nr_free_list[MIGRATE_PCPTYPES_MERGED]) return true;
    if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) && area.nr_free_list[MIGRATE_HIGHATOMIC]) return true;
  }
  return false;
}

bool zone_watermark_fast(const zone& z, unsigned order, long mark, zone_type highest_zoneidx,
                         unsigned alloc_flags) {
  long free_pages = z.free_pages;
  if (order == 0) {
    long usable_free = free_pages;
    long reserved = zone_watermark_unusable_free(z, 0, alloc_flags);
    usable_free -= std::min(usable_free, reserved);
    if (usable_free > mark + z.lowmem_reserve[highest_zoneidx]) return true;
  }
  return zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
}

bool gfp_zone(gfp_t gfp, zone_type* out) {
  gfp_t zone_bits = gfp & (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE);
  bool dma = zone_bits & __GFP_DMA, dma32 = zone_bits & __GFP_DMA32, highmem = zone_bits & __GFP_HIGHMEM;
  if ((dma && dma32) || (dma && highmem) || (dma32 && highmem)) return false;  // GFP_ZONE_BAD
  *out = dma32 ? ZONE_DMA32 : ZONE_NORMAL;
  return true;
}

const char* alloc_wmark_name(unsigned alloc_flags) {
  switch (alloc_flags & ALLOC_WMARK_MASK) {
    case ALLOC_WMARK_MIN: return "min";
    case ALLOC_WMARK_LOW: return "low";
    case ALLOC_WMARK_HIGH: return "high";
    default: return "?";
  }
}

}  // namespace labyrinth
