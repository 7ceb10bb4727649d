// The buddy allocator core (mm/page_alloc.c v6.10): free lists,
// __rmqueue_smallest + expand, __free_one_page with pageblock-aware merging,
// and the highatomic reserve.
#include <algorithm>
#include <cstdio>

#include "alloc/world.h"
#include "faultinject/plant.h"

namespace labyrinth {

irq_flags_t world::zone_lock(zone& z) {
  if constexpr (planted(plant::zone_lock_irq_unsafe)) {
    spin_lock(z.lock);
    return 0;
  }
  return spin_lock_irqsave(z.lock);
}

void world::zone_unlock(zone& z, irq_flags_t flags) {
  if constexpr (planted(plant::zone_lock_irq_unsafe)) {
    spin_unlock(z.lock);
    return;
  }
  spin_unlock_irqrestore(z.lock, flags);
}

migratetype world::pageblock_mt(const zone& z, uint32_t pfn) const {
  return static_cast<migratetype>(z.pageblock_migratetype[(pfn - z.zone_start_pfn) >> pageblock_order]);
}

void world::add_to_free_list(zone& z, page* p, unsigned order, migratetype mt, bool tail) {
  p->flags = PG_buddy;
  p->order = static_cast<uint8_t>(order);
  uint32_t head = z.area[order].free_list[mt];
  bool ok = tail ? lists_.add_tail(page_to_pfn(p), head) : lists_.add(page_to_pfn(p), head);
  if (!ok) {
    char title[160];
    std::snprintf(title, sizeof title, "BUG: free list corrupt: list_add corruption at pfn:%05x order %u", page_to_pfn(p),
                  order);
    report(report_kind::free_list_corrupt, title, page_dump(p));
    return;
  }
  ++z.area[order].nr_free_list[mt];
}

void world::del_from_free_list(zone& z, page* p, unsigned order, migratetype mt) {
  uint32_t pfn = page_to_pfn(p);
  if (!lists_.del(pfn) || z.area[order].nr_free_list[mt] == 0) {
    char title[160];
    std::snprintf(title, sizeof title, "BUG: free list corrupt: list_del corruption at pfn:%05x order %u", pfn, order);
    report(report_kind::free_list_corrupt, title, page_dump(p));
    return;
  }
  --z.area[order].nr_free_list[mt];
  p->flags &= ~PG_buddy;
}

// __rmqueue_smallest() + page_del_and_expand(): the caller holds zone->lock.
page* world::rmqueue_smallest(zone& z, unsigned order, migratetype mt) {
  for (unsigned current_order = order; current_order < NR_PAGE_ORDERS; ++current_order) {
    uint32_t head = z.area[current_order].free_list[mt];
    if (lists_.empty(head)) continue;
    page* p = &pages_[lists_.first(head)];
    if (config_.checks != check_level::none &&
        (!(p->flags & PG_buddy) || p->order != current_order || pageblock_mt(z, page_to_pfn(p)) != mt)) {
      char title[200];
      std::snprintf(title, sizeof title,
                    "BUG: free list corrupt: pfn:%05x on free_area[%u] list %u has flags %#x order %u (pageblock %u)",
                    page_to_pfn(p), current_order, mt, p->flags.load(), p->order, pageblock_mt(z, page_to_pfn(p)));
      report(report_kind::free_list_corrupt, title, page_dump(p));
    }
    del_from_free_list(z, p, current_order, mt);
    uint32_t added = expand(z, p, order, current_order, mt);
    z.free_pages -= static_cast<long>((1u << current_order) - added);
    return p;
  }
  return nullptr;
}

// expand(): split a block of order `high` down to `low`, putting each upper
// half on the free list of its order; the caller keeps the lowest chunk.
uint32_t world::expand(zone& z, page* p, unsigned low, unsigned high, migratetype mt) {
  uint32_t size = 1u << high;
  uint32_t added = 0;
  while (high > low) {
    --high;
    size >>= 1;
    if constexpr (planted(plant::expand_loses_half)) {
      if (high == low && low == 0) continue;  // the order-0 half is forgotten
    }
    add_to_free_list(z, p + size, high, mt, false);
    added += size;
  }
  return added;
}

// buddy_merge_likely(): if the next-higher buddy is free, the merged block
// will probably merge again soon: put it at the tail so it is used last.
bool world::buddy_merge_likely(const zone& z, uint32_t pfn, unsigned order) const {
  if (order >= MAX_PAGE_ORDER - 1) return false;
  uint32_t higher_pfn = (pfn ^ (1u << order)) & pfn;
  uint32_t higher_buddy = higher_pfn ^ (1u << (order + 1));
  if (higher_buddy < z.zone_start_pfn || higher_buddy >= z.end_pfn()) return false;
  const page& buddy = pages_[higher_buddy];
  return (buddy.flags & PG_buddy) && buddy.order == order + 1;
}

// __free_one_page(), with split_large_buddy() for blocks above a pageblock so
// that each pageblock goes to the list of its own migratetype.
void world::free_one_page_locked(zone& z, page* p, unsigned order) {
  uint32_t pfn = page_to_pfn(p);
  if (order > pageblock_order) {
    for (uint32_t offset = 0; offset < (1u << order); offset += pageblock_nr_pages)
      free_one_page_locked(z, p + offset, pageblock_order);
    return;
  }
  migratetype mt = pageblock_mt(z, pfn);
  z.free_pages += 1L << order;
  while (order < MAX_PAGE_ORDER) {
    uint32_t buddy_pfn = pfn ^ (1u << order);
    if (buddy_pfn < z.zone_start_pfn || buddy_pfn >= z.end_pfn()) break;
    page* buddy = &pages_[buddy_pfn];
    if (!(buddy->flags & PG_buddy)) break;
    if constexpr (!planted(plant::merge_ignores_order)) {
      if (buddy->order != order) break;
    }
    if (order >= pageblock_order) {
      migratetype buddy_mt = pageblock_mt(z, buddy_pfn);
      if (mt != buddy_mt && (mt == MIGRATE_HIGHATOMIC || buddy_mt == MIGRATE_HIGHATOMIC)) break;
    }
    del_from_free_list(z, buddy, buddy->order, pageblock_mt(z, buddy_pfn));
    pfn &= buddy_pfn;
    p = &pages_[pfn];
    ++order;
  }
  add_to_free_list(z, p, order, mt, buddy_merge_likely(z, pfn, order));
}

void world::free_one_page(zone& z, page* p, unsigned order) {
  irq_flags_t flags = zone_lock(z);
  interrupt_point(irq_point::buddy_free);
  free_one_page_locked(z, p, order);
  zone_unlock(z, flags);
}

// rmqueue_buddy(): highatomic first for ALLOC_HIGHATOMIC, then the ordinary
// lists, then highatomic as a last resort for OOM and non-blocking requests.
page* world::rmqueue_buddy(zone& z, unsigned order, unsigned alloc_flags) {
  irq_flags_t flags = zone_lock(z);
  interrupt_point(irq_point::buddy_alloc);
  page* p = nullptr;
  if (alloc_flags & ALLOC_HIGHATOMIC) p = rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
  if (!p) {
    p = rmqueue_smallest(z, order, MIGRATE_PCPTYPES_MERGED);
    if (!p && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK))) p = rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
  }
  zone_unlock(z, flags);
  return p;
}

// move_freepages_block(): change a pageblock's migratetype and move its free
// blocks to the matching lists.  A free block larger than a pageblock moves
// whole, with every pageblock it spans.  The caller holds zone->lock.
unsigned world::move_freepages_block(zone& z, uint32_t pfn, migratetype to) {
  uint32_t start = pfn & ~(pageblock_nr_pages - 1);
  uint32_t end = start + pageblock_nr_pages;
  uint32_t max_block = pfn & ~((1u << MAX_PAGE_ORDER) - 1);
  for (unsigned order = MAX_PAGE_ORDER; order > pageblock_order; --order) {
    uint32_t head = pfn & ~((1u << order) - 1);
    if (head >= max_block && (pages_[head].flags & PG_buddy) && pages_[head].order == order) {
      start = head;
      end = head + (1u << order);
      break;
    }
  }
  std::vector<std::pair<uint32_t, unsigned>> blocks;
  for (uint32_t p = start; p < end;) {
    page& pg = pages_[p];
    if (pg.flags & PG_buddy) {
      blocks.emplace_back(p, pg.order);
      del_from_free_list(z, &pg, pg.order, pageblock_mt(z, p));
      p += 1u << std::max<unsigned>(pg.order, 0);
    } else {
      ++p;
    }
  }
  unsigned changed = 0;
  for (uint32_t block = start; block < end; block += pageblock_nr_pages) {
    uint8_t& mt = z.pageblock_migratetype[(block - z.zone_start_pfn) >> pageblock_order];
    if (mt != to) ++changed;
    mt = to;
  }
  for (auto [p, order] : blocks) add_to_free_list(z, &pages_[p], order, to, false);
  return changed;
}

// reserve_highatomic_pageblock(): after a successful ALLOC_HIGHATOMIC
// allocation, keep its pageblock for high-order atomic requests, up to about
// 1% of the zone; a zone whose 1% is less than a pageblock reserves nothing
// (v6.8+: "enforce minimum zone size to do high atomic reserves").
void world::reserve_highatomic_pageblock(zone& z, page* p) {
  if (z.managed_pages / 100 < pageblock_nr_pages) return;
  long max_managed = static_cast<long>(((z.managed_pages / 100) + pageblock_nr_pages - 1) & ~(pageblock_nr_pages - 1));
  if (z.nr_reserved_highatomic >= max_managed) return;
  irq_flags_t flags = zone_lock(z);
  uint32_t pfn = page_to_pfn(p);
  if (z.nr_reserved_highatomic < max_managed && pageblock_mt(z, pfn) != MIGRATE_HIGHATOMIC) {
    unsigned changed = move_freepages_block(z, pfn, MIGRATE_HIGHATOMIC);
    z.nr_reserved_highatomic += static_cast<long>(changed * pageblock_nr_pages);
    ++this_cpu().stats.highatomic_reserved;
  }
  zone_unlock(z, flags);
}

// unreserve_highatomic_pageblock(): under pressure give one reserved
// pageblock back; unless forced, each zone keeps its last one.
bool world::unreserve_highatomic_pageblock(zone_type highest_zoneidx, bool force) {
  if constexpr (planted(plant::highatomic_never_released)) return false;
  for (size_t zi = zones_.size(); zi-- > 0;) {
    zone& z = zones_[zi];
    if (z.type > highest_zoneidx) continue;
    if (!force && z.nr_reserved_highatomic <= static_cast<long>(pageblock_nr_pages)) continue;
    irq_flags_t flags = zone_lock(z);
    for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order) {
      uint32_t head = z.area[order].free_list[MIGRATE_HIGHATOMIC];
      if (lists_.empty(head)) continue;
      uint32_t pfn = lists_.first(head);
      unsigned changed = move_freepages_block(z, pfn, MIGRATE_PCPTYPES_MERGED);
      z.nr_reserved_highatomic -= std::min<long>(changed * pageblock_nr_pages, z.nr_reserved_highatomic);
      if (changed > 0) {
        ++this_cpu().stats.highatomic_unreserved;
        zone_unlock(z, flags);
        return true;
      }
    }
    zone_unlock(z, flags);
  }
  return false;
}

}  // namespace labyrinth
