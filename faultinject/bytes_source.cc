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

// The next `count` (at most 32) bits, least significant first within each
// byte: the bytes they span (at most five) gathered into one word, then
// shifted and masked, instead of a loop per bit (asked at every interrupt
// point and fault site).  The caller has checked that enough bits remain.
uint32_t bytes_source::read_bits(unsigned count) {
  if (count == 0) return 0;
  const size_t first = bit_position_ / 8;
  const size_t last = (bit_position_ + count - 1) / 8;
  uint64_t window = 0;
  for (size_t i = first; i <= last; ++i) window |= uint64_t(bytes_[i]) << (8 * (i - first));
  const uint64_t value = (window >> (bit_position_ % 8)) & ((uint64_t(1) << count) - 1);
  bit_position_ += count;
  return static_cast<uint32_t>(value);
}

}  // namespace labyrinth::fi
