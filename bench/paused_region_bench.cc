// The baseline of every benchmark that times one call between PauseTiming()
// and ResumeTiming() (the slow-path and reclaim benchmarks: their set-up must
// not be timed): an empty timed region.  What it measures, the clock reads of
// Resume/Pause that fall inside the region, is in each of those figures too;
// bench/run prints it beside them and subtracts it.
#include <benchmark/benchmark.h>

namespace labyrinth::bench {
namespace {

void paused_empty_region(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    state.ResumeTiming();
  }
}
BENCHMARK(paused_empty_region);

}  // namespace
}  // namespace labyrinth::bench
