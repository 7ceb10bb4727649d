// Benchmark 1: order-0 alloc+free on the per-CPU fast path, in a steady state
// (the per-CPU list warm, never refilled nor drained, no slow path), under
// both pcp locking disciplines.  Checks off (check_level::none): the cost of
// the model itself.  One iteration = alloc_pages(GFP_KERNEL, 0) + __free_pages.
#include <benchmark/benchmark.h>

#include "bench/bench_world.h"

namespace labyrinth::bench {
namespace {

void fast_path_order0(benchmark::State& state, pcp_discipline pcp) {
  report_sink sink;
  world w(bench_config(default_bench_pages, check_level::none, pcp), sink);
  if (!alloc_free_order0(state, w)) return;  // warm the per-CPU list
  world_stats before = w.stats();
  for (auto _ : state)
    if (!alloc_free_order0(state, w)) break;
  expect_steady_fast_path(state, before, w.stats());
  expect_no_report(state, sink);
}
BENCHMARK_CAPTURE(fast_path_order0, trylock, pcp_discipline::trylock);
BENCHMARK_CAPTURE(fast_path_order0, irqsave, pcp_discipline::irqsave);

}  // namespace
}  // namespace labyrinth::bench
