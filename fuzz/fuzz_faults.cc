// fuzz_faults: every fault site (fail_page_alloc, reclaim and kswapd progress,
// pcp_refill, oom) and the interrupts decided by the input, in handlers too.
// The harness itself (layout, world, fault settings) is in fuzz/harness.cc;
// this file names it.  Built as a libFuzzer target with LABYRINTH_FUZZ=ON,
// and always as a replay binary (fuzz/replay_main.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/harness.h"

extern "C" const char* labyrinth_harness_name() { return "faults"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const labyrinth::fuzz::harness* const harness = labyrinth::fuzz::find_harness(labyrinth_harness_name());
  return labyrinth::fuzz::fuzz_one(*harness, {data, size});
}
