// The flatness ratios of benchmark 2 and the oracle ratio of benchmark 4,
// measured as pairs (see paired.h): the two sides alternate in batches within
// one benchmark run, so the ratio holds even when the machine's speed changes
// between separately run benchmarks.
//   paired_by_pages/fast_path          : 2^18 pages / 2^10 pages, checks off
//   paired_by_pages/incremental_check  : 2^18 / 2^10, check_level::incremental around each call
//   paired_oracle/incremental_vs_none  : incremental / none (2^14 pages)
// Not paired: the model against the bare free list (the slow spells slow the
// model's code and not the two-instruction loop, so no pairing makes that
// ratio constant), and the full check (alternating a 2^18-page walk with a
// 2^10-page one evicts the small side's cache: the pair would measure that).
// Each side's world is built outside the timed loop and warmed before it.
#include <benchmark/benchmark.h>

#include "bench/bench_world.h"
#include "bench/paired.h"

namespace labyrinth::bench {
namespace {

// Operations per side per turn: long enough (~0.1 ms) to dwarf the clock
// reads, short enough that both sides see the same machine.
inline constexpr int fast_batch = 1024;

// 2^10 pages (baseline) against 2^18 pages (measured), same check level.
void paired_by_pages(benchmark::State& state, check_level checks) {
  report_sink small_sink, large_sink;
  world small(bench_config(1u << 10, checks, pcp_discipline::trylock), small_sink);
  world large(bench_config(1u << 18, checks, pcp_discipline::trylock), large_sink);
  auto op = [&](world& w) {
    return checks == check_level::none ? alloc_free_order0(state, w) : alloc_free_order0_checked(state, w);
  };
  if (!op(small) || !op(large)) return;
  world_stats small_before = small.stats(), large_before = large.stats();
  run_paired(state, fast_batch, [&] { return op(small); }, [&] { return op(large); });
  expect_no_report(state, small_sink);
  expect_no_report(state, large_sink);
  if (state.error_occurred()) return;
  // Every operation of both sides must have been a per-CPU list hit.
  uint64_t small_hits = small.stats().pcp_hits - small_before.pcp_hits;
  uint64_t large_hits = large.stats().pcp_hits - large_before.pcp_hits;
  uint64_t expected = uint64_t(state.iterations()) * uint64_t(fast_batch);
  if (small_hits != expected || large_hits != expected ||
      small.stats().slowpath_entries != small_before.slowpath_entries ||
      large.stats().slowpath_entries != large_before.slowpath_entries)
    state.SkipWithError("not a steady per-CPU fast path on both sides");
}
BENCHMARK_CAPTURE(paired_by_pages, fast_path, check_level::none);
BENCHMARK_CAPTURE(paired_by_pages, incremental_check, check_level::incremental);

void paired_oracle(benchmark::State& state) {
  report_sink none_sink, incremental_sink;
  world unchecked(bench_config(default_bench_pages, check_level::none, pcp_discipline::trylock), none_sink);
  world checked(bench_config(default_bench_pages, check_level::incremental, pcp_discipline::trylock),
                incremental_sink);
  if (!alloc_free_order0_checked(state, unchecked) || !alloc_free_order0_checked(state, checked)) return;
  run_paired(
      state, fast_batch, [&] { return alloc_free_order0_checked(state, unchecked); },
      [&] { return alloc_free_order0_checked(state, checked); });
  expect_no_report(state, none_sink);
  expect_no_report(state, incremental_sink);
}
BENCHMARK(paired_oracle)->Name("paired_oracle/incremental_vs_none");

}  // namespace
}  // namespace labyrinth::bench
