// Bulk reads of the struct page array, for the checks that look at many
// pages at once: every page of a block at allocation (check_new_pages) and
// at free (the tail pages), and every page's flags at teardown.  Their loads
// carry no sanitizer checks (LABYRINTH_NO_SANITIZE, poison.h): under ASan a
// shadow check per field read was two thirds of check_new_pages on an
// order-10 block.  The caller bounds the range: these loops never leave it.
//
// Fields are read with the relaxed-load builtin on their own bytes (page.h
// asserts lockless<> has the plain value's layout): a sanitized
// lockless<>::load() is not inlined into an unsanitized function, and a call
// per field cost as much as the scan.
#pragma once

#include <cstdint>
#include <vector>

#include "alloc/page.h"

namespace labyrinth {

// The index of the first of pages [first, first + count) that someone holds
// or that sits on a list: any flag of `flag_mask` set, _refcount not 0, or
// _mapcount not -1.  `count` if none.
uint32_t first_page_in_use(const page* first, uint32_t count, uint32_t flag_mask);

// Clears the flags of pages [first, first + count) (a new block's tail
// pages: prep_new_page).
void clear_page_flags(page* first, uint32_t count);

// Appends to `out` the pfn of every page of [0, nr_pages) with any flag of
// `mask` (most pages have none of those the full walk looks for).
void pages_with_flags(const page* pages, uint32_t nr_pages, uint32_t mask, std::vector<uint32_t>& out);

}  // namespace labyrinth
