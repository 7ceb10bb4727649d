// The plain replay main linked with every harness (any compiler, no
// libFuzzer): replays inputs and prints, for each that reports, the
// kernel-style report, the readable program, the execution up to the failing
// step with the context of each step, and the decision trace.
//
//   fuzz_<name> [--verbose] [--quiet] FILE|DIR...
//
// A DIR replays its regular files in name order, skipping README.md and
// *.txt, *.dict, *.options (the readable scenarios and metadata beside the
// inputs).  A FILE ending in .txt is read as a readable program (parser.h)
// instead of bytes.  Arguments of libFuzzer's form -name=value are ignored
// (with a note), so scripts may call a replay binary like a fuzzer.
// Exit status: 0 all clean, 1 some input reported a bug, 2 usage or I/O error.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/decoder.h"
#include "fuzz/harness.h"
#include "fuzz/parser.h"
#include "fuzz/printer.h"
#include "fuzz/reproduction.h"

extern "C" const char* labyrinth_harness_name();

namespace {

namespace fs = std::filesystem;
using namespace labyrinth::fuzz;

bool skipped_in_directory(const fs::path& path) {
  std::string name = path.filename().string();
  std::string ext = path.extension().string();
  return name == "README.md" || ext == ".txt" || ext == ".dict" || ext == ".options" || name.empty() || name[0] == '.';
}

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

struct replay_counts {
  unsigned inputs = 0, reported = 0, errors = 0;
};

void replay_one(const harness& h, const fs::path& path, bool verbose, bool quiet, replay_counts& counts) {
  std::string content;
  if (!read_file(path, content)) {
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
  bool verbose = false, quiet = false;
  std::vector<fs::path> paths;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "-h" || arg == "--help") {
      std::printf("usage: %s [--verbose] [--quiet] FILE|DIR...\nreplays inputs of harness '%s' (%s)\n", argv[0],
                  h->name, h->description);
      return 0;
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-' && arg.find('=') != std::string::npos) {
      std::fprintf(stderr, "replay: ignoring libFuzzer flag %s (this is the plain replay binary)\n", arg.c_str());
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::fprintf(stderr, "replay: unknown option %s (see --help)\n", arg.c_str());
      return 2;
    } else {
      paths.emplace_back(arg);
    }
  }
  if (paths.empty()) {
    std::fprintf(stderr, "usage: %s [--verbose] [--quiet] FILE|DIR...\n", argv[0]);
    return 2;
  }
  replay_counts counts;
  for (const fs::path& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(path, error))
        if (entry.is_regular_file() && !skipped_in_directory(entry.path())) files.push_back(entry.path());
      if (error) {
        std::fprintf(stderr, "%s: cannot list %s: %s\n", h->name, path.c_str(), error.message().c_str());
        ++counts.errors;
        continue;
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) replay_one(*h, file, verbose, quiet, counts);
    } else if (fs::exists(path, error)) {
      replay_one(*h, path, verbose, quiet, counts);
    } else {
      std::fprintf(stderr, "%s: no such file or directory: %s\n", h->name, path.c_str());
      ++counts.errors;
    }
  }
  std::printf("%s: replayed %u input(s): %u with bug reports, %u error(s)\n", h->name, counts.inputs, counts.reported,
              counts.errors);
  if (counts.errors) return 2;
  return counts.reported ? 1 : 0;
}
