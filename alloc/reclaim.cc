// Reclaimable memory and reclaim (mm/vmscan.c, mm/oom_kill.c), modelled:
// a page cache LRU whose pages need nothing (clean), __GFP_FS (dirty: written
// back first) or __GFP_IO (swap-backed) to be reclaimed; direct reclaim of
// SWAP_CLUSTER_MAX pages; kswapd balancing to the high watermark, run as its
// own task at scheduling points; and an OOM killer with one victim process
// (world_config::oom_victim_pages), after which the current task is chosen.
#include <algorithm>
#include <cstdio>

#include "alloc/world.h"
#include "faultinject/plant.h"

namespace labyrinth {

page* world::add_to_page_cache(gfp_t gfp, page_cache_kind kind) {
  page* p = alloc_pages(gfp, 0);
  if (!p) return nullptr;
  host_lock_guard guard(lru_lock_, config_.free_running);
  p->flags |= PG_lru;
  if (kind == page_cache_kind::dirty) p->flags |= PG_dirty;
  if (kind == page_cache_kind::swapbacked) p->flags |= PG_swapbacked;
  lists_.add(page_to_pfn(p), page_cache_lru_);
  ++page_cache_pages_;
  return p;
}

// Takes the page off the LRU under the LRU lock; false if it is not there.
bool world::isolate_from_page_cache(page* p) {
  host_lock_guard guard(lru_lock_, config_.free_running);
  if (!(p->flags & PG_lru) || !(p->flags & PG_allocated)) return false;
  lists_.del(page_to_pfn(p));
  p->flags &= ~(PG_lru | PG_dirty | PG_swapbacked);
  --page_cache_pages_;
  return true;
}

bool world::remove_from_page_cache(page* p) {
  if (!isolate_from_page_cache(p)) return false;
  put_page(p);
  return true;
}

void world::forget_reclaimed(std::vector<page*>& pages) const {
  for (size_t i = 0; i < pages.size();) {
    if (in_page_cache(pages[i])) {
      ++i;
      continue;
    }
    pages[i] = pages.back();
    pages.pop_back();
  }
}

unsigned long world::zone_reclaimable_pages(const zone& z) const {
  host_lock_guard guard(lru_lock_, config_.free_running);
  unsigned long count = 0;
  uint32_t head = page_cache_lru_;
  unsigned long seen = 0;
  for (uint32_t n = lists_.first(head); n != head && seen < page_cache_pages_; n = lists_.next(n), ++seen)
    if (pages_[n].zone == &z - zones_.data()) ++count;
  return count;
}

// shrink_folio_list(), much reduced: oldest first, skipping pages this gfp
// may not reclaim.
unsigned long world::shrink_page_cache(unsigned long target, gfp_t gfp) {
  // isolate_lru_folios(): take the pages off the LRU under its lock, then
  // release them (shrink_folio_list) without it.
  page* isolated[SWAP_CLUSTER_MAX];
  unsigned long reclaimed = 0;
  target = std::min<unsigned long>(target, SWAP_CLUSTER_MAX);
  {
    host_lock_guard guard(lru_lock_, config_.free_running);
    uint32_t head = page_cache_lru_;
    uint32_t n = lists_.last(head);
    for (unsigned long scanned = 0; n != head && reclaimed < target && scanned < nr_pages(); ++scanned) {
      uint32_t prev = lists_.links(n).prev;
      page* p = &pages_[n];
      bool may_reclaim =
          !((p->flags & PG_dirty) && !(gfp & __GFP_FS)) && !((p->flags & PG_swapbacked) && !(gfp & __GFP_IO));
      if (may_reclaim && (p->flags & PG_lru) && (p->flags & PG_allocated)) {
        lists_.del(n);
        p->flags &= ~(PG_lru | PG_dirty | PG_swapbacked);
        --page_cache_pages_;
        isolated[reclaimed++] = p;
      }
      n = prev;
    }
  }
  for (unsigned long i = 0; i < reclaimed; ++i) put_page(isolated[i]);
  this_cpu().stats.pages_reclaimed += reclaimed;
  return reclaimed;
}

// try_to_free_pages(): fault site `reclaim` makes it reclaim nothing
// (outcome 0) or half its target (outcome 1).
unsigned long world::try_to_free_pages(gfp_t gfp, unsigned order) {
  ++this_cpu().stats.direct_reclaims;
  if (!(gfp & __GFP_DIRECT_RECLAIM)) {
    report(report_kind::nonblocking_reclaim,
           "BUG: non-blocking allocation entered direct reclaim: mode:" + format_gfp(gfp),
           "a request without __GFP_DIRECT_RECLAIM must fail at !can_direct_reclaim instead\n");
  }
  unsigned long target = SWAP_CLUSTER_MAX;
  if (inject_failure(fi::fault_site::reclaim, target))
    target = inject_outcome(fi::fault_site::reclaim) == 0 ? 0 : target / 2;
  interrupt_point(irq_point::inside_reclaim);
  cond_resched(__FILE__, __LINE__);
  return shrink_page_cache(target, gfp);
}

// wakeup_kswapd(): only when no eligible zone is balanced at the high mark.
void world::wakeup_kswapd(unsigned order, zone_type highest) {
  if (pgdat_balanced(order, highest)) return;
  if (!kswapd_wanted_) ++this_cpu().stats.kswapd_wakeups;
  if (!kswapd_wanted_ || highest > kswapd_highest_zoneidx_) kswapd_highest_zoneidx_ = highest;
  kswapd_wanted_ = true;
  if (order > kswapd_order_) kswapd_order_ = order;
}

// pgdat_balanced(): balanced as soon as any eligible zone meets its high mark.
bool world::pgdat_balanced(unsigned order, zone_type highest) const {
  for (const zone& z : zones_)
    if (z.type <= highest && zone_watermark_ok(z, order, z.watermark[WMARK_HIGH], highest, 0, z.free_pages)) return true;
  return false;
}

// balance_pgdat(), reduced: reclaim in SWAP_CLUSTER_MAX batches until the node
// is balanced for the waker's order and highest zone (pgdat_balanced), nothing
// is left, or MAX_RECLAIM_RETRIES rounds.
void world::kswapd_run() {
  if (!kswapd_wanted_ || in_kswapd_.exchange(true)) return;  // one kswapd at a time
  kswapd_wanted_ = false;
  ++this_cpu().stats.kswapd_runs;
  task_struct* interrupted = this_cpu().current;
  this_cpu().current = &kswapd_task_;
  for (unsigned round = 0; round < MAX_RECLAIM_RETRIES; ++round) {
    if (pgdat_balanced(kswapd_order_, kswapd_highest_zoneidx_)) break;
    unsigned long target = SWAP_CLUSTER_MAX;
    if (inject_failure(fi::fault_site::kswapd, target)) {
      if (inject_outcome(fi::fault_site::kswapd) == 0) break;
      target /= 2;
    }
    interrupt_point(irq_point::kswapd);
    if (shrink_page_cache(target, GFP_KERNEL) == 0) break;
  }
  kswapd_order_ = 0;
  kswapd_highest_zoneidx_ = ZONE_DMA32;
  this_cpu().current = interrupted;
  in_kswapd_ = false;
}

// With an SMP scheduler kswapd is its own task (it runs when the scheduler
// picks it); the scheduling point is an interleaving point instead.
void world::schedule_point() {
  run_pending_softirqs_in_task();
  if (sched_) {
    sched_->interleave(sched_point::schedule);
    return;
  }
  kswapd_run();
}

// The victim's exit_mmap(): each page's mapping dropped with its reference
// kept in the mmu_gather batch (zap_pte_range()), and the batch released when
// full and at the end (tlb_finish_mmu() -> release_pages()).
void world::exit_oom_victim_mm() {
  constexpr unsigned gather_batch = 64;
  page* gathered[gather_batch];
  unsigned gathered_count = 0;
  for (uint32_t bound = nr_pages(); bound > 0 && !lists_.empty(oom_victim_list_); --bound) {
    uint32_t pfn = lists_.first(oom_victim_list_);
    lists_.del(pfn);
    page* p = &pages_[pfn];
    p->flags &= ~PG_oom_victim;
    if (page_remove_rmap(max_mm - 1, p) != 0) continue;  // not mapped there: no reference to put
    gathered[gathered_count++] = p;
    if (gathered_count == gather_batch) {
      release_pages(gathered, gathered_count);
      gathered_count = 0;
    }
  }
  if (gathered_count) release_pages(gathered, gathered_count);
  oom_victim_pages_ = 0;
}

// out_of_memory(): !__GFP_FS requests do not kill ("the OOM killer does not
// compensate for IO-less reclaim") but report progress; fault site `oom`
// makes the step free nothing.
bool world::out_of_memory(gfp_t gfp, unsigned order) {
  if (!(gfp & __GFP_FS)) return true;
  if (inject_failure(fi::fault_site::oom, 1u << order)) return false;
  if (oom_victim_pages_ > 0) {
    note("Out of memory: Killed process 100 (victim), " + std::to_string(oom_victim_pages_) + " pages");
    ++this_cpu().stats.oom_kills;
    exit_oom_victim_mm();
    return true;
  }
  if (!current().oom_victim) {
    note("Out of memory: Killed process " + std::to_string(current().pid) + " (" + current().comm + ")");
    ++this_cpu().stats.oom_kills;
    current().oom_victim = true;
  }
  return true;
}

}  // namespace labyrinth
