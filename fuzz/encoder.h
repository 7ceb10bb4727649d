// The encoder: a program back into bytes that decode() turns into the same
// program (decoder.h describes the layout).  Only correct programs have an
// encoding: encode() checks program_problem() first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/program.h"

namespace labyrinth::fuzz {

struct encode_result {
  std::vector<uint8_t> bytes;
  std::string error;  // empty when ok
  bool ok() const { return error.empty(); }
};

// Trailing END bytes are left out when no decision bytes follow (the end of
// the input ends every list).
encode_result encode(const program& p, const layout& l);

}  // namespace labyrinth::fuzz
