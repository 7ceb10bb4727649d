// Structural invariants, in two tiers:
//  - incremental (O(1) amortized per operation): the pages an allocation hands
//    out, the zone and per-CPU counters against their shadows;
//  - full (O(pages)): every free list, per-CPU list and allocation walked,
//    every page covered exactly once, no unmerged buddies, poison intact.
// And the teardown check: after releasing everything, no page may be missing.
#include <algorithm>
#include <cstdio>
#include <map>

#include "alloc/page_scan.h"
#include "alloc/poison.h"
#include "alloc/world.h"

namespace labyrinth {

// check_new_page(): what must hold of a block about to be handed out.
void world::check_page_allocatable(page* p, unsigned order) {
  const uint32_t count = 1u << order;
  for (uint32_t i = first_page_to_check(p, count, PG_allocated | PAGE_FLAGS_CHECK_AT_PREP); i < count; ++i) {
    page& pg = p[i];
    if (pg.flags & PG_allocated) {
      char title[160];
      std::snprintf(title, sizeof title, "BUG: page allocated twice pfn:%05x", page_to_pfn(&pg));
      report(report_kind::page_allocated_twice, title, "it is still owned by:\n" + page_dump(&pg));
      return;
    }
    const char* reason = nullptr;
    if (pg.refcount != 0) reason = "nonzero _refcount";
    else if (pg.mapcount != -1) reason = "nonzero mapcount";
    else if (pg.flags & PAGE_FLAGS_CHECK_AT_PREP) reason = "PAGE_FLAGS_CHECK_AT_PREP flag(s) set";
    if (reason) {
      char title[200];
      std::snprintf(title, sizeof title, "BUG: Bad page state in process %s  pfn:%05x", current().comm.c_str(),
                    page_to_pfn(&pg));
      report(report_kind::bad_page_state, title, page_dump(&pg) + "page dumped because: " + reason + " (at allocation)\n");
      return;
    }
  }
}

// Whether [p, p + count) lies inside the page array: the unsanitized bulk
// loops (page_scan.h) run only over ranges that do.
bool world::pages_inside(const page* p, uint32_t count) const {
  const page* end = pages_.data() + pages_.size();
  return p >= pages_.data() && p <= end && count <= static_cast<size_t>(end - p);
}

// Where the per-page loop over [p, p + count) must start: at the first page
// in use (one unsanitized scan, so a block whose pages are all as expected
// costs no per-page sanitizer checks), or at p when the range is not inside
// the page array (the loop then overruns under ASan's eye, as it always did).
uint32_t world::first_page_to_check(const page* p, uint32_t count, uint32_t flag_mask) const {
  return pages_inside(p, count) ? first_page_in_use(p, count, flag_mask) : 0;
}

void world::check_counters(const zone& z) {
  long listed = 0;
  for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order) listed += static_cast<long>(z.area[order].nr_free() << order);
  if (listed == z.free_pages && z.free_pages >= 0 && z.free_pages <= static_cast<long>(z.managed_pages)) return;
  char title[200];
  std::snprintf(title, sizeof title, "BUG: page counter corrupt: zone %s NR_FREE_PAGES %ld, free lists hold %ld",
                z.name(), z.free_pages.load(), listed);
  report(report_kind::counter_corrupt, title);
}

void world::begin_operation() { op_index_.fetch_add(1); }

void world::check_pcp_counters(const cpu_state& cpu, unsigned zone_index) {
  const per_cpu_pages& pcp = cpu.pcp[zone_index];
  if (pcp.count == pcp.linked_pages && pcp.count >= 0) return;
  char title[200];
  std::snprintf(title, sizeof title, "BUG: page counter corrupt: CPU%u zone %s pcp->count %d, lists hold %d pages",
                cpu.id, zones_[zone_index].name(), pcp.count, pcp.linked_pages);
  report(report_kind::counter_corrupt, title);
}

void world::end_operation() {
  if (config_.checks == check_level::none) return;
  if (config_.free_running) {
    end_operation_free_running();
    return;
  }
  // With several CPUs, another CPU may be half-way through an update under
  // its lock (switched out at an interleaving point): its zone or list is
  // checked when it is consistent again, not now.
  const int16_t self = static_cast<int16_t>(current_cpu_);
  for (const zone& z : zones_)
    if (z.lock.owner_cpu < 0 || z.lock.owner_cpu == self) check_counters(z);
  for (const cpu_state& cpu : cpus_)
    for (unsigned zi = 0; zi < zones_.size(); ++zi) {
      const per_cpu_pages& pcp = cpu.pcp[zi];
      if ((pcp.in_use && cpu.id != current_cpu_) || (pcp.lock.owner_cpu >= 0 && pcp.lock.owner_cpu != self)) continue;
      check_pcp_counters(cpu, zi);
    }
  if (config_.checks == check_level::full) check_full();
}

// Free-running: the counters are read under the locks that guard them
// (zone->lock; this CPU's pcp->lock, which remote drains take), only this
// CPU's lists are checked, and the full walk waits for quiescence.
void world::end_operation_free_running() {
  for (zone& z : zones_) {
    irq_flags_t flags = spin_lock_irqsave(z.lock);
    check_counters(z);
    spin_unlock_irqrestore(z.lock, flags);
  }
  cpu_state& cpu = this_cpu();
  for (unsigned zi = 0; zi < zones_.size(); ++zi) {
    spin_lock(cpu.pcp[zi].lock);
    check_pcp_counters(cpu, zi);
    spin_unlock(cpu.pcp[zi].lock);
  }
}

// Free-running: another CPU may be draining this CPU's list under its
// pcp->lock right now, so in_use is read under that lock (where only this
// CPU's own unfinished section could have left it set).
bool world::pcp_busy_free_running() {
  bool busy = false;
  for (unsigned zi = 0; zi < zones_.size(); ++zi) {
    per_cpu_pages& pcp = this_cpu().pcp[zi];
    spin_lock(pcp.lock);
    busy |= pcp.in_use;
    spin_unlock(pcp.lock);
  }
  return busy;
}

void world::check_quiescent() {
  const cpu_state& cpu = this_cpu();
  bool context_ok = cpu.preempt_count == 0 && !cpu.irqs_disabled && cpu.held_count == 0 && cpu.rcu_read_depth == 0 &&
                    cpu.interrupt_depth == 0;
  bool pcp_busy = false;
  if (config_.free_running) {
    if (context_ok) pcp_busy = pcp_busy_free_running();
  } else {
    // (A list another CPU is draining under its pcp->lock is that CPU's business.)
    for (const per_cpu_pages& pcp : cpu.pcp)
      pcp_busy |= pcp.in_use && (pcp.lock.owner_cpu < 0 || pcp.lock.owner_cpu == static_cast<int16_t>(cpu.id));
  }
  if (context_ok && !pcp_busy) return;
  char title[200];
  std::snprintf(title, sizeof title,
                "BUG: context imbalance: returned to task context with preempt_count %x, irqs_disabled %d, %u lock(s) "
                "held, RCU depth %u",
                cpu.preempt_count, cpu.irqs_disabled ? 1 : 0, cpu.held_count, cpu.rcu_read_depth);
  report(report_kind::context_imbalance, title);
}

namespace {

// How the blocks the full walk found cover pfns [0, nr_pages): pages covered
// by none (lost), by more than one (doubled), and the first page of either.
struct coverage {
  uint32_t lost = 0, doubled = 0, first_bad = 0;
};

// A sweep over the blocks' starts and ends (sorted): the number of blocks
// covering a page changes only there.  O(blocks log blocks), not O(pages).
template <class range>
coverage coverage_of(const std::vector<range>& blocks, uint32_t nr_pages,
                     std::vector<std::pair<uint32_t, int>>& edges) {  // (pfn, +1 start / -1 end)
  edges.clear();
  edges.reserve(2 * blocks.size() + 1);
  for (const range& b : blocks) {
    edges.emplace_back(b.pfn, 1);
    edges.emplace_back(b.pfn + b.count, -1);
  }
  edges.emplace_back(nr_pages, 0);
  std::sort(edges.begin(), edges.end());
  coverage c;
  uint32_t at = 0;
  int depth = 0;
  for (const auto& [pfn, delta] : edges) {
    const uint32_t end = std::min(pfn, nr_pages);
    if (end > at && depth != 1) {
      if (c.lost + c.doubled == 0) c.first_bad = at;
      (depth == 0 ? c.lost : c.doubled) += end - at;
    }
    at = std::max(at, end);
    depth += delta;
  }
  return c;
}

}  // namespace

bool world::check_full_zone(unsigned zi, std::vector<page_range>& cover) {
  zone& z = zones_[zi];
  long listed = 0;
  char title[240];
  for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order) {
    for (unsigned mt = 0; mt < MIGRATE_TYPES; ++mt) {
      uint32_t head = z.area[order].free_list[mt];
      unsigned long blocks = 0;
      for (uint32_t n = lists_.first(head); n != head; n = lists_.next(n)) {
        const char* problem = nullptr;
        if (!lists_.valid(n) || lists_.is_head(n)) problem = "link leaves the list";
        else if (blocks > nr_pages()) problem = "list does not end";
        if (problem) {
          std::snprintf(title, sizeof title, "BUG: free list corrupt: zone %s order %u list %u: %s", z.name(), order, mt, problem);
          report(report_kind::free_list_corrupt, title);
          return false;
        }
        const page& p = pages_[n];
        if (!(p.flags & PG_buddy)) problem = "page on a free list without PG_buddy";
        else if (p.order != order) problem = "page order differs from its free list's";
        else if (n & ((1u << order) - 1)) problem = "block not aligned to its order";
        else if (n < z.zone_start_pfn || n + (1u << order) > z.end_pfn()) problem = "block outside its zone";
        else if (pageblock_mt(z, n) != mt) problem = "block on the list of another migratetype";
        else if (p.refcount != 0 || p.mapcount != -1) problem = "free page with references or mappings";
        else if (lists_.links(lists_.next(n)).prev != n) problem = "broken prev link";
        if (problem) {
          std::snprintf(title, sizeof title, "BUG: free list corrupt: pfn:%05x zone %s order %u: %s", n, z.name(), order, problem);
          report(report_kind::free_list_corrupt, title, page_dump(&p));
          return false;
        }
        cover.push_back({n, 1u << order});
        if (order < pageblock_order) {
          uint32_t buddy = n ^ (1u << order);
          if (buddy >= z.zone_start_pfn && buddy < z.end_pfn() && (pages_[buddy].flags & PG_buddy) && pages_[buddy].order == order) {
            std::snprintf(title, sizeof title, "BUG: free list corrupt: free buddies pfn:%05x and pfn:%05x of order %u not merged", n, buddy, order);
            report(report_kind::free_list_corrupt, title);
            return false;
          }
        }
        ++blocks;
        listed += 1L << order;
      }
      if (blocks != z.area[order].nr_free_list[mt]) {
        std::snprintf(title, sizeof title, "BUG: page counter corrupt: zone %s order %u list %u holds %lu blocks, nr_free says %lu",
                      z.name(), order, mt, blocks, z.area[order].nr_free_list[mt].load());
        report(report_kind::counter_corrupt, title);
      }
    }
  }
  if (listed != z.free_pages) {
    std::snprintf(title, sizeof title, "BUG: page counter corrupt: zone %s NR_FREE_PAGES %ld, free lists hold %ld", z.name(), z.free_pages.load(), listed);
    report(report_kind::counter_corrupt, title);
  }
  return true;
}

bool world::check_full_pcp(std::vector<page_range>& cover) {
  char title[200];
  for (const cpu_state& cpu : cpus_) {
    for (size_t zi = 0; zi < zones_.size(); ++zi) {
      const per_cpu_pages& pcp = cpu.pcp[zi];
      int pages_listed = 0;
      for (unsigned order = 0; order < NR_PCP_LISTS; ++order) {
        uint32_t head = pcp.lists[order];
        unsigned steps = 0;
        for (uint32_t n = lists_.first(head); n != head; n = lists_.next(n), ++steps) {
          const char* problem = nullptr;
          if (!lists_.valid(n) || lists_.is_head(n) || steps > nr_pages()) problem = "list link broken";
          else if (!(pages_[n].flags & PG_pcp)) problem = "page without PG_pcp";
          else if (pages_[n].order != order) problem = "order differs from its list's";
          else if (pages_[n].zone != zi) problem = "page of another zone";
          else if (pages_[n].refcount != 0 || pages_[n].mapcount != -1) problem = "page with references or mappings";
          if (problem) {
            std::snprintf(title, sizeof title, "BUG: per-cpu page list corrupt: CPU%u zone %s order %u: %s", cpu.id,
                          zones_[zi].name(), order, problem);
            report(report_kind::pcp_corrupt, title, lists_.valid(n) && !lists_.is_head(n) ? page_dump(&pages_[n]) : "");
            return false;
          }
          cover.push_back({n, std::min(1u << order, nr_pages() - n)});
          pages_listed += 1 << order;
        }
      }
      if (pages_listed != pcp.count) {
        std::snprintf(title, sizeof title, "BUG: page counter corrupt: CPU%u zone %s pcp->count %d, lists hold %d pages",
                      cpu.id, zones_[zi].name(), pcp.count, pages_listed);
        report(report_kind::counter_corrupt, title);
      }
    }
  }
  return true;
}

// check_full's look at one allocated block: references against mappings,
// and the pages it covers.
void world::check_allocated_page(uint32_t pfn, std::vector<page_range>& cover, unsigned long& cache_pages) {
  const page& p = pages_[pfn];
  if (p.flags & PG_lru) ++cache_pages;
  const char* problem = nullptr;
  if (p.refcount <= 0) problem = "allocated page with no reference";
  else if (p.mapcount + 1 > p.refcount) problem = "more mappings than references";
  else if ((p.flags & PG_anon_exclusive) && p.mapcount != 0) problem = "exclusive page with more than one mapping";
  if (problem) {
    char title[200];
    std::snprintf(title, sizeof title, "%s pfn:%05x: %s",
                  (p.flags & PG_anon_exclusive) && p.mapcount > 0 ? "BUG: exclusive page mapped twice" : "BUG: Bad page state",
                  pfn, problem);
    report((p.flags & PG_anon_exclusive) && p.mapcount > 0 ? report_kind::exclusive_mapped_twice : report_kind::bad_page_state,
           title, page_dump(&p));
  }
  cover.push_back({pfn, std::min(1u << p.order, nr_pages() - pfn)});
}

void world::check_full() {
  std::vector<uint32_t>& flagged = scratch_.flagged;
  flagged.clear();
  pages_with_flags(pages_.data(), nr_pages(), PG_allocated | PG_bad, flagged);
  check_full(flagged);
}

void world::check_full(const std::vector<uint32_t>& flagged) {
  std::vector<page_range>& cover = scratch_.cover;
  cover.clear();
  bool walked_everything = true;
  for (unsigned zi = 0; zi < zones_.size(); ++zi) walked_everything &= check_full_zone(zi, cover);
  walked_everything &= check_full_pcp(cover);
  unsigned long cache_pages = 0;
  char title[200];
  for (uint32_t pfn : flagged) {
    const page& p = pages_[pfn];
    if (p.flags & PG_bad) cover.push_back({pfn, 1});
    if (p.flags & PG_allocated) check_allocated_page(pfn, cover, cache_pages);
  }
  const coverage c = coverage_of(cover, nr_pages(), scratch_.edges);
  const uint32_t lost = c.lost, doubled = c.doubled, first_bad = c.first_bad;
  if (doubled) {
    std::snprintf(title, sizeof title, "BUG: free list corrupt: %u pages are in two places at once (first pfn:%05x)", doubled, first_bad);
    report(report_kind::free_list_corrupt, title, page_dump(&pages_[first_bad]));
  }
  // A walk that stopped at a corruption (reported above) did not count the
  // pages after it: they are not lost.
  if (lost && walked_everything) {
    std::snprintf(title, sizeof title, "BUG: leak: %u pages lost: neither free, on a per-CPU list, nor allocated (first pfn:%05x)",
                  lost, first_bad);
    report(report_kind::leak, title, page_dump(&pages_[first_bad]));
  }
  if (cache_pages != page_cache_pages_) {
    std::snprintf(title, sizeof title, "BUG: page counter corrupt: %lu page cache pages counted, %lu found", page_cache_pages_.load(), cache_pages);
    report(report_kind::counter_corrupt, title);
  }
  if (!config_.poison) return;
  for (const zone& z : zones_) {
    for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order) {
      for (unsigned mt = 0; mt < MIGRATE_TYPES; ++mt) {
        uint32_t head = z.area[order].free_list[mt];
        for (uint32_t n = lists_.first(head); n != head && lists_.valid(n) && !lists_.is_head(n); n = lists_.next(n)) {
          size_t bytes = (size_t(1) << order) * config_.page_bytes;
          size_t bad = first_non_poison_byte(page_data(&pages_[n]), bytes);
          if (bad == bytes) continue;
          std::snprintf(title, sizeof title, "pagealloc: memory corruption in free pfn:%05zx offset %zu",
                        n + bad / config_.page_bytes, bad % config_.page_bytes);
          report(report_kind::memory_corruption, title, page_dump(&pages_[n]));
          return;
        }
      }
    }
  }
}

void world::teardown_check() {
  check_quiescent();
  while (!lists_.empty(page_cache_lru_)) {
    uint32_t pfn = lists_.first(page_cache_lru_);
    if (!remove_from_page_cache(&pages_[pfn])) {
      lists_.del(pfn);  // not a live cache page: reported by check_full below
      --page_cache_pages_;
    }
  }
  exit_oom_victim_mm();  // the victim process exits
  drain_all_pages();
  // Owners of what is still allocated, grouped as page_owner would print them.
  std::map<std::string, uint32_t> owners;
  uint32_t leaked = 0, bad_pages = 0;
  std::vector<uint32_t>& flagged = scratch_.flagged;
  flagged.clear();
  pages_with_flags(pages_.data(), nr_pages(), PG_allocated | PG_bad, flagged);
  for (uint32_t pfn : flagged) {
    const page& p = pages_[pfn];
    bad_pages += (p.flags & PG_bad) ? 1 : 0;  // check_full below changes no flags
    if (!(p.flags & PG_allocated)) continue;
    const page_owner& o = owners_[pfn];
    char owner[200];
    std::snprintf(owner, sizeof owner, "order %u %s, op #%llu in %s", o.order, format_gfp(o.gfp).c_str(),
                  static_cast<unsigned long long>(o.op_index), context_kind_name(context_of(o.preempt_count)));
    owners[owner] += 1u << p.order;
    leaked += 1u << p.order;
  }
  if (leaked) {
    std::string details;
    for (const auto& [owner, count] : owners) details += "  " + std::to_string(count) + " pages: " + owner + "\n";
    report(report_kind::leak, "BUG: leak: " + std::to_string(leaked) + " pages still allocated at teardown (owner: " +
                                  owners.begin()->first + ")",
           details);
  }
  check_full(flagged);  // (the leak count above changed no flags)
  // No lost fragments: with everything free, the free lists are the initial
  // ones.  A highatomic reservation legitimately leaves pageblocks unmerged,
  // so then only the total is compared.
  long free_total = 0, managed_total = 0;
  for (const zone& z : zones_) {
    free_total += z.free_pages;
    managed_total += z.managed_pages;
  }
  if (leaked || bad_pages) return;
  if (free_total != managed_total) {
    report(report_kind::leak, "BUG: leak: " + std::to_string(managed_total - free_total) +
                                  " pages missing from the free lists after everything was freed");
  } else if (stats().highatomic_reserved == 0) {
    free_list_signature_into(scratch_.signature);
    if (scratch_.signature != initial_signature_)
      report(report_kind::free_list_corrupt,
             "BUG: free list corrupt: after everything was freed the free lists differ from the initial ones (unmerged fragments)");
  }
}

}  // namespace labyrinth
