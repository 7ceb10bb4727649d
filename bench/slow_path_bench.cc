// Benchmark 3: the allocator's paths off the per-CPU fast path, without
// reclaim (reclaim_bench.cc has reclaim, kswapd and the OOM killer).
//  - pcp_refill_order0: an order-0 GFP_KERNEL allocation that finds the
//    per-CPU list empty and refills it from the buddy lists (rmqueue_bulk of
//    pcp->batch pages under zone->lock).  Timed: that allocation alone;
//    untimed (PauseTiming): drain_local_pages() before it, the free after it.
//    Its baseline is paused_empty_region (the pause's clock reads).
//  - zone_fallback_order0: an order-0 alloc+free pair when ZONE_NORMAL is
//    below its low mark, so get_page_from_freelist() passes over it to DMA32
//    on the first pass (no compaction in the model, no slow path, no kswapd
//    wake-up: the kernel's fast path does not wake kswapd).  Steady state on
//    DMA32's per-CPU list; baseline fast_path_order0/trylock.
//  - buddy_order4: an order-4 GFP_KERNEL alloc+free, which bypasses the
//    per-CPU lists (orders above PAGE_ALLOC_COSTLY_ORDER): __rmqueue_smallest
//    splitting and __free_one_page merging under zone->lock.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/bench_world.h"

namespace labyrinth::bench {
namespace {

void pcp_refill_order0(benchmark::State& state) {
  report_sink sink;
  world w(bench_config(default_bench_pages, check_level::none, pcp_discipline::trylock), sink);
  world_stats before = w.stats();
  for (auto _ : state) {
    state.PauseTiming();
    w.drain_local_pages();
    uint64_t refills = w.stats().pcp_refills;
    state.ResumeTiming();
    page* p = w.alloc_pages(GFP_KERNEL, 0);
    state.PauseTiming();
    if (!p || w.stats().pcp_refills != refills + 1) {
      state.SkipWithError(p ? "the allocation did not refill the per-CPU list exactly once"
                            : "order-0 GFP_KERNEL allocation failed");
      break;
    }
    w.__free_pages(p, 0);
    state.ResumeTiming();
  }
  if (w.stats().slowpath_entries != before.slowpath_entries) state.SkipWithError("a refill entered the slow path");
  state.counters["pages_per_refill"] = w.zone_at(w.nr_zones() - 1).pcp_batch;
  expect_no_report(state, sink);
}
BENCHMARK(pcp_refill_order0);

void zone_fallback_order0(benchmark::State& state) {
  report_sink sink;
  world w(bench_config(default_bench_pages, check_level::none, pcp_discipline::trylock), sink);
  zone& normal = *w.zone_of_type(ZONE_NORMAL);
  // Hold ZONE_NORMAL's pages until it is at or below its low mark.
  std::vector<page*> held;
  for (uint32_t i = 0; i < w.nr_pages() && zone_watermark_fast(normal, 0, normal.watermark[WMARK_LOW], ZONE_NORMAL, 0);
       ++i) {
    page* p = w.alloc_pages(GFP_KERNEL, 0);
    if (!p) break;
    held.push_back(p);
  }
  page* probe = w.alloc_pages(GFP_KERNEL, 0);  // also warms DMA32's per-CPU list
  if (!probe || w.zone_at(probe->zone).type != ZONE_DMA32 || w.stats().slowpath_entries != 0) {
    state.SkipWithError("could not set up a ZONE_NORMAL below its low mark with DMA32 above it");
    return;
  }
  w.__free_pages(probe, 0);
  world_stats before = w.stats();
  for (auto _ : state)
    if (!alloc_free_order0(state, w)) break;
  expect_steady_fast_path(state, before, w.stats());
  expect_no_report(state, sink);
}
BENCHMARK(zone_fallback_order0);

void buddy_order4(benchmark::State& state) {
  report_sink sink;
  world w(bench_config(default_bench_pages, check_level::none, pcp_discipline::trylock), sink);
  world_stats before = w.stats();
  for (auto _ : state) {
    page* p = w.alloc_pages(GFP_KERNEL, 4);
    if (!p) {
      state.SkipWithError("order-4 GFP_KERNEL allocation failed");
      break;
    }
    benchmark::DoNotOptimize(p);
    w.__free_pages(p, 4);
  }
  const world_stats& after = w.stats();
  if (after.slowpath_entries != before.slowpath_entries || after.pcp_hits != before.pcp_hits)
    state.SkipWithError("the order-4 allocation left the buddy fast path");
  expect_no_report(state, sink);
}
BENCHMARK(buddy_order4);

}  // namespace
}  // namespace labyrinth::bench
