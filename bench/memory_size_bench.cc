// Benchmark 2: cost against memory size, 2^10 .. 2^18 pages.  The order-0
// fast path and the incremental check must be flat (O(1) per operation); the
// full walk (check_full) is O(pages) and shows the difference.  The world is
// built outside the timed loop.  One iteration = one order-0 alloc+free pair;
// in the checked series each of the two calls is its own caller operation
// (begin_operation / end_operation), so the check runs twice per iteration.
#include <benchmark/benchmark.h>

#include "bench/bench_world.h"

namespace labyrinth::bench {
namespace {

void fast_path_by_pages(benchmark::State& state) {
  report_sink sink;
  world w(bench_config(static_cast<uint32_t>(state.range(0)), check_level::none, pcp_discipline::trylock), sink);
  if (!alloc_free_order0(state, w)) return;
  world_stats before = w.stats();
  for (auto _ : state)
    if (!alloc_free_order0(state, w)) break;
  expect_steady_fast_path(state, before, w.stats());
  expect_no_report(state, sink);
}

void checked_by_pages(benchmark::State& state, check_level checks) {
  report_sink sink;
  world w(bench_config(static_cast<uint32_t>(state.range(0)), checks, pcp_discipline::trylock), sink);
  if (!alloc_free_order0_checked(state, w)) return;
  world_stats before = w.stats();
  for (auto _ : state)
    if (!alloc_free_order0_checked(state, w)) break;
  expect_steady_fast_path(state, before, w.stats());
  expect_no_report(state, sink);
}

void incremental_check_by_pages(benchmark::State& state) { checked_by_pages(state, check_level::incremental); }
void full_check_by_pages(benchmark::State& state) { checked_by_pages(state, check_level::full); }

// 2^10, 2^12, 2^14, 2^16, 2^18 pages.
void memory_sizes(benchmark::internal::Benchmark* benchmark) {
  benchmark->ArgName("pages")->RangeMultiplier(4)->Range(1 << 10, 1 << 18);
}

BENCHMARK(fast_path_by_pages)->Apply(memory_sizes);
BENCHMARK(incremental_check_by_pages)->Apply(memory_sizes);
BENCHMARK(full_check_by_pages)->Apply(memory_sizes);

}  // namespace
}  // namespace labyrinth::bench
