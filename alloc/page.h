// struct page and page_owner, as far as the model needs them.
//
// Simplifications (also in the README):
// - A page's contents are `page_bytes` bytes (default 64), not PAGE_SIZE:
//   enough for poisoning, __GFP_ZERO and use-after-free detection.
// - Flags are the model's own bit set with kernel names where one exists.
//   PG_pcp and PG_allocated are model bookkeeping the kernel derives from
//   other state (the page's list membership and its refcount).
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc/flat_array.h"
#include "alloc/gfp.h"
#include "alloc/lockless.h"

namespace labyrinth {

inline constexpr uint32_t PG_buddy = 1u << 0;           // head of a free buddy block (page type)
inline constexpr uint32_t PG_pcp = 1u << 1;             // on a per-CPU list (model)
inline constexpr uint32_t PG_allocated = 1u << 2;       // head of a live allocation (model)
inline constexpr uint32_t PG_anon_exclusive = 1u << 3;  // PageAnonExclusive
inline constexpr uint32_t PG_lru = 1u << 4;             // in the page cache, on the LRU
inline constexpr uint32_t PG_dirty = 1u << 5;           // page cache: needs __GFP_FS to reclaim
inline constexpr uint32_t PG_swapbacked = 1u << 6;      // page cache: needs __GFP_IO to reclaim
inline constexpr uint32_t PG_bad = 1u << 7;             // taken out of circulation by bad_page()
inline constexpr uint32_t PG_oom_victim = 1u << 8;      // memory of a process the OOM killer may kill
// Flags no page may carry when it is handed out (the kernel's
// PAGE_FLAGS_CHECK_AT_PREP, in the model's bits).
inline constexpr uint32_t PAGE_FLAGS_CHECK_AT_PREP = PG_buddy | PG_pcp | PG_lru | PG_anon_exclusive | PG_bad;

// Intrusive doubly linked list links: page frame numbers, or list head ids
// (values >= nr_pages name heads; see page_list.h).
struct list_links {
  uint32_t next = 0;
  uint32_t prev = 0;
};

// Which fields several CPUs touch at once (free-running mode): flags (a
// buddy merge reads a neighbour's PG_buddy while its owner changes its other
// flags; the kernel's page flags are atomic bitops), refcount and mapcount
// (atomic_t in the kernel: get_page/put_page from any CPU).  They are
// lockless<>: relaxed atomics, plain moves on x86.  order and the lru links
// are written by the page's owner or under the lock of the list it is on,
// and read by others only after seeing PG_buddy under zone->lock.
struct page {
  lockless<uint32_t> flags = 0;
  lockless<int32_t> refcount = 0;   // _refcount
  lockless<int32_t> mapcount = -1;  // _mapcount: -1 = unmapped
  uint8_t order = 0;      // buddy order when PG_buddy, allocation order when PG_allocated
  uint8_t zone = 0;       // zone index in the world
  uint16_t pad = 0;
  uint32_t mapped_mms = 0;  // bitmask of address spaces mapping it (model; mm id < 32)
  list_links lru;           // free list, pcp list or page cache LRU
};

// The page array is copied only while no other CPU runs (world::restore;
// free-running worlds are never restored), so its relaxed atomics may be
// copied as the bytes they are: lock-free std::atomic with the layout of the
// plain value.  One memcpy instead of a copy per page (flat_array.h).
template <>
inline constexpr bool copied_bitwise<page> = true;
static_assert(sizeof(lockless<uint32_t>) == sizeof(uint32_t) && sizeof(lockless<int32_t>) == sizeof(int32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free && std::atomic<int32_t>::is_always_lock_free,
              "struct page is copied bitwise: its lockless<> fields must be plain lock-free values");

// page_owner-style record (mm/page_owner.c): who allocated and freed it.
// (Fields ordered without padding holes: 40 bytes, copied per page by
// world::restore.)
struct page_owner {
  gfp_t gfp = 0;
  uint8_t order = 0;
  uint8_t cpu = 0;
  bool freed = false;
  uint32_t preempt_count = 0;
  uint32_t free_preempt_count = 0;
  uint64_t op_index = 0;
  uint64_t free_op_index = 0;
  uint64_t allocations = 0;  // how many times this head was handed out
};

}  // namespace labyrinth
