// Goal: for ANY byte string and every harness layout, decoding never fails
// and decode -> print -> parse -> encode -> decode is the identity on
// programs.  Method: rapidcheck properties over arbitrary byte vectors
// (RC_PARAMS=seed=N reproduces a failure).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "fuzz/decoder.h"
#include "fuzz/encoder.h"
#include "fuzz/harness.h"
#include "fuzz/parser.h"
#include "fuzz/printer.h"

namespace labyrinth::fuzz {
namespace {

RC_GTEST_PROP(codec_property, any_bytes_round_trip, (const std::vector<uint8_t>& bytes, unsigned harness_index)) {
  const harness& h = harnesses()[harness_index % harnesses().size()];
  program p = decode(bytes, h.program_layout);
  RC_ASSERT(program_problem(p, h.program_layout) == "");
  std::string text = print_program(p, h.program_layout);
  parse_result parsed = parse_program(text, h.program_layout);
  RC_ASSERT(parsed.error == "");
  RC_ASSERT(parsed.value == p);
  RC_ASSERT(print_program(parsed.value, h.program_layout) == text);
  encode_result encoded = encode(parsed.value, h.program_layout);
  RC_ASSERT(encoded.error == "");
  RC_ASSERT(decode(encoded.bytes, h.program_layout) == p);
}

}  // namespace
}  // namespace labyrinth::fuzz
