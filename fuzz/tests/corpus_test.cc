// Goal: the seed corpus stays true to its readable sources.  Method: for
// every corpus/<harness>/<name>.txt, parse it with the harness's layout,
// encode it, and compare with <name>.bin byte for byte; every .bin has its
// .txt; every seed replays without a bug report; the dictionaries are
// what the generator writes today.  (Regression inputs are
// replayed by the corpus_regressions_<harness> tests.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/decoder.h"
#include "fuzz/dictionary.h"
#include "fuzz/encoder.h"
#include "fuzz/harness.h"
#include "fuzz/parser.h"
#include "fuzz/reproduction.h"
#include "fuzz/runtime.h"

namespace labyrinth::fuzz {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class corpus : public ::testing::TestWithParam<const char*> {};

TEST_P(corpus, seeds_match_their_text_and_replay_clean) {
  const harness& h = *find_harness(GetParam());
  fs::path dir = fs::path(LABYRINTH_CORPUS_DIR) / h.name;
  ASSERT_TRUE(fs::is_directory(dir)) << "expected the seed directory " << dir;
  unsigned seeds = 0;
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(dir)) entries.push_back(entry.path());
  std::sort(entries.begin(), entries.end());
  for (const fs::path& path : entries) {
    if (path.extension() == ".bin") {
      EXPECT_TRUE(fs::exists(fs::path(path).replace_extension(".txt")))
          << path << " has no readable source beside it (expected " << fs::path(path).replace_extension(".txt") << ")";
      continue;
    }
    if (path.extension() != ".txt") continue;
    ++seeds;
    parse_result parsed = parse_program(read_all(path), h.program_layout);
    ASSERT_TRUE(parsed.ok()) << path << ":" << parsed.error;
    encode_result encoded = encode(parsed.value, h.program_layout);
    ASSERT_TRUE(encoded.ok()) << path << ": " << encoded.error;
    fs::path bin = fs::path(path).replace_extension(".bin");
    ASSERT_TRUE(fs::exists(bin)) << "expected " << bin << " beside " << path
                                 << " (labyrinth-program encode --harness " << h.name << " " << path << " -o " << bin << ")";
    std::string bytes = read_all(bin);
    EXPECT_EQ(bytes, std::string(encoded.bytes.begin(), encoded.bytes.end()))
        << bin << " no longer equals encode(parse(" << path.filename() << ")): re-encode it with\n  labyrinth-program encode --harness "
        << h.name << " " << path << " -o " << bin;
    program decoded = decode({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, h.program_layout);
    EXPECT_EQ(decoded, parsed.value) << bin << " decodes to another program than its text";
    run_result r = run(decoded, harness_options(h, sink_mode::collect));
    EXPECT_TRUE(r.clean()) << bin << " reports on the correct model:\n" << format_reproduction(decoded, r, h.program_layout);
  }
  EXPECT_GT(seeds, 0u) << "no seeds in " << dir;
}

TEST_P(corpus, dictionary_is_current) {
  const harness& h = *find_harness(GetParam());
  fs::path dict = fs::path(LABYRINTH_FUZZ_DIR) / (std::string("fuzz_") + h.name + ".dict");
  EXPECT_EQ(read_all(dict), dictionary(h)) << dict << " is stale: regenerate it with\n  labyrinth-program dict --harness "
                                           << h.name << " > " << dict;
}

INSTANTIATE_TEST_SUITE_P(harnesses, corpus, ::testing::Values("ops", "irq", "faults", "client"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace labyrinth::fuzz
