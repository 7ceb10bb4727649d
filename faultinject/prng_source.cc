#include "faultinject/prng_source.h"

namespace labyrinth::fi {
namespace {

uint64_t splitmix64_next(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ull;
  uint64_t mixed = state;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ull;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebull;
  return mixed ^ (mixed >> 31);
}

uint64_t rotate_left(uint64_t value, unsigned shift) {
  return (value << shift) | (value >> (64 - shift));
}

// Draws above this many rejections fall back to plain modulo: with a 64-bit
// draw and a 32-bit bound a rejection has probability below 2^-32, so the
// fallback is never reached in practice but the loop stays bounded.
constexpr unsigned rejection_limit = 64;

}  // namespace

prng_source::prng_source(uint64_t seed) : seed_(seed) {
  uint64_t mixer = seed;
  for (uint64_t& word : state_) word = splitmix64_next(mixer);
}

uint64_t prng_source::next() {
  const uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
  const uint64_t shifted = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= shifted;
  state_[3] = rotate_left(state_[3], 45);
  return result;
}

uint32_t prng_source::below(uint32_t bound) {
  if (bound <= 1) return 0;
  // Reject the lowest (2^64 mod bound) values so that the rest divide evenly.
  const uint64_t threshold = (0 - uint64_t{bound}) % bound;
  uint64_t draw = next();
  for (unsigned attempt = 0; attempt < rejection_limit && draw < threshold; ++attempt) {
    draw = next();
  }
  return static_cast<uint32_t>(draw % bound);
}

uint32_t prng_source::decide(const decision_request& request) { return below(request.bound); }

}  // namespace labyrinth::fi
