// Goal: a long randomized correct workload never draws a report (no false
// positives).  Method: a seeded client mixes every GFP family, orders 0..5,
// lock and bh sections, page cache growth and reclaim, mappings and memalloc
// scopes in task context, while a PRNG decision source delivers hardirqs,
// softirqs and NMIs at every interrupt point and injects faults at every site;
// handlers allocate atomically and free pages taken in other contexts.  Both
// per-CPU list disciplines.  LABYRINTH_WORKLOAD_OPS sets the length
// (default 20000 per case; the gate's long run uses 10^6).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "alloc/world.h"
#include "faultinject/config.h"
#include "faultinject/prng_source.h"

namespace labyrinth {
namespace {

struct random_client final : interrupt_handler {
  world* w = nullptr;
  fi::prng_source random;
  std::vector<std::pair<page*, unsigned>> held;       // owned by task context
  std::vector<std::pair<page*, unsigned>> irq_held;   // owned by interrupt context
  std::vector<page*> cache;
  spinlock_t client_lock;
  explicit random_client(uint64_t seed) : random(seed) {}

  unsigned below(unsigned bound) { return random.below(bound); }

  void handle(world& wd, interrupt_kind kind, irq_point) override {
    if (kind == interrupt_kind::nmi) return;  // NMI handlers do not allocate
    gfp_t gfp = kind == interrupt_kind::hardirq ? GFP_ATOMIC : GFP_NOWAIT;
    if (kind == interrupt_kind::softirq) {
      // the softirq frees what the task context handed over, like an RX ring
      if (!held.empty() && below(2)) {
        auto [p, order] = held.back();
        held.pop_back();
        for (unsigned mm = 0; mm < 4; ++mm)
          if (p->mapped_mms & (1u << mm)) wd.unmap_page(mm, p);
        wd.__free_pages(p, order);
      }
    }
    if (irq_held.size() > 16 || (!irq_held.empty() && below(2))) {
      // take the entry off the list before freeing: a nested interrupt may
      // run this handler again inside __free_pages
      size_t i = below(static_cast<unsigned>(irq_held.size()));
      auto [p, order] = irq_held[i];
      irq_held[i] = irq_held.back();
      irq_held.pop_back();
      wd.__free_pages(p, order);
    } else {
      unsigned order = below(3) == 0 ? 1 : 0;
      if (page* p = wd.alloc_pages(gfp | (below(4) == 0 ? __GFP_ZERO : 0), order)) irq_held.emplace_back(p, order);
    }
  }

  gfp_t blocking_gfp() {
    static constexpr gfp_t families[] = {GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_KERNEL | __GFP_ZERO,
                                         GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_DMA32, GFP_KERNEL | __GFP_NORETRY,
                                         GFP_KERNEL | __GFP_RETRY_MAYFAIL, GFP_KERNEL | __GFP_HIGH,
                                         GFP_KERNEL | __GFP_NOWARN};
    return families[below(sizeof families / sizeof families[0])];
  }
  gfp_t atomic_gfp() {
    static constexpr gfp_t families[] = {GFP_ATOMIC, GFP_NOWAIT, GFP_ATOMIC | __GFP_NOMEMALLOC,
                                         GFP_ATOMIC | __GFP_DMA32, GFP_NOWAIT | __GFP_ZERO};
    return families[below(sizeof families / sizeof families[0])];
  }
  unsigned order() {
    unsigned r = below(16);
    return r < 10 ? 0 : r < 13 ? 1 : r < 15 ? 3 : 5;
  }

  void allocate(gfp_t gfp, unsigned o) {
    if (held.size() >= 400) return free_one();
    if (page* p = w->alloc_pages(gfp, o)) held.emplace_back(p, o);
  }
  void free_one() {
    if (held.empty()) return;
    size_t i = below(static_cast<unsigned>(held.size()));
    auto [p, order] = held[i];  // off the list first: the softirq handler takes from it too
    held[i] = held.back();
    held.pop_back();
    for (unsigned mm = 0; mm < 4; ++mm)
      if (p->mapped_mms & (1u << mm)) w->unmap_page(mm, p);
    w->__free_pages(p, order);
  }

  void step() {
    switch (below(14)) {
      case 0: case 1: case 2: allocate(blocking_gfp(), order()); break;
      case 3: allocate(atomic_gfp(), order() > 1 ? 1 : order()); break;
      case 4: case 5: free_one(); break;
      case 6: {  // an atomic allocation inside an irq-safe lock section
        irq_flags_t flags = w->spin_lock_irqsave(client_lock);
        page* p = w->alloc_pages(atomic_gfp(), 0);
        w->interrupt_point(irq_point::lock_section);
        w->spin_unlock_irqrestore(client_lock, flags);
        if (p) held.emplace_back(p, 0);
        break;
      }
      case 7: {  // a bottom-half-disabled section; softirqs run at its end
        w->local_bh_disable();
        page* p = w->alloc_pages(GFP_ATOMIC, 0);
        w->interrupt_point(irq_point::lock_section);
        w->local_bh_enable();
        if (p) held.emplace_back(p, 0);
        break;
      }
      case 8: {
        if (cache.size() < 1024) {
          auto kind = static_cast<page_cache_kind>(below(3));
          if (page* p = w->add_to_page_cache(GFP_KERNEL, kind)) cache.push_back(p);
        } else {
          size_t i = below(static_cast<unsigned>(cache.size()));
          w->remove_from_page_cache(cache[i]);
          cache[i] = cache.back();
          cache.pop_back();
        }
        break;
      }
      case 9: {  // mappings: exclusive must be refused when mapped, shared when exclusive
        if (held.empty()) break;
        page* p = held[below(static_cast<unsigned>(held.size()))].first;
        unsigned mm = below(4);
        if (p->mapped_mms & (1u << mm))
          w->unmap_page(mm, p);
        else
          w->map_anon_page(mm, p, below(2) == 0);
        break;
      }
      case 10: {
        unsigned flags = below(2) ? w->memalloc_noio_save() : w->memalloc_nofs_save();
        allocate(GFP_KERNEL, order());
        w->memalloc_noio_restore(flags & PF_MEMALLOC_NOIO);
        w->memalloc_nofs_restore(flags & PF_MEMALLOC_NOFS);
        break;
      }
      case 11: w->drain_local_pages(); break;
      case 12: {  // get/put pair
        if (held.empty()) break;
        page* p = held[below(static_cast<unsigned>(held.size()))].first;
        w->get_page(p);
        w->put_page(p);
        break;
      }
      default: w->schedule_point(); break;
    }
  }

  // The page cache entries may have been reclaimed behind our back: forget
  // those that are no longer cache pages.
  void forget_reclaimed() { w->forget_reclaimed(cache); }
};

unsigned long workload_ops() {
  const char* env = std::getenv("LABYRINTH_WORKLOAD_OPS");
  return env ? std::strtoul(env, nullptr, 10) : 20000;
}

void run_workload(pcp_discipline discipline, uint64_t seed, const char* faults) {
  auto parsed = fi::parse_fault_config(faults);
  ASSERT_TRUE(parsed.error.empty()) << parsed.error;
  fi::prng_source source(seed);
  fi::injector injector(parsed.config, source);
  report_sink sink;
  world_config config;
  config.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 1024}};
  config.pcp = discipline;
  config.page_bytes = 16;
  world w(config, sink, &injector);
  random_client client(seed * 7919 + 1);
  client.w = &w;
  client.client_lock = w.make_lock("client_lock");
  w.set_interrupt_handler(&client);
  unsigned long ops = workload_ops();
  try {
    for (unsigned long i = 0; i < ops && sink.bug_count() == 0; ++i) {
      w.begin_operation();
      client.step();
      client.forget_reclaimed();
      w.interrupt_point(irq_point::between_ops);
      client.forget_reclaimed();
      w.end_operation();
      w.check_quiescent();
      if (i % 4096 == 0) w.check_full();
    }
    w.set_interrupt_handler(nullptr);
    while (!client.held.empty()) client.free_one();
    for (auto [p, order] : client.irq_held) w.__free_pages(p, order);
    w.teardown_check();
  } catch (const run_halted& halted) {
    if (!report_kind_verdict(halted.kind)) ADD_FAILURE() << "run halted";
  }
  for (const report& r : sink.reports())
    if (!report_kind_verdict(r.kind)) ADD_FAILURE() << "seed " << seed << ": " << r.text();
  const world_stats& st = w.stats();
  std::printf("[ stats    ] allocs %llu fails %llu slowpath %llu reclaims %llu reclaimed %llu kswapd %llu oom %llu "
              "irqs %llu/%llu/%llu softirqs %llu pcp-fallbacks %llu highatomic %llu/%llu\n",
              (unsigned long long)st.allocations, (unsigned long long)st.allocation_failures,
              (unsigned long long)st.slowpath_entries, (unsigned long long)st.direct_reclaims,
              (unsigned long long)st.pages_reclaimed, (unsigned long long)st.kswapd_runs,
              (unsigned long long)st.oom_kills, (unsigned long long)st.interrupts[0],
              (unsigned long long)st.interrupts[1], (unsigned long long)st.interrupts[2],
              (unsigned long long)st.softirqs_run, (unsigned long long)st.pcp_trylock_fallbacks,
              (unsigned long long)st.highatomic_reserved, (unsigned long long)st.highatomic_unreserved);
  EXPECT_GT(w.stats().allocations, ops / 8);
  EXPECT_GT(w.stats().interrupts[0] + w.stats().interrupts[1], 0u);
}

constexpr const char* faults =
    "fail_page_alloc:probability=3,times=-1,min-order=0,ignore-gfp-wait=N;"
    "reclaim:probability=20,times=-1;kswapd:probability=20,times=-1;"
    "pcp_refill:probability=5,times=-1;oom:probability=30,times=-1;irq:probability=8,times=-1";

TEST(random_workload, trylock_discipline_is_clean) { run_workload(pcp_discipline::trylock, 1, faults); }
TEST(random_workload, irqsave_discipline_is_clean) { run_workload(pcp_discipline::irqsave, 2, faults); }
TEST(random_workload, heavy_interrupts_no_faults_is_clean) {
  run_workload(pcp_discipline::trylock, 3, "irq:probability=40,times=-1");
}

}  // namespace
}  // namespace labyrinth
