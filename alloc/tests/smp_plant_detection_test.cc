// Planted SMP bugs caught deterministically by the scheduler's runs (same
// conventions as plant_detection_test.cc: the matching planted build expects
// the catch, the plant-free build expects silence, any other build only
// prints what it saw).  Each scenario is the cross-CPU workload of
// smp_support.h on 4 CPUs over PRNG seeds 1..N deciding schedule and
// interrupts; a catch names the first seed that shows it, so it reproduces.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "alloc/smp/scheduler.h"
#include "alloc/tests/smp_support.h"
#include "faultinject/plant.h"
#include "faultinject/prng_source.h"
#include "faultinject/replay_source.h"

namespace labyrinth {
namespace {

using alloc_test::describe;
using alloc_test::smp_irq_faults;
using alloc_test::smp_rig;
using alloc_test::smp_workload;
using alloc_test::smp_world;

constexpr bool plant_free = active_plant == plant::none;
constexpr uint64_t max_seeds = 64;

struct sweep_outcome {
  uint64_t first_seed = 0;  // first seed whose run reported `kind`; 0: none
  std::string first_report;
  size_t bug_reports = 0;   // over every seed
  std::string any_report;
  std::vector<fi::decision_record> trace;  // of the first seed's run
  std::string schedule;
};

// Runs seeds 1..max_seeds until one reports `kind` (or all were run).
sweep_outcome sweep(pcp_discipline discipline, report_kind kind, const smp_workload& load,
                    const char* faults = smp_irq_faults) {
  sweep_outcome outcome;
  for (uint64_t seed = 1; seed <= max_seeds; ++seed) {
    fi::prng_source source(seed);
    smp_rig rig(smp_world(4, discipline), source, faults);
    rig.add_workload(load);
    rig.run_and_teardown();
    outcome.bug_reports += rig.sink.bug_count();
    if (outcome.any_report.empty() && !rig.sink.empty()) outcome.any_report = describe(rig.sink);
    if (rig.sink.count(kind) == 0) continue;
    outcome.first_seed = seed;
    outcome.trace = rig.injector.trace();
    outcome.schedule = rig.result.schedule;
    for (const report& r : rig.sink.reports())
      if (r.kind == kind) outcome.first_report = r.text();
    break;
  }
  std::printf("[ plant    ] build plant '%s': %s first at seed %llu, %zu bug report(s)\n", plant_name(active_plant),
              report_kind_name(kind), static_cast<unsigned long long>(outcome.first_seed), outcome.bug_reports);
  if (!outcome.first_report.empty()) std::printf("%s", outcome.first_report.c_str());
  return outcome;
}

// The caught run, replayed from its recorded trace: the same schedule and the same report, bit for bit.
void expect_replay(pcp_discipline discipline, report_kind kind, const smp_workload& load, const sweep_outcome& caught,
                   const char* faults = smp_irq_faults) {
  fi::replay_source replay(caught.trace);
  smp_rig rig(smp_world(4, discipline), replay, faults);
  rig.add_workload(load);
  rig.run_and_teardown();
  EXPECT_EQ(replay.problem(), "") << "expected an exact replay";
  EXPECT_EQ(rig.result.schedule, caught.schedule);
  std::string replayed;
  for (const report& r : rig.sink.reports())
    if (r.kind == kind) replayed = r.text();
  EXPECT_EQ(replayed, caught.first_report);
}

TEST(smp_plant_detection, zone_lock_irq_unsafe_is_a_lockup_and_a_lockdep_warning) {
  // Goal: zone->lock taken with plain spin_lock while interrupt handlers
  // allocate: lockdep warns (inconsistent lock state) AND the scheduler finds
  // the real deadlock, an interrupt spinning on the zone->lock its own CPU
  // holds while the other CPUs pile up behind it.
  sweep_outcome lockup = sweep(pcp_discipline::trylock, report_kind::lockup, smp_workload{});
  sweep_outcome lockdep = sweep(pcp_discipline::trylock, report_kind::lockdep_inconsistent, smp_workload{});
  if (active_plant == plant::zone_lock_irq_unsafe) {
    EXPECT_GT(lockup.first_seed, 0u) << "expected a lockup within " << max_seeds << " seeds";
    EXPECT_NE(lockup.first_report.find("spins on zone->lock"), std::string::npos) << lockup.first_report;
    EXPECT_NE(lockup.first_report.find("(itself"), std::string::npos) << lockup.first_report;
    if (lockup.first_seed) expect_replay(pcp_discipline::trylock, report_kind::lockup, smp_workload{}, lockup);
    EXPECT_GT(lockdep.first_seed, 0u) << "expected lockdep's inconsistent lock state";
    EXPECT_NE(lockdep.first_report.find("zone->lock"), std::string::npos) << lockdep.first_report;
  } else if (plant_free) {
    EXPECT_EQ(lockup.bug_reports + lockdep.bug_reports, 0u) << lockup.any_report << lockdep.any_report;
  }
}

TEST(smp_plant_detection, pcp_remote_unlocked_is_caught_by_the_list_oracle) {
  // Goal: drain_all_pages touching another CPU's per-CPU list without its
  // pcp->lock meets that CPU inside its own critical section on some
  // schedule: "BUG: per-cpu page list reentered".  Both disciplines.
  for (pcp_discipline discipline : {pcp_discipline::trylock, pcp_discipline::irqsave}) {
    SCOPED_TRACE(pcp_discipline_name(discipline));
    sweep_outcome outcome = sweep(discipline, report_kind::pcp_reentered, smp_workload{8, true});
    if (active_plant == plant::pcp_remote_unlocked) {
      EXPECT_GT(outcome.first_seed, 0u) << "expected the remote list access to be caught within " << max_seeds
                                        << " seeds";
      EXPECT_NE(outcome.first_report.find("BUG: per-cpu page list reentered"), std::string::npos)
          << outcome.first_report;
      if (outcome.first_seed) expect_replay(discipline, report_kind::pcp_reentered, smp_workload{8, true}, outcome);
    } else if (plant_free) {
      EXPECT_EQ(outcome.bug_reports, 0u) << outcome.any_report;
    }
  }
}

TEST(smp_plant_detection, drain_loses_pages_is_caught_at_quiescence) {
  // Goal: a drain (drain_all_pages from one CPU, per-CPU work under irqsave)
  // that drops a page is caught when the run is quiescent: the full walk
  // finds a page on no list and not allocated.
  for (pcp_discipline discipline : {pcp_discipline::trylock, pcp_discipline::irqsave}) {
    SCOPED_TRACE(pcp_discipline_name(discipline));
    sweep_outcome outcome = sweep(discipline, report_kind::leak, smp_workload{}, "");
    if (active_plant == plant::drain_loses_pages) {
      EXPECT_GT(outcome.bug_reports, 0u) << "expected the lost page to be reported";
    } else if (plant_free) {
      EXPECT_EQ(outcome.bug_reports, 0u) << outcome.any_report;
    }
  }
}

}  // namespace
}  // namespace labyrinth
