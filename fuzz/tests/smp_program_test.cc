// fuzz_smp's programs: the total decoder, encoder, printer and parser agree;
// the corpus seeds are their .txt encoded and replay clean; a run replays
// exactly from its recorded trace.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "faultinject/prng_source.h"
#include "fuzz/smp_program.h"

namespace labyrinth::fuzz {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> random_bytes(uint64_t seed, size_t size) {
  fi::prng_source prng(seed);
  std::vector<uint8_t> bytes(size);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(prng.next());
  return bytes;
}

TEST(smp_program, decode_encode_print_parse_agree) {
  // Goal: for any bytes, decode is total and canonical: encode(decode(x))
  // decodes to the same program, and the printed program parses back to it.
  // Method: 300 PRNG byte strings (seeds 1..300) of varied length.
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    std::vector<uint8_t> bytes = random_bytes(seed, seed % 200);
    smp_program p = smp_decode(bytes);
    EXPECT_EQ(smp_decode(smp_encode(p)), p) << "seed " << seed << ":\n" << smp_print(p);
    std::string error;
    auto parsed = smp_parse(smp_print(p), &error);
    ASSERT_TRUE(parsed.has_value()) << "seed " << seed << ": " << error << "\n" << smp_print(p);
    EXPECT_EQ(*parsed, p) << "seed " << seed;
  }
}

TEST(smp_program, parse_errors_name_the_line) {
  // Goal: a bad program is refused with its line number and what was expected.
  std::string error;
  EXPECT_FALSE(smp_parse("smp cpus=4 pcp=trylock kswapd=no\ncpu 0: alloc slot=9 order=0 gfp=kernel\n", &error));
  EXPECT_EQ(error, "line 2: 'alloc slot=9 order=0 gfp=kernel': slot=0..7 needed");
  EXPECT_FALSE(smp_parse("smp cpus=9 pcp=trylock kswapd=no\n", &error));
  EXPECT_EQ(error.substr(0, 7), "line 1:");
}

TEST(smp_program, corpus_seeds_are_their_text_and_replay_clean) {
  // Goal: every corpus/smp/*.bin equals encode(parse(its .txt)), and every
  // seed runs clean on the correct model with a schedule of several CPUs.
  unsigned seeds = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(LABYRINTH_CORPUS_DIR) / "smp")) {
    if (entry.path().extension() != ".txt") continue;
    ++seeds;
    fs::path bin = entry.path();
    bin.replace_extension(".bin");
    std::string error;
    auto parsed = smp_parse(read_file(entry.path()), &error);
    ASSERT_TRUE(parsed.has_value()) << entry.path() << ": " << error;
    std::string bytes = read_file(bin);
    std::vector<uint8_t> expected = smp_encode(*parsed);
    EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()), expected)
        << bin << " is not the encoding of its .txt (fuzz_smp --encode " << entry.path().filename() << " ...)";
    smp_run_result r = run_smp(*parsed, smp_harness_options(sink_mode::collect));
    std::string reports;
    for (const report& each : r.reports) reports += each.text();
    EXPECT_TRUE(r.clean()) << entry.path() << ":\n" << reports;
    EXPECT_GT(r.sched.switches, 0u) << entry.path() << ": expected the CPUs to interleave";
  }
  EXPECT_GE(seeds, 4u);
}

TEST(smp_program, random_programs_are_clean_and_replay_exactly) {
  // Goal: random programs (both disciplines, 4..7 CPUs, kswapd or not) are
  // silent on the correct model, and each run replays from its trace with the
  // same schedule and statistics.  Method: 40 PRNG byte strings.
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    smp_program p = smp_decode(random_bytes(1000 + seed, 240));
    smp_run_result first = run_smp(p, smp_harness_options(sink_mode::collect));
    std::string reports;
    for (const report& each : first.reports) reports += each.text();
    ASSERT_TRUE(first.clean()) << "seed " << seed << ":\n" << reports << smp_print(p);
    smp_run_options options = smp_harness_options(sink_mode::collect);
    options.replay = &first.trace;
    smp_run_result again = run_smp(p, options);
    EXPECT_EQ(again.replay_problem, "") << "seed " << seed;
    EXPECT_EQ(again.sched.schedule, first.sched.schedule) << "seed " << seed;
    EXPECT_EQ(again.stats.allocations, first.stats.allocations) << "seed " << seed;
    EXPECT_EQ(again.stats.interrupts[0], first.stats.interrupts[0]) << "seed " << seed;
  }
}

}  // namespace
}  // namespace labyrinth::fuzz
