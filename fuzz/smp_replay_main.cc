// The replay main of fuzz_smp (any compiler, no libFuzzer): replays inputs
// and prints, for each that reports, the reports, the readable program, the
// schedule (the task that ran after each interleaving point) and the
// decision trace.  Same command line as the other harnesses' replay main:
//
//   fuzz_smp [--verbose] [--quiet] FILE|DIR...
//   fuzz_smp --encode PROGRAM.txt OUT.bin   (corpus authoring)
//   fuzz_smp --print INPUT                  (the readable program of an input)
//   fuzz_smp --pct RUNS --depth D INPUT     (PCT: RUNS seeded runs; prints the guarantee)
//   fuzz_smp --dfs K INPUT                  (every schedule with at most K preemptions)
//
// The replay command line is replay_cli.h's; a FILE ending in .txt is read as
// a readable program.
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "alloc/smp/strategy.h"
#include "faultinject/decision.h"
#include "fuzz/replay_cli.h"
#include "fuzz/smp_program.h"

namespace {

namespace fs = std::filesystem;
using namespace labyrinth::fuzz;

std::string describe(const smp_program& p, const smp_run_result& r) {
  std::string text;
  for (const labyrinth::report& each : r.reports) text += each.text() + "\n";
  text += "---- program\n" + smp_print(p);
  text += "---- schedule (task after each of " + std::to_string(r.sched.points) + " points; " +
          std::to_string(r.sched.switches) + " switches, " + std::to_string(r.sched.preemptions) + " preemptions)\n" +
          r.sched.schedule + "\n";
  text += "---- decision trace (" + std::to_string(r.trace.size()) + " decisions)\n" + labyrinth::fi::format_trace(r.trace);
  return text;
}

void replay_one(const fs::path& path, bool verbose, bool quiet, replay_counts& counts) {
  std::string content;
  if (!read_input_file(path, content)) {
    std::fprintf(stderr, "smp: cannot read %s\n", path.c_str());
    ++counts.errors;
    return;
  }
  smp_program p;
  if (path.extension() == ".txt") {
    std::string error;
    auto parsed = smp_parse(content, &error);
    if (!parsed) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
      ++counts.errors;
      return;
    }
    p = *parsed;
  } else {
    p = smp_decode({reinterpret_cast<const uint8_t*>(content.data()), content.size()});
  }
  ++counts.inputs;
  smp_run_result r = run_smp(p, smp_harness_options(labyrinth::sink_mode::collect));
  if (r.bug_count() > 0) {
    ++counts.reported;
    std::printf("==== smp: %zu bug report(s) replaying %s\n%s\n", r.bug_count(), path.c_str(), describe(p, r).c_str());
  } else if (verbose) {
    std::printf("==== smp: clean: %s\n%s\n", path.c_str(), describe(p, r).c_str());
  } else if (!quiet) {
    std::printf("ok %s (%u cpus, %llu points, %zu decisions)\n", path.c_str(), p.cpus,
                static_cast<unsigned long long>(r.sched.points), r.trace.size());
  }
}

int encode_or_print(int argc, char** argv) {
  std::string mode = argv[1], content;
  if ((mode == "--encode" && argc != 4) || (mode == "--print" && argc != 3) || !read_input_file(argv[2], content)) {
    std::fprintf(stderr, "usage: %s --encode PROGRAM.txt OUT.bin | --print INPUT\n", argv[0]);
    return 2;
  }
  if (mode == "--print") {
    std::printf("%s", smp_print(smp_decode({reinterpret_cast<const uint8_t*>(content.data()), content.size()})).c_str());
    return 0;
  }
  std::string error;
  auto parsed = smp_parse(content, &error);
  if (!parsed) {
    std::fprintf(stderr, "%s: %s\n", argv[2], error.c_str());
    return 2;
  }
  std::vector<uint8_t> bytes = smp_encode(*parsed);
  std::ofstream out(argv[3], std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out ? 0 : 2;
}

smp_program load(const std::string& path, bool* ok) {
  std::string content;
  *ok = read_input_file(path, content);
  if (fs::path(path).extension() == ".txt") {
    std::string error;
    auto parsed = smp_parse(content, &error);
    if (!parsed) std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
    *ok = *ok && parsed.has_value();
    return parsed ? *parsed : smp_program{};
  }
  return smp_decode({reinterpret_cast<const uint8_t*>(content.data()), content.size()});
}

// PCT over seeds 1..runs (interrupts from a PRNG of the same seed), k measured
// by one run that never preempts; stops at the first run that reports.
int search_pct(unsigned long runs, unsigned depth, const smp_program& p) {
  smp_run_options options = smp_harness_options(labyrinth::sink_mode::collect);
  labyrinth::fi::quiet_source quiet;
  unsigned tasks = p.cpus + (p.kswapd ? 1 : 0);
  uint64_t k = 0;
  {
    labyrinth::preemption_bounded never(quiet, 0);
    never.start();
    options.strategy = &never;
    k = run_smp(p, options).sched.points;
  }
  std::printf("%s\n", labyrinth::pct_strategy::describe(tasks, k, depth).c_str());
  for (unsigned long seed = 1; seed <= runs; ++seed) {
    labyrinth::pct_strategy pct(quiet, seed, depth, k);
    options.strategy = &pct;
    smp_run_result r = run_smp(p, options);
    if (r.bug_count() == 0) continue;
    std::printf("PCT seed %lu reports (run %lu of %lu):\n%s\n", seed, seed, runs, describe(p, r).c_str());
    return 1;
  }
  std::printf("PCT: %lu runs, no report\n", runs);
  return 0;
}

// Depth-first enumeration with at most `bound` preemptions (no interrupts).
int search_dfs(unsigned bound, const smp_program& p) {
  smp_run_options options = smp_harness_options(labyrinth::sink_mode::collect);
  options.faults = labyrinth::fi::fault_config{};
  labyrinth::fi::quiet_source quiet;
  labyrinth::preemption_bounded search(quiet, bound);
  options.strategy = &search;
  search.start();
  for (unsigned long run = 0; run < 10000000; ++run) {
    smp_run_result r = run_smp(p, options);
    if (r.bug_count() > 0) {
      std::printf("schedule %s (%llu explored) reports:\n%s\n", search.last_schedule().c_str(),
                  static_cast<unsigned long long>(search.schedules_run() + 1), describe(p, r).c_str());
      return 1;
    }
    if (!search.next()) break;
  }
  std::printf("preemption bound %u: %llu schedules, no report\n", bound,
              static_cast<unsigned long long>(search.schedules_run()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && (std::string(argv[1]) == "--encode" || std::string(argv[1]) == "--print"))
    return encode_or_print(argc, argv);
  if (argc >= 2 && (std::string(argv[1]) == "--pct" || std::string(argv[1]) == "--dfs")) {
    bool pct = std::string(argv[1]) == "--pct";
    if ((pct && (argc != 6 || std::string(argv[3]) != "--depth")) || (!pct && argc != 4)) {
      std::fprintf(stderr, "usage: %s --pct RUNS --depth D INPUT | --dfs K INPUT\n", argv[0]);
      return 2;
    }
    bool ok = false;
    smp_program p = load(argv[argc - 1], &ok);
    if (!ok) return 2;
    if (pct) return search_pct(std::strtoul(argv[2], nullptr, 10), static_cast<unsigned>(std::atoi(argv[4])), p);
    return search_dfs(static_cast<unsigned>(std::atoi(argv[2])), p);
  }
  return replay_command_line(argc, argv, "smp", "replays inputs of harness 'smp'", replay_one);
}
