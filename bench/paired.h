// A paired measurement: two workloads timed in alternating batches, so that a
// slow spell of a shared machine (this one has spells where the model's code
// runs at half speed for seconds at a time) falls on both sides alike.  The
// ratio of two separately measured medians is only as good as the machine's
// constancy between them; the ratio of a pair is not.
#pragma once

#include <benchmark/benchmark.h>
#include <time.h>

#include <cstdint>

namespace labyrinth::bench {

// This thread's CPU time in nanoseconds.
inline int64_t thread_cpu_ns() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// Each benchmark iteration runs `batch` operations of `baseline`, then `batch`
// of `measured`, timing each batch in thread CPU time.  An operation returns
// false on failure (the benchmark is then failed).  Sets the counters
// baseline_ns and measured_ns (CPU ns per operation) and ratio
// (measured / baseline); bench/run reports the median ratio.
template <class Baseline, class Measured>
void run_paired(benchmark::State& state, int batch, Baseline&& baseline, Measured&& measured) {
  int64_t baseline_total = 0, measured_total = 0, operations = 0;
  for (auto _ : state) {
    int64_t start = thread_cpu_ns();
    for (int i = 0; i < batch; ++i) {
      if (baseline()) continue;
      state.SkipWithError("the baseline operation failed");
      return;
    }
    int64_t middle = thread_cpu_ns();
    for (int i = 0; i < batch; ++i) {
      if (measured()) continue;
      state.SkipWithError("the measured operation failed");
      return;
    }
    int64_t end = thread_cpu_ns();
    baseline_total += middle - start;
    measured_total += end - middle;
    operations += batch;
  }
  if (operations == 0 || baseline_total == 0) return;
  state.counters["baseline_ns"] = double(baseline_total) / double(operations);
  state.counters["measured_ns"] = double(measured_total) / double(operations);
  state.counters["ratio"] = double(measured_total) / double(baseline_total);
}

}  // namespace labyrinth::bench
