// bytes_source: bits taken per answer, bit order, modulo, exhaustion -> quiet.
#include <gtest/gtest.h>

#include <vector>

#include "faultinject/bytes_source.h"
#include "faultinject/injector.h"
#include "faultinject/tests/test_support.h"

namespace labyrinth::fi {
namespace {

decision_request request_with_bound(uint32_t bound, uint32_t quiet = 0) {
  decision_request request;
  request.bound = bound;
  request.quiet = quiet;
  return request;
}

TEST(bytes_source, bits_for_bound_is_ceil_log2) {
  // Goal: an answer takes ceil(log2(bound)) bits. Method: a table of bounds.
  const std::vector<std::pair<uint32_t, unsigned>> table = {
      {1, 0}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {99, 7}, {100, 7}, {128, 7}, {129, 8},
      {0x80000000u, 31}, {0x80000001u, 32}, {0xffffffffu, 32}};
  for (const auto& [bound, bits] : table) {
    EXPECT_EQ(bits_for_bound(bound), bits) << "bound " << bound;
  }
}

TEST(bytes_source, reads_least_significant_bit_first) {
  // Goal: exact bit consumption. Method: byte 0b1011'0101 read as 1, 2, 3 bits
  // then the last 2: 1 | 0b10 | 0b110 | 0b10.
  const std::vector<uint8_t> bytes = {0b1011'0101};
  bytes_source source(bytes);
  EXPECT_EQ(source.decide(request_with_bound(2)), 1u);
  EXPECT_EQ(source.bits_consumed(), 1u);
  EXPECT_EQ(source.decide(request_with_bound(4)), 2u);
  EXPECT_EQ(source.bits_consumed(), 3u);
  EXPECT_EQ(source.decide(request_with_bound(8)), 6u);
  EXPECT_EQ(source.bits_consumed(), 6u);
  EXPECT_EQ(source.decide(request_with_bound(3)), 2u) << "2 bits of 0b10, 2 mod 3";
  EXPECT_EQ(source.bits_remaining(), 0u);
  EXPECT_FALSE(source.exhausted()) << "every bit used, none missing yet";
}

TEST(bytes_source, answers_across_bytes_modulo_bound) {
  // Goal: a 7-bit answer spanning two bytes, reduced modulo the bound.
  // Method: bytes 0xff 0xff: 3 bits (7), then 7 bits = 127 -> 127 mod 100 = 27.
  const std::vector<uint8_t> bytes = {0xff, 0xff};
  bytes_source source(bytes);
  EXPECT_EQ(source.decide(request_with_bound(8)), 7u);
  EXPECT_EQ(source.decide(request_with_bound(100)), 27u);
  EXPECT_EQ(source.bits_consumed(), 10u);
}

TEST(bytes_source, wide_answers_match_a_bit_by_bit_reading) {
  // Goal: answers of every width up to 32 bits, at every bit offset, spanning
  // up to five bytes, read exactly as taking one bit at a time (LSB first in
  // each byte) would.  Method: fixed pseudo-random bytes, a cycle of bounds
  // 2^k (the answer is the k bits themselves), a reference reader.
  std::vector<uint8_t> bytes(64);
  uint32_t x = 12345;
  for (uint8_t& b : bytes) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>(x >> 16);
  }
  size_t position = 0;
  auto reference = [&](unsigned count) {
    uint64_t value = 0;
    for (unsigned bit = 0; bit < count; ++bit, ++position)
      value |= uint64_t((bytes[position / 8] >> (position % 8)) & 1u) << bit;
    return value;
  };
  bytes_source source(bytes);
  for (unsigned i = 0; position + 32 <= bytes.size() * 8; ++i) {
    const unsigned width = 1 + (i * 7) % 32;
    const uint32_t bound = width == 32 ? 0xffffffffu : (uint32_t(1) << width);
    const uint64_t expected = reference(bits_for_bound(bound)) % bound;
    ASSERT_EQ(source.decide(request_with_bound(bound)), expected) << "answer " << i << ", width " << width;
    ASSERT_EQ(source.bits_consumed(), position);
  }
}

TEST(bytes_source, bound_one_takes_no_bits) {
  const std::vector<uint8_t> bytes = {0xff};
  bytes_source source(bytes);
  EXPECT_EQ(source.decide(request_with_bound(1)), 0u);
  EXPECT_EQ(source.bits_consumed(), 0u);
}

TEST(bytes_source, exhaustion_gives_quiet_from_then_on) {
  // Goal: once a question needs more bits than remain, every later answer is
  // quiet, even one that would fit. Method: 1 byte: 7 bits, then 7 (1 left:
  // exhausted), then 1 bit.
  const std::vector<uint8_t> bytes = {0x00};
  bytes_source source(bytes);
  EXPECT_EQ(source.decide(request_with_bound(100, 99)), 0u);
  EXPECT_EQ(source.decide(request_with_bound(100, 99)), 99u);
  EXPECT_TRUE(source.exhausted());
  EXPECT_EQ(source.decide(request_with_bound(2, 1)), 1u) << "quiet, not the last bit";
  EXPECT_EQ(source.bits_consumed(), 7u);
}

TEST(bytes_source, empty_input_is_all_quiet) {
  bytes_source source(std::span<const uint8_t>{});
  EXPECT_EQ(source.decide(request_with_bound(100, 99)), 99u);
  EXPECT_EQ(source.decide(request_with_bound(3, 0)), 0u);
}

TEST(bytes_source, deterministic_and_independent_of_the_buffer) {
  // Goal: same bytes, same answers; the source keeps its own copy.
  // Method: two sources over one buffer, the buffer overwritten after construction.
  std::vector<uint8_t> bytes = {0x12, 0x34, 0x56, 0x78};
  bytes_source first(bytes);
  bytes_source second(bytes);
  bytes.assign(bytes.size(), 0);
  for (uint32_t bound : {3u, 100u, 2u, 7u, 5u}) {
    EXPECT_EQ(first.decide(request_with_bound(bound)), second.decide(request_with_bound(bound)));
  }
  EXPECT_EQ(bytes_source(std::vector<uint8_t>{0x12}).decide(request_with_bound(256)), 0x12u);
}

TEST(bytes_source, exhausted_input_never_fails_below_probability_100) {
  // Goal: the injector's draw is quiet 99, so an exhausted input fails nothing
  // with probability < 100 and everything at 100. Method: empty input.
  bytes_source source(std::span<const uint8_t>{});
  fault_config config;
  config[fault_site::reclaim] = testing::always_fail();
  config[fault_site::reclaim].probability = 99;
  config[fault_site::oom] = testing::always_fail();
  injector faults(config, source);
  EXPECT_EQ(testing::failing_calls(faults, fault_site::reclaim, 100).size(), 0u);
  EXPECT_EQ(testing::failing_calls(faults, fault_site::oom, 100).size(), 100u);
}

}  // namespace
}  // namespace labyrinth::fi
