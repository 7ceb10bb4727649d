// Goal: the buddy allocator's laws hold in whole worlds, not only in the pure
// functions.  Method: rapidcheck builds random world states (allocations of
// random orders and families, page cache, faults) through the kernel-facing
// API, then checks one law per property:
//  - a non-blocking allocation never sleeps, never reclaims directly and never
//    reaches a scheduling point, in any context and state;
//  - freeing everything restores exactly the initial free lists (no lost
//    fragments), with faults at the per-CPU refill;
//  - splitting: an allocation from a fresh world leaves exactly the split
//    halves on the free lists, and freeing it restores the initial lists;
//  - merging: two buddies freed in either order merge;
//  - zone fallback: a request falls back to DMA32 only while DMA32 keeps its
//    lowmem_reserve, never while NORMAL passes its fast-path check, and
//    __GFP_DMA32 only ever gets DMA32 pages;
//  - the highatomic reserve: a request that fails after the reclaim retries
//    leaves no free page in a highatomic pageblock (should_reclaim_retry
//    exhausts the reserve before giving up).
// Every property also requires the world's oracles to stay silent.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <sstream>

#include "alloc/world.h"
#include "faultinject/config.h"
#include "faultinject/injector.h"
#include "props/allocator_sut.h"
#include "props/generators.h"
#include "props/kernel_facts.h"
#include "props/property.h"

namespace labyrinth::props {
namespace {

struct held_block {
  page* p = nullptr;
  unsigned order = 0;
};

world_config law_world_config(pcp_discipline discipline) {
  world_config config = model_world_config(discipline);
  config.oom_victim_pages = 0;  // every allocated page is the property's own
  return config;
}

rc::Gen<pcp_discipline> gen_discipline() { return rc::gen::element(pcp_discipline::trylock, pcp_discipline::irqsave); }

// One operation in task context, with the world's per-operation checks.
void in_task(allocator_sut& sut, const std::function<void()>& op) {
  sut.perform(where{}, op);
  sut.finish_operation();
}

void require_silent(allocator_sut& sut, const std::string& when) {
  if (sut.sink().bug_count() > 0) RC_FAIL("oracle reports " + when + ":\n" + sut.reports_text());
}

// Allocations of the given orders with `gfp`, in task context.
std::vector<held_block> fill(allocator_sut& sut, const std::vector<unsigned>& orders, gfp_t gfp) {
  std::vector<held_block> held;
  for (unsigned order : orders) {
    page* p = nullptr;
    in_task(sut, [&] { p = sut.w().alloc_pages(gfp, order); });
    if (p) held.push_back({p, order});
  }
  return held;
}

void release(allocator_sut& sut, std::vector<held_block>& held) {
  while (!held.empty()) {
    const held_block block = held.back();
    held.pop_back();
    in_task(sut, [&] { sut.w().__free_pages(block.p, block.order); });
  }
}

// The free block containing pfn (order and head), from the free lists.
bool free_block_containing(const world& w, uint32_t pfn, uint32_t* head, unsigned* order) {
  for (uint32_t entry : w.free_list_signature()) {
    const uint32_t start = entry >> 8;
    const unsigned block_order = (entry >> 4) & 0xf;
    if (pfn >= start && pfn < start + (1u << block_order)) {
      *head = start;
      *order = block_order;
      return true;
    }
  }
  return false;
}

std::string signature_difference(const std::vector<uint32_t>& seen, const std::vector<uint32_t>& expected) {
  std::vector<uint32_t> missing, extra;
  std::set_difference(expected.begin(), expected.end(), seen.begin(), seen.end(), std::back_inserter(missing));
  std::set_difference(seen.begin(), seen.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  std::ostringstream out;
  auto print = [&out](const char* what, const std::vector<uint32_t>& entries) {
    out << what << ":";
    for (size_t i = 0; i < entries.size() && i < 12; ++i)
      out << " pfn " << (entries[i] >> 8) << "/order " << ((entries[i] >> 4) & 0xf) << "/mt " << ((entries[i] >> 1) & 7);
    if (entries.size() > 12) out << " ... (" << entries.size() << " in all)";
    out << "\n";
  };
  print("missing from the free lists", missing);
  print("unexpected on the free lists", extra);
  return out.str();
}

// ---- non-blocking requests --------------------------------------------------------

LABYRINTH_PROP(world_laws, nonblocking_allocation_never_sleeps_or_reclaims, 300, 100, ()) {
  allocator_sut sut(law_world_config(*gen_discipline()));
  const auto orders = *rc::gen::container<std::vector<unsigned>>(gen_order());
  std::vector<held_block> held = fill(sut, orders, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
  const unsigned cache_pages = *uniform_in(0u, 24u);
  for (unsigned i = 0; i < cache_pages; ++i)
    in_task(sut, [&] { sut.w().add_to_page_cache(GFP_KERNEL, static_cast<page_cache_kind>(i % 3)); });
  if (*rc::gen::arbitrary<bool>()) {
    fault_arming arming;
    arming.site = *rc::gen::element(fi::fault_site::page_alloc, fi::fault_site::pcp_refill, fi::fault_site::interrupt,
                                    fi::fault_site::reclaim, fi::fault_site::oom);
    arming.nth = *uniform_in(1u, 4u);
    arming.sticky = *rc::gen::arbitrary<bool>();
    arming.answer = *uniform_in(0u, 3u);
    sut.arm(arming);
  }
  const gfp_t gfp = *gen_nonblocking_gfp();
  const unsigned order = *gen_order();
  const where place = *gen_where(operation_class::nonblocking);
  RC_LOG() << format_gfp(gfp) << " order " << order << " " << place << "\n";
  const world_stats before = sut.w().stats();
  page* result = nullptr;
  const std::string problem = sut.perform(place, [&] { result = sut.w().alloc_pages(gfp, order); });
  sut.finish_operation();
  if (!problem.empty()) RC_FAIL(problem);
  require_silent(sut, "around the non-blocking allocation");
  const world_stats& after = sut.w().stats();
  RC_ASSERT(after.direct_reclaims == before.direct_reclaims);
  RC_ASSERT(after.kswapd_runs == before.kswapd_runs);
  RC_ASSERT(sut.sink().count(report_kind::sleep_in_atomic) == 0u);
  if (result) held.push_back({result, order});
  RC_TAG(result ? "succeeded" : "failed");
  RC_TAG(after.slowpath_entries > before.slowpath_entries ? "slow path" : "fast path");
  release(sut, held);
  require_silent(sut, "at the end");
}

// ---- free everything --------------------------------------------------------------

struct fill_step {
  bool free = false;     // free a held block instead of allocating
  unsigned pick = 0;     // which held block, modulo their number
  gfp_t gfp = GFP_KERNEL;
  unsigned order = 0;
};

std::ostream& operator<<(std::ostream& os, const fill_step& step) {
  if (step.free) return os << "free held[" << step.pick << "]";
  return os << "alloc_pages(" << format_gfp(step.gfp) << ", " << step.order << ")";
}

// Steps that never reserve a highatomic pageblock: blocking families at any
// order, non-blocking ones at order 0 only (ALLOC_HIGHATOMIC needs order > 0).
rc::Gen<fill_step> gen_fill_step() {
  return rc::gen::exec([] {
    fill_step step;
    step.free = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    step.pick = *uniform_in(0u, 1000u);
    step.gfp = *gen_gfp() & ~__GFP_NOFAIL;
    step.order = gfpflags_allow_blocking(step.gfp) ? *gen_order() : 0;
    return step;
  });
}

LABYRINTH_PROP(world_laws, freeing_everything_restores_the_initial_free_lists, 300, 100, ()) {
  world_config config = law_world_config(*gen_discipline());
  // Small zones have a per-CPU batch of 1; the default sizes (batch 3) make
  // the refill take several blocks, so a refill cut short has pages to lose.
  if (*rc::gen::arbitrary<bool>()) {
    config.zones = {{ZONE_DMA32, 4096}, {ZONE_NORMAL, 12288}};
    config.checks = check_level::incremental;  // the full walk once, at the end
  }
  allocator_sut sut(config);
  const auto steps = *rc::gen::container<std::vector<fill_step>>(gen_fill_step());
  if (*rc::gen::arbitrary<bool>()) {  // refills of the per-CPU lists stop half-way
    fault_arming arming;
    arming.site = fi::fault_site::pcp_refill;
    arming.nth = *uniform_in(1u, 4u);
    arming.sticky = *rc::gen::arbitrary<bool>();
    sut.arm(arming);
  }
  std::vector<held_block> held;
  for (const fill_step& step : steps) {
    if (step.free && !held.empty()) {
      const size_t index = step.pick % held.size();
      const held_block block = held[index];
      held.erase(held.begin() + static_cast<long>(index));
      in_task(sut, [&] { sut.w().__free_pages(block.p, block.order); });
    } else if (!step.free) {
      page* p = nullptr;
      in_task(sut, [&] { p = sut.w().alloc_pages(step.gfp, step.order); });
      if (p) held.push_back({p, step.order});
    }
  }
  release(sut, held);
  in_task(sut, [&] { sut.w().drain_all_pages(); });
  sut.w().check_full();
  require_silent(sut, "while filling and freeing");
  world& w = sut.w();
  RC_ASSERT(w.stats().highatomic_reserved == 0u);
  long free_pages = 0;
  for (unsigned zi = 0; zi < w.nr_zones(); ++zi) free_pages += w.zone_at(zi).free_pages;
  RC_ASSERT(free_pages == static_cast<long>(w.nr_pages()));
  const auto signature = w.free_list_signature();
  if (signature != w.initial_free_list_signature())
    RC_FAIL("after freeing everything the free lists differ from the initial ones:\n" +
            signature_difference(signature, w.initial_free_list_signature()));
}

// ---- split and merge --------------------------------------------------------------

// expand(): a block of order k taken from a free MAX_PAGE_ORDER block B at
// its start leaves B + 2^j free at every order j in [k, MAX_PAGE_ORDER).
std::vector<uint32_t> expected_after_split(const world& w, uint32_t pfn, unsigned order) {
  const uint32_t base = pfn & ~((1u << MAX_PAGE_ORDER) - 1);
  std::vector<uint32_t> expected;
  for (uint32_t entry : w.initial_free_list_signature())
    if ((entry >> 8) != base) expected.push_back(entry);
  for (unsigned j = order; j < MAX_PAGE_ORDER; ++j) expected.push_back(((base + (1u << j)) << 8) | (j << 4));
  std::sort(expected.begin(), expected.end());
  return expected;
}

LABYRINTH_PROP(world_laws, split_then_free_restores_the_free_lists, 500, 100, ()) {
  allocator_sut sut(law_world_config(*gen_discipline()));
  // Below MAX_PAGE_ORDER: a 1024-page zone never passes the watermark check
  // for a whole 1024-page block.
  const unsigned order = *uniform_in(0u, MAX_PAGE_ORDER);
  const gfp_t gfp = *rc::gen::element(GFP_KERNEL, GFP_NOFS, GFP_KERNEL | __GFP_DMA32, GFP_ATOMIC, GFP_NOWAIT);
  page* p = nullptr;
  in_task(sut, [&] { p = sut.w().alloc_pages(gfp, order); });
  const bool allocated = p != nullptr;
  RC_ASSERT(allocated);
  world& w = sut.w();
  const uint32_t pfn = w.page_to_pfn(p);
  // Orders above PAGE_ALLOC_COSTLY_ORDER bypass the per-CPU lists, so the
  // free lists show expand()'s work directly.  (Non-blocking requests of
  // order > 0 may turn the pageblock highatomic: then only the pfns count.)
  if (order > PAGE_ALLOC_COSTLY_ORDER && w.stats().highatomic_reserved == 0) {
    const auto expected = expected_after_split(w, pfn, order);
    const auto seen = w.free_list_signature();
    if (seen != expected) RC_FAIL("after the split:\n" + signature_difference(seen, expected));
  }
  in_task(sut, [&] { w.__free_pages(p, order); });
  in_task(sut, [&] { w.drain_all_pages(); });
  require_silent(sut, "around the split and the free");
  if (w.stats().highatomic_reserved == 0) {
    const auto signature = w.free_list_signature();
    if (signature != w.initial_free_list_signature())
      RC_FAIL("after the free:\n" + signature_difference(signature, w.initial_free_list_signature()));
  }
}

LABYRINTH_PROP(world_laws, buddies_freed_in_either_order_merge, 300, 100, ()) {
  allocator_sut sut(law_world_config(*gen_discipline()));
  world& w = sut.w();
  // Up to order 8, both blocks come from NORMAL (1024 pages) in a fresh world.
  const unsigned order = *uniform_in(0u, 9u);
  const auto others = *rc::gen::container<std::vector<unsigned>>(gen_order());
  const bool lower_first = *rc::gen::arbitrary<bool>();
  std::vector<held_block> pair = fill(sut, {order, order}, GFP_KERNEL);
  RC_ASSERT(pair.size() == 2u);
  const uint32_t first = w.page_to_pfn(pair[0].p), second = w.page_to_pfn(pair[1].p);
  RC_LOG() << "order " << order << ": pfns " << first << " and " << second << "\n";
  // In a fresh world the second block of an order is the first one's buddy.
  RC_ASSERT((first ^ (1u << order)) == second);
  std::vector<held_block> rest = fill(sut, others, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
  const held_block lower = first < second ? pair[0] : pair[1], upper = first < second ? pair[1] : pair[0];
  const held_block freed_first = lower_first ? lower : upper, freed_second = lower_first ? upper : lower;
  in_task(sut, [&] { w.__free_pages(freed_first.p, order); });
  in_task(sut, [&] { w.__free_pages(freed_second.p, order); });
  in_task(sut, [&] { w.drain_all_pages(); });
  require_silent(sut, "after freeing the buddies");
  uint32_t head = 0;
  unsigned merged_order = 0;
  const bool found = free_block_containing(w, std::min(first, second), &head, &merged_order);
  RC_ASSERT(found);
  RC_LOG() << "merged into pfn " << head << " order " << merged_order << "\n";
  RC_ASSERT(merged_order > order);
  RC_ASSERT(head <= std::min(first, second));
  release(sut, rest);
  in_task(sut, [&] { w.drain_all_pages(); });
  require_silent(sut, "at the end");
  const auto signature = w.free_list_signature();
  if (signature != w.initial_free_list_signature())
    RC_FAIL("after freeing everything:\n" + signature_difference(signature, w.initial_free_list_signature()));
}

// ---- zone fallback ----------------------------------------------------------------

facts::zone_numbers numbers_of(const zone& z) {
  facts::zone_numbers numbers;
  numbers.lowmem_reserve = {z.lowmem_reserve[ZONE_DMA32], z.lowmem_reserve[ZONE_NORMAL]};
  numbers.nr_reserved_highatomic = z.nr_reserved_highatomic;
  for (unsigned o = 0; o < facts::orders; ++o)
    numbers.nr_free[o] = {z.area[o].nr_free_list[MIGRATE_PCPTYPES_MERGED], z.area[o].nr_free_list[MIGRATE_HIGHATOMIC]};
  return numbers;
}

LABYRINTH_PROP(world_laws, zone_fallback_keeps_the_lowmem_reserve, 300, 100, ()) {
  allocator_sut sut(law_world_config(*gen_discipline()));
  world& w = sut.w();
  const auto normal_first = *rc::gen::container<std::vector<unsigned>>(gen_order());
  const auto dma32_only = *rc::gen::container<std::vector<unsigned>>(gen_order());
  std::vector<held_block> held = fill(sut, normal_first, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
  std::vector<held_block> dma32 = fill(sut, dma32_only, GFP_KERNEL | __GFP_DMA32 | __GFP_NORETRY | __GFP_NOWARN);
  held.insert(held.end(), dma32.begin(), dma32.end());
  // Then blocks until each zone is near the boundary of interest: DMA32
  // near min + lowmem_reserve, then NORMAL near its min mark (with
  // GFP_ATOMIC, which may go below min where GFP_KERNEL would fall back).
  const long normal_margin = *uniform_in(-16L, 40L), dma32_margin = *uniform_in(-16L, 40L);
  auto drain_zone_to = [&](unsigned zone_index, long target, gfp_t gfp) {
    for (unsigned step = 0; step < 64; ++step) {
      const long excess = w.zone_at(zone_index).free_pages - target;
      if (excess <= 0) break;
      unsigned order = 0;
      while (order < 6 && (2L << order) <= excess) ++order;
      std::vector<held_block> one = fill(sut, {order}, gfp);
      if (one.empty()) break;
      held.push_back(one.front());
    }
  };
  drain_zone_to(0, w.zone_at(0).watermark[WMARK_MIN] + w.zone_at(0).lowmem_reserve[ZONE_NORMAL] + dma32_margin,
                GFP_KERNEL | __GFP_DMA32 | __GFP_NORETRY | __GFP_NOWARN);
  drain_zone_to(1, w.zone_at(1).watermark[WMARK_MIN] + normal_margin, GFP_ATOMIC | __GFP_NOWARN);
  const gfp_t gfp = *rc::gen::element(GFP_KERNEL, GFP_KERNEL | __GFP_NORETRY, GFP_NOFS, GFP_USER, GFP_ATOMIC,
                                      GFP_NOWAIT, GFP_KERNEL | __GFP_DMA32, GFP_ATOMIC | __GFP_DMA32);
  const unsigned order = *uniform_in(0u, 4u);
  const unsigned dma32_index = 0, normal_index = 1;
  const zone& dma32_zone = w.zone_at(dma32_index);
  const zone& normal_zone = w.zone_at(normal_index);
  const bool zones_as_configured = dma32_zone.type == ZONE_DMA32 && normal_zone.type == ZONE_NORMAL;
  RC_ASSERT(zones_as_configured);
  const snapshot before = sut.take_snapshot();
  // The fast path (ALLOC_WMARK_LOW, no reserves) would take the page from NORMAL.
  const bool normal_passes_fast_path =
      facts::zone_watermark_ok(numbers_of(normal_zone), order, normal_zone.watermark[WMARK_LOW], ZONE_NORMAL,
                               facts::alloc_wmark_low, normal_zone.free_pages);
  page* result = nullptr;
  uint32_t task_flags = 0;
  bool oom_victim = false;
  in_task(sut, [&] {
    task_flags = w.current().flags;
    oom_victim = w.current().oom_victim;
    result = w.alloc_pages(gfp, order);
  });
  require_silent(sut, "around the allocation");
  const bool from_dma32 = result && result->zone == dma32_index;
  RC_LOG() << format_gfp(gfp) << " order " << order << " -> " << (result ? (from_dma32 ? "DMA32" : "Normal") : "NULL")
           << " (free before: DMA32 " << before.free_pages[dma32_index] << ", Normal " << before.free_pages[normal_index]
           << "; Normal passes its fast-path check: " << normal_passes_fast_path << ")\n";
  if (gfp & __GFP_DMA32) {
    const bool from_dma32_or_failed = !result || from_dma32;
    RC_ASSERT(from_dma32_or_failed);
  } else {
    const bool from_normal = result && !from_dma32;
    if (normal_passes_fast_path) RC_ASSERT(from_normal);
    const world_stats& after = w.stats();
    const bool nothing_freed = after.frees == before.stats.frees && after.direct_reclaims == before.stats.direct_reclaims &&
                               after.kswapd_runs == before.stats.kswapd_runs && after.oom_kills == before.stats.oom_kills;
    long floor = 0;
    if (from_dma32 && nothing_freed &&
        facts::entitled_floor(gfp, 0, task_flags, oom_victim, dma32_zone.watermark[WMARK_MIN], &floor)) {
      const long usable = before.free_pages[dma32_index] - ((1L << order) - 1);
      RC_LOG() << "DMA32 usable " << usable << ", floor " << floor << " + lowmem_reserve "
               << dma32_zone.lowmem_reserve[ZONE_NORMAL] << "\n";
      RC_ASSERT(usable > floor + dma32_zone.lowmem_reserve[ZONE_NORMAL]);
    }
    RC_TAG(from_dma32 ? "fell back to DMA32" : from_normal ? "from Normal" : "failed");
  }
  if (result) held.push_back({result, order});
  release(sut, held);
  require_silent(sut, "at the end");
}

// ---- the highatomic reserve --------------------------------------------------------

// Free pages on the MIGRATE_HIGHATOMIC lists of a zone.
unsigned long free_highatomic_pages(const zone& z) {
  unsigned long pages = 0;
  for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order)
    pages += z.area[order].nr_free_list[MIGRATE_HIGHATOMIC] << order;
  return pages;
}

// Goal: the reserve a high-order GFP_ATOMIC allocation set aside is given back
// before a request that could still make progress fails ("before OOM, exhaust
// highatomic_reserve": should_reclaim_retry, after MAX_RECLAIM_RETRIES loops
// without progress, unreserves by force and retries).  Method: the pressure
// scenario of the slow-path tests with random sizes: a zone big enough to keep
// a reserve (51200 pages: its 1% is one pageblock), dirty page cache that a
// GFP_NOFS/GFP_NOIO request cannot reclaim, kswapd making no progress,
// everything allocated down to the min mark, one GFP_ATOMIC allocation of
// order 1..4 (it reserves a pageblock), some pages freed again; then an
// order-0 request.  Law: when should_reclaim_retry keeps seeing a chance (free
// + reclaimable - reserve above the min mark) and the request still returns
// NULL, no free page may be left in a highatomic pageblock; no report either
// way.  (Where free + reclaimable is below the mark the kernel goes to the OOM
// step without the forced unreserve, so the law does not apply there.)
LABYRINTH_PROP(world_laws, highatomic_reserve_is_exhausted_before_a_request_fails, 12, 100, ()) {
  world_config config;
  config.zones = {{ZONE_NORMAL, 51200}};
  config.oom_victim_pages = 0;
  config.checks = check_level::incremental;
  config.pcp = *gen_discipline();
  report_sink sink;
  fi::quiet_source quiet;
  const auto faults = fi::parse_fault_config("kswapd:probability=100,times=-1,verbose=0");
  RC_ASSERT(faults.ok());
  fi::injector injector(faults.config, quiet);
  world w(config, sink, &injector);
  const unsigned dirty = *uniform_in(300u, 451u), atomic_order = *uniform_in(1u, 5u), freed = *uniform_in(250u, 501u);
  const gfp_t gfp = *rc::gen::element(GFP_NOFS, GFP_NOIO);
  RC_LOG() << dirty << " dirty pages, GFP_ATOMIC order " << atomic_order << ", " << freed << " pages freed, then "
           << format_gfp(gfp) << " order 0\n";
  const zone& z = w.zone_at(0);
  page* result = nullptr;
  bool retry_has_a_chance = false;
  try {
    unsigned cached = 0;
    for (unsigned i = 0; i < dirty; ++i)
      if (w.add_to_page_cache(GFP_KERNEL, page_cache_kind::dirty)) ++cached;
    std::vector<page*> held;  // order-0 pages down to the min mark (no reclaim, no reserve)
    for (unsigned i = 0; i < config.zones[0].pages; ++i) {
      page* p = w.alloc_pages(__GFP_NOWARN, 0);
      if (!p) break;
      held.push_back(p);
    }
    w.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, atomic_order);
    for (unsigned i = 0; i < freed && !held.empty(); ++i) {
      w.__free_pages(held.back(), 0);
      held.pop_back();
    }
    w.drain_local_pages();
    retry_has_a_chance = z.free_pages - z.nr_reserved_highatomic + static_cast<long>(cached) > z.watermark[WMARK_MIN];
    RC_LOG() << "held " << held.size() << ", cached " << cached << ", free " << z.free_pages << ", reserved "
             << z.nr_reserved_highatomic << ", min " << z.watermark[WMARK_MIN] << "\n";
    result = w.alloc_pages(gfp, 0);
  } catch (const run_halted&) {
  }
  RC_LOG() << "result " << (result ? "a page" : "NULL") << "; reserved " << w.stats().highatomic_reserved
           << ", unreserved " << w.stats().highatomic_unreserved << "; nr_reserved_highatomic "
           << z.nr_reserved_highatomic << ", free highatomic pages " << free_highatomic_pages(z) << "\n";
  if (sink.bug_count() > 0) {
    std::string text;
    for (const report& r : sink.reports()) text += r.text() + "\n";
    RC_FAIL("oracle reports:\n" + text);
  }
  if (retry_has_a_chance && !result && free_highatomic_pages(z) > 0)
    RC_FAIL("the request failed while " + std::to_string(free_highatomic_pages(z)) +
            " free pages stayed in the highatomic reserve (never released under pressure)");
  RC_TAG(w.stats().highatomic_reserved > 0 ? "reserve taken" : "no reserve");
  RC_TAG(retry_has_a_chance ? "retry has a chance" : "below the mark even with reclaim");
  RC_TAG(w.stats().highatomic_unreserved > 0 ? "released" : "kept");
  RC_TAG(result ? "succeeded" : "failed");
}

}  // namespace
}  // namespace labyrinth::props
