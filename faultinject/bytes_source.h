// A decision source reading a fuzz input: each answer takes only as many bits
// as its bound needs (ceil(log2(bound))), least significant bit first, and is
// that value modulo the bound.  Once a question needs more bits than remain,
// the input is exhausted and every answer from then on is the request's quiet
// one: running out of input is normal and uneventful, never an error.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "faultinject/decision.h"

namespace labyrinth::fi {

// Bits an answer in [0, bound) takes: ceil(log2(bound)); 0 for bound <= 1.
unsigned bits_for_bound(uint32_t bound);

class bytes_source final : public decision_source {
 public:
  // Copies the bytes: the source does not depend on the caller's buffer.
  explicit bytes_source(std::span<const uint8_t> bytes);

  uint32_t decide(const decision_request& request) override;
  const char* name() const override { return "bytes"; }

  uint64_t bits_consumed() const { return bit_position_; }
  uint64_t bits_remaining() const { return bytes_.size() * 8 - bit_position_; }
  bool exhausted() const { return exhausted_; }

 private:
  uint32_t read_bits(unsigned count);

  std::vector<uint8_t> bytes_;
  uint64_t bit_position_ = 0;
  bool exhausted_ = false;
};

}  // namespace labyrinth::fi
