// fuzz_smp_free: the free-running mode (fuzz/free_running.h) driven by the
// input: a header picks the CPUs (2..5), the interrupt rate, the injector
// kind and the interrupt seed; the rest is split round-robin into each CPU's
// operation choices.  The CPUs really run at once, so an input does NOT
// replay an interleaving: the same input may pass once and fail the next
// time.  It replays the operation choices; the deterministic SMP harness
// (issue 7 items 1-2) is the one whose failures replay bit for bit.  Its
// value is under ThreadSanitizer (the tsan preset) and as a search for
// inputs whose operation mix stresses the locks.
//
// Built as a libFuzzer target with LABYRINTH_FUZZ=ON, and always as a
// replay/stress binary (fuzz/free_running_main.cc).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz/free_running.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  labyrinth::free_running_input input = labyrinth::decode_free_running_input(data, size);
  labyrinth::free_running_result result = labyrinth::run_free_running(input.config, input.script);
  if (result.bug_count == 0) return 0;
  for (const labyrinth::report& r : result.reports) std::fprintf(stderr, "%s\n", r.text().c_str());
  std::fprintf(stderr, "fuzz_smp_free: %s\n", result.summary().c_str());
  std::fflush(stderr);
  std::abort();
}
