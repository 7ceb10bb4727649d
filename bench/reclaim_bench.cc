// Benchmark 3 (continued): the slow path's reclaim steps.  Each times one call
// between PauseTiming() and ResumeTiming(), so its baseline is
// paused_empty_region; set-up and clean-up are untimed.  Checks off, trylock,
// a world of 4096 pages (DMA32 1024 + NORMAL 3072) unless said otherwise.
//  - slowpath_direct_reclaim: an order-0 GFP_KERNEL allocation that finds
//    every zone at its min mark and so enters the slow path and direct reclaim
//    of clean page cache.  Set-up: fill the page cache with GFP_NOWAIT pages
//    until one fails (a GFP_NOWAIT request fails exactly when no zone is above
//    its min mark, and never reclaims).  As in the kernel, direct reclaim's
//    first cond_resched() is a scheduling point where the woken kswapd runs and
//    balances the zones to their high mark, so the timed cost includes
//    kswapd's reclaim; the counters say how many pages each allocation
//    reclaimed in all.
//  - slowpath_kswapd_wake: an order-0 GFP_KERNEL allocation that finds every
//    zone at or below its low mark but one above its min mark: the fast path
//    fails, the slow path wakes kswapd and succeeds at the min mark (no
//    reclaim).  Set-up: page cache filled down to the low marks.
//  - kswapd_balance: the scheduling point after such a wake-up, where kswapd
//    reclaims page cache until a zone is at its high mark (balance_pgdat).
//  - slowpath_oom_kill: an order-0 GFP_KERNEL allocation with nothing
//    reclaimable and every zone below its min mark: direct reclaim finds
//    nothing, should_reclaim_retry() gives up, the OOM killer kills the
//    victim process, the allocation retries.  The victim's 64 pages are freed
//    onto the per-CPU list, which the watermark check does not count, so the
//    model's second OOM step then picks the allocating task itself, whose
//    ALLOC_OOM access to the reserves succeeds (the kernel would wait for the
//    exiting victim instead): the counters give kills and reclaims per call.  A fresh 1024-page world per
//    allocation (the model's victim dies once), built and destroyed untimed.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench/bench_world.h"

namespace labyrinth::bench {
namespace {

// The worlds of the reclaim benchmarks: small, so that re-creating the
// pressure after each allocation is short.
inline constexpr uint32_t reclaim_pages = 4096;
inline constexpr uint32_t oom_pages = 1024;

// Fills the page cache with clean pages until a GFP_NOWAIT allocation fails:
// then no zone is above its min mark.  Returns the pages added.
uint32_t fill_page_cache_to_min(world& w) {
  uint32_t added = 0;
  while (added < w.nr_pages() && w.add_to_page_cache(GFP_NOWAIT, page_cache_kind::clean)) ++added;
  return added;
}

// Fills the page cache until no zone passes the low mark for an order-0
// GFP_KERNEL request.  Returns false if that overshot the min mark too.
bool fill_page_cache_to_low(world& w) {
  for (uint32_t added = 0; added < w.nr_pages() && order0_watermark_ok(w, WMARK_LOW); ++added)
    if (!w.add_to_page_cache(GFP_NOWAIT, page_cache_kind::clean)) return false;
  return !order0_watermark_ok(w, WMARK_LOW) && order0_watermark_ok(w, WMARK_MIN) && !w.kswapd_pending();
}

void per_allocation_counters(benchmark::State& state, const world_stats& before, const world_stats& after) {
  double allocations = static_cast<double>(state.iterations());
  state.counters["pages_reclaimed_per_alloc"] = static_cast<double>(after.pages_reclaimed - before.pages_reclaimed) / allocations;
  state.counters["kswapd_runs_per_alloc"] = static_cast<double>(after.kswapd_runs - before.kswapd_runs) / allocations;
}

void slowpath_direct_reclaim(benchmark::State& state) {
  report_sink sink;
  world w(bench_config(reclaim_pages, check_level::none, pcp_discipline::trylock), sink);
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
  per_allocation_counters(state, before, w.stats());
  expect_no_report(state, sink);
}
BENCHMARK(slowpath_direct_reclaim);

// Leaves `w` with kswapd woken by one GFP_KERNEL allocation (freed again) and
// not yet run.  `timed`: time that allocation.
bool wake_kswapd(benchmark::State& state, world& w, bool timed) {
  if (!fill_page_cache_to_low(w)) {
    state.SkipWithError("could not bring the zones between their min and low marks");
    return false;
  }
  world_stats before = w.stats();
  if (timed) state.ResumeTiming();
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  if (timed) state.PauseTiming();
  const world_stats& after = w.stats();
  if (!p || after.slowpath_entries != before.slowpath_entries + 1 || after.kswapd_wakeups != before.kswapd_wakeups + 1 ||
      after.direct_reclaims != before.direct_reclaims) {
    state.SkipWithError(p ? "the allocation did not take the slow path, wake kswapd and succeed without reclaim"
                          : "the kswapd-waking allocation failed");
    return false;
  }
  w.__free_pages(p, 0);
  return true;
}

// Runs kswapd (a scheduling point); `timed`: time it.
bool run_kswapd(benchmark::State& state, world& w, bool timed) {
  uint64_t runs = w.stats().kswapd_runs;
  if (timed) state.ResumeTiming();
  w.schedule_point();
  if (timed) state.PauseTiming();
  if (w.stats().kswapd_runs == runs + 1 && order0_watermark_ok(w, WMARK_HIGH)) return true;
  state.SkipWithError("kswapd did not run once and balance a zone to its high mark");
  return false;
}

void slowpath_kswapd_wake(benchmark::State& state) {
  report_sink sink;
  world w(bench_config(reclaim_pages, check_level::none, pcp_discipline::trylock), sink);
  world_stats before = w.stats();
  for (auto _ : state) {
    state.PauseTiming();
    if (!wake_kswapd(state, w, true) || !run_kswapd(state, w, false)) break;
    state.ResumeTiming();
  }
  per_allocation_counters(state, before, w.stats());
  expect_no_report(state, sink);
}
BENCHMARK(slowpath_kswapd_wake);

void kswapd_balance(benchmark::State& state) {
  report_sink sink;
  world w(bench_config(reclaim_pages, check_level::none, pcp_discipline::trylock), sink);
  world_stats before = w.stats();
  for (auto _ : state) {
    state.PauseTiming();
    if (!wake_kswapd(state, w, false) || !run_kswapd(state, w, true)) break;
    state.ResumeTiming();
  }
  const world_stats& after = w.stats();
  state.counters["pages_reclaimed_per_run"] =
      static_cast<double>(after.pages_reclaimed - before.pages_reclaimed) / static_cast<double>(state.iterations());
  expect_no_report(state, sink);
}
BENCHMARK(kswapd_balance);

// Holds pages taken with GFP_NOWAIT (down to the min mark, no reclaim) until
// none is left above the min mark, not even on the per-CPU lists (direct
// reclaim drains them before it gives up), and lets the kswapd this woke run
// (it finds nothing to reclaim).
void hold_down_to_min(world& w, std::vector<page*>& held) {
  held.clear();
  for (unsigned round = 0; round < 4; ++round) {
    uint32_t taken = 0;
    for (; taken < w.nr_pages(); ++taken) {
      page* p = w.alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0);
      if (!p) break;
      held.push_back(p);
    }
    if (round > 0 && taken == 0) break;
    w.drain_all_pages();
  }
  w.schedule_point();
}

void slowpath_oom_kill(benchmark::State& state) {
  report_sink sink;
  std::vector<page*> held;
  uint64_t kills = 0, reclaims = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto w = std::make_unique<world>(bench_config(oom_pages, check_level::none, pcp_discipline::trylock), sink);
    hold_down_to_min(*w, held);
    world_stats before = w->stats();
    state.ResumeTiming();
    page* p = w->alloc_pages(GFP_KERNEL, 0);
    state.PauseTiming();
    if (!p || w->stats().oom_kills == before.oom_kills) {
      state.SkipWithError(p ? "the allocation did not invoke the OOM killer" : "the allocation failed after the OOM kill");
      break;
    }
    kills += w->stats().oom_kills - before.oom_kills;
    reclaims += w->stats().direct_reclaims - before.direct_reclaims;
    if (!sink.empty()) break;
    w.reset();
    state.ResumeTiming();
  }
  double allocations = static_cast<double>(state.iterations());
  state.counters["oom_kills_per_alloc"] = static_cast<double>(kills) / allocations;
  state.counters["direct_reclaims_per_alloc"] = static_cast<double>(reclaims) / allocations;
  expect_no_report(state, sink);
}
BENCHMARK(slowpath_oom_kill)->Iterations(2000);

}  // namespace
}  // namespace labyrinth::bench
