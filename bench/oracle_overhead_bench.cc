// Benchmark 4: what the oracles cost on the order-0 fast path, same binary,
// same world (2^14 pages), each call its own caller operation:
//   none        : only the checks the kernel itself makes
//   incremental : plus the O(1) checks (pages handed out, poison, counters
//                 against their shadows, watermark entitlement)
//   full        : plus check_full, the O(pages) walk, after every operation
// bench/run prints incremental/none and full/none.
#include <benchmark/benchmark.h>

#include "bench/bench_world.h"

namespace labyrinth::bench {
namespace {

void oracle_overhead(benchmark::State& state, check_level checks) {
  report_sink sink;
  world w(bench_config(default_bench_pages, checks, pcp_discipline::trylock), sink);
  if (!alloc_free_order0_checked(state, w)) return;
  world_stats before = w.stats();
  for (auto _ : state)
    if (!alloc_free_order0_checked(state, w)) break;
  expect_steady_fast_path(state, before, w.stats());
  expect_no_report(state, sink);
}
BENCHMARK_CAPTURE(oracle_overhead, none, check_level::none);
BENCHMARK_CAPTURE(oracle_overhead, incremental, check_level::incremental);
BENCHMARK_CAPTURE(oracle_overhead, full, check_level::full);

}  // namespace
}  // namespace labyrinth::bench
