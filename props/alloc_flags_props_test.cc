// Goal: the allocator's pure policy functions (alloc/alloc_flags.h) are the
// kernel's formulas, and the reserve laws that follow from them hold.
// Method: rapidcheck compares gfp_to_alloc_flags, __gfp_pfmemalloc_flags,
// __zone_watermark_ok and zone_watermark_fast with the independent
// restatements of shared/reference/linux-mm.md section 2 in kernel_facts.h,
// over random GFP masks, orders, contexts and random zones (marks, free
// counts, highatomic reserve, lowmem_reserve, free blocks per order and
// list); then checks the monotonicity laws that are true of the formula and
// shows by example that one tempting law is false.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <sstream>

#include "alloc/alloc_flags.h"
#include "alloc/preempt.h"
#include "alloc/context.h"
#include "props/kernel_facts.h"
#include "props/property.h"

namespace labyrinth::props {
namespace {

std::string hex(unsigned value) {
  std::ostringstream out;
  out << "0x" << std::hex << value;
  return out.str();
}

rc::Gen<gfp_t> gen_any_gfp() {
  return rc::gen::map(rc::gen::arbitrary<uint32_t>(), [](uint32_t bits) { return bits & __GFP_BITS_MASK; });
}

// Composite families and single modifiers mixed, so the interesting bits
// (HIGH, DIRECT_RECLAIM, KSWAPD_RECLAIM, NOMEMALLOC, MEMALLOC) meet often.
rc::Gen<gfp_t> gen_family_gfp() {
  return rc::gen::exec([] {
    gfp_t gfp = *rc::gen::element(GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_ATOMIC, GFP_NOWAIT, GFP_USER, gfp_t{0});
    const gfp_t modifiers = *rc::gen::arbitrary<uint8_t>();
    if (modifiers & 1) gfp |= __GFP_HIGH;
    if (modifiers & 2) gfp |= __GFP_NOMEMALLOC;
    if (modifiers & 4) gfp |= __GFP_MEMALLOC;
    if (modifiers & 8) gfp ^= __GFP_DIRECT_RECLAIM;
    if (modifiers & 16) gfp ^= __GFP_KSWAPD_RECLAIM;
    if (modifiers & 32) gfp |= __GFP_NOFAIL;
    return gfp;
  });
}

// A preempt_count with every field populated at random, within its mask.
rc::Gen<uint32_t> gen_preempt_count() {
  return rc::gen::exec([] {
    uint32_t count = *uniform_in(0u, 4u);                   // preempt depth
    count += *uniform_in(0u, 2u) * facts::serving_softirq_unit;
    count += *uniform_in(0u, 3u) * facts::bh_disable_unit;
    count += *uniform_in(0u, 2u) * facts::hardirq_unit;
    count += *uniform_in(0u, 2u) * facts::nmi_unit;
    return count;
  });
}

// ---- random zones -------------------------------------------------------------

struct zone_case {
  facts::zone_numbers numbers;
  long free_pages = 0;
  long marks[3] = {0, 0, 0};  // min, low, high
};

std::ostream& operator<<(std::ostream& os, const zone_case& c) {
  os << "marks " << c.marks[0] << "/" << c.marks[1] << "/" << c.marks[2] << " free " << c.free_pages
     << " highatomic " << c.numbers.nr_reserved_highatomic << " lowmem_reserve " << c.numbers.lowmem_reserve[0] << ","
     << c.numbers.lowmem_reserve[1] << " blocks";
  for (unsigned o = 0; o < facts::orders; ++o)
    os << " " << c.numbers.nr_free[o][0] << "+" << c.numbers.nr_free[o][1];
  return os;
}

rc::Gen<zone_case> gen_zone_case() {
  return rc::gen::exec([] {
    zone_case c;
    c.marks[0] = *uniform_in(0L, 400L);
    c.marks[1] = c.marks[0] + *uniform_in(0L, 100L);
    c.marks[2] = c.marks[1] + *uniform_in(0L, 100L);
    c.numbers.lowmem_reserve = {*uniform_in(0L, 64L), *uniform_in(0L, 64L)};
    c.numbers.nr_reserved_highatomic = *rc::gen::element(0L, 0L, 512L, 1024L, *uniform_in(0L, 2048L));
    for (unsigned o = 0; o < facts::orders; ++o) {
      c.numbers.nr_free[o][0] = *rc::gen::weightedElement<unsigned long>({{4, 0}, {2, 1}, {1, 3}});
      c.numbers.nr_free[o][1] = *rc::gen::weightedElement<unsigned long>({{6, 0}, {1, 1}});
    }
    c.free_pages = *uniform_in(-8L, 3000L);
    return c;
  });
}

zone model_zone(const zone_case& c) {
  zone z;
  for (unsigned mark = 0; mark < NR_WMARK; ++mark) z.watermark[mark] = c.marks[mark];
  z.lowmem_reserve[ZONE_DMA32] = c.numbers.lowmem_reserve[0];
  z.lowmem_reserve[ZONE_NORMAL] = c.numbers.lowmem_reserve[1];
  z.nr_reserved_highatomic = c.numbers.nr_reserved_highatomic;
  z.free_pages = c.free_pages;
  for (unsigned o = 0; o < NR_PAGE_ORDERS; ++o) {
    z.area[o].nr_free_list[MIGRATE_PCPTYPES_MERGED] = c.numbers.nr_free[o][0];
    z.area[o].nr_free_list[MIGRATE_HIGHATOMIC] = c.numbers.nr_free[o][1];
  }
  return z;
}

// Every combination of the ALLOC_* bits the watermark check reads.
rc::Gen<unsigned> gen_alloc_flags() {
  return rc::gen::exec([] {
    unsigned flags = *uniform_in(0u, 3u);  // the mark index bits
    const unsigned bits = *rc::gen::arbitrary<uint8_t>();
    if (bits & 1) flags |= facts::alloc_oom;
    if (bits & 2) flags |= facts::alloc_non_block;
    if (bits & 4) flags |= facts::alloc_min_reserve;
    if (bits & 8) flags |= facts::alloc_highatomic;
    if (bits & 16) flags |= facts::alloc_cpuset;
    if (bits & 32) flags |= facts::alloc_kswapd;
    if (bits & 64) flags |= facts::alloc_cma;
    return flags;
  });
}

// ---- the formulas ---------------------------------------------------------------

LABYRINTH_PROP(alloc_flags, gfp_to_alloc_flags_is_the_kernel_formula, 5000, 100, ()) {
  const gfp_t gfp = *rc::gen::oneOf(gen_any_gfp(), gen_family_gfp());
  const unsigned order = *uniform_in(0u, NR_PAGE_ORDERS);
  const bool rt_task_in_task = *rc::gen::arbitrary<bool>();
  const unsigned model = gfp_to_alloc_flags(gfp, order, rt_task_in_task);
  const unsigned reference = facts::gfp_to_alloc_flags(gfp, order, rt_task_in_task);
  RC_LOG() << format_gfp(gfp) << " order " << order << ": model " << hex(model) << ", reference " << hex(reference) << "\n";
  RC_ASSERT(model == reference);
}

LABYRINTH_PROP(alloc_flags, gfp_pfmemalloc_flags_is_the_kernel_formula, 5000, 100, ()) {
  const gfp_t gfp = *gen_family_gfp();
  const uint32_t count = *gen_preempt_count();
  const uint32_t task_flags = *rc::gen::element(0u, PF_MEMALLOC, PF_MEMALLOC_NOIO, PF_MEMALLOC | PF_MEMALLOC_NOFS);
  const bool oom_victim = *rc::gen::arbitrary<bool>();
  const unsigned model = gfp_pfmemalloc_flags(gfp, count, task_flags, oom_victim);
  const unsigned reference = facts::pfmemalloc_flags(gfp, count, task_flags, oom_victim);
  RC_LOG() << format_gfp(gfp) << " preempt_count " << hex(count) << " task flags " << hex(task_flags) << " oom victim "
           << oom_victim << ": model " << hex(model) << ", reference " << hex(reference) << "\n";
  RC_ASSERT(model == reference);
}

LABYRINTH_PROP(alloc_flags, zone_watermark_ok_is_the_kernel_formula, 5000, 100, ()) {
  const zone_case c = *gen_zone_case();
  const unsigned order = *uniform_in(0u, NR_PAGE_ORDERS);
  const unsigned flags = *gen_alloc_flags();
  const unsigned highest = *uniform_in(0u, 2u);
  const unsigned mark_index = flags & facts::alloc_wmark_mask;
  const long mark = c.marks[mark_index < 3 ? mark_index : 0];
  const zone z = model_zone(c);
  const bool model = zone_watermark_ok(z, order, mark, static_cast<zone_type>(highest), flags, c.free_pages);
  const bool reference = facts::zone_watermark_ok(c.numbers, order, mark, highest, flags, c.free_pages);
  RC_LOG() << "order " << order << " mark " << mark << " alloc_flags " << hex(flags) << " highest " << highest
           << ": model " << model << ", reference " << reference << "\n";
  RC_ASSERT(model == reference);
}

// zone_watermark_fast() is an optimisation: with non-negative marks and
// reserves it must answer as __zone_watermark_ok does on NR_FREE_PAGES.
LABYRINTH_PROP(alloc_flags, zone_watermark_fast_agrees_with_the_formula, 5000, 100, ()) {
  const zone_case c = *gen_zone_case();
  const unsigned order = *uniform_in(0u, NR_PAGE_ORDERS);
  const unsigned flags = *gen_alloc_flags();
  const unsigned highest = *uniform_in(0u, 2u);
  const long mark = c.marks[*uniform_in(0, 3)];
  const zone z = model_zone(c);
  const bool fast = zone_watermark_fast(z, order, mark, static_cast<zone_type>(highest), flags);
  const bool reference = facts::zone_watermark_ok(c.numbers, order, mark, highest, flags, c.free_pages);
  RC_LOG() << "order " << order << " mark " << mark << " alloc_flags " << hex(flags) << ": fast " << fast
           << ", reference " << reference << "\n";
  RC_ASSERT(fast == reference);
}

// ---- reserve laws -----------------------------------------------------------------

bool passes_min_mark(const zone_case& c, gfp_t gfp, unsigned order, unsigned highest) {
  const zone z = model_zone(c);
  return zone_watermark_ok(z, order, c.marks[WMARK_MIN], static_cast<zone_type>(highest),
                           gfp_to_alloc_flags(gfp, order), c.free_pages);
}

// Whenever GFP_KERNEL would pass the watermark check, the requests with more
// reserve access pass too in the same state: GFP_NOWAIT (no highatomic
// subtraction, highatomic lists usable), GFP_ATOMIC (3/8 of min), GFP_KERNEL
// with __GFP_HIGH (min/2), GFP_ATOMIC|__GFP_NOMEMALLOC (min/2, no highatomic).
LABYRINTH_PROP(alloc_flags, reserve_access_is_monotone, 5000, 100, ()) {
  const zone_case c = *gen_zone_case();
  const unsigned order = *uniform_in(0u, NR_PAGE_ORDERS);
  const unsigned highest = *uniform_in(0u, 2u);
  const bool kernel = passes_min_mark(c, GFP_KERNEL, order, highest);
  const bool kernel_high = passes_min_mark(c, GFP_KERNEL | __GFP_HIGH, order, highest);
  const bool nowait = passes_min_mark(c, GFP_NOWAIT, order, highest);
  const bool atomic_nomemalloc = passes_min_mark(c, GFP_ATOMIC | __GFP_NOMEMALLOC, order, highest);
  const bool atomic = passes_min_mark(c, GFP_ATOMIC, order, highest);
  RC_LOG() << "order " << order << ": kernel " << kernel << " kernel|high " << kernel_high << " nowait " << nowait
           << " atomic|nomemalloc " << atomic_nomemalloc << " atomic " << atomic << "\n";
  RC_ASSERT(!kernel || nowait);
  RC_ASSERT(!nowait || atomic);
  RC_ASSERT(!kernel || kernel_high);
  RC_ASSERT(!kernel || atomic_nomemalloc);
  RC_ASSERT(!atomic_nomemalloc || atomic);
  RC_ASSERT(!kernel_high || atomic);
}

// Not a law: GFP_NOWAIT and GFP_ATOMIC|__GFP_NOMEMALLOC are incomparable.
// NOWAIT has no discount but may use the highatomic lists; ATOMIC|NOMEMALLOC
// has the min/2 discount but no highatomic access.
TEST(alloc_flags, nowait_and_atomic_nomemalloc_are_incomparable) {
  zone_case only_highatomic_blocks;
  only_highatomic_blocks.marks[0] = 100;
  only_highatomic_blocks.free_pages = 200;
  only_highatomic_blocks.numbers.nr_free[3][1] = 1;  // one order-3 block, on the highatomic list
  EXPECT_TRUE(passes_min_mark(only_highatomic_blocks, GFP_NOWAIT, 3, 1))
      << "expected GFP_NOWAIT to use the highatomic block";
  EXPECT_FALSE(passes_min_mark(only_highatomic_blocks, GFP_ATOMIC | __GFP_NOMEMALLOC, 3, 1))
      << "expected GFP_ATOMIC|__GFP_NOMEMALLOC to have no highatomic access";

  zone_case below_min;
  below_min.marks[0] = 100;
  below_min.free_pages = 80;  // above min/2, below min
  EXPECT_FALSE(passes_min_mark(below_min, GFP_NOWAIT, 0, 1)) << "expected GFP_NOWAIT to get no discount";
  EXPECT_TRUE(passes_min_mark(below_min, GFP_ATOMIC | __GFP_NOMEMALLOC, 0, 1))
      << "expected GFP_ATOMIC|__GFP_NOMEMALLOC to reach min/2";
}

// The constants the formulas use: ALLOC_* (section 2), the GFP bits and
// composites (section 1), the preempt_count layout (section 7).
TEST(alloc_flags, constants_are_the_reference_values) {
  EXPECT_EQ(ALLOC_NO_WATERMARKS, facts::alloc_no_watermarks);
  EXPECT_EQ(ALLOC_OOM, facts::alloc_oom);
  EXPECT_EQ(ALLOC_NON_BLOCK, facts::alloc_non_block);
  EXPECT_EQ(ALLOC_MIN_RESERVE, facts::alloc_min_reserve);
  EXPECT_EQ(ALLOC_CPUSET, facts::alloc_cpuset);
  EXPECT_EQ(ALLOC_CMA, facts::alloc_cma);
  EXPECT_EQ(ALLOC_NOFRAGMENT, facts::alloc_nofragment);
  EXPECT_EQ(ALLOC_HIGHATOMIC, facts::alloc_highatomic);
  EXPECT_EQ(ALLOC_KSWAPD, facts::alloc_kswapd);
  EXPECT_EQ(ALLOC_RESERVES, facts::alloc_reserves);
  EXPECT_EQ(GFP_ATOMIC, 0x820u);
  EXPECT_EQ(GFP_KERNEL, 0xcc0u);
  EXPECT_EQ(GFP_NOWAIT, 0x2800u);
  EXPECT_EQ(GFP_NOIO, 0xc00u);
  EXPECT_EQ(GFP_NOFS, 0xc40u);
  EXPECT_EQ(__GFP_NOFAIL, 0x8000u);
  EXPECT_EQ(__GFP_MEMALLOC, 0x20000u);
  EXPECT_EQ(__GFP_NOMEMALLOC, 0x80000u);
  EXPECT_EQ(PF_MEMALLOC, facts::task_pf_memalloc);
  EXPECT_EQ(SOFTIRQ_OFFSET, facts::serving_softirq_unit);
  EXPECT_EQ(SOFTIRQ_DISABLE_OFFSET, facts::bh_disable_unit);
  EXPECT_EQ(HARDIRQ_OFFSET, facts::hardirq_unit);
  EXPECT_EQ(NMI_OFFSET, facts::nmi_unit);
  EXPECT_EQ(NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK | PREEMPT_MASK,
            facts::nmi_bits | facts::hardirq_bits | facts::softirq_bits | facts::preempt_bits);
}

}  // namespace
}  // namespace labyrinth::props
