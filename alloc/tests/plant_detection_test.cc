// Planted-bug detection: for each planted bug of alloc/ (faultinject/plants.def)
// a scenario that a correct model runs silently and that the matching plant
// turns into the expected report (or, where no oracle exists, the expected
// wrong outcome).  These compile in every build:
//   - in the build with plant X (cmake -DLABYRINTH_PLANT=X), X's test expects
//     the catch;
//   - in the plant-free build, every test expects silence;
//   - in a build with another plant, a test asserts nothing (that plant may
//     legitimately disturb its scenario) and only prints what it saw.
// Run the matching one with --gtest_filter='plant_detection.X_is_caught'.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "alloc/tests/test_support.h"
#include "alloc/world.h"
#include "faultinject/plant.h"

namespace labyrinth {
namespace {

using alloc_test::allocate_until_failure;
using alloc_test::describe;
using alloc_test::expect_silent;
using alloc_test::handler_function;
using alloc_test::interrupt_faults;
using alloc_test::one_zone;
using alloc_test::operation;
using alloc_test::point_source;
using alloc_test::rig;

constexpr bool plant_free = active_plant == plant::none;

// Runs a scenario; a fatal report ends it early (the sink keeps the report).
template <typename Scenario>
void run_guarded(Scenario&& scenario) {
  try {
    scenario();
  } catch (const run_halted&) {
  }
}

void print_outcome(const char* name, const report_sink& sink) {
  std::printf("[ plant    ] build plant '%s', scenario for '%s': %zu bug report(s)\n", plant_name(active_plant), name,
              sink.bug_count());
}

// The expectation every test ends with: the matching plant is caught as
// `caught`, the plant-free build is silent.
template <typename Caught>
void expect_caught_or_silent(plant p, const report_sink& sink, Caught&& caught) {
  print_outcome(plant_name(p), sink);
  if (active_plant == p) {
    SCOPED_TRACE(std::string("planted bug '") + plant_name(p) + "': " + plant_description(p));
    caught();
  } else if (plant_free) {
    expect_silent(sink);
  }
}

void expect_reported(const report_sink& sink, report_kind kind) {
  EXPECT_GE(sink.count(kind), 1u) << "expected a " << report_kind_name(kind) << " report; seen:\n" << describe(sink);
}

constexpr const char* kswapd_off = "kswapd:probability=100,times=-1,verbose=0";

std::vector<page*> fill_cache(world& w, page_cache_kind kind, unsigned count) {
  std::vector<page*> pages;
  for (unsigned i = 0; i < count; ++i)
    if (page* p = w.add_to_page_cache(GFP_KERNEL, kind)) pages.push_back(p);
  return pages;
}

// The zone of one_zone() at its min mark (64 free), drained with __GFP_NOWARN.
std::vector<page*> drain_to_min(world& w) { return allocate_until_failure(w, __GFP_NOWARN); }

TEST(plant_detection, atomic_direct_reclaim_is_caught) {
  // GFP_ATOMIC under spin_lock_irqsave, below its floor, with reclaimable page
  // cache around: a correct slow path fails at !can_direct_reclaim.
  report_sink sink;
  world w(one_zone(), sink);
  uint64_t reclaims_before = 0;
  run_guarded([&] {
    fill_cache(w, page_cache_kind::clean, 100);
    drain_to_min(w);
    reclaims_before = w.stats().direct_reclaims;
    spinlock_t lock = w.make_lock("client_lock");
    irq_flags_t flags = w.spin_lock_irqsave(lock);
    allocate_until_failure(w, GFP_ATOMIC, 0, 100);
    w.spin_unlock_irqrestore(lock, flags);
  });
  expect_caught_or_silent(plant::atomic_direct_reclaim, sink, [&] {
    expect_reported(sink, report_kind::nonblocking_reclaim);
    expect_reported(sink, report_kind::sleep_in_atomic);
  });
  if (plant_free) {
    EXPECT_EQ(w.stats().direct_reclaims, reclaims_before);
  }
}

TEST(plant_detection, atomic_discount_wrong_is_caught) {
  // GFP_ATOMIC from the min mark down: a correct discount stops at 3/8 min
  // (24 of 64: 40 pages); the plant drains the whole reserve.
  report_sink sink;
  world w(one_zone(), sink);
  size_t atomic_pages = 0;
  run_guarded([&] {
    drain_to_min(w);
    atomic_pages = allocate_until_failure(w, GFP_ATOMIC, 0, 100).size();
  });
  expect_caught_or_silent(plant::atomic_discount_wrong, sink,
                          [&] { expect_reported(sink, report_kind::watermark_breach); });
  if (plant_free) {
    EXPECT_EQ(atomic_pages, 40u);
  }
}

TEST(plant_detection, kernel_into_reserve_is_caught) {
  // GFP_KERNEL|__GFP_NORETRY at exactly the min mark must fail.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = nullptr;
  run_guarded([&] {
    drain_to_min(w);
    p = w.alloc_pages(GFP_KERNEL | __GFP_NORETRY, 0);
  });
  expect_caught_or_silent(plant::kernel_into_reserve, sink,
                          [&] { expect_reported(sink, report_kind::watermark_breach); });
  if (plant_free) {
    EXPECT_EQ(p, nullptr);
  }
}

TEST(plant_detection, nomemalloc_ignored_is_caught) {
  // At the atomic floor, GFP_ATOMIC|__GFP_MEMALLOC|__GFP_NOMEMALLOC must not
  // get the emergency reserve (NOMEMALLOC wins).
  report_sink sink;
  world w(one_zone(), sink);
  page* p = nullptr;
  run_guarded([&] {
    drain_to_min(w);
    allocate_until_failure(w, GFP_ATOMIC, 0, 100);
    p = w.alloc_pages(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOMEMALLOC, 0);
  });
  expect_caught_or_silent(plant::nomemalloc_ignored, sink,
                          [&] { expect_reported(sink, report_kind::watermark_breach); });
  if (plant_free) {
    EXPECT_EQ(p, nullptr);
  }
}

TEST(plant_detection, merge_ignores_order_is_caught) {
  // buddy_test.cc's picture: orders 4, 4, 5 at 0, 16, 32; free 0 then 32.
  // 32's order-5 buddy is 0, a free order-4 block: merging it covers the
  // allocated 16..31.
  report_sink sink;
  world w(one_zone(), sink);
  run_guarded([&] {
    page *a = nullptr, *b = nullptr, *c = nullptr;
    operation(w, [&] {
      a = w.alloc_pages(GFP_KERNEL, 4);
      b = w.alloc_pages(GFP_KERNEL, 4);
      c = w.alloc_pages(GFP_KERNEL, 5);
    });
    operation(w, [&] { w.__free_pages(a, 4); });
    operation(w, [&] { w.__free_pages(c, 5); });
    operation(w, [&] { w.__free_pages(b, 4); });
  });
  expect_caught_or_silent(plant::merge_ignores_order, sink,
                          [&] { expect_reported(sink, report_kind::free_list_corrupt); });
}

TEST(plant_detection, expand_loses_half_is_caught) {
  // One order-0 page from a fresh block: the split must put back one block of
  // each order 0..9; the full walk finds any page missing.
  report_sink sink;
  world w(one_zone(), sink);
  run_guarded([&] {
    page* p = nullptr;
    operation(w, [&] { p = w.alloc_pages(GFP_KERNEL, 0); });
    operation(w, [&] { w.__free_pages(p, 0); });
  });
  expect_caught_or_silent(plant::expand_loses_half, sink, [&] { expect_reported(sink, report_kind::leak); });
}

TEST(plant_detection, pcp_irq_unsafe_is_caught) {
  // A hardirq at pcp_alloc whose handler allocates, under both disciplines:
  // a correct discipline keeps it out of the list (irqsave: only an NMI can
  // arrive; trylock: it falls back to the buddy).
  for (pcp_discipline discipline : {pcp_discipline::irqsave, pcp_discipline::trylock}) {
    SCOPED_TRACE(pcp_discipline_name(discipline));
    world_config config = one_zone();
    config.pcp = discipline;
    rig r(config, std::make_unique<point_source>(irq_point::pcp_alloc, interrupt_kind::hardirq), interrupt_faults);
    handler_function handler([](world& w, interrupt_kind kind, irq_point) {
      if (kind == interrupt_kind::nmi) return;
      if (page* p = w.alloc_pages(GFP_ATOMIC, 0)) w.__free_pages(p, 0);
    });
    r.w->set_interrupt_handler(&handler);
    run_guarded([&] {
      page* p = nullptr;
      operation(*r.w, [&] { p = r.w->alloc_pages(GFP_KERNEL, 0); });
      if (p) operation(*r.w, [&] { r.w->__free_pages(p, 0); });
    });
    expect_caught_or_silent(plant::pcp_irq_unsafe, r.sink,
                            [&] { expect_reported(r.sink, report_kind::pcp_reentered); });
  }
}

TEST(plant_detection, pcp_count_drift_is_caught) {
  // One order-0 allocation through the per-CPU list; the incremental check
  // compares pcp->count with the pages actually listed.
  report_sink sink;
  world_config config = one_zone();
  config.checks = check_level::incremental;
  world w(config, sink);
  run_guarded([&] {
    page* p = nullptr;
    operation(w, [&] { p = w.alloc_pages(GFP_KERNEL, 0); });
    operation(w, [&] { w.__free_pages(p, 0); });
  });
  expect_caught_or_silent(plant::pcp_count_drift, sink, [&] { expect_reported(sink, report_kind::counter_corrupt); });
}

TEST(plant_detection, drain_loses_pages_is_caught) {
  // A page freed to the per-CPU list, then drained: it must reach the buddy.
  report_sink sink;
  world w(one_zone(), sink);
  run_guarded([&] {
    page* p = nullptr;
    operation(w, [&] { p = w.alloc_pages(GFP_KERNEL, 0); });
    operation(w, [&] { w.__free_pages(p, 0); });
    operation(w, [&] { w.drain_local_pages(); });
  });
  expect_caught_or_silent(plant::drain_loses_pages, sink, [&] { expect_reported(sink, report_kind::leak); });
}

TEST(plant_detection, pcp_double_handout_is_caught) {
  // Two order-0 allocations must be two different pages.
  report_sink sink;
  world w(one_zone(), sink);
  page *a = nullptr, *b = nullptr;
  run_guarded([&] {
    operation(w, [&] { a = w.alloc_pages(GFP_KERNEL, 0); });
    operation(w, [&] { b = w.alloc_pages(GFP_KERNEL, 0); });
  });
  expect_caught_or_silent(plant::pcp_double_handout, sink,
                          [&] { expect_reported(sink, report_kind::page_allocated_twice); });
  if (plant_free) {
    EXPECT_NE(a, b);
  }
}

TEST(plant_detection, exclusive_no_mapcount_check_is_caught) {
  // A second exclusive mapping of a mapped page must be refused.
  report_sink sink;
  world w(one_zone(), sink);
  int second = 0;
  run_guarded([&] {
    page* p = w.alloc_pages(GFP_KERNEL, 0);
    w.map_anon_page(0, p, true);
    second = w.map_anon_page(1, p, true);
  });
  expect_caught_or_silent(plant::exclusive_no_mapcount_check, sink,
                          [&] { expect_reported(sink, report_kind::exclusive_mapped_twice); });
  if (plant_free) {
    EXPECT_EQ(second, -EBUSY);
  }
}

TEST(plant_detection, free_mapped_accepted_is_caught) {
  // A client frees a page that is still mapped (it drops the mapping's
  // reference with put_page instead of unmapping).  A correct
  // free_pages_prepare reports bad page state and keeps the page out of
  // circulation; accepted, the still-mapped page lands on the per-CPU list
  // and the full walk finds a free page with a mapping.
  report_sink sink;
  world w(one_zone(), sink);
  run_guarded([&] {
    page* p = w.alloc_pages(GFP_KERNEL, 0);
    w.map_anon_page(0, p, false);
    operation(w, [&] {
      w.__free_pages(p, 0);
      w.put_page(p);  // the client's bug
    });
  });
  print_outcome("free_mapped_accepted", sink);
  if constexpr (planted(plant::free_mapped_accepted)) {
    EXPECT_EQ(sink.count(report_kind::bad_page_state), 0u) << describe(sink);
    expect_reported(sink, report_kind::pcp_corrupt);
  } else if constexpr (plant_free) {
    EXPECT_EQ(sink.count(report_kind::bad_page_state), 1u) << describe(sink);
    EXPECT_EQ(sink.bug_count(), 1u) << "the client's bug and nothing else:\n" << describe(sink);
  }
}

TEST(plant_detection, leak_on_error_path_is_caught) {
  // A per-CPU refill that fails half-way (fault site pcp_refill, once): the
  // pages it did take must stay on the list.  NORMAL batch 3: it takes 1.
  world_config config = one_zone();
  config.zones = {{ZONE_DMA32, 4096}, {ZONE_NORMAL, 12288}};
  rig r(config, std::make_unique<fi::quiet_source>(), "pcp_refill:probability=100,times=1,verbose=0");
  run_guarded([&] {
    page* p = nullptr;
    operation(*r.w, [&] { p = r.w->alloc_pages(GFP_KERNEL, 0); });
    operation(*r.w, [&] { r.w->__free_pages(p, 0); });
  });
  expect_caught_or_silent(plant::leak_on_error_path, r.sink, [&] { expect_reported(r.sink, report_kind::leak); });
  EXPECT_EQ(r.faults_injector->state(fi::fault_site::pcp_refill).failures, 1u) << "the refill fault must have fired";
}

TEST(plant_detection, nofail_returns_null_is_caught) {
  // GFP_KERNEL|__GFP_NOFAIL|__GFP_NORETRY at the min mark: NORETRY sends it
  // to nopage, where NOFAIL must fall back to ALLOC_MIN_RESERVE (min/2) and
  // succeed.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = nullptr;
  run_guarded([&] {
    drain_to_min(w);
    p = w.alloc_pages(GFP_KERNEL | __GFP_NOFAIL | __GFP_NORETRY, 0);
  });
  expect_caught_or_silent(plant::nofail_returns_null, sink,
                          [&] { expect_reported(sink, report_kind::nofail_failed); });
  if (plant_free) {
    EXPECT_NE(p, nullptr);
  }
}

TEST(plant_detection, zone_lock_irq_unsafe_is_caught) {
  // zone->lock is taken in task context and in a hardirq (order-4 requests go
  // straight to the buddy lists): it must always be taken with irqs off.
  report_sink sink;
  world w(one_zone(), sink);
  handler_function handler([](world& wd, interrupt_kind, irq_point) {
    if (page* p = wd.alloc_pages(GFP_ATOMIC, 4)) wd.__free_pages(p, 4);
  });
  w.set_interrupt_handler(&handler);
  run_guarded([&] {
    operation(w, [&] { w.__free_pages(w.alloc_pages(GFP_KERNEL, 4), 4); });
    operation(w, [&] { w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops); });
  });
  expect_caught_or_silent(plant::zone_lock_irq_unsafe, sink,
                          [&] { expect_reported(sink, report_kind::lockdep_inconsistent); });
}

TEST(plant_detection, zone_lock_across_reclaim_is_caught) {
  // GFP_KERNEL at the min mark with clean page cache: direct reclaim sleeps,
  // so no spinlock may be held across it (kswapd off: only direct reclaim).
  rig r(one_zone(), std::make_unique<fi::quiet_source>(), kswapd_off);
  page* p = nullptr;
  run_guarded([&] {
    fill_cache(*r.w, page_cache_kind::clean, 100);
    drain_to_min(*r.w);
    p = r.w->alloc_pages(GFP_KERNEL, 0);
  });
  expect_caught_or_silent(plant::zone_lock_across_reclaim, r.sink,
                          [&] { expect_reported(r.sink, report_kind::sleep_in_atomic); });
  if (plant_free) {
    EXPECT_NE(p, nullptr);
  }
}

TEST(plant_detection, highatomic_never_released_is_caught) {
  // slowpath_test.cc's scenario (test_support.h prepare_highatomic_pressure):
  // a HIGHATOMIC pageblock, GFP_NOFS unable to reclaim the dirty cache, and
  // should_reclaim_retry retrying: after MAX_RECLAIM_RETRIES the reserve must
  // be released and the request succeed.  No oracle watches the reserve: the
  // plant shows as the request failing with the reserve still held.
  world_config config = one_zone(alloc_test::highatomic_zone_pages);
  config.checks = check_level::incremental;
  rig r(config, std::make_unique<fi::quiet_source>(), kswapd_off);
  world& w = *r.w;
  page* p = nullptr;
  run_guarded([&] {
    alloc_test::prepare_highatomic_pressure(w);
    p = w.alloc_pages(GFP_NOFS, 0);
  });
  print_outcome("highatomic_never_released", r.sink);
  if constexpr (planted(plant::highatomic_never_released)) {
    EXPECT_EQ(p, nullptr) << "the request succeeded although the reserve was never released";
    EXPECT_EQ(w.stats().highatomic_unreserved, 0u);
    EXPECT_EQ(w.zone_at(0).nr_reserved_highatomic, 512);
  } else if constexpr (plant_free) {
    EXPECT_NE(p, nullptr);
    EXPECT_EQ(w.stats().highatomic_reserved, 1u);
    EXPECT_EQ(w.stats().highatomic_unreserved, 1u);
    expect_silent(r.sink);
  }
}

}  // namespace
}  // namespace labyrinth
