// ALLOC_* flags (mm/internal.h, v6.3+) and the pure functions of the page
// allocator's policy: gfp_to_alloc_flags, __gfp_pfmemalloc_flags, the
// watermark check, gfp_zone.  Pure so that properties can restate them.
#pragma once

#include <cstdint>

#include "alloc/gfp.h"
#include "alloc/mmzone.h"

namespace labyrinth {

inline constexpr unsigned ALLOC_WMARK_MIN = WMARK_MIN;
inline constexpr unsigned ALLOC_WMARK_LOW = WMARK_LOW;
inline constexpr unsigned ALLOC_WMARK_HIGH = WMARK_HIGH;
inline constexpr unsigned ALLOC_WMARK_MASK = 0x03;
inline constexpr unsigned ALLOC_NO_WATERMARKS = 0x04;
inline constexpr unsigned ALLOC_OOM = 0x08;
inline constexpr unsigned ALLOC_NON_BLOCK = 0x10;
inline constexpr unsigned ALLOC_MIN_RESERVE = 0x20;
inline constexpr unsigned ALLOC_CPUSET = 0x40;
inline constexpr unsigned ALLOC_CMA = 0x80;
inline constexpr unsigned ALLOC_NOFRAGMENT = 0x100;
inline constexpr unsigned ALLOC_HIGHATOMIC = 0x200;
inline constexpr unsigned ALLOC_KSWAPD = 0x800;
inline constexpr unsigned ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

static_assert(__GFP_HIGH == ALLOC_MIN_RESERVE, "gfp_to_alloc_flags relies on this");
static_assert(__GFP_KSWAPD_RECLAIM == ALLOC_KSWAPD, "gfp_to_alloc_flags relies on this");

// mm/page_alloc.c gfp_to_alloc_flags() [v6.10].  rt_task_in_task: the caller
// is a realtime task in task context (the model's task is never realtime).
unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order, bool rt_task_in_task = false);

// __gfp_pfmemalloc_flags(): access to the emergency reserves.
unsigned gfp_pfmemalloc_flags(gfp_t gfp, uint32_t preempt_count, uint32_t task_flags, bool oom_victim);

// __zone_watermark_unusable_free()
long zone_watermark_unusable_free(const zone& z, unsigned order, unsigned alloc_flags);
// __zone_watermark_ok(): free_pages is passed in, as in the kernel.
bool zone_watermark_ok(const zone& z, unsigned order, long mark, zone_type highest_zoneidx,
                       unsigned alloc_flags, long free_pages);
// zone_watermark_fast(): the order-0 shortcut, then __zone_watermark_ok.
bool zone_watermark_fast(const zone& z, unsigned order, long mark, zone_type highest_zoneidx,
                         unsigned alloc_flags);

// gfp_zone() for the model's zones: __GFP_DMA32 -> DMA32, everything else ->
// NORMAL (no CONFIG_ZONE_DMA, no HIGHMEM, ZONE_MOVABLE unpopulated).  Returns
// false for the combinations the kernel's GFP_ZONE_BAD rejects.
bool gfp_zone(gfp_t gfp, zone_type* out);

// Labels for printing alloc_flags ("ALLOC_WMARK_MIN|ALLOC_NON_BLOCK|...").
const char* alloc_wmark_name(unsigned alloc_flags);

}  // namespace labyrinth
