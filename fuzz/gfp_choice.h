// The gfp flags a correct client may pass, and how two decoder bytes choose
// them.  A correct client:
//  - never blocks in atomic context: there a blocking family is replaced by
//    its atomic counterpart (GFP_KERNEL, GFP_USER, GFP_HIGHUSER_MOVABLE,
//    GFP_KERNEL_ACCOUNT -> GFP_ATOMIC; GFP_NOFS, GFP_NOIO -> GFP_NOWAIT),
//    keeping the zone and __GFP_ZERO, __GFP_NOWARN, __GFP_MEMALLOC and
//    __GFP_NOMEMALLOC, dropping the reclaim modifiers, __GFP_HIGH and
//    __GFP_NOFAIL;
//  - asks __GFP_NOFAIL only of a blocking family with order <= 1 (and then
//    without __GFP_NORETRY): the kernel WARNs otherwise;
//  - never combines __GFP_DMA32 with __GFP_HIGHMEM (GFP_ZONE_BAD).
//
// Raw bytes: b0 bits 0-2 family, bit 3 __GFP_DMA32, bits 4-7 the common
// modifiers __GFP_ZERO, __GFP_NOWARN, __GFP_NORETRY, __GFP_HIGH; b1 % 8 picks
// at most one rare modifier: 4 __GFP_NOFAIL, 5 __GFP_RETRY_MAYFAIL,
// 6 __GFP_MEMALLOC, 7 __GFP_NOMEMALLOC, else none.
#pragma once

#include <cstdint>
#include <optional>

#include "alloc/gfp.h"

namespace labyrinth::fuzz {

// The gfp a correct client passes for these raw bytes, order and context.
gfp_t gfp_from_raw(uint16_t raw, unsigned order, bool atomic);
// Raw bytes that gfp_from_raw turns into `gfp` in this situation, or nullopt
// when a correct client would not pass `gfp` here.
std::optional<uint16_t> gfp_to_raw(gfp_t gfp, unsigned order, bool atomic);
// Why `gfp` is not what a correct client passes here ("" if it is).
const char* gfp_problem(gfp_t gfp, unsigned order, bool atomic);

}  // namespace labyrinth::fuzz
