// The allocator's policy functions (alloc/alloc_flags.h) against reference §2:
// gfp_to_alloc_flags for every family, __gfp_pfmemalloc_flags in every
// context, __zone_watermark_ok exactly at its boundaries, and the same
// boundaries reached end to end by draining a world.
#include <gtest/gtest.h>

#include <vector>

#include "alloc/alloc_flags.h"
#include "alloc/context.h"
#include "alloc/preempt.h"
#include "alloc/tests/test_support.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

using alloc_test::allocate_until_failure;
using alloc_test::expect_silent;
using alloc_test::free_all;
using alloc_test::one_zone;

struct flags_case {
  const char* what;
  gfp_t gfp;
  unsigned order;
  unsigned expected;
};

TEST(gfp_to_alloc_flags, every_family_by_hand) {
  // Goal: gfp_to_alloc_flags [N] for each family.  By hand, starting from
  // WMARK_MIN 0 | CPUSET 0x40 and adding gfp & (HIGH 0x20 | KSWAPD 0x800):
  //   GFP_KERNEL 0xCC0: 0x40 | 0x800; may block: nothing more          = 0x840
  //   GFP_NOWAIT 0x2800: 0x840 | NON_BLOCK 0x10 (| HIGHATOMIC 0x200 if order > 0);
  //                      no MIN_RESERVE, so CPUSET stays                = 0x850 / 0xA50
  //   GFP_ATOMIC 0x820: 0x860 | NON_BLOCK (| HIGHATOMIC), MIN_RESERVE drops CPUSET
  //                                                                     = 0x830 / 0xA30
  //   GFP_ATOMIC|NOMEMALLOC: no NON_BLOCK, no HIGHATOMIC; CPUSET dropped = 0x820 both
  //   GFP_KERNEL|__GFP_HIGH: 0x40 | 0x20 | 0x800, may block             = 0x860
  //   __GFP_HIGH alone 0x20: 0x60 | NON_BLOCK, CPUSET dropped           = 0x30
  //   no flags at all: 0x40 | NON_BLOCK                                 = 0x50
  //   GFP_NOIO / GFP_NOFS: as GFP_KERNEL                                = 0x840
  const std::vector<flags_case> cases = {
      {"GFP_KERNEL order 0", GFP_KERNEL, 0, 0x840},
      {"GFP_KERNEL order 3", GFP_KERNEL, 3, 0x840},
      {"GFP_NOWAIT order 0", GFP_NOWAIT, 0, 0x850},
      {"GFP_NOWAIT order 1", GFP_NOWAIT, 1, 0xA50},
      {"GFP_ATOMIC order 0", GFP_ATOMIC, 0, 0x830},
      {"GFP_ATOMIC order 2", GFP_ATOMIC, 2, 0xA30},
      {"GFP_ATOMIC|__GFP_NOMEMALLOC order 0", GFP_ATOMIC | __GFP_NOMEMALLOC, 0, 0x820},
      {"GFP_ATOMIC|__GFP_NOMEMALLOC order 2", GFP_ATOMIC | __GFP_NOMEMALLOC, 2, 0x820},
      {"GFP_KERNEL|__GFP_HIGH order 0", GFP_KERNEL | __GFP_HIGH, 0, 0x860},
      {"GFP_KERNEL|__GFP_HIGH order 4", GFP_KERNEL | __GFP_HIGH, 4, 0x860},
      {"__GFP_HIGH alone", __GFP_HIGH, 0, 0x30},
      {"no flags", 0, 0, 0x50},
      {"GFP_NOIO", GFP_NOIO, 0, 0x840},
      {"GFP_NOFS", GFP_NOFS, 1, 0x840},
  };
  for (const flags_case& c : cases)
    EXPECT_EQ(gfp_to_alloc_flags(c.gfp, c.order), c.expected) << c.what << std::hex << ": got 0x"
                                                               << gfp_to_alloc_flags(c.gfp, c.order);
  EXPECT_EQ(gfp_to_alloc_flags(GFP_KERNEL, 0, /*rt_task_in_task=*/true), 0x860u)
      << "a realtime task in task context gets ALLOC_MIN_RESERVE";
  EXPECT_EQ(gfp_to_alloc_flags(GFP_ATOMIC, 0, /*rt_task_in_task=*/true), 0x830u) << "only blocking requests";
}

struct pfmemalloc_case {
  const char* what;
  gfp_t gfp;
  uint32_t count;
  uint32_t task_flags;
  bool oom_victim;
  unsigned expected;
};

TEST(gfp_pfmemalloc_flags, every_context) {
  // Goal: __gfp_pfmemalloc_flags, in its order: NOMEMALLOC -> 0; MEMALLOC ->
  // NO_WATERMARKS (0x04); serving softirq && PF_MEMALLOC -> NO_WATERMARKS;
  // only outside interrupts: PF_MEMALLOC -> NO_WATERMARKS, OOM victim ->
  // ALLOC_OOM (0x08); else 0.  Counts: task 0, serving softirq 0x100,
  // bh-disabled task 0x200 (in_interrupt!), hardirq 0x10000.
  const std::vector<pfmemalloc_case> cases = {
      {"plain GFP_KERNEL in task", GFP_KERNEL, 0, 0, false, 0},
      {"__GFP_MEMALLOC in task", GFP_KERNEL | __GFP_MEMALLOC, 0, 0, false, ALLOC_NO_WATERMARKS},
      {"__GFP_MEMALLOC in hardirq", GFP_ATOMIC | __GFP_MEMALLOC, 0x10000, 0, false, ALLOC_NO_WATERMARKS},
      {"NOMEMALLOC beats MEMALLOC", GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOMEMALLOC, 0, 0, false, 0},
      {"NOMEMALLOC beats PF_MEMALLOC", GFP_KERNEL | __GFP_NOMEMALLOC, 0, PF_MEMALLOC, false, 0},
      {"NOMEMALLOC beats OOM victim", GFP_KERNEL | __GFP_NOMEMALLOC, 0, 0, true, 0},
      {"PF_MEMALLOC in task", GFP_KERNEL, 0, PF_MEMALLOC, false, ALLOC_NO_WATERMARKS},
      {"PF_MEMALLOC in serving softirq", GFP_ATOMIC, 0x100, PF_MEMALLOC, false, ALLOC_NO_WATERMARKS},
      {"PF_MEMALLOC in bh-disabled task", GFP_ATOMIC, 0x200, PF_MEMALLOC, false, 0},
      {"PF_MEMALLOC in hardirq", GFP_ATOMIC, 0x10000, PF_MEMALLOC, false, 0},
      {"OOM victim in task", GFP_KERNEL, 0, 0, true, ALLOC_OOM},
      {"OOM victim under spin_lock (task)", GFP_ATOMIC, 0x1, 0, true, ALLOC_OOM},
      {"OOM victim in hardirq", GFP_ATOMIC, 0x10000, 0, true, 0},
      {"OOM victim in serving softirq", GFP_ATOMIC, 0x100, 0, true, 0},
      {"PF_MEMALLOC and OOM victim in task", GFP_KERNEL, 0, PF_MEMALLOC, true, ALLOC_NO_WATERMARKS},
  };
  for (const pfmemalloc_case& c : cases)
    EXPECT_EQ(gfp_pfmemalloc_flags(c.gfp, c.count, c.task_flags, c.oom_victim), c.expected) << c.what;
}

// A hand-built zone: DMA32 with min/low/high = mark, 5/4 mark, 3/2 mark,
// lowmem_reserve[NORMAL] = 48, and one free order-10 block on the ordinary
// list (so order > 0 checks find a block unless a test says otherwise).
zone test_zone(long mark, long reserved_highatomic = 0) {
  zone z;
  z.type = ZONE_DMA32;
  z.managed_pages = 4096;
  z.watermark = {mark, mark * 5 / 4, mark * 3 / 2};
  z.lowmem_reserve = {0, 48};
  z.nr_reserved_highatomic = reserved_highatomic;
  z.area[MAX_PAGE_ORDER].nr_free_list[MIGRATE_PCPTYPES_MERGED] = 1;
  return z;
}

// The smallest free_pages for which the check passes (searching 0..4096),
// after confirming that it fails at every smaller value.
long lowest_passing(const zone& z, unsigned order, zone_type highest, unsigned alloc_flags) {
  long mark = z.watermark[WMARK_MIN];
  for (long free_pages = 0; free_pages <= 4096; ++free_pages)
    if (zone_watermark_ok(z, order, mark, highest, alloc_flags, free_pages)) return free_pages;
  return -1;
}

struct boundary_case {
  const char* what;
  long mark;
  long highatomic;
  unsigned order;
  zone_type highest;
  unsigned alloc_flags;
  long fails_at;  // the largest failing free_pages: passes at fails_at + 1
};

TEST(zone_watermark_ok, boundaries_by_hand) {
  // Goal: __zone_watermark_ok fails at exactly free == floor + reserve and
  // passes one page above, for each family.  By hand, mark M = 128:
  //   GFP_KERNEL 0x840: no RESERVES: floor 128 (+ highatomic 512 subtracted from free)
  //   GFP_ATOMIC 0x830: MIN_RESERVE 128 - 64 = 64, NON_BLOCK 64 - 16 = 48 (3/8 M)
  //   GFP_NOWAIT 0x850: NON_BLOCK alone gives no discount: 128; but NON_BLOCK is
  //                     in ALLOC_RESERVES, so the highatomic reserve is not subtracted
  //   GFP_KERNEL|__GFP_HIGH 0x860: MIN_RESERVE alone: 128 - 64 = 64 (min/2)
  //   __GFP_HIGH alone 0x30: non-blocking, so NON_BLOCK too: 48
  //   ALLOC_OOM: 128 - 64 = 64;  OOM with MIN_RESERVE|NON_BLOCK: 48 - 24 = 24
  //   lowmem_reserve[NORMAL] = 48 is added when highest_zoneidx is NORMAL
  //   order 2: (1 << 2) - 1 = 3 pages are unusable, so the floor moves up by 3
  // And an odd mark, M = 101, for the integer divisions:
  //   ATOMIC: 101 - 101/2 = 51, 51 - 51/4 = 39 (not 37.875); HIGH: 51; OOM: 51
  const std::vector<boundary_case> cases = {
      {"GFP_KERNEL", 128, 0, 0, ZONE_DMA32, 0x840, 128},
      {"GFP_KERNEL with lowmem_reserve", 128, 0, 0, ZONE_NORMAL, 0x840, 176},
      {"GFP_KERNEL with 512 highatomic", 128, 512, 0, ZONE_DMA32, 0x840, 640},
      {"GFP_ATOMIC", 128, 0, 0, ZONE_DMA32, 0x830, 48},
      {"GFP_ATOMIC with lowmem_reserve", 128, 0, 0, ZONE_NORMAL, 0x830, 96},
      {"GFP_ATOMIC with 512 highatomic", 128, 512, 0, ZONE_DMA32, 0x830, 48},
      {"GFP_ATOMIC|__GFP_NOMEMALLOC", 128, 0, 0, ZONE_DMA32, 0x820, 64},
      {"GFP_NOWAIT", 128, 0, 0, ZONE_DMA32, 0x850, 128},
      {"GFP_NOWAIT with 512 highatomic", 128, 512, 0, ZONE_DMA32, 0x850, 128},
      {"GFP_KERNEL|__GFP_HIGH", 128, 0, 0, ZONE_DMA32, 0x860, 64},
      {"GFP_KERNEL|__GFP_HIGH with 512 highatomic", 128, 512, 0, ZONE_DMA32, 0x860, 64},
      {"__GFP_HIGH alone", 128, 0, 0, ZONE_DMA32, 0x30, 48},
      {"ALLOC_OOM", 128, 0, 0, ZONE_DMA32, ALLOC_WMARK_MIN | ALLOC_OOM, 64},
      {"ALLOC_OOM with 512 highatomic", 128, 512, 0, ZONE_DMA32, ALLOC_WMARK_MIN | ALLOC_OOM, 64},
      {"ALLOC_OOM|MIN_RESERVE|NON_BLOCK", 128, 0, 0, ZONE_DMA32,
       ALLOC_OOM | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 24},
      {"ALLOC_NO_WATERMARKS is the caller's business", 128, 0, 0, ZONE_DMA32, ALLOC_NO_WATERMARKS, 128},
      {"GFP_KERNEL order 2", 128, 0, 2, ZONE_DMA32, 0x840, 131},
      {"GFP_ATOMIC order 2", 128, 0, 2, ZONE_DMA32, 0xA30, 51},
      {"odd mark: GFP_KERNEL", 101, 0, 0, ZONE_DMA32, 0x840, 101},
      {"odd mark: GFP_ATOMIC", 101, 0, 0, ZONE_DMA32, 0x830, 39},
      {"odd mark: GFP_KERNEL|__GFP_HIGH", 101, 0, 0, ZONE_DMA32, 0x860, 51},
      {"odd mark: ALLOC_OOM", 101, 0, 0, ZONE_DMA32, ALLOC_OOM, 51},
  };
  for (const boundary_case& c : cases) {
    zone z = test_zone(c.mark, c.highatomic);
    EXPECT_FALSE(zone_watermark_ok(z, c.order, c.mark, c.highest, c.alloc_flags, c.fails_at))
        << c.what << ": must fail at free == " << c.fails_at;
    EXPECT_TRUE(zone_watermark_ok(z, c.order, c.mark, c.highest, c.alloc_flags, c.fails_at + 1))
        << c.what << ": must pass at free == " << c.fails_at + 1;
    EXPECT_EQ(lowest_passing(z, c.order, c.highest, c.alloc_flags), c.fails_at + 1) << c.what;
    if (c.order == 0) {
      z.free_pages = c.fails_at;
      EXPECT_FALSE(zone_watermark_fast(z, 0, c.mark, c.highest, c.alloc_flags)) << c.what << " (fast)";
      z.free_pages = c.fails_at + 1;
      EXPECT_TRUE(zone_watermark_fast(z, 0, c.mark, c.highest, c.alloc_flags)) << c.what << " (fast)";
    }
  }
}

TEST(zone_watermark_ok, order_above_zero_needs_a_usable_block) {
  // Goal: for order > 0, enough free pages is not enough: a free block of at
  // least that order must exist on a list the request may use; the
  // MIGRATE_HIGHATOMIC list counts only for ALLOC_HIGHATOMIC or ALLOC_OOM.
  // Method: M = 128, free = 1000 (far above every floor), order 2, with the
  // free blocks placed by hand.
  const long free_pages = 1000;
  zone z = test_zone(128);
  z.area[MAX_PAGE_ORDER].nr_free_list[MIGRATE_PCPTYPES_MERGED] = 0;
  z.area[1].nr_free_list[MIGRATE_PCPTYPES_MERGED] = 500;  // only order-1 blocks
  EXPECT_FALSE(zone_watermark_ok(z, 2, 128, ZONE_DMA32, 0x840, free_pages)) << "order-1 blocks do not serve order 2";
  EXPECT_TRUE(zone_watermark_ok(z, 1, 128, ZONE_DMA32, 0x840, free_pages));
  z.area[3].nr_free_list[MIGRATE_HIGHATOMIC] = 1;  // and one order-3 block in the highatomic reserve
  EXPECT_FALSE(zone_watermark_ok(z, 2, 128, ZONE_DMA32, 0x840, free_pages)) << "GFP_KERNEL may not use HIGHATOMIC";
  EXPECT_FALSE(zone_watermark_ok(z, 2, 128, ZONE_DMA32, 0x820, free_pages))
      << "GFP_ATOMIC|__GFP_NOMEMALLOC has no ALLOC_HIGHATOMIC";
  EXPECT_TRUE(zone_watermark_ok(z, 2, 128, ZONE_DMA32, 0xA30, free_pages)) << "GFP_ATOMIC order 2 has ALLOC_HIGHATOMIC";
  EXPECT_TRUE(zone_watermark_ok(z, 2, 128, ZONE_DMA32, 0xA50, free_pages)) << "GFP_NOWAIT order 2 has ALLOC_HIGHATOMIC";
  EXPECT_TRUE(zone_watermark_ok(z, 2, 128, ZONE_DMA32, ALLOC_OOM, free_pages)) << "ALLOC_OOM may use HIGHATOMIC";
  z.area[4].nr_free_list[MIGRATE_PCPTYPES_MERGED] = 1;  // an ordinary block of a higher order serves too
  EXPECT_TRUE(zone_watermark_ok(z, 2, 128, ZONE_DMA32, 0x840, free_pages));
  EXPECT_EQ(zone_watermark_unusable_free(z, 3, 0x840), 7);
  z.nr_reserved_highatomic = 512;
  EXPECT_EQ(zone_watermark_unusable_free(z, 3, 0x840), 7 + 512);
  EXPECT_EQ(zone_watermark_unusable_free(z, 3, 0x850), 7) << "NON_BLOCK is a reserve flag";
}

TEST(watermark_end_to_end, kernel_fails_at_min_where_atomic_goes_on_to_three_eighths) {
  // Goal: on a real world, GFP_KERNEL stops at exactly free == min while
  // GFP_ATOMIC goes on down to 3/8 of min.  Method: one NORMAL zone of 1024
  // pages (min 64, low 80; pcp batch 1, so each order-0 allocation takes
  // exactly one page from the buddy lists), no page cache, no OOM victim.
  //   GFP_KERNEL|__GFP_NORETRY: fast path while free > 80 (low), slow path at
  //     min while free > 64: 1024 - 64 = 960 pages, then it fails (no reclaim
  //     progress, NORETRY: no OOM).
  //   GFP_ATOMIC: floor 64 - 32 - 8 = 24: 64 - 24 = 40 more pages, then it fails.
  report_sink sink;
  world_config config = one_zone();
  config.checks = check_level::incremental;
  world w(config, sink);
  ASSERT_EQ(w.zone_at(0).watermark[WMARK_MIN], 64);
  std::vector<page*> kernel_pages = allocate_until_failure(w, GFP_KERNEL | __GFP_NORETRY);
  EXPECT_EQ(kernel_pages.size(), 960u);
  EXPECT_EQ(w.zone_at(0).free_pages, 64) << "GFP_KERNEL must stop at free == min";
  std::vector<page*> atomic_pages = allocate_until_failure(w, GFP_ATOMIC);
  EXPECT_EQ(atomic_pages.size(), 40u);
  EXPECT_EQ(w.zone_at(0).free_pages, 24) << "GFP_ATOMIC must stop at free == 3/8 min";
  EXPECT_EQ(w.alloc_pages(GFP_KERNEL | __GFP_NORETRY, 0), nullptr);
  EXPECT_EQ(w.stats().oom_kills, 0u);
  w.end_operation();
  free_all(w, atomic_pages);
  free_all(w, kernel_pages);
  w.teardown_check();
  expect_silent(sink);
}

TEST(watermark_end_to_end, lowmem_reserve_protects_dma32_from_normal_requests) {
  // Goal: a request that may use NORMAL (highest_zoneidx NORMAL) leaves DMA32
  // at min + lowmem_reserve[NORMAL] = 64 + 48 = 112, while a __GFP_DMA32
  // request (highest DMA32, reserve 0) goes down to 64.  Method: the default
  // zones, no OOM victim; by hand (NORMAL pcp batch 3, DMA32 batch 1):
  //   fast path (low 240): NORMAL buddy 12288 -> 240 in 4016 refills of 3; the
  //     last refill hands out one page and keeps two on the per-CPU list, which
  //     stay unused while NORMAL fails its mark: get_page_from_freelist checks
  //     the zone's (buddy) free pages before it looks at the list, as the kernel
  //     does.  4015 * 3 + 1 = 12046 pages.
  //   then DMA32 (low 80 + reserve 48 = 128): 4096 -> 128, 3968 pages
  //   slow path (min 192): NORMAL takes its two listed pages, then 16 refills
  //     192 + 48 -> 192 leave two listed again: 2 + 48 - 2 = 48 pages
  //   DMA32 at min + reserve = 64 + 48 = 112: 128 -> 112, 16 pages
  //   in all 12046 + 3968 + 48 + 16 = 16078 GFP_KERNEL pages, two left on the
  //   NORMAL list; then GFP_KERNEL|__GFP_DMA32 (reserve 0): 112 -> 64 (48)
  report_sink sink;
  world_config config;
  config.zones = {{ZONE_DMA32, 4096}, {ZONE_NORMAL, 12288}};
  config.oom_victim_pages = 0;
  world w(config, sink);
  std::vector<page*> kernel_pages = allocate_until_failure(w, GFP_KERNEL | __GFP_NORETRY);
  EXPECT_EQ(kernel_pages.size(), 16078u);
  EXPECT_EQ(w.zone_at(1).free_pages, 192);
  EXPECT_EQ(w.zone_at(0).free_pages, 112);
  EXPECT_EQ(w.this_cpu().pcp[1].count, 2);
  std::vector<page*> dma32_pages = allocate_until_failure(w, GFP_KERNEL | __GFP_DMA32 | __GFP_NORETRY);
  EXPECT_EQ(dma32_pages.size(), 48u);
  EXPECT_EQ(w.zone_at(0).free_pages, 64);
  for (page* p : dma32_pages) EXPECT_EQ(p->zone, 0u) << "a __GFP_DMA32 page outside DMA32";
  w.end_operation();
  free_all(w, dma32_pages);
  free_all(w, kernel_pages);
  w.teardown_check();
  expect_silent(sink);
}

}  // namespace
}  // namespace labyrinth
