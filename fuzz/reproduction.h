// Reproduction output: what a reader of a failing run needs, in order: the
// kernel-style reports, the world's log, the readable program (to save as a
// scenario), the execution up to the failing step with the context of each
// step (nested handler steps indented), and the decision trace (interrupts
// delivered, faults injected, every question with its answer).
#pragma once

#include <string>

#include "fuzz/program.h"
#include "fuzz/runtime.h"

namespace labyrinth::fuzz {

// "#12   task    pc=0  op 5   task[3] alloc slot=3 GFP_KERNEL order=2 -> pfn:00400",
// one line per step up to and including step `last` (all if last < 0).
std::string format_steps(const program& p, const run_result& r, long last = -1);
std::string format_reproduction(const program& p, const run_result& r, const layout& l);

}  // namespace labyrinth::fuzz
