#include "fuzz/replay_cli.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

namespace labyrinth::fuzz {
namespace {

namespace fs = std::filesystem;

bool skipped_in_directory(const fs::path& path) {
  std::string name = path.filename().string();
  std::string ext = path.extension().string();
  return name == "README.md" || ext == ".txt" || ext == ".dict" || ext == ".options" || name.empty() || name[0] == '.';
}

void replay_path(const char* name, const fs::path& path, bool verbose, bool quiet, const replay_one_fn& replay_one,
                 replay_counts& counts) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path, error))
      if (entry.is_regular_file() && !skipped_in_directory(entry.path())) files.push_back(entry.path());
    if (error) {
      std::fprintf(stderr, "%s: cannot list %s: %s\n", name, path.c_str(), error.message().c_str());
      ++counts.errors;
      return;
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) replay_one(file, verbose, quiet, counts);
  } else if (fs::exists(path, error)) {
    replay_one(path, verbose, quiet, counts);
  } else {
    std::fprintf(stderr, "%s: no such file or directory: %s\n", name, path.c_str());
    ++counts.errors;
  }
}

}  // namespace

bool read_input_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

int replay_command_line(int argc, char** argv, const char* name, const std::string& about,
                        const replay_one_fn& replay_one) {
  bool verbose = false, quiet = false;
  std::vector<fs::path> paths;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "-h" || arg == "--help") {
      std::printf("usage: %s [--verbose] [--quiet] FILE|DIR...\n%s\n", argv[0], about.c_str());
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
  for (const fs::path& path : paths) replay_path(name, path, verbose, quiet, replay_one, counts);
  std::printf("%s: replayed %u input(s): %u with bug reports, %u error(s)\n", name, counts.inputs, counts.reported,
              counts.errors);
  if (counts.errors) return 2;
  return counts.reported ? 1 : 0;
}

}  // namespace labyrinth::fuzz
