// The total decoder: every byte string is a valid program.
//
// Input layout (the encoder writes exactly this):
//
//   [header] [task ops ...] [hardirq[0] ops] [hardirq[1]] [softirq[0]] [softirq[1]] [nmi] | [decisions, reversed]
//   ^ front: the program, read forwards                                                      back: read backwards ^
//
// - header: one byte (program.h: pcp discipline, RX buffer order, world size).
// - Each list is read until an END opcode, its capacity, or the end of the
//   input.  An operation is an opcode byte followed by its argument bytes
//   (op.h gives how many).  The opcode is (byte & 63): values 60..63 are END;
//   0..59 index a table built from the op weights of the harness's op set and
//   the list's context (so handler lists spend no bytes on task-only
//   operations).  The top two bits are ignored.
// - An operation a correct client may not do in the list's current state
//   (program.h section_state) is dropped, its bytes consumed; `end` becomes
//   the closer of the innermost open section; when the list would not fit
//   its capacity any more, or the input or END ends it, the decoder appends
//   the closers of the sections still open.  An alloc's gfp is made correct
//   for the context (gfp_choice.h).  Missing argument bytes read as 0.
// - The bytes after the last list are the decision bytes, read from the END
//   of the input backwards: growing or shrinking the program shifts where the
//   decisions stop, not what they say, so a mutation on one side leaves the
//   other alone.  A harness without decisions ignores them.
//
// Deterministic, never throws, bounded: at most 4 * capacity opcode bytes are
// read per list, and the program is at most 64 + 5 * 8 operations.
#pragma once

#include <cstdint>
#include <span>

#include "fuzz/program.h"

namespace labyrinth::fuzz {

inline constexpr unsigned opcode_values = 60;  // 60..63 are END
inline constexpr uint8_t opcode_end = 63;

program decode(std::span<const uint8_t> bytes, const layout& l);
// The same into `out`, whose buffers are reused (a fuzz harness decodes every
// input into one program: no allocation per input once they have grown).
// Nothing of what `out` held before survives.
void decode_into(std::span<const uint8_t> bytes, const layout& l, program& out);

// The opcode table of an op set and context: opcode value -> operation.
op_code opcode_operation(op_set set, context_base base, unsigned value);
// The first opcode value naming `code` in that table (closers: `end`'s), or
// -1 if the operation is not in the table.
int opcode_value(op_set set, context_base base, op_code code);

}  // namespace labyrinth::fuzz
