#include "fuzz/runtime.h"

#include <algorithm>
#include <cstdio>

#include "faultinject/bytes_source.h"
#include "faultinject/prng_source.h"
#include "fuzz/machine.h"
#include "fuzz/reproduction.h"
#include "fuzz/world_cache.h"

namespace labyrinth::fuzz {
namespace {

world_config config_for(const program& p, const run_options& options) {
  world_config config = options.world;
  if (options.header_chooses_pcp) config.pcp = p.pcp_irqsave ? pcp_discipline::irqsave : pcp_discipline::trylock;
  if (p.large_world && options.large_world) config.zones = options.large_world->zones;
  return config;
}

// What the run leaves behind, into the result (at the end, when the trace and
// the log are moved out of the injector and the world, or before an
// abort-mode report aborts the process).
enum class collect_by { copy, move };
void collect(detail::machine& m, report_sink& sink, fi::injector& injector, world& w, run_result& result,
             collect_by taking) {
  m.note_reports();
  result.stats = w.stats();
  w.flush_suppressed_notes();
  // (Not a conditional expression: `take ? prvalue : const lvalue` is a const
  // prvalue, which is copied, not moved.)
  if (taking == collect_by::move) {
    result.reports = sink.take_reports();
    result.trace = injector.take_trace();
    result.faults = injector.take_faults();
    result.log = w.take_log();
  } else {
    result.reports = sink.reports();
    result.trace = injector.trace();
    result.faults = injector.faults();
    result.log = w.log();
  }
}

}  // namespace

void run_result::clear() {
  run_result fresh;
  auto keep = [](auto& to, auto& from) {
    to = std::move(from);
    to.clear();
  };
  keep(fresh.expected_reports, expected_reports);
  keep(fresh.trace, trace);
  keep(fresh.faults, faults);
  keep(fresh.steps, steps);
  // Not the reports' nor the log's: a run takes the sink's reports and the
  // world's log whole, so a buffer kept here would only be freed by some
  // later run (libFuzzer runs again any input that ends with more mallocs
  // than frees).
  *this = std::move(fresh);
}

size_t run_result::bug_count() const {
  size_t bugs = 0;
  for (size_t i = 0; i < reports.size(); ++i)
    if (!report_kind_verdict(reports[i].kind) &&
        std::find(expected_reports.begin(), expected_reports.end(), i) == expected_reports.end())
      ++bugs;
  return bugs;
}

run_result run(const program& p, const run_options& options) {
  run_result result;
  run(p, options, result);
  return result;
}

void run(const program& p, const run_options& options, run_result& result) {
  result.clear();
  result.steps.reserve(std::min<size_t>(options.max_steps_recorded, 256));
  report_sink sink(options.mode);
  fi::bytes_source bytes(p.decisions);
  std::optional<fi::prng_source> prng;
  if (options.decision_seed) prng.emplace(*options.decision_seed);
  fi::decision_source& source = prng ? static_cast<fi::decision_source&>(*prng) : bytes;
  fi::injector injector(options.faults, source);
  injector.adopt_buffers(std::move(result.trace), std::move(result.faults));
  fi::injector* decisions = options.use_injector ? &injector : nullptr;
  const world_config config = config_for(p, options);
  std::optional<world> built;
  world& w = options.worlds ? options.worlds->fresh(config, sink, decisions) : built.emplace(config, sink, decisions);
  w.set_recording(options.record);
  injector.set_recording(options.record);
  detail::machine m(w, p, options, result);
  // What an abort-mode report prints; the sink's hook refers to it by one
  // reference, which std::function keeps without a heap allocation per run.
  auto print_reproduction = [&]() {
    if (!options.record) {
      // Nothing to print yet: the same input again, recording, in a fresh
      // world (not the cache's, which this run holds).  It aborts at this
      // same report, printing the reproduction.
      run_options again = options;
      again.record = true;
      again.worlds = nullptr;
      run_result rerun;
      run(p, again, rerun);
      std::fprintf(stderr, "labyrinth: the recording re-run of this input did not stop at its report "
                           "(a nondeterministic run): the report as it came:\n");
      return false;  // the sink prints it
    }
    collect(m, sink, injector, w, result, collect_by::copy);
    std::string text = format_reproduction(p, result, options.program_layout);
    std::fprintf(stderr, "\n%s", text.c_str());
    return true;
  };
  if (options.mode == sink_mode::abort) sink.on_abort = [&print_reproduction] { return print_reproduction(); };
  w.set_interrupt_handler(&m);
  try {
    m.run_task();
    // The program is over: no handler is attached any more, so an interrupt
    // would only enter and leave, and frees ask no fault site.  The release
    // and the leak check run without the injector (they asked it at every
    // interrupt point of every free, a tenth of a run, to no effect).
    w.set_interrupt_handler(nullptr);
    w.set_injector(nullptr);
    m.release_everything();
  } catch (const run_halted& halted) {
    result.halted = true;
    result.halt_kind = halted.kind;
  }
  w.set_interrupt_handler(nullptr);
  collect(m, sink, injector, w, result, collect_by::move);
  if (options.at_end_for_test_only) options.at_end_for_test_only(w);
}

// ---- output -------------------------------------------------------------------

}  // namespace labyrinth::fuzz
