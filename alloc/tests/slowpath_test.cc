// The allocation slow path (page_alloc.cc, reclaim.cc) against reference §2:
// what each request family may do when the zone is at its min mark
// (reclaim, retry, OOM, reserves), kswapd, __GFP_ZERO, page poisoning, and
// the highatomic reserve's life cycle.
//
// Most tests use one NORMAL zone of 1024 pages (min 64, low 80, high 96, pcp
// batch 1 and high 80) brought to its min mark by __GFP_NOWARN allocations
// (gfp 0x2000: no reclaim, no kswapd wakeup, no reserve discount), so the
// buddy lists hold exactly 64 free pages and the next GFP_KERNEL request
// must enter the slow path beyond the first freelist attempt.
#include <gtest/gtest.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "alloc/poison.h"
#include "alloc/tests/test_support.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

using alloc_test::allocate_until_failure;
using alloc_test::contains;
using alloc_test::expect_one;
using alloc_test::expect_silent;
using alloc_test::free_all;
using alloc_test::one_zone;
using alloc_test::rig;

// kswapd makes no progress (its fault site fires, outcome 0): only direct
// reclaim can free page cache, so the tests see what the request itself may do.
constexpr const char* kswapd_off = "kswapd:probability=100,times=-1,verbose=0";

rig quiet_rig(const world_config& config, const char* faults) {
  return rig(config, std::make_unique<fi::quiet_source>(), faults);
}

std::vector<page*> fill_cache(world& w, page_cache_kind kind, unsigned count) {
  std::vector<page*> pages;
  for (unsigned i = 0; i < count; ++i) {
    page* p = w.add_to_page_cache(GFP_KERNEL, kind);
    if (!p) break;
    pages.push_back(p);
  }
  return pages;
}

// Allocates __GFP_NOWARN pages until the zone sits at its min mark.
std::vector<page*> drain_to_min(world& w) {
  std::vector<page*> held = allocate_until_failure(w, __GFP_NOWARN);
  EXPECT_EQ(w.zone_at(0).free_pages, w.zone_at(0).watermark[WMARK_MIN]) << "the drain must stop at free == min";
  return held;
}

unsigned still_cached(const std::vector<page*>& pages) {
  unsigned count = 0;
  for (const page* p : pages) count += (p->flags & PG_lru) ? 1 : 0;
  return count;
}

TEST(slowpath, nowait_and_atomic_never_reclaim_or_sleep) {
  // Goal: GFP_NOWAIT and GFP_ATOMIC fail at `!can_direct_reclaim -> nopage`:
  // no direct reclaim, no sleep, even with reclaimable page cache around.
  // Method: 100 clean cache pages, the zone at min, then both families inside
  // spin_lock_irqsave (a sleep there would be reported).  NOWAIT's floor is
  // min itself (fails at once); ATOMIC's is 24: 40 more pages.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<page*> cache = fill_cache(w, page_cache_kind::clean, 100);
  std::vector<page*> held = drain_to_min(w);
  spinlock_t lock = w.make_lock("client_lock");
  irq_flags_t flags = w.spin_lock_irqsave(lock);
  EXPECT_EQ(w.alloc_pages(GFP_NOWAIT, 0), nullptr);
  std::vector<page*> atomic_pages = allocate_until_failure(w, GFP_ATOMIC);
  w.spin_unlock_irqrestore(lock, flags);
  EXPECT_EQ(atomic_pages.size(), 40u);
  EXPECT_EQ(w.stats().direct_reclaims, 0u);
  EXPECT_EQ(w.stats().pages_reclaimed, 0u);
  EXPECT_EQ(w.page_cache_pages(), 100u);
  EXPECT_TRUE(w.kswapd_pending()) << "both wake kswapd (__GFP_KSWAPD_RECLAIM)";
  EXPECT_EQ(w.stats().kswapd_runs, 0u) << "but nothing scheduled it";
  free_all(w, atomic_pages);
  free_all(w, held);
  w.teardown_check();
  expect_silent(sink);
}

TEST(slowpath, failure_is_logged_as_warn_alloc_prints_it) {
  // Goal: a failed request without __GFP_NOWARN leaves warn_alloc's line in
  // the log, "<comm>: page allocation failure: order:<n>, mode:<%#x>(<%pGg>)"
  // (built by appending: the expected text here comes from snprintf), and a
  // __GFP_NOWARN failure leaves none.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<page*> held = drain_to_min(w);
  ASSERT_TRUE(w.log().empty());
  EXPECT_EQ(w.alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0), nullptr);
  EXPECT_TRUE(w.log().empty()) << w.log().front();
  const gfp_t warns = GFP_NOWAIT & ~__GFP_NOWARN;  // GFP_NOWAIT itself carries __GFP_NOWARN
  const gfp_t masks[] = {warns, warns | __GFP_ZERO};
  for (gfp_t gfp : masks) {
    EXPECT_EQ(w.alloc_pages(gfp, 1), nullptr);
    char expected[160];
    std::snprintf(expected, sizeof expected, "labyrinth: page allocation failure: order:1, mode:%#x(%s)", gfp,
                  format_gfp(gfp).c_str());
    ASSERT_FALSE(w.log().empty());
    EXPECT_EQ(w.log().back(), expected);
  }
  EXPECT_EQ(w.log().size(), 2u);
  free_all(w, held);
  w.teardown_check();
  expect_silent(sink);
}

TEST(slowpath, failure_warnings_are_rate_limited_as_warn_alloc_does) {
  // Goal: warn_alloc's nopage_rs lets DEFAULT_RATELIMIT_BURST (10) lines
  // through per interval; a run is one interval, so the 11th and later
  // failures are counted and reported as "warn_alloc: N callbacks suppressed"
  // when the log is taken.  A restored world starts with a fresh limit.
  report_sink sink;
  world pristine(one_zone(), sink);
  world w(one_zone(), sink);
  for (int round = 0; round < 2; ++round) {
    w.restore(pristine, sink, nullptr);
    std::vector<page*> held = drain_to_min(w);
    const gfp_t warns = GFP_NOWAIT & ~__GFP_NOWARN;
    for (int i = 0; i < 13; ++i) EXPECT_EQ(w.alloc_pages(warns, 0), nullptr);
    EXPECT_EQ(w.log().size(), 10u);
    std::vector<std::string> log = w.take_log();
    ASSERT_EQ(log.size(), 11u);
    EXPECT_TRUE(contains(log[9], "page allocation failure")) << log[9];
    EXPECT_EQ(log[10], "warn_alloc: 3 callbacks suppressed");
    EXPECT_TRUE(w.take_log().empty()) << "the count is reported once";
    free_all(w, held);
  }
  expect_silent(sink);
}

TEST(slowpath, kernel_direct_reclaim_frees_page_cache) {
  // Goal: GFP_KERNEL at the min mark direct-reclaims page cache and then
  // succeeds.  By hand (kswapd off): one try_to_free_pages of
  // SWAP_CLUSTER_MAX = 32 clean pages, freed to the per-CPU list (32 < high
  // 80), so the retry at min still sees 64 buddy pages and fails; then
  // drain_all_pages moves the 32 to the buddy lists (96 > 64) and the second
  // retry succeeds: 1 direct reclaim, 32 pages reclaimed, 168 left cached.
  rig r = quiet_rig(one_zone(), kswapd_off);
  world& w = *r.w;
  std::vector<page*> cache = fill_cache(w, page_cache_kind::clean, 200);
  std::vector<page*> held = drain_to_min(w);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  held.push_back(p);
  EXPECT_EQ(w.stats().direct_reclaims, 1u);
  EXPECT_EQ(w.stats().pages_reclaimed, 32u);
  EXPECT_EQ(w.page_cache_pages(), 168u);
  EXPECT_EQ(w.stats().oom_kills, 0u);
  free_all(w, held);
  w.teardown_check();
  expect_silent(r.sink);
}

struct reclaim_case {
  const char* what;
  gfp_t gfp;
  bool noio_scope;
  page_cache_kind protected_kind;  // what this request may not reclaim
};

TEST(slowpath, noio_and_nofs_reclaim_only_what_they_may) {
  // Goal: GFP_NOIO cannot reclaim swap-backed pages (swap-out needs
  // __GFP_IO), GFP_NOFS cannot reclaim dirty pages (writeback needs
  // __GFP_FS); only clean pages go; a memalloc_noio scope turns GFP_KERNEL
  // into GFP_NOIO.  Method (kswapd off): 100 protected pages (oldest, so
  // reclaim meets them first) + 50 clean ones; the zone at min.
  //   a NORETRY request with only the protected pages reclaimable fails, no OOM;
  //   then with the clean ones it succeeds, 32 clean pages reclaimed, every
  //   protected page still cached.
  const std::vector<reclaim_case> cases = {
      {"GFP_NOIO", GFP_NOIO, false, page_cache_kind::swapbacked},
      {"GFP_KERNEL in memalloc_noio scope", GFP_KERNEL, true, page_cache_kind::swapbacked},
      {"GFP_NOFS", GFP_NOFS, false, page_cache_kind::dirty},
  };
  for (const reclaim_case& c : cases) {
    SCOPED_TRACE(c.what);
    rig r = quiet_rig(one_zone(), kswapd_off);
    world& w = *r.w;
    std::vector<page*> protected_pages = fill_cache(w, c.protected_kind, 100);
    std::vector<page*> held = drain_to_min(w);
    unsigned scope = c.noio_scope ? w.memalloc_noio_save() : 0;
    EXPECT_EQ(w.alloc_pages(c.gfp | __GFP_NORETRY, 0), nullptr);
    EXPECT_EQ(w.stats().direct_reclaims, 1u);
    EXPECT_EQ(w.stats().pages_reclaimed, 0u);
    EXPECT_EQ(w.stats().oom_kills, 0u);
    if (c.noio_scope) w.memalloc_noio_restore(scope);
    // Make room for 50 clean pages: give back 50 of the held ones.
    for (int i = 0; i < 50; ++i) {
      w.__free_pages(held.back(), 0);
      held.pop_back();
    }
    w.drain_local_pages();
    std::vector<page*> clean = fill_cache(w, page_cache_kind::clean, 50);
    ASSERT_EQ(clean.size(), 50u);
    scope = c.noio_scope ? w.memalloc_noio_save() : 0;
    page* p = w.alloc_pages(c.gfp, 0);
    if (c.noio_scope) w.memalloc_noio_restore(scope);
    ASSERT_NE(p, nullptr);
    held.push_back(p);
    EXPECT_EQ(w.stats().pages_reclaimed, 32u);
    EXPECT_EQ(still_cached(protected_pages), 100u) << "a protected page was reclaimed";
    EXPECT_EQ(still_cached(clean), 18u);
    free_all(w, held);
    w.teardown_check();
    expect_silent(r.sink);
  }
}

TEST(slowpath, kernel_reclaims_dirty_and_swapbacked_pages) {
  // Goal: the twin: GFP_KERNEL has IO and FS, so the same protected pages do
  // go (32 of them, oldest first).
  for (page_cache_kind kind : {page_cache_kind::dirty, page_cache_kind::swapbacked}) {
    SCOPED_TRACE(page_cache_kind_name(kind));
    rig r = quiet_rig(one_zone(), kswapd_off);
    world& w = *r.w;
    std::vector<page*> cache = fill_cache(w, kind, 100);
    std::vector<page*> held = drain_to_min(w);
    page* p = w.alloc_pages(GFP_KERNEL | __GFP_NORETRY, 0);
    ASSERT_NE(p, nullptr);
    held.push_back(p);
    EXPECT_EQ(w.stats().pages_reclaimed, 32u);
    EXPECT_EQ(still_cached(cache), 68u);
    free_all(w, held);
    w.teardown_check();
    expect_silent(r.sink);
  }
}

TEST(slowpath, noretry_and_retry_mayfail_fail_without_oom) {
  // Goal: with nothing reclaimable and an OOM victim available,
  // __GFP_NORETRY gives up after one reclaim attempt and
  // __GFP_RETRY_MAYFAIL after should_reclaim_retry says no; neither kills.
  // Then plain GFP_KERNEL does: the victim's 64 pages go to the per-CPU list,
  // where the min-mark check (NR_FREE_PAGES counts buddy pages only) does not
  // see them, so the next round chooses the current task, which as an OOM
  // victim gets ALLOC_OOM (min/2 = 32) and succeeds: two kills.
  report_sink sink;
  world_config config = one_zone();
  config.oom_victim_pages = 64;
  world w(config, sink);
  std::vector<page*> held = drain_to_min(w);
  EXPECT_EQ(w.alloc_pages(GFP_KERNEL | __GFP_NORETRY, 0), nullptr);
  EXPECT_EQ(w.stats().oom_kills, 0u);
  EXPECT_EQ(w.stats().direct_reclaims, 1u);
  EXPECT_EQ(w.alloc_pages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 0), nullptr);
  EXPECT_EQ(w.stats().oom_kills, 0u);
  EXPECT_EQ(w.stats().direct_reclaims, 2u);
  EXPECT_FALSE(w.current().oom_victim);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  held.push_back(p);
  EXPECT_EQ(w.stats().oom_kills, 2u) << "first the victim process, then the current task";
  EXPECT_TRUE(w.current().oom_victim);
  free_all(w, held);
  w.teardown_check();
  expect_silent(sink);
}

TEST(slowpath, costly_order_gives_up_without_retry_mayfail) {
  // Goal: order 4 (> PAGE_ALLOC_COSTLY_ORDER 3) without RETRY_MAYFAIL gives
  // up after one reclaim attempt; with NORETRY it gives up before reclaiming
  // at all (early compaction never helps in the model); with RETRY_MAYFAIL it
  // retries but skips the OOM killer (order > 3).  None kills.  An order-3
  // request in the same state does reach the OOM step.
  report_sink sink;
  world_config config = one_zone();
  config.oom_victim_pages = 64;
  world w(config, sink);
  std::vector<page*> held = drain_to_min(w);
  EXPECT_EQ(w.alloc_pages(GFP_KERNEL | __GFP_NORETRY, 4), nullptr);
  EXPECT_EQ(w.stats().direct_reclaims, 0u) << "costly NORETRY must not reclaim";
  EXPECT_EQ(w.alloc_pages(GFP_KERNEL, 4), nullptr);
  EXPECT_EQ(w.stats().direct_reclaims, 1u);
  EXPECT_EQ(w.alloc_pages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 4), nullptr);
  EXPECT_EQ(w.stats().oom_kills, 0u);
  page* p = w.alloc_pages(GFP_KERNEL, 3);
  ASSERT_NE(p, nullptr);
  EXPECT_GE(w.stats().oom_kills, 1u);
  w.__free_pages(p, 3);
  free_all(w, held);
  w.teardown_check();
  expect_silent(sink);
}

TEST(slowpath, nofail_never_returns_null) {
  // Goal: __GFP_NOFAIL at the min mark with nothing reclaimable: the OOM step
  // kills the victim and then takes a page with ALLOC_NO_WATERMARKS; with no
  // victim left, the current task is chosen and the same follows.  Never NULL,
  // no report.
  report_sink sink;
  world_config config = one_zone();
  config.oom_victim_pages = 64;
  world w(config, sink);
  std::vector<page*> held = drain_to_min(w);
  page* first = w.alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(w.stats().oom_kills, 1u);
  held.push_back(first);
  std::vector<page*> more;
  for (int i = 0; i < 8; ++i) {
    page* p = w.alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
    ASSERT_NE(p, nullptr) << "NOFAIL allocation " << i + 2;
    more.push_back(p);
  }
  free_all(w, more);
  free_all(w, held);
  w.teardown_check();
  expect_silent(sink);
}

TEST(slowpath, oom_kill_frees_every_page_of_the_victim) {
  // Goal: the OOM killer's victim exits with all its pages freed, through
  // the batched release (exit_oom_victim_mm: more pages than one mmu_gather
  // flush of 64 and than a folio_batch of 31): 100 pages, each unmapped and
  // freed once; none is left mapped, flagged or allocated.
  report_sink sink;
  world_config config = one_zone();
  config.oom_victim_pages = 100;
  world w(config, sink);
  std::vector<page*> held = drain_to_min(w);
  const uint64_t frees_before = w.stats().frees;
  page* p = w.alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(w.stats().oom_kills, 1u);
  EXPECT_EQ(w.stats().frees - frees_before, 100u);
  EXPECT_NE(std::find(w.log().begin(), w.log().end(), "Out of memory: Killed process 100 (victim), 100 pages"),
            w.log().end());
  for (uint32_t pfn = 0; pfn < w.nr_pages(); ++pfn) {
    const page& q = w.pages_for_test_only()[pfn];
    ASSERT_FALSE(q.flags & PG_oom_victim) << "pfn " << pfn;
    ASSERT_FALSE(q.mapped_mms & (1u << (world::max_mm - 1))) << "pfn " << pfn;
  }
  held.push_back(p);
  free_all(w, held);
  w.teardown_check();
  expect_silent(sink);
}

TEST(slowpath, kswapd_wakes_below_low_and_balances_to_high) {
  // Goal: kswapd is woken by a slow-path entry (the fast path failed at low)
  // when no zone is balanced at high, and when scheduled it reclaims until
  // the zone is above its high mark.  By hand: 200 clean cache pages, the
  // zone at min (64; the drain used no kswapd flag, so kswapd is not yet
  // awake); one GFP_NOWAIT fails and wakes it.  At schedule_point it reclaims
  // 32 pages per round onto the per-CPU list; at 80 (pcp high) 79 go to the
  // buddy lists: 64 + 79 = 143 > 96 after three rounds: 96 pages reclaimed.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<page*> cache = fill_cache(w, page_cache_kind::clean, 200);
  page* above_low = w.alloc_pages(GFP_NOWAIT, 0);
  ASSERT_NE(above_low, nullptr);
  EXPECT_FALSE(w.kswapd_pending()) << "a fast-path allocation must not wake kswapd";
  std::vector<page*> held = drain_to_min(w);
  held.push_back(above_low);
  EXPECT_FALSE(w.kswapd_pending());
  EXPECT_EQ(w.alloc_pages(GFP_NOWAIT, 0), nullptr);
  EXPECT_TRUE(w.kswapd_pending());
  EXPECT_EQ(w.stats().kswapd_wakeups, 1u);
  EXPECT_EQ(w.stats().kswapd_runs, 0u);
  w.schedule_point();
  EXPECT_EQ(w.stats().kswapd_runs, 1u);
  EXPECT_FALSE(w.kswapd_pending());
  EXPECT_EQ(w.stats().pages_reclaimed, 96u);
  EXPECT_EQ(w.zone_at(0).free_pages, 143);
  EXPECT_GT(w.zone_at(0).free_pages, w.zone_at(0).watermark[WMARK_HIGH]);
  EXPECT_EQ(w.stats().direct_reclaims, 0u);
  free_all(w, held);
  w.teardown_check();
  expect_silent(sink);
}

TEST(slowpath, gfp_zero_zeroes_and_poison_fills) {
  // Goal: a page reallocated without __GFP_ZERO holds the free poison (0xaa,
  // verified and left); with __GFP_ZERO it is all zero.  Method: the per-CPU
  // list is LIFO, so freeing and allocating order 0 returns the same page.
  report_sink sink;
  world w(one_zone(), sink);
  const unsigned bytes = w.config().page_bytes;
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  std::memset(w.page_data(p), 0x5a, bytes);
  w.__free_pages(p, 0);
  page* again = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_EQ(again, p);
  for (unsigned i = 0; i < bytes; ++i) ASSERT_EQ(w.page_data(p)[i], PAGE_POISON) << "byte " << i;
  std::memset(w.page_data(p), 0x5a, bytes);
  w.__free_pages(p, 0);
  page* zeroed = w.alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
  ASSERT_EQ(zeroed, p);
  for (unsigned i = 0; i < bytes; ++i) ASSERT_EQ(w.page_data(p)[i], 0) << "byte " << i;
  page* order2 = w.alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
  ASSERT_NE(order2, nullptr);
  for (unsigned i = 0; i < 4 * bytes; ++i) ASSERT_EQ(w.page_data(order2)[i], 0) << "order-2 byte " << i;
  w.__free_pages(order2, 2);
  w.__free_pages(p, 0);
  w.teardown_check();
  expect_silent(sink);
}

TEST(slowpath, poisoning_detects_a_write_to_a_free_page) {
  // Goal: a write into a freed page is caught as "pagealloc: memory
  // corruption": at the page's next allocation (check on allocation), and
  // by the full walk for a page on the buddy lists.  Under ASan the write
  // itself is caught (free page memory is ASan-poisoned), so skip there.
#ifdef LABYRINTH_HAS_ASAN
  GTEST_SKIP() << "ASan build: the use-after-free write is caught by ASan at the access";
#else
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  w.__free_pages(p, 0);
  w.page_data(p)[5] = 0x00;  // use after free
  page* again = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_EQ(again, p);
  expect_one(sink, report_kind::memory_corruption, "pagealloc: memory corruption at pfn:00000 offset 5: 0 instead of 0xaa");
  w.__free_pages(again, 0);
  // The buddy tier: pfn 512 heads a free order-9 block.
  w.page_data(w.pfn_to_page(512))[0] = 0x11;
  w.check_full();
  EXPECT_EQ(sink.count(report_kind::memory_corruption), 2u) << alloc_test::describe(sink);
  EXPECT_EQ(sink.reports().back().title.rfind("pagealloc: memory corruption in free pfn:00200 offset 0", 0), 0u)
      << sink.reports().back().title;
  EXPECT_EQ(sink.bug_count(), 2u) << alloc_test::describe(sink);
#endif
}

TEST(slowpath, highatomic_reserve_taken_and_released_under_pressure) {
  // Goal: an order > 0 atomic allocation from the slow path reserves its
  // pageblock as MIGRATE_HIGHATOMIC; a GFP_KERNEL-class request that cannot
  // use it (the reserve is subtracted from its free pages) and gets no reclaim
  // progress retries, then should_reclaim_retry releases the reserve (force,
  // after MAX_RECLAIM_RETRIES) and the request succeeds.  Method: the
  // scenario of test_support.h's prepare_highatomic_pressure (kswapd off):
  // GFP_NOFS cannot reclaim the dirty cache, but should_reclaim_retry counts
  // it, so it retries: 17 reclaim attempts without progress, then the
  // unreserve, then success.
  world_config config = one_zone(alloc_test::highatomic_zone_pages);
  config.checks = check_level::incremental;
  rig r = quiet_rig(config, kswapd_off);
  world& w = *r.w;
  const zone& z = w.zone_at(0);
  ASSERT_EQ(z.watermark[WMARK_MIN], 452);
  alloc_test::highatomic_pressure s = alloc_test::prepare_highatomic_pressure(w);
  ASSERT_NE(s.atomic, nullptr);
  EXPECT_EQ(w.stats().highatomic_reserved, 1u);
  EXPECT_EQ(z.nr_reserved_highatomic, 512);
  uint32_t reserved_block = w.page_to_pfn(s.atomic) >> pageblock_order;
  EXPECT_EQ(reserved_block, 99u) << "the drained zone's free pages were in its last pageblock";
  EXPECT_EQ(z.pageblock_migratetype[reserved_block], MIGRATE_HIGHATOMIC);
  // The preconditions the scenario is built for:
  const long min = z.watermark[WMARK_MIN];
  ASSERT_GT(z.free_pages, min) << "without the reserve the request would pass";
  ASSERT_LE(z.free_pages - z.nr_reserved_highatomic, min) << "with the reserve subtracted it must fail";
  ASSERT_GT(z.free_pages + 320 - z.nr_reserved_highatomic, min) << "should_reclaim_retry must see a chance";
  uint64_t reclaims_before = w.stats().direct_reclaims;
  page* p = w.alloc_pages(GFP_NOFS, 0);
  ASSERT_NE(p, nullptr) << "the highatomic reserve was not released under pressure";
  s.held.push_back(p);
  EXPECT_EQ(w.stats().highatomic_unreserved, 1u);
  EXPECT_EQ(z.nr_reserved_highatomic, 0);
  EXPECT_EQ(z.pageblock_migratetype[reserved_block], MIGRATE_PCPTYPES_MERGED);
  EXPECT_EQ(w.stats().direct_reclaims - reclaims_before, MAX_RECLAIM_RETRIES + 1);
  EXPECT_EQ(w.stats().pages_reclaimed, 0u);
  EXPECT_EQ(w.stats().oom_kills, 0u);
  EXPECT_EQ(still_cached(s.dirty), 320u);
  w.__free_pages(s.atomic, 4);
  free_all(w, s.held);
  w.teardown_check();
  expect_silent(r.sink);
}

}  // namespace
}  // namespace labyrinth
