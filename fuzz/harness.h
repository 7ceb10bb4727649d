// The harnesses: each a layout (what an input holds) and run options (the
// world, which decisions the input makes).  fuzz_<name>.cc and the replay
// main both take their harness from here, so the fuzzer and the replay tool
// can never disagree about what an input means.
//
//   ops     task-context programs; no interrupts, no faults
//   irq     + handler programs; the input decides, at every interrupt point,
//           whether an interrupt arrives and which (fault site `irq`)
//   faults  + the input decides every fault site (fail_page_alloc for every
//           allocation, reclaim and kswapd progress, pcp_refill, oom) and the
//           interrupts; faults fire in handlers too
//   client  a network driver: RX ring refilled from softirq with GFP_ATOMIC
//           (drop on failure), topped up from task context with GFP_KERNEL,
//           a transmit queue completed from hardirq; interrupts and
//           GFP_ATOMIC failures decided by the input
//
// The world is small so that a run is quick (and kept between inputs, restored
// from a pristine copy before each: world_cache.h): DMA32 and Normal of 1024 pages
// each, 16 bytes of content per page, 16 OOM-victim pages, incremental checks
// after every operation and the full walk at teardown.  Header bits of the
// program pick the per-CPU list discipline (both are fuzzed) and, rarely
// worth its cost, the large world: Normal of 12288 pages, the smallest zone
// whose per-CPU batch exceeds 1 (zone_batchsize), so bulk refills and their
// error paths run (a 1024-page zone refills one block at a time).
// Environment (read by harness_options): LABYRINTH_CHECKS=none|incremental|full
// overrides the check level (for measuring the oracles' cost).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz/program.h"
#include "fuzz/runtime.h"

namespace labyrinth::fuzz {

struct harness {
  const char* name;
  layout program_layout;
  const char* description;
};

const std::vector<harness>& harnesses();
const harness* find_harness(std::string_view name);

// The run options of a harness, for a sink mode.
run_options harness_options(const harness& h, sink_mode mode);

// One fuzz input: decode, run in abort mode (the first bug report prints the
// reproduction and aborts).  Returns 0 (libFuzzer's convention).
int fuzz_one(const harness& h, std::span<const uint8_t> input);

}  // namespace labyrinth::fuzz
