// rapidcheck generators shared by the properties: GFP masks of every family,
// allocation orders, and where an operation runs.
#pragma once

#include <rapidcheck.h>

#include <ostream>
#include <vector>

#include "alloc/gfp.h"
#include "alloc/world.h"
#include "props/allocator_model.h"

namespace labyrinth::props {

// Every GFP family the kernel's callers use, with the reserve-related
// modifiers; __GFP_NOFAIL only with blocking families (the kernel WARNs otherwise).
const std::vector<gfp_t>& gfp_families();
// A family with random __GFP_ZERO, __GFP_NOWARN and __GFP_DMA32 (never with __GFP_HIGHMEM).
rc::Gen<gfp_t> gen_gfp();
// The families without __GFP_DIRECT_RECLAIM, with the same modifiers.
rc::Gen<gfp_t> gen_nonblocking_gfp();
// Orders 0..MAX_PAGE_ORDER, weighted towards the small ones.
rc::Gen<unsigned> gen_order();

operation_class class_of(gfp_t gfp);
// A place where an operation of class `what` may run (where_allowed holds).
rc::Gen<where> gen_where(operation_class what);

}  // namespace labyrinth::props

namespace labyrinth {
// How rapidcheck prints a generated discipline in a counterexample.
inline void showValue(pcp_discipline discipline, std::ostream& os) { os << pcp_discipline_name(discipline); }
}  // namespace labyrinth
