#include "props/client_program.h"

#include <functional>

#include "alloc/poison.h"
#include "faultinject/injector.h"
#include "faultinject/prng_source.h"

namespace labyrinth::props {
namespace {

struct violation_info {
  const char* name;
  const char* description;
};

constexpr violation_info violations[] = {
    {"none", "no violation"},
#define LABYRINTH_X(name, kind, description) {#name, description},
    LABYRINTH_VIOLATIONS(LABYRINTH_X)
#undef LABYRINTH_X
};

const char* step_kind_name(step_kind kind) {
  switch (kind) {
    case step_kind::allocate_blocking: return "allocate_blocking";
    case step_kind::allocate_atomic: return "allocate_atomic";
    case step_kind::free_one: return "free_one";
    case step_kind::atomic_under_irqsave_lock: return "atomic_under_irqsave_lock";
    case step_kind::atomic_in_bh_section: return "atomic_in_bh_section";
    case step_kind::page_cache: return "page_cache";
    case step_kind::map_or_unmap: return "map_or_unmap";
    case step_kind::memalloc_scope: return "memalloc_scope";
    case step_kind::drain: return "drain";
    case step_kind::get_and_put: return "get_and_put";
    case step_kind::schedule: return "schedule";
  }
  return "?";
}

constexpr gfp_t blocking_families[] = {GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_KERNEL | __GFP_ZERO,
                                       GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_DMA32, GFP_KERNEL | __GFP_NORETRY,
                                       GFP_KERNEL | __GFP_RETRY_MAYFAIL, GFP_KERNEL | __GFP_HIGH,
                                       GFP_KERNEL | __GFP_NOWARN};
constexpr gfp_t atomic_families[] = {GFP_ATOMIC, GFP_NOWAIT, GFP_ATOMIC | __GFP_NOMEMALLOC, GFP_ATOMIC | __GFP_DMA32,
                                     GFP_NOWAIT | __GFP_ZERO};
constexpr unsigned max_held = 200;
constexpr unsigned max_cache = 256;
constexpr unsigned client_mms = 4;  // the client maps into mm 0..3; plants use 5 and 6

struct held_block {
  page* p = nullptr;
  unsigned order = 0;
};

fi::fault_config program_faults(const client_program& program) {
  fi::fault_config config;
  auto set = [&config](fi::fault_site site, unsigned long probability) {
    config[site].probability = probability;
    config[site].times = -1;
    config[site].verbose = 0;
  };
  set(fi::fault_site::page_alloc, program.fault_percent);
  config[fi::fault_site::page_alloc].min_order = 0;
  config[fi::fault_site::page_alloc].ignore_gfp_wait = false;
  set(fi::fault_site::reclaim, program.fault_percent * 6);
  set(fi::fault_site::kswapd, program.fault_percent * 6);
  set(fi::fault_site::pcp_refill, program.fault_percent * 2);
  set(fi::fault_site::oom, program.fault_percent * 10);
  set(fi::fault_site::interrupt, program.irq_percent);
  return config;
}

world_config program_world(const client_program& program) {
  world_config config;
  config.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 1024}};
  config.pcp = program.discipline;
  config.page_bytes = 16;
  config.checks = check_level::full;
  config.oom_victim_pages = 16;
  return config;
}

class client_runner final : public interrupt_handler {
 public:
  explicit client_runner(const client_program& program)
      : program_(program),
        source_(program.seed),
        injector_(program_faults(program), source_),
        world_(program_world(program), sink_, &injector_),
        handler_random_(program.seed * 7919 + 1) {
    client_lock_ = world_.make_lock("client_lock");
    lock_a_ = world_.make_lock("planted_a");
    lock_b_ = world_.make_lock("planted_b");
    recursive_0_ = world_.make_lock("planted_recursive", 0);
    recursive_1_ = world_.make_lock("planted_recursive", 1);
    world_.set_interrupt_handler(this);
  }
  ~client_runner() override { world_.set_interrupt_handler(nullptr); }

  program_outcome run(violation planted, size_t position);
  void handle(world& w, interrupt_kind kind, irq_point point) override;

 private:
  unsigned below(unsigned bound) { return handler_random_.below(bound); }
  void step(const client_step& s);
  void allocate(gfp_t gfp, unsigned order);
  void free_held(size_t index);
  void free_one(uint16_t pick);
  void forget_reclaimed();
  page* take_order0_page();
  bool plant(violation v);
  bool plant_with_handler(interrupt_kind kind, const std::function<void()>& action);
  void teardown();

  client_program program_;
  report_sink sink_;
  fi::prng_source source_;
  fi::injector injector_;
  world world_;
  fi::prng_source handler_random_;
  std::vector<held_block> held_, irq_held_;
  std::vector<page*> cache_;
  spinlock_t client_lock_, lock_a_, lock_b_, recursive_0_, recursive_1_;
  std::function<void()> planted_action_;
  interrupt_kind planted_kind_ = interrupt_kind::hardirq;
};

// Interrupt handlers as a driver's would be: hardirqs allocate atomically,
// softirqs with GFP_NOWAIT and also free what task context handed over (like
// an RX ring); both free what they allocated earlier.  NMIs do nothing.
void client_runner::handle(world& w, interrupt_kind kind, irq_point) {
  if (planted_action_ && kind == planted_kind_) {
    std::function<void()> action = std::move(planted_action_);
    planted_action_ = nullptr;
    action();
    return;
  }
  if (kind == interrupt_kind::nmi) return;
  if (kind == interrupt_kind::softirq && !held_.empty() && below(2)) {
    const held_block block = held_.back();
    held_.pop_back();  // off the list first: a nested interrupt may run this handler again
    for (unsigned mm = 0; mm < client_mms; ++mm)
      if (block.p->mapped_mms & (1u << mm)) w.unmap_page(mm, block.p);
    w.__free_pages(block.p, block.order);
  }
  if (irq_held_.size() > 16 || (!irq_held_.empty() && below(2))) {
    const size_t index = below(static_cast<unsigned>(irq_held_.size()));
    const held_block block = irq_held_[index];
    irq_held_[index] = irq_held_.back();
    irq_held_.pop_back();
    w.__free_pages(block.p, block.order);
  } else {
    const unsigned order = below(3) == 0 ? 1 : 0;
    const gfp_t gfp = (kind == interrupt_kind::hardirq ? GFP_ATOMIC : GFP_NOWAIT) | (below(4) == 0 ? __GFP_ZERO : 0);
    if (page* p = w.alloc_pages(gfp, order)) irq_held_.push_back({p, order});
  }
}

void client_runner::allocate(gfp_t gfp, unsigned order) {
  if (held_.size() >= max_held) return free_one(0);
  if (page* p = world_.alloc_pages(gfp, order)) held_.push_back({p, order});
}

// Remove, then free: a nested interrupt may take from the same list.
void client_runner::free_held(size_t index) {
  const held_block block = held_[index];
  held_[index] = held_.back();
  held_.pop_back();
  for (unsigned mm = 0; mm < client_mms; ++mm)
    if (block.p->mapped_mms & (1u << mm)) world_.unmap_page(mm, block.p);
  world_.__free_pages(block.p, block.order);
}

void client_runner::free_one(uint16_t pick) {
  if (!held_.empty()) free_held(pick % held_.size());
}

void client_runner::forget_reclaimed() { world_.forget_reclaimed(cache_); }

void client_runner::step(const client_step& s) {
  world& w = world_;
  switch (s.kind) {
    case step_kind::allocate_blocking:
      allocate(blocking_families[s.choice % std::size(blocking_families)], s.order % 6);
      break;
    case step_kind::allocate_atomic:
      allocate(atomic_families[s.choice % std::size(atomic_families)], s.order % 2);
      break;
    case step_kind::free_one: free_one(s.pick); break;
    case step_kind::atomic_under_irqsave_lock: {
      const irq_flags_t flags = w.spin_lock_irqsave(client_lock_);
      page* p = w.alloc_pages(atomic_families[s.choice % std::size(atomic_families)], 0);
      w.interrupt_point(irq_point::lock_section);
      w.spin_unlock_irqrestore(client_lock_, flags);
      if (p) held_.push_back({p, 0});
      break;
    }
    case step_kind::atomic_in_bh_section: {
      w.local_bh_disable();
      page* p = w.alloc_pages(GFP_ATOMIC, 0);
      w.interrupt_point(irq_point::lock_section);
      w.local_bh_enable();
      if (p) held_.push_back({p, 0});
      break;
    }
    case step_kind::page_cache: {
      if (cache_.size() < max_cache && s.choice % 4 != 0) {
        constexpr gfp_t cache_gfp[] = {GFP_KERNEL, GFP_NOFS, GFP_NOIO};
        if (page* p = w.add_to_page_cache(cache_gfp[s.choice % 3], static_cast<page_cache_kind>(s.order % 3)))
          cache_.push_back(p);
      } else if (!cache_.empty()) {
        const size_t index = s.pick % cache_.size();
        page* p = cache_[index];
        cache_[index] = cache_.back();
        cache_.pop_back();
        w.remove_from_page_cache(p);
      }
      break;
    }
    case step_kind::map_or_unmap: {
      if (held_.empty()) break;
      page* p = held_[s.pick % held_.size()].p;
      const unsigned mm = s.choice % client_mms;
      if (p->mapped_mms & (1u << mm))
        w.unmap_page(mm, p);
      else
        w.map_anon_page(mm, p, (s.choice & 4) != 0);
      break;
    }
    case step_kind::memalloc_scope: {
      const unsigned which = s.choice % 3;
      const unsigned saved = which == 0 ? w.memalloc_noio_save() : which == 1 ? w.memalloc_nofs_save() : w.memalloc_noreclaim_save();
      allocate(blocking_families[s.pick % std::size(blocking_families)], s.order % 6);
      if (which == 0) w.memalloc_noio_restore(saved);
      else if (which == 1) w.memalloc_nofs_restore(saved);
      else w.memalloc_noreclaim_restore(saved);
      break;
    }
    case step_kind::drain:
      if (s.choice & 1) w.drain_all_pages();
      else w.drain_local_pages();
      break;
    case step_kind::get_and_put: {
      if (held_.empty()) break;
      page* p = held_[s.pick % held_.size()].p;
      w.get_page(p);
      w.put_page(p);
      break;
    }
    case step_kind::schedule: w.schedule_point(); break;
  }
}

// An order-0 page the client owns and no longer lists, for a plant.
page* client_runner::take_order0_page() {
  for (size_t i = 0; i < held_.size(); ++i) {
    if (held_[i].order != 0 || held_[i].p->mapped_mms != 0) continue;
    page* p = held_[i].p;
    held_[i] = held_.back();
    held_.pop_back();
    return p;
  }
  for (unsigned attempt = 0; attempt < 8; ++attempt) {
    if (page* p = world_.alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0)) return p;
    free_one(0);
  }
  return nullptr;
}

bool client_runner::plant_with_handler(interrupt_kind kind, const std::function<void()>& action) {
  planted_action_ = action;
  planted_kind_ = kind;
  const bool delivered = world_.deliver_interrupt(kind, irq_point::between_ops);
  const bool ran = delivered && !planted_action_;
  planted_action_ = nullptr;
  return ran;
}

// Commits the violation.  Returns whether it was committed.
bool client_runner::plant(violation v) {
  world& w = world_;
  switch (v) {
    case violation::none: return true;
    case violation::sleep_in_atomic: {
      w.spin_lock(lock_a_);
      page* p = w.alloc_pages(GFP_KERNEL, 0);
      w.spin_unlock(lock_a_);
      if (p) held_.push_back({p, 0});
      return true;
    }
    case violation::bad_page_state: {
      page* p = take_order0_page();
      if (!p) return false;
      w.__free_pages(p, 1);
      return true;
    }
    case violation::freed_while_mapped: {
      page* p = take_order0_page();
      if (!p) return false;
      w.map_anon_page(5, p, false);
      w.__free_pages(p, 0);  // the client's reference
      w.__free_pages(p, 0);  // the mapping's: the page reaches free_pages_prepare still mapped
      return true;
    }
    case violation::double_free: {
      page* p = take_order0_page();
      if (!p) return false;
      w.__free_pages(p, 0);
      w.__free_pages(p, 0);
      return true;
    }
    case violation::exclusive_mapped_twice: {
      page* p = take_order0_page();
      if (!p) return false;
      w.map_anon_page(5, p, false);
      w.map_anon_page(6, p, false);
      w.pages_for_test_only()[w.page_to_pfn(p)].flags |= PG_anon_exclusive;
      w.check_full();
      w.unmap_page(5, p);
      w.unmap_page(6, p);
      held_.push_back({p, 0});
      return true;
    }
    case violation::leak: {
      page* p = take_order0_page();
      return p != nullptr;  // and forgotten
    }
    case violation::free_list_corrupt: {
      for (unsigned zi = 0; zi < w.nr_zones(); ++zi)
        for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order) {
          const auto pfns = w.free_list_pfns(zi, order, MIGRATE_PCPTYPES_MERGED);
          if (pfns.empty()) continue;
          w.pfn_to_page(pfns.front())->order = static_cast<uint8_t>(order == MAX_PAGE_ORDER ? order - 1 : order + 1);
          return true;
        }
      return false;
    }
    case violation::pcp_corrupt: {
      for (unsigned attempt = 0; attempt < 2; ++attempt) {
        for (unsigned zi = 0; zi < w.nr_zones(); ++zi)
          for (unsigned order = 0; order < NR_PCP_LISTS; ++order) {
            const auto pfns = w.pcp_list_pfns(0, zi, order);
            if (pfns.empty()) continue;
            w.pfn_to_page(pfns.front())->flags &= ~PG_pcp;
            return true;
          }
        if (page* p = take_order0_page()) w.__free_pages(p, 0);  // puts one on a per-CPU list
      }
      return false;
    }
    case violation::counter_corrupt: w.zone_at(w.nr_zones() - 1).free_pages += 1; return true;
    case violation::memory_corruption: {
      for (unsigned zi = 0; zi < w.nr_zones(); ++zi)
        for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order) {
          const auto pfns = w.free_list_pfns(zi, order, MIGRATE_PCPTYPES_MERGED);
          if (pfns.empty()) continue;
          uint8_t* data = w.page_data(w.pfn_to_page(pfns.front()));
          unpoison_memory_region(data, w.config().page_bytes);
          data[0] ^= 0xff;
          poison_memory_region(data, w.config().page_bytes);
          w.check_full();
          return true;
        }
      return false;
    }
    case violation::nmi_unsafe:
      return plant_with_handler(interrupt_kind::nmi, [this] {
        if (page* p = world_.alloc_pages(GFP_ATOMIC, 0)) world_.__free_pages(p, 0);
      });
    case violation::lockdep_inconsistent:
      w.spin_lock(lock_a_);
      w.spin_unlock(lock_a_);
      return plant_with_handler(interrupt_kind::hardirq, [this] {
        world_.spin_lock(lock_a_);
        world_.spin_unlock(lock_a_);
      });
    case violation::lockdep_irq_order: {
      const bool ran = plant_with_handler(interrupt_kind::hardirq, [this] {
        world_.spin_lock(lock_a_);
        world_.spin_unlock(lock_a_);
      });
      w.spin_lock(lock_b_);
      w.spin_unlock(lock_b_);
      const irq_flags_t flags = w.spin_lock_irqsave(lock_a_);
      w.spin_lock(lock_b_);
      w.spin_unlock(lock_b_);
      w.spin_unlock_irqrestore(lock_a_, flags);
      return ran;
    }
    case violation::lockdep_circular:
      w.spin_lock(lock_a_);
      w.spin_lock(lock_b_);
      w.spin_unlock(lock_b_);
      w.spin_unlock(lock_a_);
      w.spin_lock(lock_b_);
      w.spin_lock(lock_a_);
      w.spin_unlock(lock_a_);
      w.spin_unlock(lock_b_);
      return true;
    case violation::lockdep_recursive:
      w.spin_lock(recursive_0_);
      w.spin_lock(recursive_1_);
      w.spin_unlock(recursive_1_);
      w.spin_unlock(recursive_0_);
      return true;
    case violation::deadlock:
      w.spin_lock(lock_a_);
      w.spin_lock(lock_a_);  // reports, then halts the run
      return true;
    case violation::lock_imbalance:
      w.preempt_disable();
      w.spin_unlock(lock_a_);  // not held: reported; its preempt_enable balances ours
      return true;
    case violation::context_imbalance:
      w.preempt_disable();
      w.check_quiescent();
      w.preempt_enable();
      return true;
    case violation::warning: {
      page* p = w.alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER + 1);
      if (p) held_.push_back({p, MAX_PAGE_ORDER + 1});
      return true;
    }
  }
  return false;
}

// Corruptions leave the world unfit to go on: the run stops after the check.
bool stops_after(violation v) {
  return v == violation::free_list_corrupt || v == violation::pcp_corrupt || v == violation::counter_corrupt ||
         v == violation::deadlock;
}

void client_runner::teardown() {
  world_.set_interrupt_handler(nullptr);
  while (!held_.empty()) free_held(held_.size() - 1);
  for (const held_block& block : irq_held_) world_.__free_pages(block.p, block.order);
  irq_held_.clear();
  world_.teardown_check();
}

program_outcome client_runner::run(violation planted, size_t position) {
  program_outcome outcome;
  position = std::min(position, program_.steps.size());
  try {
    for (size_t index = 0; index <= program_.steps.size(); ++index) {
      if (index == position && planted != violation::none) {
        world_.set_injector(nullptr);  // the plant itself sees no faults or interrupts
        world_.begin_operation();
        outcome.planted = planted == violation::deadlock;  // that plant halts the run inside plant()
        outcome.planted = plant(planted);
        world_.end_operation();
        world_.check_quiescent();
        world_.set_injector(&injector_);
        if (stops_after(planted)) break;
      }
      if (index == program_.steps.size()) {
        teardown();
        break;
      }
      world_.begin_operation();
      step(program_.steps[index]);
      forget_reclaimed();
      world_.interrupt_point(irq_point::between_ops);
      forget_reclaimed();
      world_.end_operation();
      world_.check_quiescent();
    }
  } catch (const run_halted&) {
    outcome.halted = true;
  }
  if (planted == violation::none) outcome.planted = true;
  outcome.reports = sink_.reports();
  outcome.allocations = world_.stats().allocations;
  for (uint64_t count : world_.stats().interrupts) outcome.interrupts += count;
  return outcome;
}

}  // namespace

const char* violation_name(violation v) { return violations[static_cast<unsigned>(v)].name; }
const char* violation_description(violation v) { return violations[static_cast<unsigned>(v)].description; }

report_kind violation_report(violation v) {
  switch (v) {
#define LABYRINTH_X(name, kind, description) \
  case violation::name: return report_kind::kind;
    LABYRINTH_VIOLATIONS(LABYRINTH_X)
#undef LABYRINTH_X
    case violation::none: break;
  }
  return report_kind::warning;
}

bool violation_allows(violation v, report_kind kind) {
  if (v == violation::none) return false;
  if (kind == violation_report(v)) return true;
  // lockdep sees the AA recursion before the spinlock's own debug check does.
  return v == violation::deadlock && kind == report_kind::lockdep_recursive;
}

std::ostream& operator<<(std::ostream& os, const client_step& step) {
  return os << step_kind_name(step.kind) << "(choice " << unsigned(step.choice) << ", order " << unsigned(step.order)
            << ", pick " << step.pick << ")";
}

std::ostream& operator<<(std::ostream& os, const client_program& program) {
  os << pcp_discipline_name(program.discipline) << " seed " << program.seed << " irq " << program.irq_percent
     << "% faults " << program.fault_percent << "%, " << program.steps.size() << " steps:";
  for (size_t i = 0; i < program.steps.size(); ++i) os << "\n  " << i << ": " << program.steps[i];
  return os;
}

program_outcome run_program(const client_program& program, violation planted, size_t position) {
  client_runner runner(program);
  return runner.run(planted, position);
}

}  // namespace labyrinth::props
