// The plain replay main linked with every harness (any compiler, no
// libFuzzer): replays inputs and prints, for each that reports, the
// kernel-style report, the readable program, the execution up to the failing
// step with the context of each step, and the decision trace.
//
//   fuzz_<name> [--verbose] [--quiet] FILE|DIR...   (replay_cli.h)
//
// A FILE ending in .txt is read as a readable program (parser.h) instead of
// bytes.
#include <cstdio>
#include <filesystem>
#include <string>

#include "fuzz/decoder.h"
#include "fuzz/harness.h"
#include "fuzz/parser.h"
#include "fuzz/printer.h"
#include "fuzz/replay_cli.h"
#include "fuzz/reproduction.h"

extern "C" const char* labyrinth_harness_name();

namespace {

namespace fs = std::filesystem;
using namespace labyrinth::fuzz;

void replay_one(const harness& h, const fs::path& path, bool verbose, bool quiet, replay_counts& counts) {
  std::string content;
  if (!read_input_file(path, content)) {
    std::fprintf(stderr, "%s: cannot read %s\n", h.name, path.c_str());
    ++counts.errors;
    return;
  }
  program p;
  if (path.extension() == ".txt") {
    parse_result parsed = parse_program(content, h.program_layout);
    if (!parsed.ok()) {
      std::fprintf(stderr, "%s:%s\n", path.c_str(), parsed.error.c_str() + 4);  // "line N: ..." -> "N: ..."
      ++counts.errors;
      return;
    }
    p = parsed.value;
  } else {
    p = decode({reinterpret_cast<const uint8_t*>(content.data()), content.size()}, h.program_layout);
  }
  ++counts.inputs;
  run_result r = run(p, harness_options(h, labyrinth::sink_mode::collect));
  if (r.bug_count() > 0) {
    ++counts.reported;
    std::printf("==== %s: %zu bug report(s) replaying %s\n%s\n", h.name, r.bug_count(), path.c_str(),
                format_reproduction(p, r, h.program_layout).c_str());
  } else if (verbose) {
    std::printf("==== %s: clean: %s\n%s\n", h.name, path.c_str(), format_reproduction(p, r, h.program_layout).c_str());
  } else if (!quiet) {
    std::printf("ok %s (%zu ops, %zu steps, %zu decisions%s)\n", path.c_str(), p.op_total(), r.steps.size(),
                r.trace.size(), r.halted ? ", halted by a verdict" : "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const harness* h = find_harness(labyrinth_harness_name());
  if (!h) {
    std::fprintf(stderr, "replay: unknown harness '%s'\n", labyrinth_harness_name());
    return 2;
  }
  std::string about = std::string("replays inputs of harness '") + h->name + "' (" + h->description + ")";
  return replay_command_line(argc, argv, h->name, about,
                             [h](const fs::path& path, bool verbose, bool quiet, replay_counts& counts) {
                               replay_one(*h, path, verbose, quiet, counts);
                             });
}
