// fuzz_client: a network-driver client: RX ring refilled from softirq with
// GFP_ATOMIC (drop on failure), topped up from task context with GFP_KERNEL; TX
// completion frees pages in hardirq.
// The harness itself (layout, world, fault settings) is in fuzz/harness.cc;
// this file names it.  Built as a libFuzzer target with LABYRINTH_FUZZ=ON,
// and always as a replay binary (fuzz/replay_main.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/harness.h"

extern "C" const char* labyrinth_harness_name() { return "client"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const labyrinth::fuzz::harness* const harness = labyrinth::fuzz::find_harness(labyrinth_harness_name());
  return labyrinth::fuzz::fuzz_one(*harness, {data, size});
}
