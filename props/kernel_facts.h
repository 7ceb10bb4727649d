// Independent restatements of the kernel facts the properties compare the
// model against, written from shared/reference/linux-mm.md (sections named
// below), not from alloc/: the constants are retyped from the reference and
// nothing here calls into alloc/'s policy code.  Only the GFP bit values
// (alloc/gfp.h, checked against reference section 1 by a property) and
// plain data types are shared.
#pragma once

#include <array>
#include <cstdint>

#include "alloc/gfp.h"

namespace labyrinth::props::facts {

// ---- section 7: the preempt_count layout and the context predicates --------
inline constexpr uint32_t preempt_bits = 0x000000ffu;
inline constexpr uint32_t softirq_bits = 0x0000ff00u;
inline constexpr uint32_t hardirq_bits = 0x000f0000u;
inline constexpr uint32_t nmi_bits = 0x00f00000u;
inline constexpr uint32_t serving_softirq_unit = 0x100u;  // SOFTIRQ_OFFSET
inline constexpr uint32_t bh_disable_unit = 0x200u;       // SOFTIRQ_DISABLE_OFFSET
inline constexpr uint32_t hardirq_unit = 0x10000u;        // HARDIRQ_OFFSET
inline constexpr uint32_t nmi_unit = 0x100000u;           // NMI_OFFSET (nmi_enter adds HARDIRQ_OFFSET too)

struct context_predicates {
  bool in_nmi = false;
  bool in_hardirq = false;
  bool in_softirq = false;
  bool in_serving_softirq = false;
  bool in_interrupt = false;
  bool in_task = false;
  bool in_atomic = false;
  bool operator==(const context_predicates&) const = default;
};

context_predicates predicates_of_count(uint32_t preempt_count);

// ---- section 2: ALLOC_* (mm/internal.h v6.3+) -------------------------------
inline constexpr unsigned alloc_wmark_min = 0, alloc_wmark_low = 1, alloc_wmark_high = 2;
inline constexpr unsigned alloc_wmark_mask = 0x03;
inline constexpr unsigned alloc_no_watermarks = 0x04;
inline constexpr unsigned alloc_oom = 0x08;
inline constexpr unsigned alloc_non_block = 0x10;
inline constexpr unsigned alloc_min_reserve = 0x20;
inline constexpr unsigned alloc_cpuset = 0x40;
inline constexpr unsigned alloc_cma = 0x80;
inline constexpr unsigned alloc_nofragment = 0x100;
inline constexpr unsigned alloc_highatomic = 0x200;
inline constexpr unsigned alloc_kswapd = 0x800;
inline constexpr unsigned alloc_reserves = alloc_non_block | alloc_min_reserve | alloc_highatomic | alloc_oom;

// Task flags (include/linux/sched.h), used by __gfp_pfmemalloc_flags.
inline constexpr uint32_t task_pf_memalloc = 0x00000800u;

// gfp_to_alloc_flags() as section 2 prints it (without the 2025 fix).
unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order, bool rt_task_in_task);
// __gfp_pfmemalloc_flags(), in the order section 2 lists its tests.
unsigned pfmemalloc_flags(gfp_t gfp, uint32_t preempt_count, uint32_t task_flags, bool oom_victim);

// What __zone_watermark_ok() reads of a zone, as plain numbers.
inline constexpr unsigned orders = 11;  // NR_PAGE_ORDERS (MAX_PAGE_ORDER 10, section 5)
struct zone_numbers {
  std::array<long, 2> lowmem_reserve{};    // by highest_zoneidx: DMA32, NORMAL
  long nr_reserved_highatomic = 0;
  // Free blocks per order on the ordinary list [0] and the highatomic list [1].
  std::array<std::array<unsigned long, 2>, orders> nr_free{};
};

// __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages).
bool zone_watermark_ok(const zone_numbers& z, unsigned order, long mark, unsigned highest_zoneidx,
                       unsigned alloc_flags, long free_pages);

// The most generous floor an allocation with `gfp` (after the task's memalloc
// scopes) can reach in a zone whose min mark is `min_mark`, in the context
// `preempt_count`, by any path of the allocator: the fast path, the slow path
// with its reserve flags, or the OOM victim's ALLOC_OOM.  A page taken from a
// zone whose usable free pages (free - ((1 << order) - 1)) were at or below
// floor + lowmem_reserve breaks the watermark rules.  Returns false when the
// request may ignore watermarks (ALLOC_NO_WATERMARKS) or is __GFP_NOFAIL
// (whose fallbacks may dip into the reserves): then there is no floor.
bool entitled_floor(gfp_t gfp, uint32_t preempt_count, uint32_t task_flags, bool oom_victim, long min_mark,
                    long* floor);

}  // namespace labyrinth::props::facts
