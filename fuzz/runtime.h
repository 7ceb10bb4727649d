// The runtime: runs one program on a fresh world and returns what happened.
// libFuzzer harnesses, the replay tool, tests and properties all use it.
//
// A run: build the world, or restore a kept one to the state a built one has
// (run_options::worlds; nothing carries over between runs), install an
// interrupt handler that runs the handler programs, then for each task
// operation: begin_operation, the operation, an interrupt point
// (between_ops, or lock_section inside a section), end_operation (the
// incremental invariants), check_quiescent when no section is open.  At the
// end: remove the interrupt handler, release every page the client holds
// (remove-then-free, data verified), and teardown_check (leak check and the
// full walk).  A fatal report (run_halted) ends the run early.
//
// Which handler program runs: hardirq and softirq deliveries alternate
// between their two programs (the n-th delivery of a kind runs program
// n % 2); NMIs run the one NMI program.  Handlers may interrupt handlers, up
// to world_config::max_interrupt_depth frames; at most max_handler_ops handler
// operations run per run (the rest are skipped, deterministically).
//
// The runtime's own oracles (reported as "pagealloc: memory corruption"):
// a page the client wrote is checked before it is freed, and a __GFP_ZERO
// page is checked right after allocation.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "alloc/report.h"
#include "alloc/world.h"
#include "faultinject/injector.h"
#include "fuzz/program.h"

namespace labyrinth::fuzz {

class world_cache;

struct run_options {
  world_config world;
  fi::fault_config faults;        // default: nothing fails, no interrupt arrives
  bool use_injector = true;       // false: no injector (no interrupt points, no faults, no decisions)
  // Where decisions come from: the program's decision bytes (default), or a
  // seeded PRNG (Linux-style random fault injection and randomly timed
  // interrupts under the same fault settings: the baseline coverage-guided
  // decisions are compared against).
  std::optional<uint64_t> decision_seed;
  bool header_chooses_pcp = true; // the program's header bit picks the pcp discipline
  // The zones of a program whose header asks for the large world (none: the
  // header bit is ignored).
  std::optional<world_config> large_world;
  sink_mode mode = sink_mode::collect;
  // What a run keeps for its reproduction: the steps with their contexts,
  // the decision trace, the world's notes and the context lines of reports.
  // Off (libFuzzer's fuzz_one, abort mode): the run keeps none of it, and a
  // report that aborts runs the input again, recording, in a world of its
  // own: runs are deterministic, so the re-run stops at the same report and
  // prints the whole reproduction.  Nothing the model or the machine decides
  // depends on it (fuzz/tests/runtime_test.cc compares the two).  With
  // collect mode, off leaves those parts of the result empty.
  bool record = true;
  unsigned full_check_every = 0;  // also run check_full() every N task ops; 0 = only at teardown
  unsigned max_handler_ops = 2048;
  unsigned max_steps_recorded = 8192;
  layout program_layout;          // for printing the program in abort mode
  std::string harness_name;       // for messages
  // Where the world comes from: nullptr, built for this run; otherwise kept
  // in (and restored by) this cache between runs.  Not owned.
  world_cache* worlds = nullptr;
  // Test-only: called after each task operation (a test corrupts state
  // through it to see an oracle fire).
  std::function<void(labyrinth::world&, size_t task_op)> after_task_op_for_test_only;
  // Test-only: called with the world at the end of the run (a test compares
  // a reused world's final state with a fresh one's).
  std::function<void(const labyrinth::world&)> at_end_for_test_only;
};

enum class step_type : uint8_t { op, interrupt, release };

// One step of the execution, with its context at the start.
struct step_record {
  step_type type = step_type::op;
  list_id list = list_id::task;
  uint16_t index = 0;            // operation index in its list
  uint8_t depth = 0;             // interrupt frames on the CPU
  uint32_t preempt_count = 0;
  bool irqs_disabled = false;
  uint64_t world_op = 0;         // the world's operation index
  interrupt_kind kind = interrupt_kind::hardirq;  // interrupt steps
  irq_point point = irq_point::between_ops;       // interrupt steps
  int64_t result = 0;            // alloc: pfn or -1; map: its return; driver ops: pages moved
};

struct run_result {
  std::vector<report> reports;
  std::vector<size_t> expected_reports;  // indices of reports a misuse probe asked for
  std::vector<fi::decision_record> trace;
  std::vector<fi::fault_event> faults;
  std::vector<step_record> steps;
  bool steps_truncated = false;
  world_stats stats;
  std::vector<std::string> log;  // the world's notes (OOM kills, allocation failures)
  bool halted = false;           // a fatal report ended the run early
  report_kind halt_kind = report_kind::warning;
  long first_bug_step = -1;      // the step during which the first bug report arrived
  uint64_t handler_ops_run = 0;
  uint64_t handler_ops_skipped = 0;
  uint64_t packets_received = 0, packets_dropped = 0;
  size_t bug_count() const;      // reports that are neither workload verdicts nor expected by a probe
  bool clean() const { return bug_count() == 0; }
  // Every field back to its default; the buffers (but the reports' and the
  // log's) keep their capacity.
  void clear();
};

run_result run(const program& p, const run_options& options);
// The same into `result`, whose buffers are reused (a fuzz harness runs every
// input into one result: no allocation per input for its trace, faults and
// steps once they have grown).  Nothing of what `result` held before
// survives.
void run(const program& p, const run_options& options, run_result& result);

}  // namespace labyrinth::fuzz
