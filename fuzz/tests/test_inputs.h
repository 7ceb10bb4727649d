// Deterministic inputs for the fuzz/ tests: a fixed-seed generator of byte
// strings (splitmix64), so every test run sees the same inputs and a failure
// names the seed that produced it.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "fuzz/printer.h"
#include "fuzz/program.h"

namespace labyrinth::fuzz::testing {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A byte string of length 0..max_length from `seed`.
inline std::vector<uint8_t> random_input(uint64_t seed, size_t max_length = 400) {
  uint64_t state = seed;
  size_t length = splitmix64(state) % (max_length + 1);
  std::vector<uint8_t> bytes(length);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(splitmix64(state));
  return bytes;
}

}  // namespace labyrinth::fuzz::testing

namespace labyrinth::fuzz {
// GoogleTest prints programs as their text (all lists, decisions in hex).
inline void PrintTo(const program& p, std::ostream* os) {
  *os << "\n" << print_program(p, layout{op_set::generic, true, true});
}
}  // namespace labyrinth::fuzz
