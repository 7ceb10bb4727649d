// Per-CPU page lists (pcp.cc) against reference §4: which orders use them,
// refill sizes, pcp->high and free_pcppages_bulk, draining, and both locking
// disciplines under an interrupt that arrives inside the list's critical
// section.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "alloc/tests/test_support.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

using alloc_test::expect_silent;
using alloc_test::handler_function;
using alloc_test::interrupt_faults;
using alloc_test::operation;
using alloc_test::point_source;
using alloc_test::rig;

constexpr unsigned normal = 1;  // zone index of NORMAL in the two-zone worlds

// The default zones (NORMAL: pcp batch 3, high 240; see watermark_test.cc),
// no OOM victim so the lists start empty, full checks.
world_config default_zones(pcp_discipline discipline = pcp_discipline::trylock) {
  world_config config;
  config.zones = {{ZONE_DMA32, 4096}, {ZONE_NORMAL, 12288}};
  config.oom_victim_pages = 0;
  config.checks = check_level::full;
  config.pcp = discipline;
  return config;
}

std::vector<size_t> list_lengths(const world& w, unsigned zone_index) {
  std::vector<size_t> lengths;
  for (unsigned order = 0; order < NR_PCP_LISTS; ++order) lengths.push_back(w.pcp_list_pfns(0, zone_index, order).size());
  return lengths;
}

TEST(pcp, orders_up_to_3_use_the_lists_and_count_pages) {
  // Goal: orders 0..3 are served from and freed to the per-CPU lists, order 4
  // is not; pcp->count counts pages (1 << order per entry).  By hand, NORMAL
  // batch 3, refill max(batch >> order, 2) blocks (order 0: the batch, 3):
  //   order 0: +3 pages, take 1 -> count 2
  //   order 1: +2 blocks = 4 pages, take 2 -> 4
  //   order 2: +2 blocks = 8, take 4 -> 8
  //   order 3: +2 blocks = 16, take 8 -> 16
  //   frees of the four: 16 + 1 + 2 + 4 + 8 = 31, each at its list's head.
  report_sink sink;
  world w(default_zones(), sink);
  const per_cpu_pages& pcp = w.this_cpu().pcp[normal];
  std::vector<page*> pages;
  const int expected_counts[] = {2, 4, 8, 16};
  for (unsigned order = 0; order <= 3; ++order) {
    operation(w, [&] { pages.push_back(w.alloc_pages(GFP_KERNEL, order)); });
    ASSERT_NE(pages.back(), nullptr);
    EXPECT_EQ(pcp.count, expected_counts[order]) << "after the order-" << order << " allocation";
  }
  EXPECT_EQ(list_lengths(w, normal), (std::vector<size_t>{2, 1, 1, 1}));
  EXPECT_EQ(w.stats().pcp_refills, 4u);
  EXPECT_EQ(w.stats().pcp_hits, 4u);
  long buddy_free = w.zone_at(normal).free_pages;
  page* big = nullptr;
  operation(w, [&] { big = w.alloc_pages(GFP_KERNEL, 4); });
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(w.stats().pcp_refills, 4u) << "order 4 must bypass the per-CPU lists";
  EXPECT_EQ(w.zone_at(normal).free_pages, buddy_free - 16);
  operation(w, [&] { w.__free_pages(big, 4); });
  EXPECT_EQ(w.zone_at(normal).free_pages, buddy_free);
  for (unsigned order = 0; order <= 3; ++order) {
    operation(w, [&] { w.__free_pages(pages[order], order); });
    EXPECT_EQ(w.pcp_list_pfns(0, normal, order).front(), w.page_to_pfn(pages[order])) << "freed to the head";
  }
  EXPECT_EQ(pcp.count, 31);
  EXPECT_EQ(list_lengths(w, normal), (std::vector<size_t>{3, 2, 2, 2}));
  operation(w, [&] { w.drain_local_pages(); });
  EXPECT_EQ(pcp.count, 0);
  EXPECT_EQ(list_lengths(w, normal), (std::vector<size_t>{0, 0, 0, 0}));
  EXPECT_EQ(w.free_list_signature(), w.initial_free_list_signature());
  w.teardown_check();
  expect_silent(sink);
}

TEST(pcp, refill_sizes_scale_with_order) {
  // Goal: rmqueue_bulk takes max(batch >> order, 2) blocks.  NORMAL of 61440
  // pages has batch 15 (watermark_test.cc), so an empty list refills with 15,
  // 7, 3 and 2 blocks for orders 0..3; after handing one out the lists hold
  // 14, 6, 2 and 1 blocks.
  report_sink sink;
  world_config config = default_zones();
  config.zones = {{ZONE_DMA32, 4096}, {ZONE_NORMAL, 61440}};
  config.checks = check_level::incremental;
  world w(config, sink);
  ASSERT_EQ(w.this_cpu().pcp[normal].batch, 15);
  std::vector<page*> pages;
  for (unsigned order = 0; order <= 3; ++order) operation(w, [&] { pages.push_back(w.alloc_pages(GFP_KERNEL, order)); });
  EXPECT_EQ(list_lengths(w, normal), (std::vector<size_t>{14, 6, 2, 1}));
  EXPECT_EQ(w.this_cpu().pcp[normal].count, 14 + 6 * 2 + 2 * 4 + 1 * 8);
  for (unsigned order = 0; order <= 3; ++order) operation(w, [&] { w.__free_pages(pages[order], order); });
  w.teardown_check();
  expect_silent(sink);
}

TEST(pcp, reaching_high_frees_a_bulk_to_the_buddy) {
  // Goal: a free that brings count to pcp->high (240) returns
  // clamp(count, batch, high - batch) = clamp(240, 3, 237) = 237 pages to the
  // buddy lists, leaving batch (3).  Method: 240 order-0 pages (80 refills
  // of 3, so the list ends empty), then free them one by one.
  report_sink sink;
  world_config config = default_zones();
  config.checks = check_level::incremental;
  world w(config, sink);
  const per_cpu_pages& pcp = w.this_cpu().pcp[normal];
  ASSERT_EQ(pcp.high, 240);
  std::vector<page*> pages;
  for (int i = 0; i < 240; ++i) pages.push_back(w.alloc_pages(GFP_KERNEL, 0));
  for (page* p : pages) ASSERT_EQ(p->zone, normal);
  EXPECT_EQ(pcp.count, 0);
  EXPECT_EQ(w.stats().pcp_refills, 80u);
  long buddy_free = w.zone_at(normal).free_pages;
  for (int i = 0; i < 239; ++i) w.__free_pages(pages[i], 0);
  EXPECT_EQ(pcp.count, 239);
  EXPECT_EQ(w.stats().pcp_bulk_frees, 0u);
  w.__free_pages(pages[239], 0);
  EXPECT_EQ(w.stats().pcp_bulk_frees, 1u);
  EXPECT_EQ(pcp.count, 3);
  EXPECT_EQ(w.pcp_list_pfns(0, normal, 0).size(), 3u);
  EXPECT_EQ(w.zone_at(normal).free_pages, buddy_free + 237);
  w.end_operation();
  w.drain_local_pages();
  EXPECT_EQ(pcp.count, 0);
  EXPECT_EQ(w.free_list_signature(), w.initial_free_list_signature());
  w.teardown_check();
  expect_silent(sink);
}

// Task context allocates; a hardirq arrives inside the per-CPU list's
// critical section (irq_point::pcp_alloc) and its handler allocates and frees
// one GFP_ATOMIC page.
struct pcp_interrupt_run {
  explicit pcp_interrupt_run(pcp_discipline discipline, interrupt_kind kind = interrupt_kind::hardirq)
      : r(default_zones(discipline), std::make_unique<point_source>(irq_point::pcp_alloc, kind), interrupt_faults),
        handler([this](world& w, interrupt_kind k, irq_point point) {
          kinds.push_back(k);
          points.push_back(point);
          // An NMI runs with irqs off whatever it interrupted; what it found is saved.
          irqs_were_disabled.push_back(k == interrupt_kind::nmi ? w.this_cpu().nmi_saved_irqs_disabled
                                                                : w.irqs_disabled());
          if (k == interrupt_kind::nmi) return;  // NMI handlers must not allocate
          page* p = w.alloc_pages(GFP_ATOMIC, 0);
          if (p) w.__free_pages(p, 0);
          nested_page = p;
        }) {
    r.w->set_interrupt_handler(&handler);
  }
  page* run() {
    page* p = nullptr;
    operation(*r.w, [&] { p = r.w->alloc_pages(GFP_KERNEL, 0); });
    return p;
  }
  rig r;
  handler_function handler;
  std::vector<interrupt_kind> kinds;
  std::vector<irq_point> points;
  std::vector<bool> irqs_were_disabled;
  page* nested_page = nullptr;
};

TEST(pcp, trylock_interrupt_inside_the_section_falls_back_to_the_buddy) {
  // Goal: under the trylock discipline (>= 6.2) IRQs stay enabled inside the
  // per-CPU section, a hardirq may arrive there, and its allocation finds
  // pcp->lock taken, so it falls back to the buddy lists (and its free to
  // free_one_page): two trylock fallbacks, no report, the task's allocation
  // completes with a different page.
  pcp_interrupt_run run(pcp_discipline::trylock);
  page* p = run.run();
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(run.kinds.size(), 1u) << "exactly one interrupt at pcp_alloc";
  EXPECT_EQ(run.kinds[0], interrupt_kind::hardirq);
  EXPECT_EQ(run.points[0], irq_point::pcp_alloc);
  ASSERT_NE(run.nested_page, nullptr);
  EXPECT_NE(run.nested_page, p);
  EXPECT_EQ(run.r.w->stats().pcp_trylock_fallbacks, 2u);
  EXPECT_EQ(run.r.w->stats().interrupts[static_cast<unsigned>(interrupt_kind::hardirq)], 1u);
  run.r.w->__free_pages(p, 0);
  run.r.w->teardown_check();
  expect_silent(run.r.sink);
}

TEST(pcp, irqsave_section_admits_only_nmi) {
  // Goal: under the irqsave discipline (<= 5.13) irqs are off inside the
  // per-CPU section, so the interrupt asked for there can only be an NMI (the
  // one kind deliverable with irqs off); no hardirq ever runs in the section,
  // no trylock fallback exists, and nothing is reported.
  pcp_interrupt_run run(pcp_discipline::irqsave);
  page* p = run.run();
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(run.kinds.size(), 1u);
  EXPECT_EQ(run.kinds[0], interrupt_kind::nmi) << "a hardirq was let into an irqsave section";
  EXPECT_TRUE(run.irqs_were_disabled[0]) << "the NMI must find the section with irqs off";
  EXPECT_EQ(run.points[0], irq_point::pcp_alloc);
  EXPECT_EQ(run.r.w->stats().interrupts[static_cast<unsigned>(interrupt_kind::hardirq)], 0u);
  EXPECT_EQ(run.r.w->stats().pcp_trylock_fallbacks, 0u);
  run.r.w->__free_pages(p, 0);
  run.r.w->teardown_check();
  expect_silent(run.r.sink);
}

TEST(pcp, irqsave_hardirq_between_operations_uses_the_lists) {
  // Goal: the twin of the two tests above: outside the section a hardirq's
  // allocation uses the per-CPU lists normally under both disciplines.
  for (pcp_discipline discipline : {pcp_discipline::irqsave, pcp_discipline::trylock}) {
    SCOPED_TRACE(pcp_discipline_name(discipline));
    report_sink sink;
    world w(default_zones(discipline), sink);
    page* nested = nullptr;
    handler_function handler([&](world& wd, interrupt_kind, irq_point) { nested = wd.alloc_pages(GFP_ATOMIC, 0); });
    w.set_interrupt_handler(&handler);
    ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
    ASSERT_NE(nested, nullptr);
    EXPECT_EQ(w.stats().pcp_hits, 1u);
    EXPECT_EQ(w.stats().pcp_trylock_fallbacks, 0u);
    w.__free_pages(nested, 0);
    w.teardown_check();
    expect_silent(sink);
  }
}

TEST(pcp, drain_local_pages_empties_every_list) {
  // Goal: drain_local_pages returns every per-CPU page of every zone to the
  // buddy lists, after which the free lists are the initial ones.
  report_sink sink;
  world w(default_zones(), sink);
  std::vector<std::pair<page*, unsigned>> pages;
  for (unsigned order = 0; order <= 3; ++order) {
    pages.emplace_back(w.alloc_pages(GFP_KERNEL, order), order);
    pages.emplace_back(w.alloc_pages(GFP_KERNEL | __GFP_DMA32, order), order);
  }
  for (const auto& entry : pages) operation(w, [&] { w.__free_pages(entry.first, entry.second); });
  EXPECT_GT(w.this_cpu().pcp[0].count, 0);
  EXPECT_GT(w.this_cpu().pcp[normal].count, 0);
  operation(w, [&] { w.drain_local_pages(); });
  for (unsigned zone_index = 0; zone_index < 2; ++zone_index) {
    EXPECT_EQ(w.this_cpu().pcp[zone_index].count, 0);
    EXPECT_EQ(list_lengths(w, zone_index), (std::vector<size_t>{0, 0, 0, 0}));
  }
  EXPECT_EQ(w.free_list_signature(), w.initial_free_list_signature());
  EXPECT_EQ(w.zone_at(0).free_pages + w.zone_at(normal).free_pages, 4096 + 12288);
  w.teardown_check();
  expect_silent(sink);
}

// The pages release_pages() is given in the tests below: 40 order-0 pages
// (more than a folio_batch of 31) and one of each order 1..4 from NORMAL,
// three order-0 pages from DMA32 between them (so the list lock changes
// zones inside a batch), and an order-0 page with a second reference (which
// must survive).  Returns them in release order; `kept` is the survivor.
std::vector<page*> pages_to_release(world& w, page*& kept) {
  std::vector<page*> pages;
  for (int i = 0; i < 40; ++i) {
    pages.push_back(w.alloc_pages(GFP_KERNEL, 0));
    if (i % 15 == 7) pages.push_back(w.alloc_pages(GFP_KERNEL | __GFP_DMA32, 0));
  }
  for (unsigned order = 1; order <= 4; ++order) pages.push_back(w.alloc_pages(GFP_KERNEL, order));
  kept = w.alloc_pages(GFP_KERNEL, 0);
  w.get_page(kept);
  pages.push_back(kept);
  return pages;
}

TEST(pcp, release_pages_leaves_what_put_page_one_by_one_leaves) {
  // Goal: release_pages(), which frees a batch under one hold of the per-CPU
  // list per zone, ends in the state put_page() on each page gives: the same
  // pages on the same per-CPU lists in the same order, the same buddy lists,
  // counts and statistics; the page with a second reference stays
  // allocated.  Under both disciplines.
  for (pcp_discipline discipline : {pcp_discipline::irqsave, pcp_discipline::trylock}) {
    SCOPED_TRACE(pcp_discipline_name(discipline));
    report_sink batched_sink, single_sink;
    world batched(default_zones(discipline), batched_sink), single(default_zones(discipline), single_sink);
    page *batched_kept = nullptr, *single_kept = nullptr;
    std::vector<page*> batched_pages = pages_to_release(batched, batched_kept);
    std::vector<page*> single_pages = pages_to_release(single, single_kept);
    ASSERT_EQ(batched_pages.size(), 48u);
    operation(batched, [&] { batched.release_pages(batched_pages.data(), batched_pages.size()); });
    operation(single, [&] {
      for (page* p : single_pages) single.put_page(p);
    });
    for (unsigned zone_index = 0; zone_index < 2; ++zone_index)
      for (unsigned order = 0; order < NR_PCP_LISTS; ++order)
        EXPECT_EQ(batched.pcp_list_pfns(0, zone_index, order), single.pcp_list_pfns(0, zone_index, order))
            << "zone " << zone_index << " order " << order;
    EXPECT_EQ(batched.free_list_signature(), single.free_list_signature());
    EXPECT_EQ(batched.this_cpu().pcp[0].count, single.this_cpu().pcp[0].count);
    EXPECT_EQ(batched.this_cpu().pcp[normal].count, single.this_cpu().pcp[normal].count);
    EXPECT_GT(batched.this_cpu().pcp[0].count, 0) << "the DMA32 pages went to their own zone's list";
    EXPECT_EQ(batched.stats().frees, single.stats().frees);
    EXPECT_EQ(batched.stats().pcp_bulk_frees, single.stats().pcp_bulk_frees);
    EXPECT_EQ(batched_kept->refcount, 1);
    EXPECT_TRUE(batched_kept->flags & PG_allocated);
    batched.put_page(batched_kept);
    batched.teardown_check();
    expect_silent(batched_sink);
    single.put_page(single_kept);
    single.teardown_check();
    expect_silent(single_sink);
  }
}

TEST(pcp, release_pages_reports_a_page_already_free) {
  // Goal: a page released twice is reported as a double free, and the other
  // pages of the batch are still freed.
  report_sink sink;
  world w(default_zones(), sink);
  page* first = w.alloc_pages(GFP_KERNEL, 0);
  page* second = w.alloc_pages(GFP_KERNEL, 0);
  w.put_page(first);
  page* batch[] = {first, second};
  w.release_pages(batch, 2);
  alloc_test::expect_one(sink, report_kind::double_free, "BUG: double free of page pfn:");
  EXPECT_NE(sink.reports()[0].title.find("(release_pages)"), std::string::npos) << sink.reports()[0].title;
  EXPECT_FALSE(second->flags & PG_allocated);
}

TEST(pcp, trylock_interrupt_inside_a_release_batch_falls_back_to_the_buddy) {
  // Goal: under the trylock discipline the per-CPU list stays held across a
  // release batch, so a hardirq arriving at a page's commit (pcp_free) whose
  // handler frees a page finds pcp->lock taken and frees to the buddy lists:
  // one trylock fallback.  Under irqsave the same point admits only an NMI,
  // which frees nothing, and there is no fallback.
  for (pcp_discipline discipline : {pcp_discipline::irqsave, pcp_discipline::trylock}) {
    SCOPED_TRACE(pcp_discipline_name(discipline));
    rig r(default_zones(discipline), std::make_unique<point_source>(irq_point::pcp_free, interrupt_kind::hardirq),
          interrupt_faults);
    world& w = *r.w;
    std::vector<interrupt_kind> kinds;
    page* nested = w.alloc_pages(GFP_KERNEL, 0);
    handler_function handler([&](world& wd, interrupt_kind k, irq_point) {
      kinds.push_back(k);
      if (k == interrupt_kind::nmi || !nested) return;
      wd.put_page(nested);
      nested = nullptr;
    });
    w.set_interrupt_handler(&handler);
    std::vector<page*> pages;
    for (int i = 0; i < 4; ++i) pages.push_back(w.alloc_pages(GFP_KERNEL, 0));
    operation(w, [&] { w.release_pages(pages.data(), pages.size()); });
    ASSERT_EQ(kinds.size(), 1u);
    if (discipline == pcp_discipline::trylock) {
      EXPECT_EQ(kinds[0], interrupt_kind::hardirq);
      EXPECT_EQ(nested, nullptr);
      EXPECT_EQ(w.stats().pcp_trylock_fallbacks, 1u);
    } else {
      EXPECT_EQ(kinds[0], interrupt_kind::nmi);
      EXPECT_EQ(w.stats().pcp_trylock_fallbacks, 0u);
      w.set_interrupt_handler(nullptr);
      w.put_page(nested);
    }
    w.set_interrupt_handler(nullptr);
    w.teardown_check();
    expect_silent(r.sink);
  }
}

// Counts the spinlock acquisitions (a scheduler's lock_acquire points) of a
// world with one CPU, where no lock is ever held by another.
class acquisition_counter final : public smp_hooks {
 public:
  void interleave(sched_point point) override { acquisitions += point == sched_point::lock_acquire; }
  void spin_wait(const spinlock_t&) override { ADD_FAILURE() << "one CPU: no lock is held by another"; }
  void drain_all_pages_by_work() override { ADD_FAILURE() << "not expected here"; }
  unsigned acquisitions = 0;
};

TEST(pcp, release_pages_takes_the_list_lock_once_per_batch_and_zone) {
  // Goal: under the trylock discipline release_pages() takes pcp->lock once
  // for a run of pages of one zone: 8 NORMAL pages, then 2 DMA32 pages, then
  // 8 NORMAL pages again are 3 acquisitions, where put_page() on each takes
  // it 18 times.  (Under irqsave the hold is irqs off, no lock.)
  unsigned acquired[2] = {0, 0};
  for (int batched = 0; batched < 2; ++batched) {
    report_sink sink;
    world w(default_zones(pcp_discipline::trylock), sink);
    std::vector<page*> pages;
    for (int i = 0; i < 8; ++i) pages.push_back(w.alloc_pages(GFP_KERNEL, 0));
    for (int i = 0; i < 2; ++i) pages.push_back(w.alloc_pages(GFP_KERNEL | __GFP_DMA32, 0));
    for (int i = 0; i < 8; ++i) pages.push_back(w.alloc_pages(GFP_KERNEL, 0));
    acquisition_counter counter;
    w.set_smp_hooks(&counter);
    if (batched)
      w.release_pages(pages.data(), pages.size());
    else
      for (page* p : pages) w.put_page(p);
    w.set_smp_hooks(nullptr);
    acquired[batched] = counter.acquisitions;
    w.teardown_check();
    expect_silent(sink);
  }
  EXPECT_EQ(acquired[0], 18u);
  EXPECT_EQ(acquired[1], 3u);
}

}  // namespace
}  // namespace labyrinth
