// Goal: with several CPUs under the deterministic scheduler, the allocator's
// conservation laws hold at quiescence, whatever the programs and schedule.
// Method: rapidcheck generates fuzz_smp programs (random bytes through the
// total decoder: 4..7 CPUs, both disciplines, kswapd or not) and a schedule
// (a PRNG seed, or PCT with random depth and seed); after the run:
//  - no page lost or duplicated across CPUs: every page is in exactly one
//    place (a buddy free block, some CPU's per-CPU list, a block the client
//    holds on any CPU or in a queue between CPUs, the page cache, the OOM
//    victim's memory);
//  - per-zone and per-CPU counters match their lists (NR_FREE_PAGES and each
//    free area's nr_free against the buddy lists, pcp->count against the
//    per-CPU lists of every CPU);
//  - the oracles stay silent (the run, the full walk and the teardown).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "alloc/smp/strategy.h"
#include "alloc/world.h"
#include "faultinject/prng_source.h"
#include "fuzz/smp_program.h"
#include "props/property.h"

namespace labyrinth::props {
namespace {

using fuzz::smp_program;
using fuzz::smp_run_options;
using fuzz::smp_run_result;

struct census {
  std::vector<uint8_t> seen;  // places each pfn was found in
  std::string problems;
  void cover(uint32_t pfn, unsigned order, const char* where) {
    for (uint32_t i = 0; i < (1u << order) && pfn + i < seen.size(); ++i)
      if (++seen[pfn + i] == 2 && problems.size() < 400)
        problems += "pfn " + std::to_string(pfn + i) + " again in " + where + "\n";
  }
};

// Census and counters at quiescence; returns "" when both laws hold.
std::string check_quiescent_world(world& w, const std::vector<std::pair<uint32_t, unsigned>>& held) {
  census c;
  c.seen.assign(w.nr_pages(), 0);
  std::ostringstream out;
  for (unsigned zi = 0; zi < w.nr_zones(); ++zi) {
    const zone& z = w.zone_at(zi);
    long listed = 0;
    for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order)
      for (unsigned mt = 0; mt < MIGRATE_TYPES; ++mt) {
        auto pfns = w.free_list_pfns(zi, order, static_cast<migratetype>(mt));
        for (uint32_t pfn : pfns) c.cover(pfn, order, "a buddy free list");
        listed += static_cast<long>(pfns.size()) << order;
        if (pfns.size() != z.area[order].nr_free_list[mt])
          out << "zone " << z.name() << " order " << order << " list " << mt << ": nr_free "
              << z.area[order].nr_free_list[mt] << ", list holds " << pfns.size() << "\n";
      }
    if (listed != z.free_pages) out << "zone " << z.name() << ": NR_FREE_PAGES " << z.free_pages << ", lists hold " << listed << "\n";
    for (unsigned cpu = 0; cpu < w.config().nr_cpus; ++cpu) {
      int on_lists = 0;
      for (unsigned order = 0; order < NR_PCP_LISTS; ++order)
        for (uint32_t pfn : w.pcp_list_pfns(cpu, zi, order)) {
          c.cover(pfn, order, "a per-CPU list");
          on_lists += 1 << order;
        }
      if (on_lists != w.cpu(cpu).pcp[zi].count)
        out << "CPU" << cpu << " zone " << z.name() << ": pcp->count " << w.cpu(cpu).pcp[zi].count
            << ", lists hold " << on_lists << "\n";
    }
  }
  for (const auto& [pfn, order] : held) c.cover(pfn, order, "the client's blocks");
  for (uint32_t pfn = 0; pfn < w.nr_pages(); ++pfn) {
    const page* p = w.pfn_to_page(pfn);
    if (p->flags & (PG_lru | PG_oom_victim)) c.cover(pfn, p->order, "the page cache or the OOM victim");
  }
  for (uint32_t pfn = 0; pfn < w.nr_pages(); ++pfn)
    if (c.seen[pfn] == 0) {
      out << "pfn " << pfn << " is nowhere (lost)\n";
      break;
    }
  return out.str() + c.problems;
}

std::string reports_of(const smp_run_result& r) {
  std::string text;
  for (const report& each : r.reports) text += each.text();
  return text;
}

smp_program gen_program() {
  const auto bytes = *rc::gen::container<std::vector<uint8_t>>(*uniform_in<size_t>(1, 160), rc::gen::arbitrary<uint8_t>());
  return fuzz::smp_decode(bytes);
}

LABYRINTH_PROP(smp_laws, no_page_lost_or_duplicated_across_cpus, 25, 100, ()) {
  const smp_program p = gen_program();
  smp_run_options options = fuzz::smp_harness_options(sink_mode::collect);
  options.decision_seed = *rc::gen::arbitrary<uint64_t>();
  std::string census_problems = "(never quiescent)";
  options.at_quiescence = [&](world& w, const std::vector<std::pair<uint32_t, unsigned>>& held) {
    census_problems = check_quiescent_world(w, held);
  };
  smp_run_result r = fuzz::run_smp(p, options);
  RC_LOG() << fuzz::smp_print(p) << "schedule " << r.sched.schedule << "\n" << reports_of(r);
  RC_ASSERT(r.clean());
  RC_ASSERT(census_problems == "");
}

LABYRINTH_PROP(smp_laws, pct_schedules_keep_counters_consistent, 25, 100, ()) {
  const smp_program p = gen_program();
  const unsigned depth = *uniform_in(1u, 4u);
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  fi::prng_source interrupts(seed ^ 0x5a5a5a5a5a5a5a5aull);
  pct_strategy pct(interrupts, seed, depth, 200);
  smp_run_options options = fuzz::smp_harness_options(sink_mode::collect);
  options.strategy = &pct;
  std::string census_problems = "(never quiescent)";
  options.at_quiescence = [&](world& w, const std::vector<std::pair<uint32_t, unsigned>>& held) {
    census_problems = check_quiescent_world(w, held);
  };
  smp_run_result r = fuzz::run_smp(p, options);
  RC_LOG() << fuzz::smp_print(p) << "PCT depth " << depth << " schedule " << r.sched.schedule << "\n" << reports_of(r);
  RC_ASSERT(r.clean());
  RC_ASSERT(census_problems == "");
}

TEST(smp_laws, the_census_sees_a_lost_page_and_a_count_mismatch) {
  // Goal: the census can fire: a page unlinked from a CPU's per-CPU list
  // behind the allocator's back is "nowhere", and that CPU's pcp->count no
  // longer matches its lists.  Method: a seed program; at quiescence, unlink
  // the first page of the first non-empty order-0 list, census, relink.
  std::string error;
  auto p = fuzz::smp_parse("smp cpus=4 pcp=trylock kswapd=no\n"
                           "cpu 0: alloc slot=0 order=0 gfp=kernel; give slot=0 to=1\n"
                           "cpu 1: take; alloc slot=1 order=0 gfp=kernel; free slot=1\n", &error);
  ASSERT_TRUE(p.has_value()) << error;
  smp_run_options options = fuzz::smp_harness_options(sink_mode::collect);
  std::string clean_census = "(not run)", corrupt_census = "(not run)";
  options.at_quiescence = [&](world& w, const std::vector<std::pair<uint32_t, unsigned>>& held) {
    clean_census = check_quiescent_world(w, held);
    for (unsigned cpu = 0; cpu < w.config().nr_cpus; ++cpu) {
      auto pfns = w.pcp_list_pfns(cpu, w.nr_zones() - 1, 0);
      if (pfns.empty()) continue;
      uint32_t head = w.cpu(cpu).pcp[w.nr_zones() - 1].lists[0];
      w.lists_for_test_only().del(pfns[0]);
      corrupt_census = check_quiescent_world(w, held);
      w.lists_for_test_only().add(pfns[0], head);
      return;
    }
  };
  smp_run_result r = fuzz::run_smp(*p, options);
  EXPECT_TRUE(r.clean()) << reports_of(r);
  EXPECT_EQ(clean_census, "");
  EXPECT_NE(corrupt_census.find("is nowhere (lost)"), std::string::npos) << corrupt_census;
  EXPECT_NE(corrupt_census.find("pcp->count"), std::string::npos) << corrupt_census;
}

}  // namespace
}  // namespace labyrinth::props
