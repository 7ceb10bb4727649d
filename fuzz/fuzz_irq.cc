// fuzz_irq: interrupts decided by the input at every interrupt point; handlers
// allocate GFP_ATOMIC/GFP_NOWAIT and free pages of other contexts; both per-CPU
// list disciplines.
// The harness itself (layout, world, fault settings) is in fuzz/harness.cc;
// this file names it.  Built as a libFuzzer target with LABYRINTH_FUZZ=ON,
// and always as a replay binary (fuzz/replay_main.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/harness.h"

extern "C" const char* labyrinth_harness_name() { return "irq"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const labyrinth::fuzz::harness* const harness = labyrinth::fuzz::find_harness(labyrinth_harness_name());
  return labyrinth::fuzz::fuzz_one(*harness, {data, size});
}
