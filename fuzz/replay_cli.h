// The command line every plain replay main shares (replay_main.cc for the
// program harnesses, smp_replay_main.cc for fuzz_smp):
//
//   <binary> [--verbose] [--quiet] FILE|DIR...
//
// A DIR replays its regular files in name order, skipping README.md, dot
// files and *.txt, *.dict, *.options (the readable scenarios and metadata
// beside the inputs).  Arguments of libFuzzer's form -name=value are ignored
// with a note, so scripts may call a replay binary like a fuzzer.  Exit
// status: 0 all clean, 1 some input reported a bug, 2 usage or I/O error.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace labyrinth::fuzz {

struct replay_counts {
  unsigned inputs = 0, reported = 0, errors = 0;
};

// Replays one input file: counts it (inputs, reported or errors) and prints
// its reproduction when it reports (or always with verbose; an "ok" line
// unless quiet).
using replay_one_fn = std::function<void(const std::filesystem::path& path, bool verbose, bool quiet,
                                         replay_counts& counts)>;

// The whole file into `out`; false if it cannot be opened or read.
bool read_input_file(const std::filesystem::path& path, std::string& out);

// Parses the command line, replays every FILE and DIR with `replay_one`,
// prints "<name>: replayed N input(s): ..." and returns the exit status.
// `about` is the second line of --help.
int replay_command_line(int argc, char** argv, const char* name, const std::string& about,
                        const replay_one_fn& replay_one);

}  // namespace labyrinth::fuzz
