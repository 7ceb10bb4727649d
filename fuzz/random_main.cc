// labyrinth-random: the baseline the coverage-guided harnesses are compared
// against - the same harness driven the way random fault injection is usually
// done: a loop over seeds, each a random program (random bytes through the
// same total decoder) run with every decision (does a fault site fail, does an
// interrupt arrive and which) drawn from a PRNG seeded by the seed, under the
// harness's own Linux-style fault settings (probability=, times=-1: e.g. irq
// probability 25%, fail_page_alloc 20% for `faults`).  No feedback: run i
// learns nothing from run i-1.
//
//   labyrinth-random --harness faults [--seed S] [--seconds N] [--runs N] [--max-len L]
//
// Run i uses seed S+i for both its program bytes and its decisions, so the
// line it prints on a find ("found ... seed=S+i") is the reproducer: rerun
// with --seed S+i --runs 1.  Stops at the first bug report (exit 1) or at the
// budget (exit 0).  A sanitizer finding aborts the process like libFuzzer's;
// a run that takes longer than --timeout seconds (default 10, libFuzzer's
// -timeout in the gate's smoke runs) is a find too ("timeout"), as a hang is
// for libFuzzer: a planted bug can send a list walk round a cycle.
// In a fuzz build it links the same instrumented, -O2 copy of the model as
// fuzz_<name>, so the comparison measures the inputs, not the code's speed.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/decoder.h"
#include "fuzz/harness.h"
#include "fuzz/reproduction.h"
#include "fuzz/runtime.h"

namespace {

using namespace labyrinth::fuzz;
using clock_type = std::chrono::steady_clock;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The program bytes of one seed: a length uniform in [1, max_len], then
// uniform bytes.
std::vector<uint8_t> random_bytes(uint64_t seed, size_t max_len) {
  uint64_t state = seed;
  size_t length = 1 + splitmix64(state) % max_len;
  std::vector<uint8_t> bytes(length);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(splitmix64(state));
  return bytes;
}

struct budget {
  double seconds = 60;
  uint64_t runs = 0;     // 0: no limit on runs
  unsigned timeout = 10;  // seconds one run may take
};

// The timeout's message for the run in progress, formatted before the run so
// that the handler only writes it.
char timeout_message[256];

extern "C" void on_timeout(int) {
  // Only async-signal-safe calls: the message was formatted before the run.
  ssize_t ignored = write(STDOUT_FILENO, timeout_message, std::strlen(timeout_message));
  (void)ignored;
  _exit(1);
}

int hunt(const harness& h, uint64_t first_seed, size_t max_len, const budget& limit) {
  run_options options = harness_options(h, labyrinth::sink_mode::collect);
  const clock_type::time_point start = clock_type::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock_type::now() - start).count(); };
  uint64_t run_count = 0;
  // Bounded by --runs, or by the clock (checked every run).
  for (uint64_t seed = first_seed; limit.runs == 0 || run_count < limit.runs; ++seed) {
    if (limit.seconds > 0 && elapsed() >= limit.seconds) break;
    std::vector<uint8_t> bytes = random_bytes(seed, max_len);
    program p = decode(bytes, h.program_layout);
    p.decisions.clear();
    options.decision_seed = seed;
    std::snprintf(timeout_message, sizeof timeout_message,
                  "labyrinth-random: found harness=%s seed=%llu runs=%llu seconds=%.2f title=timeout: one run took more "
                  "than %u s\n",
                  h.name, static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run_count + 1),
                  elapsed() + limit.timeout, limit.timeout);
    std::fflush(stdout);
    alarm(limit.timeout);
    run_result r = run(p, options);
    alarm(0);
    ++run_count;
    if (r.bug_count() == 0) continue;
    std::string title = "?";
    for (const labyrinth::report& each : r.reports)
      if (!labyrinth::report_kind_verdict(each.kind)) {
        title = each.title;
        break;
      }
    std::printf("%s\n", format_reproduction(p, r, h.program_layout).c_str());
    std::printf("labyrinth-random: found harness=%s seed=%llu runs=%llu seconds=%.2f title=%s\n", h.name,
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run_count), elapsed(),
                title.c_str());
    return 1;
  }
  std::printf("labyrinth-random: nothing harness=%s runs=%llu seconds=%.2f\n", h.name,
              static_cast<unsigned long long>(run_count), elapsed());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"labyrinth-random: a harness driven by random programs and PRNG decisions (the baseline)"};
  std::string harness_name;
  uint64_t seed = 1;
  size_t max_len = 1024;
  budget limit;
  app.add_option("--harness", harness_name, "ops, irq, faults or client")->required();
  app.add_option("--seed", seed, "seed of the first run (run i uses seed+i)");
  app.add_option("--seconds", limit.seconds, "time budget (0: none; then --runs must be set)");
  app.add_option("--runs", limit.runs, "run budget (0: none)");
  app.add_option("--timeout", limit.timeout, "seconds one run may take before it counts as a hang (a find)")
      ->check(CLI::Range(1u, 3600u));
  app.add_option("--max-len", max_len, "largest program in bytes")->check(CLI::Range(size_t{1}, size_t{1} << 20));
  CLI11_PARSE(app, argc, argv);
  const harness* h = find_harness(harness_name);
  if (!h) {
    std::fprintf(stderr, "labyrinth-random: unknown harness '%s'\n", harness_name.c_str());
    return 2;
  }
  if (limit.seconds <= 0 && limit.runs == 0) {
    std::fprintf(stderr, "labyrinth-random: give --seconds or --runs (an unbounded loop is refused)\n");
    return 2;
  }
  std::signal(SIGALRM, on_timeout);
  return hunt(*h, seed, max_len, limit);
}
