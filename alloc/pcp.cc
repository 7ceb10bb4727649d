// Per-CPU page lists (mm/page_alloc.c: rmqueue_pcplist, rmqueue_bulk,
// free_unref_page, free_pcppages_bulk, drain_pages) under both locking
// disciplines (see pcp_discipline in world.h).
//
// Simplifications (also in the README): one list per order (no migratetype
// split), a fixed pcp->high (no 6.7+ auto-tuning, no free_high heuristics),
// and orders 0..3 go through the lists under both disciplines.
#include <algorithm>
#include <cstdio>

#include "alloc/world.h"
#include "faultinject/plant.h"

namespace labyrinth {

bool world::pcp_enter(per_cpu_pages& pcp, const char* where) {
  if (pcp.in_use) {
    char title[200];
    std::snprintf(title, sizeof title, "BUG: per-cpu page list reentered: %s on CPU%u while another user is inside",
                  where, cpu_id());
    report(report_kind::pcp_reentered, title,
           std::string("the ") + pcp_discipline_name(config_.pcp) +
               " discipline should have kept this context out of the list\n");
  }
  pcp.in_use = true;
  return true;
}

void world::pcp_exit(per_cpu_pages& pcp) { pcp.in_use = false; }

// rmqueue_bulk(): take `count` blocks from the buddy lists under zone->lock.
// Fault site pcp_refill: the refill stops half-way, as if the buddy ran dry.
int world::rmqueue_bulk(zone& z, unsigned order, int count, per_cpu_pages& pcp, unsigned alloc_flags) {
  irq_flags_t flags = zone_lock(z);
  interrupt_point(irq_point::pcp_refill);
  bool injected = inject_failure(fi::fault_site::pcp_refill, 1u << order);
  int wanted = injected ? count / 2 : count;
  int allocated = 0;
  for (; allocated < wanted; ++allocated) {
    page* p = rmqueue_smallest(z, order, MIGRATE_PCPTYPES_MERGED);
    if (!p) break;
    p->flags = PG_pcp;
    p->order = static_cast<uint8_t>(order);
    if (lists_.add_tail(page_to_pfn(p), pcp.lists[order])) pcp.linked_pages += 1 << order;
  }
  if constexpr (planted(plant::leak_on_error_path)) {
    if (injected) {  // the error path forgets the pages it already took
      for (int i = 0; i < allocated && !lists_.empty(pcp.lists[order]); ++i) {
        uint32_t pfn = lists_.last(pcp.lists[order]);
        lists_.del(pfn);
        pages_[pfn].flags = 0;
        pcp.linked_pages -= 1 << order;
      }
      allocated = 0;
    }
  }
  ++this_cpu().stats.pcp_refills;
  zone_unlock(z, flags);
  return allocated;
}

// __rmqueue_pcplist(): refill an empty list, then take its first page.  The
// count is read, and written back after the unlink: an interrupt in between
// that is let into the same list (a broken discipline) is what this window
// exposes.
page* world::pcp_take(zone& z, per_cpu_pages& pcp, unsigned order, unsigned alloc_flags) {
  uint32_t head = pcp.lists[order];
  if (lists_.empty(head)) {
    // nr_pcp_alloc() without the 6.7+ alloc_factor scaling: a batch of 1
    // (small zones) is never scaled up by order.
    int batch = pcp.batch;
    if (batch > 1) batch = std::max(batch >> order, 2);
    int allocated = rmqueue_bulk(z, order, batch, pcp, alloc_flags);
    pcp.count += allocated << order;
    if (lists_.empty(head)) return nullptr;
  }
  uint32_t pfn = lists_.first(head);
  int count = pcp.count;
  interrupt_point(irq_point::pcp_alloc);
  page* p = &pages_[pfn];
  if constexpr (!planted(plant::pcp_double_handout)) {
    if (!lists_.del(pfn)) {
      char title[160];
      std::snprintf(title, sizeof title, "BUG: per-cpu page list corrupt: list_del corruption at pfn:%05x", pfn);
      report(report_kind::pcp_corrupt, title, page_dump(p));
    } else {
      pcp.linked_pages -= 1 << order;
    }
  }
  p->flags &= ~PG_pcp;
  if constexpr (!planted(plant::pcp_count_drift)) pcp.count = count - (1 << order);
  ++this_cpu().stats.pcp_hits;
  return p;
}

page* world::rmqueue_pcplist(zone& z, unsigned order, unsigned alloc_flags) {
  per_cpu_pages& pcp = this_cpu().pcp[&z - zones_.data()];
  page* p = nullptr;
  if (config_.pcp == pcp_discipline::irqsave) {
    irq_flags_t flags = 0;
    if constexpr (!planted(plant::pcp_irq_unsafe)) flags = local_irq_save();
    pcp_enter(pcp, "allocation");
    p = pcp_take(z, pcp, order, alloc_flags);
    pcp_exit(pcp);
    if constexpr (!planted(plant::pcp_irq_unsafe)) local_irq_restore(flags);
    return p;
  }
  preempt_disable();  // pcpu_task_pin()
  if constexpr (!planted(plant::pcp_irq_unsafe)) {
    if (!spin_trylock(pcp.lock)) {  // busy: a parallel drain or the interrupted context
      preempt_enable();
      ++this_cpu().stats.pcp_trylock_fallbacks;
      return nullptr;
    }
  }
  pcp_enter(pcp, "allocation");
  p = pcp_take(z, pcp, order, alloc_flags);
  pcp_exit(pcp);
  if constexpr (!planted(plant::pcp_irq_unsafe)) spin_unlock(pcp.lock);
  preempt_enable();
  return p;
}

// free_pcppages_bulk(): give `count` pages back to the buddy lists, oldest
// first, round-robin over the orders.
void world::free_pcppages_bulk(zone& z, int count, per_cpu_pages& pcp) {
  irq_flags_t flags = zone_lock(z);
  unsigned order = 0;
  for (unsigned empty_lists = 0; count > 0 && empty_lists < NR_PCP_LISTS; order = (order + 1) % NR_PCP_LISTS) {
    uint32_t head = pcp.lists[order];
    if (lists_.empty(head)) {
      ++empty_lists;
      continue;
    }
    empty_lists = 0;
    uint32_t pfn = lists_.last(head);
    page* p = &pages_[pfn];
    if (!lists_.del(pfn)) {
      report(report_kind::pcp_corrupt, "BUG: per-cpu page list corrupt: list_del corruption in free_pcppages_bulk",
             page_dump(p));
      break;
    }
    pcp.linked_pages -= 1 << order;
    pcp.count -= 1 << order;
    count -= 1 << order;
    p->flags &= ~PG_pcp;
    free_one_page_locked(z, p, order);
  }
  ++this_cpu().stats.pcp_bulk_frees;
  zone_unlock(z, flags);
}

// free_unref_page_commit(): add at the head; past pcp->high, return the
// excess to the buddy lists.
void world::pcp_commit_free(zone& z, per_cpu_pages& pcp, page* p, unsigned order) {
  p->flags = PG_pcp;
  p->order = static_cast<uint8_t>(order);
  int count = pcp.count;
  interrupt_point(irq_point::pcp_free);
  if (lists_.add(page_to_pfn(p), pcp.lists[order])) {
    pcp.linked_pages += 1 << order;
  } else {
    report(report_kind::pcp_corrupt, "BUG: per-cpu page list corrupt: list_add corruption", page_dump(p));
  }
  pcp.count = count + (1 << order);
  if (pcp.count >= pcp.high) {
    int to_free = std::clamp(pcp.count, pcp.batch, std::max(pcp.batch, pcp.high - pcp.batch));
    free_pcppages_bulk(z, to_free, pcp);
  }
}

// The freeing side's hold on a per-CPU list under either discipline: irqs
// off (irqsave), or preemption off and the list's lock tried (trylock; a
// failed try leaves nothing held, counted as a fallback, and the caller
// frees to the buddy lists instead).
bool world::pcp_lock_for_free(per_cpu_pages& pcp, irq_flags_t& flags) {
  if (config_.pcp == pcp_discipline::irqsave) {
    if constexpr (!planted(plant::pcp_irq_unsafe)) flags = local_irq_save();
  } else {
    preempt_disable();
    if constexpr (!planted(plant::pcp_irq_unsafe)) {
      if (!spin_trylock(pcp.lock)) {
        preempt_enable();
        ++this_cpu().stats.pcp_trylock_fallbacks;
        return false;
      }
    }
  }
  pcp_enter(pcp, "free");
  return true;
}

void world::pcp_unlock_for_free(per_cpu_pages& pcp, irq_flags_t flags) {
  pcp_exit(pcp);
  if (config_.pcp == pcp_discipline::irqsave) {
    if constexpr (!planted(plant::pcp_irq_unsafe)) local_irq_restore(flags);
    return;
  }
  if constexpr (!planted(plant::pcp_irq_unsafe)) spin_unlock(pcp.lock);
  preempt_enable();
}

void world::free_unref_page(zone& z, page* p, unsigned order) {
  per_cpu_pages& pcp = this_cpu().pcp[&z - zones_.data()];
  irq_flags_t flags = 0;
  if (!pcp_lock_for_free(pcp, flags)) {
    free_one_page(z, p, order);
    return;
  }
  pcp_commit_free(z, pcp, p, order);
  pcp_unlock_for_free(pcp, flags);
}

// free_unref_folios(): pages free_pages_prepare() has passed, onto this
// CPU's lists, the list taken once for a run of pages of one zone and taken
// again when the zone changes; a page whose list cannot be taken goes to the
// buddy lists.
void world::free_unref_folios(const freed_page* pages, unsigned nr) {
  per_cpu_pages* held = nullptr;
  zone* locked_zone = nullptr;
  irq_flags_t flags = 0;
  for (unsigned i = 0; i < nr; ++i) {
    zone& z = zones_[pages[i].p->zone];
    if (&z != locked_zone) {
      if (held) pcp_unlock_for_free(*held, flags);
      held = nullptr;
      locked_zone = nullptr;
      per_cpu_pages& pcp = this_cpu().pcp[&z - zones_.data()];
      if (!pcp_lock_for_free(pcp, flags)) {
        free_one_page(z, pages[i].p, pages[i].order);
        continue;
      }
      held = &pcp;
      locked_zone = &z;
    }
    pcp_commit_free(z, *held, pages[i].p, pages[i].order);
  }
  if (held) pcp_unlock_for_free(*held, flags);
}

// drain_pages_zone(): everything on one CPU's list for one zone back to the
// buddy lists, a batch at a time; the count is read under the list's lock
// (6.x), so a remote drain never reads it while its owner changes it.  A
// remote list (another CPU's) is drained under its pcp->lock; under the
// irqsave discipline a remote drain is only right where one CPU runs at a
// time (no scheduler) or the remote CPU is stopped, which the SMP scheduler
// avoids by per-CPU work (drain_all_pages), and free-running mode refuses.
void world::drain_pages_zone(unsigned cpu, zone& z) {
  per_cpu_pages& pcp = cpus_[cpu].pcp[&z - zones_.data()];
  const bool remote = cpu != cpu_id();
  // Planted: a remote list is touched with no lock at all.
  const bool unlocked = planted(plant::pcp_remote_unlocked) && remote;
  const bool irqsave = config_.pcp == pcp_discipline::irqsave && (!remote || !sched_);
  // One CPU at a time (inline or scheduled), an empty list is skipped without
  // its lock, as the model did before free-running mode.
  if (!config_.free_running && pcp.count <= 0) return;
  for (unsigned rounds = 0; rounds < nr_pages(); ++rounds) {
    irq_flags_t flags = 0;
    if (unlocked)
      ;
    else if (irqsave)
      flags = local_irq_save();
    else
      spin_lock(pcp.lock);
    int count = pcp.count;
    if (count > 0) {
      pcp_enter(pcp, "drain");
      int to_drain = std::min(count, pcp.batch << 5);  // CONFIG_PCP_BATCH_SCALE_MAX = 5
      if constexpr (planted(plant::drain_loses_pages)) {
        if (!lists_.empty(pcp.lists[0])) {  // the last order-0 page is dropped, not freed
          uint32_t pfn = lists_.last(pcp.lists[0]);
          lists_.del(pfn);
          pages_[pfn].flags = 0;
          pcp.linked_pages -= 1;
          pcp.count -= 1;
          to_drain = std::min(to_drain, pcp.count);
        }
      }
      free_pcppages_bulk(z, to_drain, pcp);
      pcp_exit(pcp);
      count = pcp.count;
    }
    if (unlocked)
      ;
    else if (irqsave)
      local_irq_restore(flags);
    else
      spin_unlock(pcp.lock);
    if (count <= 0) break;
  }
}

void world::drain_local_pages() {
  for (zone& z : zones_) drain_pages_zone(cpu_id(), z);
}

// __drain_all_pages(): every CPU's lists.  Without a scheduler one CPU runs
// at a time, so a remote drain runs here (and in free-running mode, under the
// trylock discipline only, where the remote CPU runs at the same time).  With one: under the trylock
// discipline (6.x) remote lists are drained from here under their pcp->lock,
// as the kernel does since 5.19; under irqsave (<= 5.13) the kernel queues
// drain work on each CPU and flushes it, and so does the scheduler.
void world::drain_all_pages() {
  if (sched_ && config_.pcp == pcp_discipline::irqsave && !planted(plant::pcp_remote_unlocked)) {
    sched_->drain_all_pages_by_work();
    return;
  }
  for (unsigned cpu = 0; cpu < cpus_.size(); ++cpu)
    for (zone& z : zones_) drain_pages_zone(cpu, z);
}

}  // namespace labyrinth
