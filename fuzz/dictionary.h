// A libFuzzer dictionary for a harness, generated from the op tables so it
// can never disagree with the decoder: END, every operation's opcode with
// zero arguments (per context, as the opcode tables differ), and the raw gfp
// choices (families and rare modifiers).  fuzz/fuzz_<name>.dict holds its
// output (`labyrinth-program dict --harness <name>`); the corpus tests check
// that the committed files are current.
#pragma once

#include <string>

#include "fuzz/harness.h"

namespace labyrinth::fuzz {

std::string dictionary(const harness& h);

}  // namespace labyrinth::fuzz
