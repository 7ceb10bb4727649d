#include "fuzz/harness.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "faultinject/config.h"
#include "fuzz/decoder.h"
#include "fuzz/world_cache.h"

namespace labyrinth::fuzz {
namespace {

// Fault settings per harness, in LABYRINTH_FAULTS syntax.  verbose=0: no
// FAULT_INJECTION messages (the trace records every fault anyway).
constexpr const char* irq_faults = "irq:probability=25,times=-1,verbose=0";
constexpr const char* all_faults =
    "fail_page_alloc:probability=20,times=-1,min-order=0,ignore-gfp-wait=N,verbose=0;"
    "reclaim:probability=30,times=-1,verbose=0;kswapd:probability=30,times=-1,verbose=0;"
    "pcp_refill:probability=20,times=-1,verbose=0;oom:probability=30,times=-1,verbose=0;"
    "irq:probability=20,times=-1,verbose=0";
// The driver sees GFP_ATOMIC failures (ignore-gfp-wait=Y: blocking requests
// fail only when memory really runs out).
constexpr const char* client_faults =
    "fail_page_alloc:probability=15,times=-1,min-order=0,verbose=0;irq:probability=25,times=-1,verbose=0";

world_config fuzz_world() {
  world_config config;
  config.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 1024}};
  config.page_bytes = 16;
  config.oom_victim_pages = 16;
  config.checks = check_level::incremental;
  config.slowpath_loop_limit = 32;
  return config;
}

check_level checks_from_env(check_level fallback) {
  const char* env = std::getenv("LABYRINTH_CHECKS");
  if (!env || !*env) return fallback;
  std::string value = env;
  if (value == "none") return check_level::none;
  if (value == "incremental") return check_level::incremental;
  if (value == "full") return check_level::full;
  std::fprintf(stderr, "labyrinth: LABYRINTH_CHECKS must be none, incremental or full, not '%s'\n", env);
  std::exit(2);
}

fi::fault_config faults_of(const char* text) {
  auto parsed = fi::parse_fault_config(text);
  if (!parsed.ok()) {
    std::fprintf(stderr, "labyrinth: harness fault settings: %s\n", parsed.error.c_str());
    std::abort();
  }
  return parsed.config;
}

}  // namespace

const std::vector<harness>& harnesses() {
  static const std::vector<harness> all = {
      {"ops", {op_set::generic, false, false}, "task-context programs, no interrupts, no faults"},
      {"irq", {op_set::generic, true, true}, "interrupts at every interrupt point, handlers allocate and free"},
      {"faults", {op_set::generic, true, true}, "every fault site and the interrupts decided by the input"},
      {"client", {op_set::client, true, true}, "a network driver: RX ring refilled from softirq, TX completion"},
  };
  return all;
}

const harness* find_harness(std::string_view name) {
  for (const harness& h : harnesses())
    if (name == h.name) return &h;
  return nullptr;
}

run_options harness_options(const harness& h, sink_mode mode) {
  run_options options;
  options.world = fuzz_world();
  options.world.checks = checks_from_env(options.world.checks);
  options.large_world = options.world;
  options.large_world->zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 12288}};
  options.mode = mode;
  options.program_layout = h.program_layout;
  options.harness_name = h.name;
  std::string_view name = h.name;
  if (name == "ops") {
    options.use_injector = false;
  } else if (name == "irq") {
    options.faults = faults_of(irq_faults);
  } else if (name == "faults") {
    options.faults = faults_of(all_faults);
  } else {
    options.faults = faults_of(client_faults);
  }
  return options;
}

int fuzz_one(const harness& h, std::span<const uint8_t> input) {
  // Built once per harness: the environment is read at the first input.
  // Worlds are kept between inputs and restored before each (world_cache.h);
  // the program and the result are decoded and run into the same buffers
  // every time (decode_into, run into a result: nothing of the previous
  // input survives, fuzz/tests/runtime_reuse_test.cc).  Runs record nothing
  // for a reproduction (run_options::record): the input that reports runs
  // again, recording, and that run prints it.
  static world_cache worlds;
  static program p;
  static run_result result;
  static std::vector<run_options> options_by_harness = [] {
    std::vector<run_options> all;
    for (const harness& each : harnesses()) {
      all.push_back(harness_options(each, sink_mode::abort));
      all.back().worlds = &worlds;
      all.back().record = false;  // a report re-runs the input, recording (runtime.h)
    }
    return all;
  }();
  const run_options& options = options_by_harness[static_cast<size_t>(&h - harnesses().data())];
  decode_into(input, h.program_layout, p);
  run(p, options, result);
  // What the input allocated (report and log strings) is freed by the same
  // input: libFuzzer runs again any input that ends with more mallocs than
  // frees, to look for a leak.
  result.clear();
  return 0;
}

}  // namespace labyrinth::fuzz
