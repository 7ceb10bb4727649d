// The page oracles (page_alloc.cc, rmap.cc, invariants.cc, pcp.cc): each is
// shown firing on a planted violation, with its exact report kind, the first
// words of its title and a count of one, and silent on the matching correct
// use.  Violations are planted honestly where a client can make them (a
// double free, freeing a mapped page, sleeping under a lock); structural
// corruption the allocator itself would have to cause is planted through the
// world's test-only hooks (pages_for_test_only, lists_for_test_only, and the
// public per-CPU state).
//
// Not here: watermark_breach, nonblocking_reclaim and the NOFAIL-returns-NULL
// case of nofail_failed have no honest trigger on a correct model (the
// allocator grants exactly what the oracle allows); plant_detection_test.cc
// shows them firing under the planted bugs kernel_into_reserve,
// atomic_discount_wrong, nomemalloc_ignored, atomic_direct_reclaim and
// nofail_returns_null.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "alloc/preempt.h"
#include "alloc/tests/test_support.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

using alloc_test::allocate_until_failure;
using alloc_test::contains;
using alloc_test::describe;
using alloc_test::expect_one;
using alloc_test::expect_silent;
using alloc_test::fault_config_of;
using alloc_test::first_of;
using alloc_test::free_all;
using alloc_test::handler_function;
using alloc_test::one_zone;
using alloc_test::operation;
using alloc_test::rig;

constexpr const char* sleep_title = "BUG: sleeping function called from invalid context at ";

// The three §6 lines must appear in this order in the report's details.
void expect_sleep_lines(const report& r, const std::string& atomic_line, const std::string& count_line,
                        const std::string& rcu_line) {
  size_t a = r.details.find(atomic_line), b = r.details.find(count_line), c = r.details.find(rcu_line);
  EXPECT_NE(a, std::string::npos) << "missing \"" << atomic_line << "\" in\n" << r.details;
  EXPECT_NE(b, std::string::npos) << "missing \"" << count_line << "\" in\n" << r.details;
  EXPECT_NE(c, std::string::npos) << "missing \"" << rcu_line << "\" in\n" << r.details;
  EXPECT_TRUE(a < b && b < c) << "the §6 lines are out of order:\n" << r.details;
  EXPECT_TRUE(contains(r.title, "page_alloc.cc:")) << r.title;
}

TEST(oracle_sleep_in_atomic, gfp_kernel_under_spin_lock) {
  // Goal: might_alloc() in GFP_KERNEL under spin_lock reports with the §6
  // lines (in_atomic 1, irqs on, preempt_count 1) and the held lock.
  report_sink sink;
  world w(one_zone(), sink);
  spinlock_t lock = w.make_lock("client_lock");
  w.spin_lock(lock);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  w.spin_unlock(lock);
  expect_one(sink, report_kind::sleep_in_atomic, sleep_title);
  ASSERT_EQ(sink.reports().size(), 1u) << describe(sink);
  const report& r = sink.reports()[0];
  expect_sleep_lines(r, "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: labyrinth",
                     "preempt_count: 1, expected: 0", "RCU nest depth: 0, expected: 0");
  EXPECT_TRUE(contains(r.details, "1 lock held by labyrinth/1:\n #0: client_lock#0 (spin_lock")) << r.details;
  ASSERT_NE(p, nullptr) << "the kernel reports and carries on: the allocation still succeeds";
  w.__free_pages(p, 0);
}

TEST(oracle_sleep_in_atomic, gfp_kernel_under_spin_lock_irqsave) {
  // Goal: the same under spin_lock_irqsave: in_atomic 1 and irqs_disabled 1.
  report_sink sink;
  world w(one_zone(), sink);
  spinlock_t lock = w.make_lock("client_lock");
  irq_flags_t flags = w.spin_lock_irqsave(lock);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  w.spin_unlock_irqrestore(lock, flags);
  expect_one(sink, report_kind::sleep_in_atomic, sleep_title);
  ASSERT_EQ(sink.reports().size(), 1u) << describe(sink);
  expect_sleep_lines(sink.reports()[0], "in_atomic(): 1, irqs_disabled(): 1, non_block: 0",
                     "preempt_count: 1, expected: 0", "RCU nest depth: 0, expected: 0");
  if (p) w.__free_pages(p, 0);
}

TEST(oracle_sleep_in_atomic, gfp_kernel_in_hardirq) {
  // Goal: GFP_KERNEL in a hardirq handler: preempt_count 10000 (HARDIRQ_OFFSET), irqs off.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = nullptr;
  handler_function handler([&](world& wd, interrupt_kind, irq_point) { p = wd.alloc_pages(GFP_KERNEL, 0); });
  w.set_interrupt_handler(&handler);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  expect_one(sink, report_kind::sleep_in_atomic, sleep_title);
  ASSERT_EQ(sink.reports().size(), 1u) << describe(sink);
  expect_sleep_lines(sink.reports()[0], "in_atomic(): 1, irqs_disabled(): 1, non_block: 0",
                     "preempt_count: 10000, expected: 0", "RCU nest depth: 0, expected: 0");
  EXPECT_TRUE(contains(sink.reports()[0].details, "context: hardirq")) << sink.reports()[0].details;
  if (p) w.__free_pages(p, 0);
}

TEST(oracle_sleep_in_atomic, gfp_kernel_under_rcu_read_lock) {
  // Goal: an RCU read section is not atomic by preempt_count (preemptible
  // RCU) but sleeping in it is still reported via the RCU nest depth line.
  report_sink sink;
  world w(one_zone(), sink);
  w.rcu_read_lock();
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  w.rcu_read_unlock();
  expect_one(sink, report_kind::sleep_in_atomic, sleep_title);
  ASSERT_EQ(sink.reports().size(), 1u) << describe(sink);
  expect_sleep_lines(sink.reports()[0], "in_atomic(): 0, irqs_disabled(): 0, non_block: 0",
                     "preempt_count: 0, expected: 0", "RCU nest depth: 1, expected: 0");
  if (p) w.__free_pages(p, 0);
}

TEST(oracle_sleep_in_atomic, reported_even_when_the_allocation_is_failed_by_injection) {
  // Goal: might_alloc() runs before should_fail_alloc_page(), so an injected
  // failure does not hide the sleep report (reference §2, §6).
  rig r(one_zone(), std::make_unique<fi::quiet_source>(),
        "fail_page_alloc:probability=100,times=-1,min-order=0,ignore-gfp-wait=N,verbose=0");
  spinlock_t lock = r.w->make_lock("client_lock");
  r.w->spin_lock(lock);
  EXPECT_EQ(r.w->alloc_pages(GFP_KERNEL, 0), nullptr) << "the injected failure";
  r.w->spin_unlock(lock);
  expect_one(r.sink, report_kind::sleep_in_atomic, sleep_title);
}

TEST(oracle_sleep_in_atomic, silent_on_correct_use) {
  // Twin: GFP_KERNEL in task context, GFP_ATOMIC under a spinlock and in
  // hardirq, GFP_NOWAIT under rcu_read_lock: no report.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<page*> pages;
  pages.push_back(w.alloc_pages(GFP_KERNEL, 0));
  spinlock_t lock = w.make_lock("client_lock");
  irq_flags_t flags = w.spin_lock_irqsave(lock);
  pages.push_back(w.alloc_pages(GFP_ATOMIC, 0));
  w.spin_unlock_irqrestore(lock, flags);
  handler_function handler([&](world& wd, interrupt_kind, irq_point) { pages.push_back(wd.alloc_pages(GFP_ATOMIC, 0)); });
  w.set_interrupt_handler(&handler);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  w.rcu_read_lock();
  pages.push_back(w.alloc_pages(GFP_NOWAIT, 0));
  w.rcu_read_unlock();
  for (page* p : pages) ASSERT_NE(p, nullptr);
  free_all(w, pages);
  w.teardown_check();
  expect_silent(sink);
}

TEST(oracle_bad_page_state, freeing_a_page_that_is_still_mapped) {
  // Goal: a client that frees a page while it is still mapped (it drops the
  // mapping's reference with put_page instead of unmapping) gets "Bad page
  // state ... nonzero mapcount", and the page is NOT freed.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(w.map_anon_page(0, p, false), 0);
  EXPECT_EQ(p->refcount, 2);
  w.__free_pages(p, 0);  // the allocation's reference: the mapping's remains
  expect_silent(sink);
  long free_before = w.zone_at(0).free_pages;
  w.put_page(p);  // the bug: the mapping's reference dropped without unmapping
  expect_one(sink, report_kind::bad_page_state, "BUG: Bad page state in process labyrinth  pfn:00000");
  EXPECT_TRUE(contains(sink.reports()[0].details, "page dumped because: nonzero mapcount"))
      << sink.reports()[0].details;
  EXPECT_TRUE(p->flags & PG_bad) << "the page must be taken out of circulation";
  EXPECT_TRUE(w.pcp_list_pfns(0, 0, 0).empty()) << "and not put on a free list";
  EXPECT_EQ(w.zone_at(0).free_pages, free_before);
  w.teardown_check();
  EXPECT_EQ(sink.reports().size(), 1u) << "teardown must accept a page taken out by bad_page():\n" << describe(sink);
}

TEST(oracle_bad_page_state, freeing_with_the_wrong_order) {
  // Goal: an order-1 allocation freed as order 0 is a bad page, not freed.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 1);
  ASSERT_NE(p, nullptr);
  w.__free_pages(p, 0);
  expect_one(sink, report_kind::bad_page_state, "BUG: Bad page state in process labyrinth  pfn:");
  EXPECT_TRUE(contains(sink.reports()[0].details, "page dumped because: freed with order 0"))
      << sink.reports()[0].details;
  EXPECT_TRUE(p->flags & PG_bad);
}

TEST(oracle_bad_page_state, freeing_a_page_cache_page_still_on_the_lru) {
  // Goal: dropping the page cache's reference of a page still in the cache
  // trips the check-at-free flags (PG_lru).
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.add_to_page_cache(GFP_KERNEL, page_cache_kind::clean);
  ASSERT_NE(p, nullptr);
  w.put_page(p);
  expect_one(sink, report_kind::bad_page_state, "BUG: Bad page state in process labyrinth  pfn:");
  EXPECT_TRUE(contains(sink.reports()[0].details, "PAGE_FLAGS_CHECK_AT_FREE")) << sink.reports()[0].details;
}

TEST(oracle_bad_page_state, get_page_on_a_free_page) {
  // Goal: taking a reference to a freed page is reported (use after free).
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  w.__free_pages(p, 0);
  w.get_page(p);
  expect_one(sink, report_kind::bad_page_state, "BUG: Bad page state in process labyrinth  pfn:00000");
  EXPECT_TRUE(contains(sink.reports()[0].details, "get_page() on a free page")) << sink.reports()[0].details;
}

TEST(oracle_bad_page_state, a_tail_page_in_use_at_allocation) {
  // Goal: check_new_pages looks at every page of the block, not only the
  // head: a free order-4 block whose sixth page has a reference is reported
  // at that page when the block is handed out again.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 4);
  ASSERT_NE(p, nullptr);
  w.__free_pages(p, 4);  // order 4 > PAGE_ALLOC_COSTLY_ORDER: straight back to the buddy lists
  expect_silent(sink);
  p[5].refcount = 1;  // the bug: a reference to a free page
  ASSERT_EQ(w.alloc_pages(GFP_KERNEL, 4), p) << "the model hands out the same block again";
  char title[80];
  std::snprintf(title, sizeof title, "BUG: Bad page state in process labyrinth  pfn:%05x", w.page_to_pfn(p) + 5);
  expect_one(sink, report_kind::bad_page_state, title);
  EXPECT_TRUE(contains(sink.reports()[0].details, "page dumped because: nonzero _refcount (at allocation)"))
      << sink.reports()[0].details;
}

TEST(oracle_bad_page_state, a_tail_page_in_use_at_free) {
  // Goal: free_pages_prepare checks the tail pages: an order-2 block freed
  // while its last page is mapped is reported and not freed.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 2);
  ASSERT_NE(p, nullptr);
  p[3].mapcount = 0;  // the bug: a tail page still mapped
  w.__free_pages(p, 2);
  expect_one(sink, report_kind::bad_page_state, "BUG: Bad page state in process labyrinth  pfn:");
  EXPECT_TRUE(contains(sink.reports()[0].details, "page dumped because: tail page in use")) << sink.reports()[0].details;
  EXPECT_TRUE(p->flags & PG_bad) << "the block must be taken out of circulation";
}

TEST(oracle_bad_page_state, silent_on_correct_use) {
  // Twin: map, unmap, get/put, free; a page cache page removed properly.
  report_sink sink;
  world w(one_zone(), sink);
  operation(w, [&] {
    page* p = w.alloc_pages(GFP_KERNEL, 1);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(w.map_anon_page(0, p, true), 0);
    w.get_page(p);
    w.put_page(p);
    ASSERT_EQ(w.unmap_page(0, p), 0);
    w.__free_pages(p, 1);
    page* cached = w.add_to_page_cache(GFP_KERNEL, page_cache_kind::dirty);
    ASSERT_NE(cached, nullptr);
    EXPECT_TRUE(w.remove_from_page_cache(cached));
  });
  w.teardown_check();
  expect_silent(sink);
}

TEST(oracle_page_allocated_twice, allocated_page_planted_on_a_per_cpu_list) {
  // Goal: an allocated page that sits on a free list is caught when it is
  // handed out again.  Method: link an allocated page into the order-0
  // per-CPU list (keeping the counters consistent, so only this oracle can
  // see it), then allocate.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  per_cpu_pages& pcp = w.this_cpu().pcp[0];
  ASSERT_TRUE(w.lists_for_test_only().add(w.page_to_pfn(p), pcp.lists[0]));
  pcp.count += 1;
  pcp.linked_pages += 1;
  page* again = w.alloc_pages(GFP_KERNEL, 0);
  EXPECT_EQ(again, p);
  expect_one(sink, report_kind::page_allocated_twice, "BUG: page allocated twice pfn:00000");
  EXPECT_TRUE(contains(sink.reports()[0].details, "it is still owned by:")) << sink.reports()[0].details;
}

TEST(oracle_double_free, free_twice_and_put_after_free) {
  // Goal: __free_pages twice, and put_page past the last reference, each report a double free.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  w.__free_pages(p, 0);
  w.__free_pages(p, 0);
  expect_one(sink, report_kind::double_free, "BUG: double free of page pfn:00000 (order 0)");
  page* q = w.alloc_pages(GFP_KERNEL, 2);
  ASSERT_NE(q, nullptr);
  w.put_page(q);
  w.put_page(q);
  EXPECT_EQ(sink.count(report_kind::double_free), 2u) << describe(sink);
  EXPECT_TRUE(contains(sink.reports().back().title, "(put_page)")) << sink.reports().back().title;
  EXPECT_EQ(sink.bug_count(), 2u) << describe(sink);
}

TEST(oracle_double_free, silent_on_correct_use) {
  // Twin: an extra reference taken and dropped around the free: no report.
  report_sink sink;
  world w(one_zone(), sink);
  operation(w, [&] {
    page* p = w.alloc_pages(GFP_KERNEL, 0);
    w.get_page(p);
    w.__free_pages(p, 0);
    w.put_page(p);
  });
  w.teardown_check();
  expect_silent(sink);
}

TEST(oracle_exclusive_mapped_twice, map_refuses_and_stays_silent) {
  // Goal: the honest path: a second exclusive mapping is refused with -EBUSY,
  // a shared mapping of an exclusive page too, a repeated mapping into the
  // same mm with -EEXIST; the oracle stays silent.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  operation(w, [&] {
    EXPECT_EQ(w.map_anon_page(0, p, true), 0);
    EXPECT_EQ(w.map_anon_page(1, p, true), -EBUSY);
    EXPECT_EQ(w.map_anon_page(1, p, false), -EBUSY);
    EXPECT_EQ(w.map_anon_page(0, p, true), -EEXIST);
    EXPECT_EQ(w.unmap_page(0, p), 0);
    EXPECT_EQ(w.map_anon_page(1, p, false), 0);
    EXPECT_EQ(w.map_anon_page(2, p, false), 0);
    EXPECT_EQ(w.map_anon_page(3, p, true), -EBUSY) << "a mapped page cannot become exclusive";
    EXPECT_EQ(w.unmap_page(1, p), 0);
    EXPECT_EQ(w.unmap_page(2, p), 0);
  });
  w.__free_pages(p, 0);
  w.teardown_check();
  expect_silent(sink);
}

TEST(oracle_exclusive_mapped_twice, full_walk_catches_an_exclusive_page_with_two_mappings) {
  // Goal: the full walk's tier: a page mapped into two address spaces that
  // carries PageAnonExclusive (planted through pages_for_test_only, as a
  // buggy rmap would leave it).
  report_sink sink;
  world w(one_zone(), sink);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(w.map_anon_page(0, p, false), 0);
  ASSERT_EQ(w.map_anon_page(1, p, false), 0);
  w.check_full();
  expect_silent(sink);
  w.pages_for_test_only()[w.page_to_pfn(p)].flags |= PG_anon_exclusive;
  w.check_full();
  expect_one(sink, report_kind::exclusive_mapped_twice, "BUG: exclusive page mapped twice pfn:00000");
}

TEST(oracle_leak, a_held_page_is_reported_with_its_owner) {
  // Goal: teardown reports pages still allocated, counted and grouped by
  // owner (order, gfp, operation index, context).
  report_sink sink;
  world w(one_zone(), sink);
  w.begin_operation();
  w.begin_operation();
  w.begin_operation();  // op #3
  page* held = w.alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
  ASSERT_NE(held, nullptr);
  w.end_operation();
  w.teardown_check();
  expect_one(sink, report_kind::leak,
             "BUG: leak: 4 pages still allocated at teardown (owner: order 2 GFP_KERNEL|__GFP_ZERO, op #3 in task)");
  EXPECT_TRUE(contains(sink.reports()[0].details, "4 pages: order 2 GFP_KERNEL|__GFP_ZERO, op #3 in task"))
      << sink.reports()[0].details;
}

TEST(oracle_leak, hardirq_owner_is_named) {
  // Goal: a page allocated and kept by a hardirq handler is a leak owned by hardirq context.
  report_sink sink;
  world w(one_zone(), sink);
  handler_function handler([&](world& wd, interrupt_kind, irq_point) { wd.alloc_pages(GFP_ATOMIC, 0); });
  w.set_interrupt_handler(&handler);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  w.teardown_check();
  expect_one(sink, report_kind::leak, "BUG: leak: 1 pages still allocated at teardown (owner: order 0 GFP_ATOMIC, op #0 in hardirq)");
}

TEST(oracle_free_list_corrupt, a_broken_link_is_caught_on_unlink) {
  // Goal: CONFIG_DEBUG_LIST-style checks: a free-list entry whose neighbour
  // no longer points back is reported when the allocator unlinks it.
  // Method: two order-10 blocks (0 and 1024); block 1024's back link is
  // redirected to pfn 7, so unlinking block 0 finds next->prev != 0.  (The
  // allocation then goes on with the block it could not unlink, which the
  // allocation-time check reports as well: only the first report is this
  // oracle's.)
  report_sink sink;
  world_config config = one_zone(2048);
  config.checks = check_level::incremental;
  world w(config, sink);
  ASSERT_EQ(w.free_list_pfns(0, MAX_PAGE_ORDER, MIGRATE_PCPTYPES_MERGED), (std::vector<uint32_t>{0, 1024}));
  w.lists_for_test_only().links(1024).prev = 7;
  w.alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
  expect_one(sink, report_kind::free_list_corrupt, "BUG: free list corrupt: list_del corruption at pfn:00000 order 10");
}

TEST(oracle_free_list_corrupt, full_walk_catches_a_page_without_pg_buddy) {
  // Goal: the full walk: a block on a free list that lost PG_buddy.
  report_sink sink;
  world w(one_zone(), sink);
  w.check_full();
  expect_silent(sink);
  w.pages_for_test_only()[0].flags &= ~PG_buddy;
  w.check_full();
  ASSERT_FALSE(sink.empty());
  EXPECT_EQ(sink.reports()[0].kind, report_kind::free_list_corrupt) << describe(sink);
  EXPECT_EQ(sink.count(report_kind::leak), 0u) << "the pages after the bad entry are not lost:\n" << describe(sink);
  expect_one(sink, report_kind::free_list_corrupt,
             "BUG: free list corrupt: pfn:00000 zone Normal order 10: page on a free list without PG_buddy");
}

TEST(oracle_free_list_corrupt, full_walk_counts_pages_covered_twice) {
  // Goal: the full walk's coverage: a page both allocated and marked bad is
  // in two places at once, reported with the count and the first such pfn.
  // Method: allocate two order-0 pages, mark the second bad as well.
  report_sink sink;
  world w(one_zone(), sink);
  w.alloc_pages(GFP_KERNEL, 0);
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_NE(p, nullptr);
  w.check_full();
  expect_silent(sink);
  p->flags |= PG_bad;
  w.check_full();
  char title[120];
  std::snprintf(title, sizeof title, "BUG: free list corrupt: 1 pages are in two places at once (first pfn:%05x)",
                w.page_to_pfn(p));
  expect_one(sink, report_kind::free_list_corrupt, title);
  EXPECT_EQ(sink.reports().size(), 1u) << describe(sink);
}

TEST(oracle_leak, full_walk_counts_pages_on_no_list) {
  // Goal: the full walk's coverage: pages neither free, on a per-CPU list,
  // nor allocated are lost, reported with the count and the first such pfn.
  // Method: unlink the second order-10 block (pfn 1024) of a 3072-page zone
  // from its free list and take it out of the counters, as a lost fragment.
  report_sink sink;
  world w(one_zone(3072), sink);
  ASSERT_EQ(w.free_list_pfns(0, MAX_PAGE_ORDER, MIGRATE_PCPTYPES_MERGED), (std::vector<uint32_t>{0, 1024, 2048}));
  ASSERT_TRUE(w.lists_for_test_only().del(1024));
  w.zone_at(0).area[MAX_PAGE_ORDER].nr_free_list[MIGRATE_PCPTYPES_MERGED] -= 1;
  w.zone_at(0).free_pages -= 1024;
  w.check_full();
  expect_one(sink, report_kind::leak,
             "BUG: leak: 1024 pages lost: neither free, on a per-CPU list, nor allocated (first pfn:00400)");
  EXPECT_EQ(sink.reports().size(), 1u) << describe(sink);
}

TEST(oracle_pcp_corrupt, a_broken_per_cpu_link_is_caught) {
  // Goal: a per-CPU list entry whose links are broken is reported when the
  // allocator takes it.
  report_sink sink;
  world_config config = one_zone();
  config.checks = check_level::incremental;
  world w(config, sink);
  page* a = w.alloc_pages(GFP_KERNEL, 0);
  page* b = w.alloc_pages(GFP_KERNEL, 0);
  w.__free_pages(a, 0);
  w.__free_pages(b, 0);  // list: b, a
  ASSERT_EQ(w.pcp_list_pfns(0, 0, 0).size(), 2u);
  w.lists_for_test_only().links(w.page_to_pfn(b)).next = 7;
  w.alloc_pages(GFP_KERNEL, 0);
  expect_one(sink, report_kind::pcp_corrupt, "BUG: per-cpu page list corrupt: list_del corruption at pfn:");
}

TEST(oracle_counter_corrupt, zone_free_pages_skewed) {
  // Goal: NR_FREE_PAGES is checked against the free lists after each
  // operation (incremental tier).
  report_sink sink;
  world_config config = one_zone();
  config.checks = check_level::incremental;
  world w(config, sink);
  operation(w, [] {});
  expect_silent(sink);
  w.zone_at(0).free_pages += 1;
  operation(w, [] {});
  expect_one(sink, report_kind::counter_corrupt, "BUG: page counter corrupt: zone Normal NR_FREE_PAGES 1025, free lists hold 1024");
}

TEST(oracle_counter_corrupt, pcp_count_skewed) {
  // Goal: pcp->count is checked against the pages on the per-CPU lists after each operation.
  report_sink sink;
  world_config config = one_zone();
  config.checks = check_level::incremental;
  world w(config, sink);
  operation(w, [&] { w.__free_pages(w.alloc_pages(GFP_KERNEL, 0), 0); });
  expect_silent(sink);
  w.this_cpu().pcp[0].count += 2;
  operation(w, [] {});
  expect_one(sink, report_kind::counter_corrupt, "BUG: page counter corrupt: CPU0 zone Normal pcp->count 3, lists hold 1 pages");
}

TEST(oracle_nofail_failed, nofail_without_direct_reclaim_fails_and_is_reported) {
  // Goal: __GFP_NOFAIL on a request that may not block (GFP_ATOMIC) is a
  // caller bug the kernel WARNs about and then fails; the model reports the
  // WARN and the NULL.  Method: GFP_ATOMIC pages until the atomic floor,
  // then GFP_ATOMIC|__GFP_NOFAIL.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<page*> held = allocate_until_failure(w, GFP_ATOMIC);
  expect_silent(sink);
  EXPECT_EQ(w.alloc_pages(GFP_ATOMIC | __GFP_NOFAIL, 0), nullptr);
  expect_one(sink, report_kind::nofail_failed, "BUG: __GFP_NOFAIL allocation failed: order:0, mode:0x8820(GFP_ATOMIC|__GFP_NOFAIL)");
  expect_one(sink, report_kind::warning, "WARNING: __alloc_pages_slowpath: __GFP_NOFAIL without __GFP_DIRECT_RECLAIM");
  EXPECT_EQ(sink.reports().size(), 2u) << describe(sink);
}

TEST(oracle_livelock, nofail_with_no_memory_anywhere_is_a_verdict_not_a_bug) {
  // Goal: a __GFP_NOFAIL request that cannot make progress (every page taken,
  // nothing to reclaim or kill) ends the run with the livelock verdict, which
  // is fatal but not counted as a bug of the model.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<page*> held = allocate_until_failure(w, GFP_KERNEL | __GFP_MEMALLOC, 0, 1024);
  EXPECT_EQ(held.size(), 1024u);
  bool halted = false;
  try {
    w.alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
  } catch (const run_halted& h) {
    halted = true;
    EXPECT_EQ(h.kind, report_kind::livelock);
  }
  EXPECT_TRUE(halted);
  EXPECT_EQ(sink.count(report_kind::livelock), 1u) << describe(sink);
  EXPECT_EQ(sink.bug_count(), 0u) << describe(sink);
  EXPECT_TRUE(report_kind_verdict(report_kind::livelock));
}

TEST(oracle_pcp_reentered, entering_a_list_marked_in_use) {
  // Goal: the per-CPU list's reentry oracle.  On a correct model no context
  // ever finds the list in use (both disciplines keep interrupts out or send
  // them to the buddy); the test marks it in use by hand, as an interrupted
  // critical section would, and allocates.  (plant_detection_test.cc shows
  // the real reentry under pcp_irq_unsafe.)
  for (pcp_discipline discipline : {pcp_discipline::irqsave, pcp_discipline::trylock}) {
    SCOPED_TRACE(pcp_discipline_name(discipline));
    report_sink sink;
    world_config config = one_zone();
    config.pcp = discipline;
    world w(config, sink);
    w.this_cpu().pcp[0].in_use = true;
    page* p = w.alloc_pages(GFP_KERNEL, 0);
    expect_one(sink, report_kind::pcp_reentered, "BUG: per-cpu page list reentered: allocation on CPU0");
    w.this_cpu().pcp[0].in_use = false;
    if (p) w.__free_pages(p, 0);
  }
}

TEST(oracle_nmi_unsafe, allocating_in_an_nmi_handler) {
  // Goal: the page allocator must not be called from NMI context (zone->lock
  // may be held by the interrupted code); the call is refused and reported.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = reinterpret_cast<page*>(1);
  handler_function handler([&](world& wd, interrupt_kind, irq_point) { p = wd.alloc_pages(GFP_ATOMIC, 0); });
  w.set_interrupt_handler(&handler);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::nmi, irq_point::between_ops));
  EXPECT_EQ(p, nullptr);
  expect_one(sink, report_kind::nmi_unsafe, "BUG: page allocator called from NMI context");
  EXPECT_EQ(sink.reports().size(), 1u) << describe(sink);
  EXPECT_TRUE(contains(sink.reports()[0].details, "context: nmi")) << sink.reports()[0].details;
}

TEST(oracle_nmi_unsafe, silent_when_the_nmi_handler_does_not_allocate) {
  // Twin: an NMI handler that does not call the allocator: no report.
  report_sink sink;
  world w(one_zone(), sink);
  handler_function handler([&](world& wd, interrupt_kind, irq_point) { EXPECT_TRUE(in_nmi(wd.preempt_count())); });
  w.set_interrupt_handler(&handler);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::nmi, irq_point::between_ops));
  EXPECT_EQ(handler.calls, 1u);
  w.teardown_check();
  expect_silent(sink);
}

}  // namespace
}  // namespace labyrinth
