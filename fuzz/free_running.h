// Free-running mode (issue 7 item 4): one host thread per simulated CPU, all
// running at once on one world (world_config::free_running), with real
// atomics and spinlocks that really exclude.  It is a stress test and, fed
// from input bytes, a harness (fuzz_smp_free); built in the tsan preset it
// is a ThreadSanitizer target: the correct model must be reported by neither
// the model's oracles nor TSan.
//
// Each CPU runs a bounded sequence of operations: allocations of several
// orders and GFP families, frees of its own pages, frees of pages another CPU
// allocated (handed over through per-CPU inboxes), references to one page
// handed to every other CPU so that the last put_page runs on whichever CPU
// comes last, get_page/put_page on pages every CPU shares, drains of every
// CPU's lists from this one (remote drains under the remote pcp->lock), and
// interrupts that each CPU's own decision source delivers to itself at its
// interrupt points, whose handlers allocate with GFP_ATOMIC.  When every
// thread has joined, the whole-world oracles run: the full walk, then the
// teardown leak check.
//
// Not deterministic: which CPU wins a lock, and so which pages go where,
// depends on the host's scheduling.  The operation choices and the
// interrupt decisions of each CPU are determined by the seed (or the input
// bytes), so a failure names the seed, but a rerun replays only those
// choices, not the interleaving.  The deterministic scheduler (issue 7
// items 1-2) is the mode that replays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "alloc/report.h"
#include "alloc/vmstat.h"
#include "alloc/world.h"

namespace labyrinth {

struct free_running_config {
  unsigned cpus = 4;
  uint64_t operations_per_cpu = 20000;
  uint64_t seed = 1;
  // Percent chance of an interrupt at each interrupt point (the `irq` fault
  // site's probability); 0: no interrupts.
  unsigned interrupt_percent = 2;
  // true: every CPU asks the world's one shared injector (under its host
  // lock); false: each CPU has its own decision source.
  bool shared_injector = false;
  // Pages each CPU may hold at once (bounded state).
  unsigned max_held_per_cpu = 64;
  // Pages every CPU takes references on with get_page/put_page.
  unsigned shared_pages = 8;
  // The world; free_running and the trylock discipline are forced.
  world_config world = {};
  // Test-only: the run keeps one page to the end, so the teardown leak check
  // must report it (proves the quiescent oracles run).
  bool leak_one_page_for_test_only = false;
};

// Per-CPU operation choices: from a seeded PRNG, or from bytes (the harness:
// each CPU reads its own slice; exhausted bytes end that CPU's run early).
struct free_running_script {
  std::vector<std::vector<uint8_t>> bytes_per_cpu;  // empty: the PRNG decides
};

struct free_running_result {
  std::vector<report> reports;  // every report of the run, in delivery order
  size_t bug_count = 0;         // reports that are bugs (not workload verdicts)
  world_stats stats;
  uint64_t operations = 0;      // caller operations, all CPUs
  uint64_t handed_over = 0;     // pages freed by another CPU than the allocating one
  uint64_t remote_drains = 0;   // drain_all_pages calls
  uint64_t last_puts_elsewhere = 0;  // multi-CPU references whose last put freed the page
  bool halted = false;          // a fatal report stopped the run
  std::string summary() const;  // one line of counts
};

// Runs the stress.  Throws std::invalid_argument for a bad configuration.
free_running_result run_free_running(const free_running_config& config,
                                     const free_running_script& script = {});

// The harness's decoding of an input: a header (CPUs, interrupt percent,
// injector kind, world size) and the rest split round-robin into per-CPU
// operation bytes.  Total: any input decodes.
struct free_running_input {
  free_running_config config;
  free_running_script script;
};
free_running_input decode_free_running_input(const uint8_t* data, size_t size);

}  // namespace labyrinth
