#include "faultinject/bytes_source.h"

namespace labyrinth::fi {

unsigned bits_for_bound(uint32_t bound) {
  unsigned bits = 0;
  // Smallest bits with 2^bits >= bound; at most 32 iterations.
  while (bits < 32 && (uint64_t{1} << bits) < bound) ++bits;
  return bits;
}

bytes_source::bytes_source(std::span<const uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}

uint32_t bytes_source::decide(const decision_request& request) {
  const unsigned bits = bits_for_bound(request.bound);
  if (bits == 0) return 0;
  if (exhausted_ || bits > bits_remaining()) {
    exhausted_ = true;
    return request.quiet;
  }
  return read_bits(bits) % request.bound;
}

uint32_t bytes_source::read_bits(unsigned count) {
  uint32_t value = 0;
  for (unsigned bit = 0; bit < count; ++bit) {
    const uint8_t byte = bytes_[bit_position_ / 8];
    const uint32_t bit_value = (byte >> (bit_position_ % 8)) & 1u;
    value |= bit_value << bit;
    ++bit_position_;
  }
  return value;
}

}  // namespace labyrinth::fi
