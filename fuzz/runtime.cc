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

// What the run leaves behind, into the result (at the end, or before an
// abort-mode report aborts the process).
void collect(detail::machine& m, const report_sink& sink, const fi::injector& injector, const world& w,
             run_result& result) {
  m.note_reports();
  result.reports = sink.reports();
  result.trace = injector.trace();
  result.faults = injector.faults();
  result.stats = w.stats();
  result.log = w.log();
}

}  // namespace

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
  result.steps.reserve(std::min<size_t>(options.max_steps_recorded, 256));
  report_sink sink(options.mode);
  fi::bytes_source bytes(p.decisions);
  std::optional<fi::prng_source> prng;
  if (options.decision_seed) prng.emplace(*options.decision_seed);
  fi::decision_source& source = prng ? static_cast<fi::decision_source&>(*prng) : bytes;
  fi::injector injector(options.faults, source);
  fi::injector* decisions = options.use_injector ? &injector : nullptr;
  const world_config config = config_for(p, options);
  std::optional<world> built;
  world& w = options.worlds ? options.worlds->fresh(config, sink, decisions) : built.emplace(config, sink, decisions);
  detail::machine m(w, p, options, result);
  if (options.mode == sink_mode::abort) {
    sink.on_abort = [&]() {
      collect(m, sink, injector, w, result);
      std::string text = format_reproduction(p, result, options.program_layout);
      std::fprintf(stderr, "\n%s", text.c_str());
    };
  }
  w.set_interrupt_handler(&m);
  try {
    m.run_task();
    w.set_interrupt_handler(nullptr);
    m.release_everything();
  } catch (const run_halted& halted) {
    result.halted = true;
    result.halt_kind = halted.kind;
  }
  w.set_interrupt_handler(nullptr);
  collect(m, sink, injector, w, result);
  if (options.at_end_for_test_only) options.at_end_for_test_only(w);
  return result;
}

// ---- output -------------------------------------------------------------------

}  // namespace labyrinth::fuzz
