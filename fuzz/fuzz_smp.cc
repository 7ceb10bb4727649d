// fuzz_smp: 4..7 simulated CPUs run by the deterministic SMP scheduler; the
// input holds one program per CPU (fuzz/smp_program.h) and the decision bytes
// that choose, at every interleaving point, which CPU runs, and at every
// interrupt point, whether an interrupt arrives.  Pages are freed on other
// CPUs than the allocating one, drain_all_pages runs from any CPU, kswapd is
// a task, every CPU takes interrupts.  Built as a libFuzzer target with
// LABYRINTH_FUZZ=ON, and always as a replay binary (fuzz/smp_replay_main.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/smp_program.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const labyrinth::fuzz::smp_run_options options =
      labyrinth::fuzz::smp_harness_options(labyrinth::sink_mode::abort);
  labyrinth::fuzz::run_smp(labyrinth::fuzz::smp_decode({data, size}), options);
  return 0;
}
