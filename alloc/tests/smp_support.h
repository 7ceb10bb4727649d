// Helpers of the SMP tests: a world with N CPUs, its injector over a chosen
// decision source, an interrupt handler that allocates GFP_ATOMIC on whatever
// CPU it interrupts, and a cross-CPU workload: every CPU allocates pages and
// hands them to the next CPU through a queue under a client spinlock; each
// CPU frees what it is handed (so pages are freed on another CPU than the
// one that allocated them), and some CPUs drain every CPU's lists.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alloc/smp/scheduler.h"
#include "alloc/smp/strategy.h"
#include "alloc/tests/test_support.h"
#include "alloc/world.h"
#include "faultinject/injector.h"
#include "faultinject/prng_source.h"

namespace labyrinth::alloc_test {

inline world_config smp_world(unsigned cpus, pcp_discipline discipline = pcp_discipline::trylock) {
  world_config config = one_zone(1024);
  config.nr_cpus = cpus;
  config.pcp = discipline;
  config.checks = check_level::incremental;  // the full walk runs at quiescence
  return config;
}

// The handler of every interrupt: one GFP_ATOMIC page, freed at once (NMIs
// never enter the allocator).
struct atomic_handler final : interrupt_handler {
  void handle(world& w, interrupt_kind kind, irq_point) override {
    if (kind == interrupt_kind::nmi) return;
    if (page* p = w.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0)) w.__free_pages(p, 0);
  }
};

// Pages handed from one CPU to another, under a client spinlock.
struct handoff_queues {
  explicit handoff_queues(world& w, unsigned cpus) : queues(cpus), lock(w.make_lock("client_lock")) {}
  std::vector<std::vector<page*>> queues;
  spinlock_t lock;
};

struct smp_workload {
  unsigned ops = 6;             // per CPU
  bool drain_all = true;        // CPU 1 calls drain_all_pages() half-way
  bool kswapd = false;          // add kswapd as a task on the last CPU
  bool page_cache = false;      // CPUs also fill the page cache (memory pressure for kswapd)
};

// One CPU's program: allocate, hand to the next CPU, free what was handed here.
inline void cross_cpu_program(world& w, smp_scheduler& s, handoff_queues& q, unsigned cpu, const smp_workload& load) {
  const unsigned cpus = static_cast<unsigned>(q.queues.size());
  for (unsigned i = 0; i < load.ops; ++i) {
    w.begin_operation();
    if (load.page_cache) w.add_to_page_cache(GFP_KERNEL | __GFP_NOWARN, page_cache_kind::clean);
    page* p = w.alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
    w.spin_lock(q.lock);
    if (p) q.queues[(cpu + 1) % cpus].push_back(p);
    page* mine = nullptr;
    if (!q.queues[cpu].empty()) {
      mine = q.queues[cpu].back();
      q.queues[cpu].pop_back();
    }
    w.spin_unlock(q.lock);
    if (mine) w.__free_pages(mine, 0);
    if (load.drain_all && cpu == 1 && i == load.ops / 2) w.drain_all_pages();
    w.interrupt_point(irq_point::between_ops);
    w.end_operation();
    w.check_quiescent();
    s.between_ops();
  }
}

// A world, an injector over `source` with `faults`, a scheduler, the workload.
struct smp_rig {
  smp_rig(const world_config& config, fi::decision_source& source, std::string_view faults,
          schedule_strategy* strategy = nullptr)
      : injector(fault_config_of(faults), source),
        w(std::make_unique<world>(config, sink, &injector)),
        sched(*w, strategy),
        queues(*w, config.nr_cpus) {
    w->set_interrupt_handler(&handler);
  }
  void add_workload(const smp_workload& load) {
    for (unsigned cpu = 0; cpu < w->config().nr_cpus; ++cpu)
      sched.add_cpu_task(cpu, [this, cpu, load] { cross_cpu_program(*w, sched, queues, cpu, load); });
    if (load.kswapd) sched.add_kswapd(w->config().nr_cpus - 1);
  }
  // Runs, then (unless a fatal report ended the run) frees what the queues
  // still hold, checks the whole world at quiescence and tears it down.
  smp_result run_and_teardown() {
    result = sched.run();
    if (result.halted) return result;
    try {
      w->set_interrupt_handler(nullptr);
      for (auto& queue : queues.queues)
        for (page* p : queue) w->__free_pages(p, 0);
      w->check_full();
      w->teardown_check();
    } catch (const run_halted&) {
    }
    return result;
  }
  report_sink sink;
  fi::injector injector;
  std::unique_ptr<world> w;
  smp_scheduler sched;
  handoff_queues queues;
  atomic_handler handler;
  smp_result result;
};

// Interrupts at a fifth of the interrupt points, decided by the source.
inline constexpr const char* smp_irq_faults = "irq:probability=20,times=-1,verbose=0";

}  // namespace labyrinth::alloc_test
