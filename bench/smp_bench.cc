// Schedules per second of the deterministic SMP scheduler (alloc/smp/): whole
// fuzz_smp runs (a fresh world, one thread per CPU, the baton handed at every
// interleaving point, the full walk and teardown at the end), with the
// schedule chosen by the input's bytes, a seeded PRNG, PCT, or enumerated
// depth first with a preemption bound.  Counters: schedules/s (runs),
// points/s (interleaving points), switches/s (baton handoffs).
#include <benchmark/benchmark.h>

#include <string>

#include "alloc/smp/strategy.h"
#include "faultinject/decision.h"
#include "fuzz/smp_program.h"

namespace labyrinth {
namespace {

// corpus/smp/cross_cpu_handoff.txt
constexpr const char* handoff_program =
    "smp cpus=4 pcp=trylock kswapd=no\n"
    "cpu 0: alloc slot=0 order=0 gfp=kernel; give slot=0 to=1; alloc slot=1 order=1 gfp=kernel; give slot=1 to=2; "
    "take; take\n"
    "cpu 1: alloc slot=0 order=0 gfp=kernel; give slot=0 to=2; take; alloc slot=2 order=0 gfp=atomic; take; free slot=2\n"
    "cpu 2: take; alloc slot=0 order=0 gfp=kernel; give slot=0 to=3; take; take\n"
    "cpu 3: take; alloc slot=0 order=0 gfp=kernel; give slot=0 to=0; take; drain_local\n"
    "decisions: 5a 3c e1 07 99 12 f0 4b 2d 88 c3 61 0e b7 54 a9 36 7d 90 1f\n";

fuzz::smp_program program() {
  std::string error;
  return *fuzz::smp_parse(handoff_program, &error);
}

void count(benchmark::State& state, uint64_t points, uint64_t switches) {
  state.counters["schedules/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["points/s"] = benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
  state.counters["switches/s"] = benchmark::Counter(static_cast<double>(switches), benchmark::Counter::kIsRate);
}

void BM_smp_input_schedule(benchmark::State& state) {
  const fuzz::smp_program p = program();
  const fuzz::smp_run_options options = fuzz::smp_harness_options(sink_mode::collect);
  uint64_t points = 0, switches = 0;
  for (auto _ : state) {
    fuzz::smp_run_result r = fuzz::run_smp(p, options);
    points += r.sched.points;
    switches += r.sched.switches;
  }
  count(state, points, switches);
}
BENCHMARK(BM_smp_input_schedule)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_smp_prng_schedule(benchmark::State& state) {
  const fuzz::smp_program p = program();
  fuzz::smp_run_options options = fuzz::smp_harness_options(sink_mode::collect);
  uint64_t points = 0, switches = 0, seed = 0;
  for (auto _ : state) {
    options.decision_seed = ++seed;
    fuzz::smp_run_result r = fuzz::run_smp(p, options);
    points += r.sched.points;
    switches += r.sched.switches;
  }
  count(state, points, switches);
}
BENCHMARK(BM_smp_prng_schedule)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_smp_pct_schedule(benchmark::State& state) {
  const fuzz::smp_program p = program();
  fuzz::smp_run_options options = fuzz::smp_harness_options(sink_mode::collect);
  fi::quiet_source quiet;
  uint64_t points = 0, switches = 0, seed = 0;
  for (auto _ : state) {
    pct_strategy pct(quiet, ++seed, 3, 200);
    options.strategy = &pct;
    fuzz::smp_run_result r = fuzz::run_smp(p, options);
    points += r.sched.points;
    switches += r.sched.switches;
  }
  count(state, points, switches);
}
BENCHMARK(BM_smp_pct_schedule)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Depth-first enumeration with at most 2 preemptions of a two-CPU program;
// the search restarts when every schedule has been run.
void BM_smp_preemption_bounded(benchmark::State& state) {
  std::string error;
  const fuzz::smp_program p = *fuzz::smp_parse(
      "smp cpus=4 pcp=trylock kswapd=no\n"
      "cpu 0: alloc slot=0 order=0 gfp=kernel; give slot=0 to=1\n"
      "cpu 1: take; alloc slot=0 order=0 gfp=kernel\n", &error);
  fuzz::smp_run_options options = fuzz::smp_harness_options(sink_mode::collect);
  options.faults = fi::fault_config{};  // no interrupts: the schedule alone
  fi::quiet_source quiet;
  preemption_bounded search(quiet, 2);
  options.strategy = &search;
  search.start();
  uint64_t points = 0, switches = 0;
  for (auto _ : state) {
    fuzz::smp_run_result r = fuzz::run_smp(p, options);
    points += r.sched.points;
    switches += r.sched.switches;
    if (!search.next()) search.start();
  }
  count(state, points, switches);
}
BENCHMARK(BM_smp_preemption_bounded)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace labyrinth
