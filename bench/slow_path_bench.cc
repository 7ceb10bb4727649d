// Benchmark 3: slow-path costs.
//  - slowpath_direct_reclaim: one order-0 GFP_KERNEL allocation that finds
//    every zone at its min mark and so enters the slow path and direct reclaim
//    of clean page cache.  Timed: that allocation alone.  Untimed
//    (PauseTiming): freeing it and re-creating the pressure by filling the
//    page cache with GFP_NOWAIT pages until one fails (a GFP_NOWAIT request
//    fails exactly when no zone is above its min mark, and never reclaims).
//    As in the model's kernel, direct reclaim's first cond_resched() is a
//    scheduling point where the woken kswapd runs and balances the zones to
//    their high mark, so the timed cost includes kswapd's reclaim; the
//    counters say how many pages each allocation reclaimed in all.
//  - buddy_order4: an order-4 GFP_KERNEL alloc+free, which bypasses the
//    per-CPU lists (orders above PAGE_ALLOC_COSTLY_ORDER): __rmqueue_smallest
//    splitting and __free_one_page merging under zone->lock.
#include <benchmark/benchmark.h>

#include "bench/bench_world.h"

namespace labyrinth::bench {
namespace {

// The world of the slow-path benchmark: small, so that refilling the page
// cache after each reclaim is short.
inline constexpr uint32_t slow_path_pages = 4096;

// Fills the page cache with clean pages until a GFP_NOWAIT allocation fails:
// then no zone is above its min mark.  Returns the pages added.
uint32_t fill_page_cache_to_min(world& w) {
  uint32_t added = 0;
  while (added < w.nr_pages() && w.add_to_page_cache(GFP_NOWAIT, page_cache_kind::clean)) ++added;
  return added;
}

void slowpath_direct_reclaim(benchmark::State& state) {
  report_sink sink;
  world w(bench_config(slow_path_pages, check_level::none, pcp_discipline::trylock), sink);
  world_stats before = w.stats();
  for (auto _ : state) {
    state.PauseTiming();
    fill_page_cache_to_min(w);
    uint64_t reclaims_before = w.stats().direct_reclaims;
    state.ResumeTiming();
    page* p = w.alloc_pages(GFP_KERNEL, 0);
    state.PauseTiming();
    if (!p || w.stats().direct_reclaims != reclaims_before + 1) {
      state.SkipWithError(p ? "the allocation did not enter direct reclaim exactly once"
                            : "the slow-path allocation failed");
      break;
    }
    w.__free_pages(p, 0);
    state.ResumeTiming();
  }
  const world_stats& after = w.stats();
  double allocations = static_cast<double>(state.iterations());
  state.counters["pages_reclaimed_per_alloc"] = static_cast<double>(after.pages_reclaimed - before.pages_reclaimed) / allocations;
  state.counters["kswapd_runs_per_alloc"] = static_cast<double>(after.kswapd_runs - before.kswapd_runs) / allocations;
  expect_no_report(state, sink);
}
BENCHMARK(slowpath_direct_reclaim);

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
