// The parser: readable program text (printer.h) back into a program.  It
// accepts what the printer writes, plus comments ('#' to the end of the line),
// blank lines and any indentation; every list header may appear at most once
// and in any order; lists not mentioned are empty.  Every line is checked
// against the correct-client rules (program.h section_state), so a program
// that parses is one the decoder could have produced.  Errors name the line:
//   "line 7: spin_lock_irq with irqs already disabled (its unlock would enable them)"
#pragma once

#include <string>
#include <string_view>

#include "fuzz/program.h"

namespace labyrinth::fuzz {

struct parse_result {
  program value;
  std::string error;  // empty when ok
  bool ok() const { return error.empty(); }
};

parse_result parse_program(std::string_view text, const layout& l);

}  // namespace labyrinth::fuzz
