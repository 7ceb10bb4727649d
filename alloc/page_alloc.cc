// The allocation and free paths (mm/page_alloc.c v6.10): __alloc_pages,
// get_page_from_freelist, rmqueue, the slow path, and __free_pages.
//
// Simplifications (also in the README): no compaction (it always reports
// COMPACT_SKIPPED), no cpusets or NUMA, no watermark boosting, no realtime
// tasks; the slow path's retries are bounded by world_config::slowpath_loop_limit
// (the kernel retries a __GFP_NOFAIL request forever; the model then halts
// with a livelock verdict).
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>

#include "alloc/page_scan.h"
#include "alloc/poison.h"
#include "alloc/preempt.h"
#include "alloc/world.h"
#include "faultinject/plant.h"

namespace labyrinth {

page* world::alloc_pages(gfp_t gfp, unsigned order) {
  if (in_nmi(preempt_count())) {
    report(report_kind::nmi_unsafe, "BUG: page allocator called from NMI context",
           "GFP_ATOMIC and GFP_NOWAIT are not supported in NMI context: zone->lock may be held by the interrupted code\n");
    return nullptr;
  }
  if (order > MAX_PAGE_ORDER) {
    if (!(gfp & __GFP_NOWARN)) warn("__alloc_pages: order > MAX_PAGE_ORDER");
    return nullptr;
  }
  gfp &= __GFP_BITS_MASK;
  gfp = current_gfp_context(current().flags, gfp);
  zone_type highest;
  if (!gfp_zone(gfp, &highest)) {
    warn("gfp_zone: invalid zone modifier combination " + format_gfp(gfp));
    return nullptr;
  }
  // prepare_alloc_pages(): might_alloc() before should_fail_alloc_page()
  if (gfpflags_allow_blocking(gfp)) might_sleep(__FILE__, __LINE__);
  if (has_injector()) {
    fi::page_alloc_request request{order, (gfp & __GFP_NOFAIL) != 0, (gfp & __GFP_HIGHMEM) != 0,
                                   (gfp & __GFP_DIRECT_RECLAIM) != 0, (gfp & __GFP_NOWARN) != 0};
    if (inject_alloc_failure(request)) {
      ++this_cpu().stats.allocation_failures;
      return nullptr;
    }
  }
  page* p = get_page_from_freelist(gfp, order, ALLOC_WMARK_LOW, highest);
  if (!p) p = alloc_pages_slowpath(gfp, order, highest);
  if (p) {
    ++this_cpu().stats.allocations;
  } else {
    ++this_cpu().stats.allocation_failures;
    if (gfp & __GFP_NOFAIL) {
      char title[160];
      std::snprintf(title, sizeof title, "BUG: __GFP_NOFAIL allocation failed: order:%u, mode:%#x(%s)", order, gfp,
                    format_gfp(gfp).c_str());
      report(report_kind::nofail_failed, title);
    }
  }
  return p;
}

// The watermark oracle: the most generous floor `gfp` is entitled to in this
// context, restated from the flags (not from alloc_flags).  A request that
// takes a page from a zone at or below it breached the watermark.
void world::check_watermark_entitlement(const zone& z, unsigned order, gfp_t gfp, zone_type highest) {
  // Free-running: other CPUs move free_pages between the check and the take,
  // as in the kernel, so the floor cannot be restated after the fact.
  if (config_.checks == check_level::none || config_.free_running) return;
  uint32_t count = preempt_count();
  bool nomemalloc = gfp & __GFP_NOMEMALLOC;
  if (!nomemalloc && (gfp & __GFP_MEMALLOC)) return;
  if (!nomemalloc && (current().flags & PF_MEMALLOC) && (in_serving_softirq(count) || !in_interrupt(count))) return;
  if (gfp & __GFP_NOFAIL) return;  // its fallbacks may use the reserves
  long floor = z.watermark[WMARK_MIN];
  if (gfp & __GFP_HIGH) {
    floor -= floor / 2;
    if (!(gfp & __GFP_DIRECT_RECLAIM) && !nomemalloc) floor -= floor / 4;
  }
  if (!nomemalloc && !in_interrupt(count) && current().oom_victim) floor -= floor / 2;
  long usable = z.free_pages - ((1L << order) - 1);
  if (usable > floor + z.lowmem_reserve[highest]) return;
  char title[256];
  std::snprintf(title, sizeof title, "BUG: watermark breached by %s order %u in zone %s", format_gfp(gfp).c_str(), order,
                z.name());
  char details[256];
  std::snprintf(details, sizeof details,
                "free pages %ld (usable %ld) at or below the entitled floor %ld + lowmem_reserve %ld (min %ld low %ld "
                "high %ld)\n",
                z.free_pages.load(), usable, floor, z.lowmem_reserve[highest], z.watermark[WMARK_MIN], z.watermark[WMARK_LOW],
                z.watermark[WMARK_HIGH]);
  report(report_kind::watermark_breach, title, details);
}

page* world::get_page_from_freelist(gfp_t gfp, unsigned order, unsigned alloc_flags, zone_type highest) {
  for (size_t zi = zones_.size(); zi-- > 0;) {
    zone& z = zones_[zi];
    if (z.type > highest) continue;
    long mark = z.watermark[alloc_flags & ALLOC_WMARK_MASK];
    if (!zone_watermark_fast(z, order, mark, highest, alloc_flags) && !(alloc_flags & ALLOC_NO_WATERMARKS)) continue;
    check_watermark_entitlement(z, order, gfp, highest);
    page* p = rmqueue(z, order, gfp, alloc_flags);
    if (!p) continue;
    prep_new_page(p, order, gfp);
    if ((alloc_flags & ALLOC_HIGHATOMIC) && order > 0) reserve_highatomic_pageblock(z, p);
    return p;
  }
  return nullptr;
}

page* world::rmqueue(zone& z, unsigned order, gfp_t gfp, unsigned alloc_flags) {
  if ((gfp & __GFP_NOFAIL) && order > 1) warn("rmqueue: __GFP_NOFAIL with order > 1");
  if (order <= PAGE_ALLOC_COSTLY_ORDER) {
    if (page* p = rmqueue_pcplist(z, order, alloc_flags)) return p;
  }
  return rmqueue_buddy(z, order, alloc_flags);
}

// prep_new_page() with check_new_pages(): the page must be free in every
// sense before it is handed out; poisoning is verified, __GFP_ZERO applied.
void world::prep_new_page(page* p, unsigned order, gfp_t gfp) {
  if (config_.checks != check_level::none) check_page_allocatable(p, order);
  uint8_t* data = page_data(p);
  size_t bytes = (size_t(1) << order) * config_.page_bytes;
  unpoison_memory_region(data, bytes);
  if (config_.poison && config_.checks != check_level::none) {
    if (size_t i = first_non_poison_byte(data, bytes); i < bytes) {
      char title[160];
      std::snprintf(title, sizeof title, "pagealloc: memory corruption at pfn:%05zx offset %zu: %#x instead of %#x",
                    page_to_pfn(p) + i / config_.page_bytes, i % config_.page_bytes, data[i], PAGE_POISON);
      report(report_kind::memory_corruption, title, page_dump(p));
    }
  }
  if (gfp & __GFP_ZERO) std::memset(data, 0, bytes);
  p->flags = PG_allocated;
  p->order = static_cast<uint8_t>(order);
  p->refcount = 1;
  p->mapcount = -1;
  p->mapped_mms = 0;
  if (order > 0 && pages_inside(p + 1, (1u << order) - 1))
    clear_page_flags(p + 1, (1u << order) - 1);
  else
    for (uint32_t i = 1; i < (1u << order); ++i) p[i].flags = 0;
  page_owner& o = owners_.write(page_to_pfn(p));
  o.gfp = gfp;
  o.order = static_cast<uint8_t>(order);
  o.cpu = static_cast<uint8_t>(cpu_id());
  o.preempt_count = preempt_count();
  o.op_index = op_index_;
  o.freed = false;
  ++o.allocations;
}

// warn_alloc()'s first line: "<comm>: page allocation failure: order:<n>,
// mode:<%#x>(<%pGg>)".  Built by appending, not with snprintf: a fuzz run
// fails requests by the hundred, and the formatted version was 4% of an irq
// fuzz run before the rate limit (world.h, nopage_rs_) was modelled.
std::string world::allocation_failure_line(gfp_t gfp, unsigned order) {
  std::string line;
  line.reserve(160);
  line += current().comm;
  line += ": page allocation failure: order:";
  char number[16];
  line.append(number, std::to_chars(number, number + sizeof number, order).ptr);
  line += ", mode:";
  if (gfp) line += "0x";
  line.append(number, std::to_chars(number, number + sizeof number, gfp, 16).ptr);
  line += '(';
  append_gfp(line, gfp);
  line += ')';
  return line;
}

// Slow-path bookkeeping shared by its steps.
struct slowpath_state {
  gfp_t gfp;
  unsigned order;
  zone_type highest;
  bool can_direct_reclaim;
  bool costly;
  unsigned alloc_flags = 0;
  unsigned no_progress_loops = 0;
};

page* world::alloc_pages_slowpath(gfp_t gfp, unsigned order, zone_type highest) {
  ++this_cpu().stats.slowpath_entries;
  slowpath_state s{gfp, order, highest, (gfp & __GFP_DIRECT_RECLAIM) != 0, order > PAGE_ALLOC_COSTLY_ORDER};
  if constexpr (planted(plant::atomic_direct_reclaim)) s.can_direct_reclaim = true;
  interrupt_point(irq_point::slowpath_entry);
  s.alloc_flags = gfp_to_alloc_flags(gfp, order);
  if (s.alloc_flags & ALLOC_KSWAPD) wakeup_kswapd(order, highest);
  if (page* p = get_page_from_freelist(gfp, order, s.alloc_flags, highest)) return p;
  // Early compaction for costly orders: never runs in the model
  // (COMPACT_SKIPPED), so a costly __GFP_NORETRY request gives up here.
  bool pfmemalloc_allowed = gfp_pfmemalloc_flags(gfp, preempt_count(), current().flags, current().oom_victim) != 0;
  bool to_nopage = s.can_direct_reclaim && (gfp & __GFP_IO) && s.costly && !pfmemalloc_allowed && (gfp & __GFP_NORETRY);
  for (unsigned loop = 0;; ++loop) {
    if (loop >= config_.slowpath_loop_limit) {
      if (gfp & __GFP_NOFAIL) {
        char title[200];
        std::snprintf(title, sizeof title,
                      "INFO: allocation livelock: __GFP_NOFAIL request cannot make progress: order:%u, mode:%#x(%s)",
                      order, gfp, format_gfp(gfp).c_str());
        report(report_kind::livelock, title, "the kernel would retry forever here: no memory can be freed\n");
      }
      note("model: slow-path retry bound reached for order " + std::to_string(order) + " " + format_gfp(gfp));
      to_nopage = true;
      if (gfp & __GFP_NOFAIL) break;
    }
    if (!to_nopage) {
      if (s.alloc_flags & ALLOC_KSWAPD) wakeup_kswapd(order, highest);
      unsigned reserve_flags = gfp_pfmemalloc_flags(gfp, preempt_count(), current().flags, current().oom_victim);
      if (reserve_flags) s.alloc_flags = reserve_flags | (s.alloc_flags & ALLOC_KSWAPD);
      if (page* p = get_page_from_freelist(gfp, order, s.alloc_flags, highest)) return p;
      to_nopage = !s.can_direct_reclaim || (current().flags & PF_MEMALLOC);
    }
    if (!to_nopage) {
      unsigned long progress = 0;
      if (page* p = alloc_pages_direct_reclaim(gfp, order, s.alloc_flags, highest, &progress)) return p;
      to_nopage = (gfp & __GFP_NORETRY) || (s.costly && !(gfp & __GFP_RETRY_MAYFAIL));
      if (!to_nopage && should_reclaim_retry(gfp, order, highest, s.alloc_flags, progress > 0, &s.no_progress_loops))
        continue;
    }
    if (!to_nopage) {
      interrupt_point(irq_point::before_oom);
      bool oom_progress = false;
      if (page* p = alloc_pages_may_oom(gfp, order, highest, &oom_progress)) return p;
      bool victim_gives_up = current().oom_victim && ((s.alloc_flags & ALLOC_OOM) || (gfp & __GFP_NOMEMALLOC));
      if (!victim_gives_up && oom_progress) {
        s.no_progress_loops = 0;
        continue;
      }
      to_nopage = true;
    }
    // nopage:
    if (!(gfp & __GFP_NOFAIL)) break;
    if constexpr (planted(plant::nofail_returns_null)) break;
    if (!s.can_direct_reclaim) {  // WARN_ON_ONCE_GFP(!can_direct_reclaim): fail
      if (!(gfp & __GFP_NOWARN)) warn("__alloc_pages_slowpath: __GFP_NOFAIL without __GFP_DIRECT_RECLAIM");
      break;
    }
    if ((current().flags & PF_MEMALLOC) && !(gfp & __GFP_NOWARN))
      warn("__alloc_pages_slowpath: __GFP_NOFAIL with PF_MEMALLOC");
    if (s.costly && !(gfp & __GFP_NOWARN)) warn("__alloc_pages_slowpath: costly __GFP_NOFAIL");
    if (page* p = get_page_from_freelist(gfp, order, ALLOC_MIN_RESERVE, highest)) return p;
    cond_resched(__FILE__, __LINE__);
    to_nopage = false;
  }
  // warn_alloc(): not for __GFP_NOWARN, and rate-limited (nopage_rs).
  if (!(gfp & __GFP_NOWARN) && recording_ && warn_alloc_ratelimit()) note(allocation_failure_line(gfp, order));
  return nullptr;
}

// __alloc_pages_direct_reclaim() around __perform_reclaim().
page* world::alloc_pages_direct_reclaim(gfp_t gfp, unsigned order, unsigned alloc_flags, zone_type highest,
                                        unsigned long* progress) {
  interrupt_point(irq_point::before_reclaim);
  cond_resched(__FILE__, __LINE__);
  unsigned noreclaim = memalloc_noreclaim_save();
  irq_flags_t flags = 0;
  if constexpr (planted(plant::zone_lock_across_reclaim)) flags = zone_lock(zones_.back());
  *progress = try_to_free_pages(gfp, order);
  if constexpr (planted(plant::zone_lock_across_reclaim)) zone_unlock(zones_.back(), flags);
  memalloc_noreclaim_restore(noreclaim);
  cond_resched(__FILE__, __LINE__);
  interrupt_point(irq_point::after_reclaim);
  if (*progress == 0) return nullptr;
  page* p = get_page_from_freelist(gfp, order, alloc_flags, highest);
  if (!p) {
    unreserve_highatomic_pageblock(highest, false);
    drain_all_pages();
    p = get_page_from_freelist(gfp, order, alloc_flags, highest);
  }
  return p;
}

// should_reclaim_retry(): retry while the min mark would hold with the free
// and reclaimable pages together, at most MAX_RECLAIM_RETRIES times without
// progress; before giving up, release the highatomic reserve.
bool world::should_reclaim_retry(gfp_t gfp, unsigned order, zone_type highest, unsigned alloc_flags,
                                 bool did_some_progress, unsigned* no_progress_loops) {
  if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
    *no_progress_loops = 0;
  else
    ++*no_progress_loops;
  if (*no_progress_loops > MAX_RECLAIM_RETRIES) return unreserve_highatomic_pageblock(highest, true);
  for (size_t zi = zones_.size(); zi-- > 0;) {
    const zone& z = zones_[zi];
    if (z.type > highest) continue;
    long available = static_cast<long>(zone_reclaimable_pages(z)) + z.free_pages;
    if (zone_watermark_ok(z, order, z.watermark[WMARK_MIN], highest, alloc_flags, available)) return true;
  }
  return false;
}

// __alloc_pages_may_oom()
page* world::alloc_pages_may_oom(gfp_t gfp, unsigned order, zone_type highest, bool* progress) {
  *progress = false;
  gfp_t high_gfp = (gfp | __GFP_HARDWALL) & ~__GFP_DIRECT_RECLAIM;
  if (page* p = get_page_from_freelist(high_gfp, order, ALLOC_WMARK_HIGH | ALLOC_CPUSET, highest)) return p;
  if (order > PAGE_ALLOC_COSTLY_ORDER) return nullptr;
  if (gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)) return nullptr;
  if (highest < ZONE_NORMAL) return nullptr;
  // oom_lock: in free-running mode a CPU that finds another one killing
  // counts that as progress and retries (mutex_trylock in the kernel).
  if (config_.free_running && !oom_lock_.try_lock()) {
    *progress = true;
    return nullptr;
  }
  bool killed;
  {
    std::optional<host_lock_guard> oom_guard;
    if (config_.free_running) oom_guard.emplace(oom_lock_, std::adopt_lock);
    killed = out_of_memory(gfp, order);
  }
  // The kernel WARNs here (WARN_ON_ONCE_GFP); it is the environment, not a
  // bug of the caller or the allocator, so the model only notes it.
  if (!killed && (gfp & __GFP_NOFAIL)) note("__alloc_pages_may_oom: __GFP_NOFAIL and the OOM killer made no progress");
  if (!killed && !(gfp & __GFP_NOFAIL)) return nullptr;
  *progress = true;
  if (gfp & __GFP_NOFAIL) return get_page_from_freelist(gfp, order, ALLOC_NO_WATERMARKS, highest);
  return nullptr;
}

// free_pages_prepare() + page_expected_state(): a page still mapped, in the
// page cache or exclusive is reported and NOT freed (taken out of circulation).
bool world::free_pages_prepare(page* p, unsigned order) {
  const char* reason = nullptr;
  if (p->mapcount != -1) {
    if constexpr (!planted(plant::free_mapped_accepted)) reason = "nonzero mapcount";
  }
  if (!reason && (p->flags & (PG_lru | PG_anon_exclusive | PG_oom_victim))) reason = "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
  if (!reason && order > 0) {
    constexpr uint32_t tail_flags = PG_allocated | PG_buddy | PG_pcp;
    const page* tails = p + 1;
    const uint32_t count = (1u << order) - 1;
    for (uint32_t i = first_page_to_check(tails, count, tail_flags); !reason && i < count; ++i)
      if (tails[i].refcount != 0 || tails[i].mapcount != -1 || (tails[i].flags & tail_flags)) reason = "tail page in use";
  }
  if (reason) {
    char title[200];
    std::snprintf(title, sizeof title, "BUG: Bad page state in process %s  pfn:%05x", current().comm.c_str(),
                  page_to_pfn(p));
    report(report_kind::bad_page_state, title, page_dump(p) + "page dumped because: " + reason + "\n");
    p->flags = (p->flags & ~PG_allocated) | PG_bad;
    return false;
  }
  page_owner& o = owners_.write(page_to_pfn(p));
  o.freed = true;
  o.free_op_index = op_index_;
  o.free_preempt_count = preempt_count();
  size_t bytes = (size_t(1) << order) * config_.page_bytes;
  if (config_.poison) {
    std::memset(page_data(p), PAGE_POISON, bytes);
    poison_memory_region(page_data(p), bytes);
  }
  p->flags &= ~PG_allocated;
  return true;
}

void world::free_the_page(page* p, unsigned order) {
  if (!free_pages_prepare(p, order)) return;
  ++this_cpu().stats.frees;
  zone& z = zones_[p->zone];
  if (order <= PAGE_ALLOC_COSTLY_ORDER)
    free_unref_page(z, p, order);
  else
    free_one_page(z, p, order);
}

void world::__free_pages(page* p, unsigned order) {
  if (p->refcount <= 0 || !(p->flags & PG_allocated)) {
    char title[160];
    std::snprintf(title, sizeof title, "BUG: double free of page pfn:%05x (order %u)", page_to_pfn(p), order);
    report(report_kind::double_free, title, page_dump(p));
    return;
  }
  if (counter_add_return(p->refcount, -1) > 0) return;  // put_page_testzero()
  if (p->order != order) {
    char title[200];
    std::snprintf(title, sizeof title, "BUG: Bad page state in process %s  pfn:%05x", current().comm.c_str(),
                  page_to_pfn(p));
    report(report_kind::bad_page_state, title,
           page_dump(p) + "page dumped because: freed with order " + std::to_string(order) + "\n");
    p->flags = (p->flags & ~PG_allocated) | PG_bad;
    return;
  }
  free_the_page(p, order);
}

void world::get_page(page* p) {
  if (p->refcount <= 0 || !(p->flags & PG_allocated)) {
    char title[160];
    std::snprintf(title, sizeof title, "BUG: Bad page state in process %s  pfn:%05x", current().comm.c_str(),
                  page_to_pfn(p));
    report(report_kind::bad_page_state, title, page_dump(p) + "page dumped because: get_page() on a free page\n");
    return;
  }
  counter_add_return(p->refcount, 1);  // page_ref_inc()
}

// put_page(): the last reference frees the whole allocation (the model treats
// every allocation as a compound page here).
void world::put_page(page* p) {
  if (put_page_testzero(p, "put_page")) free_the_page(p, p->order);
}

// put_page_testzero(): drops a reference and says whether it was the last; a
// page with none left to drop is reported as a double free by `caller`.
bool world::put_page_testzero(page* p, const char* caller) {
  if (p->refcount <= 0 || !(p->flags & PG_allocated)) {
    char title[160];
    std::snprintf(title, sizeof title, "BUG: double free of page pfn:%05x (%s)", page_to_pfn(p), caller);
    report(report_kind::double_free, title, page_dump(p));
    return false;
  }
  return counter_add_return(p->refcount, -1) == 0;
}

// release_pages() (mm/swap.c): put_page() on each page, and the pages whose
// last reference that was are freed together, a folio_batch at a time:
// free_pages_prepare() on each, then free_unref_folios(), which takes the
// per-CPU list once per zone rather than once per page.  Costly orders go to
// the buddy lists one by one, as free_the_page() sends them.
void world::release_pages(page* const* pages, size_t nr) {
  freed_page batch[PAGEVEC_SIZE];
  unsigned batched = 0;
  for (size_t i = 0; i < nr; ++i) {
    page* p = pages[i];
    if (!put_page_testzero(p, "release_pages")) continue;
    const unsigned order = p->order;
    if (order > PAGE_ALLOC_COSTLY_ORDER) {
      free_the_page(p, order);
      continue;
    }
    if (!free_pages_prepare(p, order)) continue;
    ++this_cpu().stats.frees;
    batch[batched++] = {p, order};
    if (batched == PAGEVEC_SIZE) {
      free_unref_folios(batch, batched);
      batched = 0;
    }
  }
  if (batched) free_unref_folios(batch, batched);
}

}  // namespace labyrinth
