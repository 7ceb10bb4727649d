// The deterministic SMP scheduler (alloc/smp/): several CPUs, one running at a
// time, switched at interleaving points by the decision source; replay of a
// recorded schedule; PCT and preemption-bounded search; lockups; per-CPU
// drain work; kswapd as its own task.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "alloc/smp/scheduler.h"
#include "alloc/smp/strategy.h"
#include "alloc/tests/smp_support.h"
#include "faultinject/plant.h"
#include "faultinject/plan_source.h"
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

// Seeds of the randomized SMP tests: 12, or LABYRINTH_SMP_SEEDS for a long run.
uint64_t smp_seeds() {
  const char* env = std::getenv("LABYRINTH_SMP_SEEDS");
  return env && *env ? std::strtoull(env, nullptr, 10) : 12;
}

TEST(smp, four_cpus_cross_cpu_frees_are_clean) {
  // Goal: pages allocated on one CPU and freed on another, drain_all_pages,
  // interrupts on every CPU: the correct model reports nothing, over many
  // schedules.  Method: 4 CPUs, both disciplines, PRNG seeds 1..12 deciding
  // schedule and interrupts; full walk and teardown at the end.
  if (!plant_free) GTEST_SKIP() << "a planted build may legitimately report";
  for (pcp_discipline discipline : {pcp_discipline::trylock, pcp_discipline::irqsave}) {
    uint64_t interrupts = 0;
    unsigned interrupted_cpus = 0;
    for (uint64_t seed = 1; seed <= smp_seeds(); ++seed) {
      fi::prng_source source(seed);
      smp_rig rig(smp_world(4, discipline), source, smp_irq_faults);
      rig.add_workload(smp_workload{});
      smp_result result = rig.run_and_teardown();
      EXPECT_TRUE(rig.sink.empty()) << "seed " << seed << " discipline " << pcp_discipline_name(discipline)
                                    << ": expected no report; seen:\n" << describe(rig.sink);
      EXPECT_GT(result.switches, 4u) << "seed " << seed << ": expected the CPUs to interleave";
      interrupts += rig.w->stats().interrupts[0] + rig.w->stats().interrupts[1];
      for (const fi::decision_record& d : rig.injector.trace())
        if (d.request.kind == fi::decision_kind::interrupt && d.request.context.cpu < 4)
          interrupted_cpus |= 1u << d.request.context.cpu;
    }
    EXPECT_GT(interrupts, 12u) << "expected hardirqs and softirqs on the CPUs";
    EXPECT_EQ(interrupted_cpus, 0xfu) << "expected interrupts on every CPU (bit per CPU)";
  }
}

TEST(smp, a_page_freed_on_another_cpu_goes_to_that_cpus_list) {
  // Goal: __free_pages on CPU 1 of a page CPU 0 allocated puts it on CPU 1's
  // per-CPU list (free_unref_page uses this_cpu()).  Method: two tasks, the
  // quiet source (no preemption: CPU 0 runs first, then CPU 1).
  fi::quiet_source source;
  smp_rig rig(smp_world(2), source, "");
  page* handed = nullptr;
  rig.sched.add_cpu_task(0, [&] { handed = rig.w->alloc_pages(GFP_KERNEL, 0); });
  rig.sched.add_cpu_task(1, [&] { rig.w->__free_pages(handed, 0); });
  rig.sched.run();
  ASSERT_NE(handed, nullptr);
  uint32_t pfn = rig.w->page_to_pfn(handed);
  auto on_cpu1 = rig.w->pcp_list_pfns(1, 0, 0);
  EXPECT_NE(std::find(on_cpu1.begin(), on_cpu1.end(), pfn), on_cpu1.end())
      << "expected pfn " << pfn << " on CPU 1's order-0 list; it holds " << on_cpu1.size() << " pages";
  EXPECT_EQ(rig.w->owner(pfn).cpu, 0u) << "page_owner should say CPU 0 allocated it";
  EXPECT_TRUE(rig.sink.empty()) << describe(rig.sink);
}

// A racy client: two CPUs check a shared slot and free what they find, with
// an interleaving point between the check and the clearing (no lock).  Some
// schedules free the page twice.
struct racy_double_free {
  explicit racy_double_free(smp_rig& rig) : rig(rig) {
    for (unsigned cpu = 0; cpu < 2; ++cpu)
      rig.sched.add_cpu_task(cpu, [this, cpu] { body(cpu); });
  }
  void body(unsigned cpu) {
    if (cpu == 0) slot = rig.w->alloc_pages(GFP_KERNEL, 0);
    rig.sched.between_ops();
    page* p = slot;
    rig.sched.between_ops();  // the window
    slot = nullptr;
    if (p) rig.w->__free_pages(p, 0);
  }
  smp_rig& rig;
  page* slot = nullptr;
};

TEST(smp, a_failing_schedule_replays_bit_for_bit) {
  // Goal: the schedule under which the racy client double-frees, recorded in
  // the injector's trace, replays exactly: same decisions, same schedule
  // string, same reports.  Method: PRNG seeds until one run reports a double
  // free; replay its trace with a replay_source (question and context checked).
  for (uint64_t seed = 1; seed <= 64; ++seed) {
    fi::prng_source source(seed);
    smp_rig rig(smp_world(2), source, "");
    racy_double_free client(rig);
    smp_result first = rig.sched.run();
    if (rig.sink.count(report_kind::double_free) == 0) continue;
    std::printf("[ smp      ] seed %llu double-frees; schedule %s, %zu decisions\n",
                static_cast<unsigned long long>(seed), first.schedule.c_str(), rig.injector.trace().size());
    fi::replay_source replay(rig.injector.trace());
    smp_rig again(smp_world(2), replay, "");
    racy_double_free client_again(again);
    smp_result second = again.sched.run();
    EXPECT_EQ(replay.problem(), "") << "expected an exact replay";
    EXPECT_EQ(second.schedule, first.schedule);
    EXPECT_EQ(fi::format_trace(again.injector.trace()), fi::format_trace(rig.injector.trace()));
    ASSERT_EQ(again.sink.reports().size(), rig.sink.reports().size()) << describe(again.sink);
    for (size_t i = 0; i < rig.sink.reports().size(); ++i)
      EXPECT_EQ(again.sink.reports()[i].text(), rig.sink.reports()[i].text()) << "report " << i;
    return;
  }
  FAIL() << "expected some seed in 1..64 to schedule the double free";
}

TEST(smp, a_cpu_spinning_on_its_own_lock_in_an_interrupt_is_a_lockup) {
  // Goal: the scheduler finds the irq-unsafe deadlock itself: CPU 0 holds a
  // lock with irqs on, its interrupt handler spins on it, CPU 1 ends up
  // spinning too; nothing can run: "BUG: spinlock lockup suspected", with
  // lockdep's inconsistent-state warning before it.  Method: a client lock,
  // one hardirq at CPU 0's between_ops point inside the section.
  alloc_test::point_source source(irq_point::lock_section, interrupt_kind::hardirq);
  smp_rig rig(smp_world(2), source, alloc_test::interrupt_faults);
  spinlock_t lock = rig.w->make_lock("client_lock");
  alloc_test::handler_function handler([&](world& w, interrupt_kind, irq_point) {
    w.spin_lock(lock);
    w.spin_unlock(lock);
  });
  rig.w->set_interrupt_handler(&handler);
  rig.sched.add_cpu_task(0, [&] {
    rig.w->spin_lock(lock);
    rig.w->interrupt_point(irq_point::lock_section);
    rig.w->spin_unlock(lock);
  });
  rig.sched.add_cpu_task(1, [&] {
    rig.w->spin_lock(lock);
    rig.w->spin_unlock(lock);
  });
  smp_result result = rig.sched.run();
  EXPECT_TRUE(result.lockup);
  EXPECT_TRUE(result.halted);
  alloc_test::expect_one(rig.sink, report_kind::lockup, "BUG: spinlock lockup suspected on CPU#");
  EXPECT_EQ(rig.sink.count(report_kind::lockdep_inconsistent), 1u) << describe(rig.sink);
  const report* r = alloc_test::first_of(rig.sink, report_kind::lockup);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(alloc_test::contains(r->details, "spins on client_lock#0 held by CPU#0 (itself")) << r->details;
}

// Two CPUs taking two locks in opposite orders (ABBA).
struct abba_client {
  explicit abba_client(smp_rig& rig) : rig(rig), a(rig.w->make_lock("lock_a")), b(rig.w->make_lock("lock_b")) {
    rig.sched.add_cpu_task(0, [this] { take(a, b); });
    rig.sched.add_cpu_task(1, [this] { take(b, a); });
  }
  void take(spinlock_t& first, spinlock_t& second) {
    rig.w->spin_lock(first);
    rig.w->spin_lock(second);
    rig.w->spin_unlock(second);
    rig.w->spin_unlock(first);
  }
  smp_rig& rig;
  spinlock_t a, b;
};

TEST(smp, an_explicit_plan_schedules_the_abba_deadlock) {
  // Goal: an explicit schedule (plan_source) is followed exactly: the 3rd
  // schedule question (CPU 0 about to take lock_b) answers 1, a preemption to
  // CPU 1, which takes lock_b; both then spin: the lockup, and lockdep's
  // circular dependency.  Method: the ABBA client under a one-entry plan.
  fi::plan_source plan({{fi::decision_kind::schedule, fi::fault_site::page_alloc, 3, 1}});
  smp_rig rig(smp_world(2), plan, "");
  abba_client client(rig);
  smp_result result = rig.sched.run();
  EXPECT_TRUE(plan.unused_entries().empty());
  EXPECT_TRUE(result.lockup) << "schedule " << result.schedule << "\n" << describe(rig.sink);
  EXPECT_EQ(result.preemptions, 1u);
  EXPECT_EQ(rig.sink.count(report_kind::lockdep_circular), 1u) << describe(rig.sink);
  alloc_test::expect_one(rig.sink, report_kind::lockup, "BUG: spinlock lockup suspected on CPU#");
}

TEST(smp, preemption_bounded_search_finds_the_abba_deadlock_with_one_preemption) {
  // Goal: enumeration with at most 0 preemptions never deadlocks the ABBA
  // client; with at most 1 it finds the lockup, as CHESS finds most bugs with
  // <= 2.  Every enumerated schedule is distinct.  Method: DFS over schedules.
  for (unsigned bound : {0u, 1u}) {
    fi::quiet_source quiet;
    preemption_bounded search(quiet, bound);
    std::set<std::string> seen;
    bool found = false;
    search.start();
    for (unsigned runs = 0; runs < 1000; ++runs) {
      smp_rig rig(smp_world(2), search, "", &search);
      abba_client client(rig);
      smp_result result = rig.sched.run();
      EXPECT_TRUE(seen.insert(search.last_schedule()).second) << "schedule repeated: " << search.last_schedule();
      found |= result.lockup;
      if (!search.next()) break;
    }
    std::printf("[ smp      ] bound %u: %llu schedules, deadlock %s\n", bound,
                static_cast<unsigned long long>(search.schedules_run()), found ? "found" : "not found");
    EXPECT_EQ(found, bound >= 1) << "bound " << bound;
    EXPECT_EQ(seen.size(), search.schedules_run());
  }
}

TEST(smp, preemption_bounded_counts_grow_with_the_bound) {
  // Goal: a larger bound enumerates a superset (more schedules); the
  // cross-CPU workload is silent under all of them.  Method: 2 CPUs, 2 ops each.
  uint64_t previous = 0;
  for (unsigned bound : {0u, 1u, 2u}) {
    fi::quiet_source quiet;
    preemption_bounded search(quiet, bound);
    search.start();
    for (unsigned runs = 0; runs < 20000; ++runs) {
      smp_rig rig(smp_world(2), search, "", &search);
      rig.add_workload(smp_workload{2, false});
      rig.run_and_teardown();
      if (plant_free) {
        ASSERT_TRUE(rig.sink.empty()) << "bound " << bound << " schedule " << search.last_schedule() << ":\n"
                                      << describe(rig.sink);
      }
      if (!search.next()) break;
    }
    std::printf("[ smp      ] cross-CPU workload, bound %u: %llu schedules\n", bound,
                static_cast<unsigned long long>(search.schedules_run()));
    EXPECT_GT(search.schedules_run(), previous) << "bound " << bound;
    previous = search.schedules_run();
  }
}

TEST(smp, pct_guarantee_and_search) {
  // Goal: the PCT guarantee is 1/(n * k^(d-1)); PCT finds the ABBA deadlock
  // (depth 2) within a few runs; each run with the same seed is the same run.
  // Method: k measured from a quiet run; seeds 1..200.
  EXPECT_DOUBLE_EQ(pct_strategy::guarantee(4, 100, 1), 1.0 / 4);
  EXPECT_DOUBLE_EQ(pct_strategy::guarantee(4, 100, 3), 1.0 / 40000);
  fi::quiet_source quiet;
  uint64_t k = 0;
  {
    smp_rig rig(smp_world(2), quiet, "");
    abba_client client(rig);
    k = rig.sched.run().points;
  }
  std::printf("[ smp      ] %s\n", pct_strategy::describe(2, k, 2).c_str());
  unsigned found_at = 0;
  std::string first_schedule;
  for (uint64_t seed = 1; seed <= 200 && !found_at; ++seed) {
    pct_strategy pct(quiet, seed, 2, k);
    smp_rig rig(smp_world(2), pct, "", &pct);
    abba_client client(rig);
    if (rig.sched.run().lockup) found_at = static_cast<unsigned>(seed);
  }
  std::printf("[ smp      ] PCT found the ABBA deadlock at seed %u\n", found_at);
  EXPECT_GT(found_at, 0u) << "expected PCT to find the depth-2 deadlock within 200 runs (guarantee "
                          << pct_strategy::guarantee(2, k, 2) << " per run)";
  // Determinism: the same seed, the same schedule.
  std::string schedules[2];
  for (std::string& schedule : schedules) {
    pct_strategy pct(quiet, 7, 3, k);
    smp_rig rig(smp_world(4), pct, smp_irq_faults, &pct);
    rig.add_workload(smp_workload{});
    schedule = rig.run_and_teardown().schedule;
  }
  EXPECT_EQ(schedules[0], schedules[1]);
}

TEST(smp, drain_all_pages_runs_on_every_cpu_under_irqsave) {
  // Goal: under the irqsave discipline drain_all_pages queues work on every
  // CPU and waits; each CPU drains its own lists, and afterwards they are all
  // empty.  Method: every CPU frees pages onto its list, then CPU 0 drains
  // and checks, once every CPU has filled its list.
  fi::quiet_source quiet;
  smp_rig rig(smp_world(4, pcp_discipline::irqsave), quiet, "");
  unsigned filled = 0;
  int left_after_drain = -1;
  for (unsigned cpu = 0; cpu < 4; ++cpu) {
    rig.sched.add_cpu_task(cpu, [&, cpu] {
      page* p[3];
      for (page*& each : p) each = rig.w->alloc_pages(GFP_KERNEL, 0);
      for (page* each : p) rig.w->__free_pages(each, 0);
      ++filled;
      for (unsigned wait = 0; cpu == 0 && filled < 4 && wait < 100; ++wait) rig.sched.between_ops();
      if (cpu != 0) return;
      rig.w->drain_all_pages();
      left_after_drain = 0;
      for (unsigned c = 0; c < 4; ++c)
        for (unsigned order = 0; order < NR_PCP_LISTS; ++order)
          left_after_drain += static_cast<int>(rig.w->pcp_list_pfns(c, 0, order).size());
    });
  }
  smp_result result = rig.sched.run();
  EXPECT_FALSE(result.halted) << describe(rig.sink);
  EXPECT_EQ(filled, 4u);
  if (plant_free) {
    EXPECT_EQ(left_after_drain, 0) << "expected every CPU's list empty after drain_all_pages";
  }
  EXPECT_TRUE(rig.sink.empty() || !plant_free) << describe(rig.sink);
}

TEST(smp, kswapd_runs_as_its_own_task) {
  // Goal: under memory pressure kswapd is woken and runs as its own task (on
  // the last CPU, when that CPU's task is preemptible), reclaiming page cache;
  // the run is clean.  Method: 4 CPUs fill the page cache and allocate.
  fi::prng_source source(3);
  smp_rig rig(smp_world(4), source, "");
  rig.add_workload(smp_workload{240, false, true, true});
  smp_result result = rig.run_and_teardown();
  EXPECT_GT(rig.w->stats().kswapd_runs, 0u) << "expected kswapd to have run";
  EXPECT_NE(result.schedule.find('4'), std::string::npos) << "expected task 4 (kswapd) in the schedule";
  if (plant_free) {
    EXPECT_TRUE(rig.sink.empty()) << describe(rig.sink);
  }
}

}  // namespace
}  // namespace labyrinth
