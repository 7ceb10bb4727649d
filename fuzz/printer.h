// The printer: a program as readable text, one operation per line in kernel
// vocabulary, nested sections indented.  parser.h reads the same text back.
//
//   config pcp=trylock world=small rx_order=0
//   task:
//     alloc slot=3 GFP_KERNEL|__GFP_ZERO order=2
//     spin_lock_irqsave lock=tx_lock
//       alloc slot=4 GFP_ATOMIC order=0
//     spin_unlock_irqrestore lock=tx_lock
//   hardirq[0]:
//     free slot=1
//   ...
//   decisions: 00*16 ff 3c
//
// Decision bytes are hex in the order the decision source reads them; "b*n"
// repeats byte b n times.
#pragma once

#include <string>

#include "fuzz/program.h"

namespace labyrinth::fuzz {

// One operation, without indentation: "alloc slot=3 GFP_KERNEL order=2".
std::string format_op(const op& o);
// The whole program; handler lists only when the layout has them, the
// decisions line only when the layout has decisions and there are some.
std::string print_program(const program& p, const layout& l);
// The decision bytes as the printer writes them ("00*16 ff 3c"), wrapped
// every 32 entries into several "decisions:" lines.
std::string format_decisions(const std::vector<uint8_t>& decisions);

}  // namespace labyrinth::fuzz
