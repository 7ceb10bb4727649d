// Free-running mode (fuzz/free_running.h): real threads, one per CPU, all at
// once on one world.  In the tsan preset these same tests run under
// ThreadSanitizer, where a data race fails them (the gate's tsan step).
//
// The interleaving is not deterministic; the operation choices are (fixed
// seeds, printed on failure).  The assertions hold whatever the interleaving:
// no report on the correct model, and the cross-CPU paths exercised.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/free_running.h"

namespace labyrinth {
namespace {

// Operations per CPU: LABYRINTH_FREE_RUNNING_OPS, else `fallback`.
uint64_t operations(uint64_t fallback) {
  const char* env = std::getenv("LABYRINTH_FREE_RUNNING_OPS");
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

std::string all_reports(const free_running_result& result) {
  std::string text;
  for (const report& r : result.reports) text += r.text() + "\n";
  return text;
}

// Goal: the correct model is never reported when 4 CPUs run at once, each
// with its own decision source.  Method: 4 threads x N operations (all GFP
// families, orders 0-5, cross-CPU frees, shared references, remote drains,
// interrupts with GFP_ATOMIC), then the full walk and the leak check.
TEST(free_running, four_cpus_with_their_own_injectors_are_clean) {
  free_running_config config;
  config.cpus = 4;
  config.operations_per_cpu = operations(20000);
  config.seed = 7;
  config.interrupt_percent = 3;
  free_running_result result = run_free_running(config);
  EXPECT_EQ(result.bug_count, 0u) << "seed " << config.seed << ": expected no report, saw:\n" << all_reports(result);
  EXPECT_FALSE(result.halted) << "seed " << config.seed << ": a fatal report halted the run";
  EXPECT_EQ(result.operations, 4 * config.operations_per_cpu) << result.summary();
  // The cross-CPU paths ran (each is chosen with probability >= 1/32 per
  // operation; not seeing one in 4 x 20000 operations has odds below e^-100).
  if (config.operations_per_cpu >= 5000) {
    EXPECT_GT(result.handed_over, 0u) << result.summary();
    EXPECT_GT(result.remote_drains, 0u) << result.summary();
    EXPECT_GT(result.last_puts_elsewhere, 0u) << result.summary();
    EXPECT_GT(result.stats.interrupts[0], 0u) << result.summary();
  }
}

// Goal: the shared injector (one decision source for all CPUs, behind its
// host lock) is as clean.  Method: as above, 3 CPUs, fewer operations.
TEST(free_running, a_shared_injector_is_clean) {
  free_running_config config;
  config.cpus = 3;
  config.operations_per_cpu = operations(20000) / 4;
  config.seed = 11;
  config.shared_injector = true;
  config.interrupt_percent = 5;
  free_running_result result = run_free_running(config);
  EXPECT_EQ(result.bug_count, 0u) << "seed " << config.seed << ": expected no report, saw:\n" << all_reports(result);
  EXPECT_FALSE(result.halted);
}

// Goal: memory pressure (slow path, kswapd, direct reclaim, OOM under
// oom_lock) from several CPUs at once is clean.  Method: a small world, many
// pages held per CPU.
TEST(free_running, memory_pressure_from_every_cpu_is_clean) {
  free_running_config config;
  config.cpus = 4;
  config.operations_per_cpu = operations(20000) / 4;
  config.seed = 13;
  config.max_held_per_cpu = 512;
  config.world.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 2048}};
  config.world.oom_victim_pages = 16;
  free_running_result result = run_free_running(config);
  EXPECT_EQ(result.bug_count, 0u) << "seed " << config.seed << ": expected no report, saw:\n" << all_reports(result);
  EXPECT_FALSE(result.halted);
  EXPECT_GT(result.stats.slowpath_entries, 0u) << "expected the slow path to run: " << result.summary();
}

// Goal: the quiescent oracles run after the threads join.  Method: the run
// keeps one page on purpose; the teardown leak check must name it.
TEST(free_running, a_page_kept_to_the_end_is_reported_as_a_leak) {
  free_running_config config;
  config.cpus = 2;
  config.operations_per_cpu = 200;
  config.leak_one_page_for_test_only = true;
  free_running_result result = run_free_running(config);
  ASSERT_EQ(result.reports.size(), 1u) << "expected exactly the leak, saw:\n" << all_reports(result);
  EXPECT_EQ(result.reports[0].kind, report_kind::leak) << result.reports[0].text();
}

// Goal: the harness decodes any input and runs it clean.  Method: inputs of
// several sizes and contents, including empty and header-only ones.
TEST(free_running, harness_inputs_of_any_shape_run_clean) {
  std::vector<std::vector<uint8_t>> inputs = {{}, {0xff}, std::vector<uint8_t>(11, 0xff)};
  for (unsigned size : {12u, 100u, 1000u}) {
    std::vector<uint8_t> bytes(size);
    for (unsigned i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 37 + size);
    inputs.push_back(bytes);
  }
  for (const auto& bytes : inputs) {
    free_running_input input = decode_free_running_input(bytes.data(), bytes.size());
    EXPECT_GE(input.config.cpus, 2u);
    EXPECT_LE(input.config.cpus, 5u);
    free_running_result result = run_free_running(input.config, input.script);
    EXPECT_EQ(result.bug_count, 0u) << "input of " << bytes.size() << " bytes: " << all_reports(result);
  }
}

// Goal: a bad configuration is refused, not run.  Method: each bound.
TEST(free_running, bad_configurations_are_refused) {
  free_running_config one_cpu;
  one_cpu.cpus = 1;
  EXPECT_THROW(run_free_running(one_cpu), std::invalid_argument);
  free_running_config no_holding;
  no_holding.max_held_per_cpu = 0;
  EXPECT_THROW(run_free_running(no_holding), std::invalid_argument);
  world_config irqsave;
  irqsave.free_running = true;
  irqsave.nr_cpus = 2;
  irqsave.pcp = pcp_discipline::irqsave;
  report_sink sink;
  EXPECT_THROW(world(irqsave, sink), std::invalid_argument)
      << "free-running needs the trylock discipline (remote drains under pcp->lock)";
}

}  // namespace
}  // namespace labyrinth
