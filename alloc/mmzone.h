// Zones, free areas, watermarks and per-CPU page lists (include/linux/mmzone.h).
//
// Simplifications (also in the README):
// - Zone types DMA32 and NORMAL only (64-bit, no CONFIG_ZONE_DMA, no HIGHMEM,
//   no populated ZONE_MOVABLE); one node.
// - Migratetypes: the three per-CPU types (UNMOVABLE, MOVABLE, RECLAIMABLE)
//   are one list, MIGRATE_PCPTYPES_MERGED; MIGRATE_HIGHATOMIC is kept, so the
//   highatomic reserve behaves as in the kernel.  No anti-fragmentation
//   fallback stealing, no CMA, no isolation, no watermark boosting.
// - Zone sizes are multiples of a MAX_PAGE_ORDER block (1024 pages).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "alloc/lockless.h"
#include "alloc/spinlock.h"

namespace labyrinth {

inline constexpr unsigned MAX_PAGE_ORDER = 10;
inline constexpr unsigned NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
inline constexpr unsigned PAGE_ALLOC_COSTLY_ORDER = 3;
inline constexpr unsigned pageblock_order = 9;
inline constexpr uint32_t pageblock_nr_pages = 1u << pageblock_order;
inline constexpr unsigned PAGE_SHIFT = 12;  // for min_free_kbytes arithmetic
inline constexpr unsigned MAX_RECLAIM_RETRIES = 16;
inline constexpr unsigned SWAP_CLUSTER_MAX = 32;
inline constexpr unsigned PAGEVEC_SIZE = 31;  // a folio_batch's pages (release_pages' batch)

enum zone_type : uint8_t { ZONE_DMA32, ZONE_NORMAL, MAX_NR_ZONES };
const char* zone_type_name(zone_type type);

enum migratetype : uint8_t { MIGRATE_PCPTYPES_MERGED = 0, MIGRATE_HIGHATOMIC = 1, MIGRATE_TYPES = 2 };

enum zone_watermarks : uint8_t { WMARK_MIN, WMARK_LOW, WMARK_HIGH, NR_WMARK };

// sysctl_lowmem_reserve_ratio defaults, indexed by zone_type
inline constexpr long lowmem_reserve_ratio[MAX_NR_ZONES] = {256, 32};

struct free_area {
  std::array<uint32_t, MIGRATE_TYPES> free_list{};  // list head ids
  // Blocks on each list.  The kernel keeps only the total (nr_free) and asks
  // list_empty(); per-list counts keep the watermark check a pure function.
  // Written under zone->lock, read locklessly by the watermark checks (as
  // the kernel reads nr_free).
  std::array<lockless<unsigned long>, MIGRATE_TYPES> nr_free_list{};
  unsigned long nr_free() const { return nr_free_list[0] + nr_free_list[1]; }
};

struct zone {
  zone_type type = ZONE_NORMAL;
  uint32_t zone_start_pfn = 0;
  uint32_t spanned_pages = 0;
  uint32_t managed_pages = 0;
  std::array<long, NR_WMARK> watermark{};
  std::array<long, MAX_NR_ZONES> lowmem_reserve{};
  // Written under zone->lock, read locklessly (the kernel's NR_FREE_PAGES is
  // an atomic_long_t vm_stat; nr_reserved_highatomic is read before the lock).
  lockless<long> nr_reserved_highatomic = 0;
  lockless<long> free_pages = 0;  // NR_FREE_PAGES: pages on the buddy lists (not pcp)
  std::array<free_area, NR_PAGE_ORDERS> area{};
  std::vector<uint8_t> pageblock_migratetype;
  spinlock_t lock;
  int pcp_batch = 1;
  int pcp_high = 4;
  const char* name() const { return zone_type_name(type); }
  uint32_t end_pfn() const { return zone_start_pfn + spanned_pages; }
};

// struct per_cpu_pages: one list per order 0..PAGE_ALLOC_COSTLY_ORDER.
inline constexpr unsigned NR_PCP_LISTS = PAGE_ALLOC_COSTLY_ORDER + 1;
struct per_cpu_pages {
  spinlock_t lock;
  int count = 0;  // pages (1 << order per entry)
  int high = 0;
  int batch = 0;
  std::array<uint32_t, NR_PCP_LISTS> lists{};  // list head ids
  // Model: set while a CPU is inside a critical section on this list.  An
  // entry while set means the discipline let two users in at once.
  bool in_use = false;
  // Model shadow of count, kept by the list operations themselves, so the
  // incremental check can compare the two in O(1).
  int linked_pages = 0;
};

inline constexpr long wmark_pages(const zone& z, unsigned mark) { return z.watermark[mark]; }

}  // namespace labyrinth
