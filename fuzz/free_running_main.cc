// The plain main of fuzz_smp_free (any compiler, no libFuzzer):
//
//   fuzz_smp_free FILE...        replay inputs (operation choices, not the
//                                interleaving: see fuzz_smp_free.cc)
//   fuzz_smp_free [--cpus N] [--ops N] [--seed S] [--runs R]
//                 [--interrupt-percent P] [--shared-injector]
//                                the free-running stress, R runs with seeds
//                                S, S+1, ...; prints each run's counts and
//                                operations per second, then the median.
//
// Exit status: 0 clean, 1 a run or input reported a bug (the reports are
// printed), 2 usage error.  Under ThreadSanitizer a data race also ends the
// process (TSAN_OPTIONS=halt_on_error=1) with TSan's own exit code.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/free_running.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: fuzz_smp_free FILE...\n"
               "       fuzz_smp_free [--cpus N] [--ops N] [--seed S] [--runs R] [--interrupt-percent P] "
               "[--shared-injector]\n");
  return 2;
}

bool parse_number(const char* text, uint64_t* out) {
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (!*text || *end) return false;
  *out = value;
  return true;
}

int replay(const std::vector<std::string>& files) {
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "fuzz_smp_free: cannot read %s\n", file.c_str());
      return 2;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());  // aborts on a report
    std::printf("fuzz_smp_free: %s: clean\n", file.c_str());
  }
  return 0;
}

int stress(labyrinth::free_running_config config, uint64_t runs) {
  std::vector<double> rates;
  for (uint64_t run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    labyrinth::free_running_result result = labyrinth::run_free_running(config);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double rate = seconds > 0 ? static_cast<double>(result.operations) / seconds : 0;
    rates.push_back(rate);
    std::printf("fuzz_smp_free: seed %llu: %s; %.3f s, %.0f operations/s\n",
                static_cast<unsigned long long>(config.seed), result.summary().c_str(), seconds, rate);
    if (result.bug_count > 0 || result.halted) {
      for (const labyrinth::report& r : result.reports) std::fprintf(stderr, "%s\n", r.text().c_str());
      return 1;
    }
    ++config.seed;
  }
  std::sort(rates.begin(), rates.end());
  std::printf("fuzz_smp_free: median %.0f operations/s over %zu runs (%u CPUs, %llu operations each)\n",
              rates[rates.size() / 2], rates.size(), config.cpus,
              static_cast<unsigned long long>(config.operations_per_cpu));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  labyrinth::free_running_config config;
  uint64_t runs = 1;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    uint64_t value = 0;
    auto number = [&](uint64_t* out) { return i + 1 < argc && parse_number(argv[++i], out); };
    if (arg == "--cpus" && number(&value) && value >= 2 && value <= 16) {
      config.cpus = static_cast<unsigned>(value);
    } else if (arg == "--ops" && number(&value) && value > 0) {
      config.operations_per_cpu = value;
    } else if (arg == "--seed" && number(&value)) {
      config.seed = value;
    } else if (arg == "--runs" && number(&value) && value > 0 && value <= 1000) {
      runs = value;
    } else if (arg == "--interrupt-percent" && number(&value) && value <= 100) {
      config.interrupt_percent = static_cast<unsigned>(value);
    } else if (arg == "--shared-injector") {
      config.shared_injector = true;
    } else if (arg.rfind("--", 0) == 0 || arg.rfind("-", 0) == 0) {
      return usage();
    } else {
      files.push_back(arg);
    }
  }
  if (!files.empty()) return replay(files);
  return stress(config, runs);
}
