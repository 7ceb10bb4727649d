// A seeded pseudo-random decision source: the Linux-style random fault
// injection (probability=P) a user would otherwise run, kept as a baseline.
// xoshiro256** seeded through splitmix64; answers are uniform below the bound
// (rejection sampling, bounded).  The seed is the reproducer: no
// std::random_device, no clock, no global state.
#pragma once

#include <array>
#include <cstdint>

#include "faultinject/decision.h"

namespace labyrinth::fi {

class prng_source final : public decision_source {
 public:
  explicit prng_source(uint64_t seed);

  uint32_t decide(const decision_request& request) override;
  const char* name() const override { return "prng"; }

  uint64_t seed() const { return seed_; }
  // The next raw 64-bit output of xoshiro256**.
  uint64_t next();
  // Uniform in [0, bound) for bound >= 1.
  uint32_t below(uint32_t bound);

 private:
  uint64_t seed_;
  std::array<uint64_t, 4> state_{};
};

}  // namespace labyrinth::fi
