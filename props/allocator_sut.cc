#include "props/allocator_sut.h"

#include <bit>
#include <sstream>

namespace labyrinth::props {

world_config model_world_config(pcp_discipline discipline) {
  world_config config;
  config.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 1024}};
  config.pcp = discipline;
  config.page_bytes = 16;
  config.checks = check_level::full;
  config.oom_victim_pages = 16;
  return config;
}

allocator_sut::allocator_sut(pcp_discipline discipline) : allocator_sut(model_world_config(discipline)) {}

allocator_sut::allocator_sut(const world_config& config) : world_(std::make_unique<world>(config, sink_)) {
  task_lock_ = world_->make_lock("props_lock");
  task_irq_lock_ = world_->make_lock("props_lock_irq");
  irqsave_lock_ = world_->make_lock("props_lock_irqsave");
  task_bh_lock_ = world_->make_lock("props_lock_bh");
  hardirq_lock_ = world_->make_lock("props_hardirq_lock");
  softirq_lock_ = world_->make_lock("props_softirq_lock");
  world_->set_interrupt_handler(this);
}

allocator_sut::~allocator_sut() {
  world_->set_interrupt_handler(nullptr);
  world_->set_injector(nullptr);
}

allocator_sut::section_state allocator_sut::enter_section(section_choice section) {
  section_state state;
  state.kind = section;
  world& w = *world_;
  switch (section) {
    case section_choice::none: break;
    case section_choice::spin_lock: {
      context_kind context = w.current_context();
      state.lock = context == context_kind::hardirq ? &hardirq_lock_
                   : context == context_kind::softirq ? &softirq_lock_
                                                      : &task_lock_;
      w.spin_lock(*state.lock);
      break;
    }
    case section_choice::spin_lock_irq: w.spin_lock_irq(task_irq_lock_); break;
    case section_choice::spin_lock_irqsave: state.flags = w.spin_lock_irqsave(irqsave_lock_); break;
    case section_choice::spin_lock_bh: w.spin_lock_bh(task_bh_lock_); break;
    case section_choice::local_bh_disable: w.local_bh_disable(); break;
    case section_choice::preempt_disable: w.preempt_disable(); break;
    case section_choice::rcu_read_lock: w.rcu_read_lock(); break;
    case section_choice::local_irq_save: state.flags = w.local_irq_save(); break;
  }
  return state;
}

void allocator_sut::leave_section(const section_state& state) {
  world& w = *world_;
  switch (state.kind) {
    case section_choice::none: break;
    case section_choice::spin_lock: w.spin_unlock(*state.lock); break;
    case section_choice::spin_lock_irq: w.spin_unlock_irq(task_irq_lock_); break;
    case section_choice::spin_lock_irqsave: w.spin_unlock_irqrestore(irqsave_lock_, state.flags); break;
    case section_choice::spin_lock_bh: w.spin_unlock_bh(task_bh_lock_); break;
    case section_choice::local_bh_disable: w.local_bh_enable(); break;
    case section_choice::preempt_disable: w.preempt_enable(); break;
    case section_choice::rcu_read_lock: w.rcu_read_unlock(); break;
    case section_choice::local_irq_save: w.local_irq_restore(state.flags); break;
  }
}

void allocator_sut::run_in_section(section_choice section, const std::function<void()>& op) {
  section_state state = enter_section(section);
  op();
  leave_section(state);
}

namespace {

interrupt_kind interrupt_of(context_choice context) {
  switch (context) {
    case context_choice::softirq: return interrupt_kind::softirq;
    case context_choice::nmi: return interrupt_kind::nmi;
    default: return interrupt_kind::hardirq;
  }
}

context_kind context_kind_of(context_choice context) {
  switch (context) {
    case context_choice::softirq: return context_kind::softirq;
    case context_choice::hardirq: return context_kind::hardirq;
    case context_choice::nmi: return context_kind::nmi;
    default: return context_kind::task;
  }
}

}  // namespace

std::string allocator_sut::perform(const where& place, const std::function<void()>& op) {
  if (halted_) return {};
  world_->begin_operation();
  std::string problem;
  try {
    if (place.context == context_choice::task) {
      run_in_section(place.section, op);
    } else {
      const context_kind expected = context_kind_of(place.context);
      pending_ = [this, place, op, expected] {
        if (world_->current_context() != expected)
          handler_problem_ += std::string("the handler ran in ") + context_kind_name(world_->current_context()) +
                              " context, expected " + context_kind_name(expected) + "\n";
        run_in_section(place.section, op);
      };
      pending_kind_ = interrupt_of(place.context);
      pending_ran_ = false;
      handler_problem_.clear();
      section_state outer = enter_section(place.interrupted);
      const bool delivered = world_->deliver_interrupt(pending_kind_, irq_point::between_ops);
      leave_section(outer);
      pending_ = nullptr;
      if (!delivered) problem += std::string("the world refused to deliver a ") + interrupt_kind_name(pending_kind_) + "\n";
      else if (!pending_ran_) problem += std::string("the ") + interrupt_kind_name(pending_kind_) + " handler never ran\n";
      problem += handler_problem_;
    }
    forget_reclaimed_cache();
  } catch (const run_halted&) {
    halted_ = true;
    pending_ = nullptr;
  }
  return problem;
}

void allocator_sut::handle(world& w, interrupt_kind kind, irq_point) {
  if (pending_ && kind == pending_kind_) {
    std::function<void()> op = std::move(pending_);
    pending_ = nullptr;
    pending_ran_ = true;
    op();
    return;
  }
  // An interrupt the armed irq site delivered at some interrupt point: a
  // self-contained atomic allocation and free, so that the caller's ownership
  // does not change.  NMI handlers do not allocate.
  if (kind == interrupt_kind::nmi) return;
  if (page* p = w.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0)) w.__free_pages(p, 0);
}

page* allocator_sut::slot_page(uint32_t id) const {
  auto it = slots_.find(id);
  return it == slots_.end() ? nullptr : it->second;
}
void allocator_sut::set_slot_page(uint32_t id, page* p) { slots_[id] = p; }
void allocator_sut::forget_slot(uint32_t id) { slots_.erase(id); }

page* allocator_sut::cache_page(uint32_t id) const {
  auto it = cache_.find(id);
  return it == cache_.end() ? nullptr : it->second;
}

// A page is in the page cache at most once: if the new entry's page is an
// old entry's, the old one was reclaimed (and its page reused) meanwhile.
void allocator_sut::set_cache_page(uint32_t id, page* p) {
  if (p)
    for (auto& [other, other_page] : cache_)
      if (other_page == p) other_page = nullptr;
  cache_[id] = p;
  cache_generation_[id] = p ? world_->owner(world_->page_to_pfn(p)).allocations : 0;
}
void allocator_sut::forget_cache(uint32_t id) {
  cache_.erase(id);
  cache_generation_.erase(id);
}

// Reclaim takes page cache pages behind the caller's back.
void allocator_sut::forget_reclaimed_cache() {
  for (auto& [id, p] : cache_)
    if (p && !world_->in_page_cache(p)) p = nullptr;
}

bool allocator_sut::overlaps_held(uint32_t pfn, unsigned order) const {
  const uint32_t end = pfn + (1u << order);
  for (const auto& [id, p] : slots_) {
    if (!p) continue;
    const uint32_t start = world_->page_to_pfn(p);
    if (start < end && pfn < start + (1u << p->order)) return true;
  }
  for (const auto& [id, p] : cache_) {
    if (!p) continue;
    const uint32_t start = world_->page_to_pfn(p);
    auto generation = cache_generation_.find(id);
    if (generation != cache_generation_.end() && world_->owner(start).allocations != generation->second) continue;
    if (start >= pfn && start < end) return true;
  }
  return false;
}

void allocator_sut::push_scope(scope_kind kind) {
  unsigned saved = 0;
  switch (kind) {
    case scope_kind::noio: saved = world_->memalloc_noio_save(); break;
    case scope_kind::nofs: saved = world_->memalloc_nofs_save(); break;
    case scope_kind::noreclaim: saved = world_->memalloc_noreclaim_save(); break;
  }
  scope_saved_.push_back(saved);
  scope_kinds_.push_back(kind);
}

void allocator_sut::pop_scope() {
  if (scope_kinds_.empty()) return;
  const unsigned saved = scope_saved_.back();
  switch (scope_kinds_.back()) {
    case scope_kind::noio: world_->memalloc_noio_restore(saved); break;
    case scope_kind::nofs: world_->memalloc_nofs_restore(saved); break;
    case scope_kind::noreclaim: world_->memalloc_noreclaim_restore(saved); break;
  }
  scope_saved_.pop_back();
  scope_kinds_.pop_back();
}

// A fresh injector with one armed site, swapped in between operations.
void allocator_sut::arm(const fault_arming& arming) {
  fi::fault_config config;
  fi::fault_attr_config& attr = config[arming.site];
  attr.fail_nth = arming.nth;
  attr.fail_nth_sticky = arming.sticky;
  attr.contexts = fi::context_filter::any;
  attr.verbose = 0;
  if (arming.site == fi::fault_site::page_alloc) {
    attr.min_order = 0;
    attr.ignore_gfp_wait = false;
    attr.ignore_gfp_highmem = false;
  }
  std::vector<fi::plan_entry> plan;
  constexpr uint64_t planned_answers = 16;
  for (uint64_t nth = 1; nth <= planned_answers; ++nth) {
    if (arming.site == fi::fault_site::interrupt)
      plan.push_back({fi::decision_kind::interrupt, arming.site, nth, arming.answer});
    if (arming.site == fi::fault_site::reclaim || arming.site == fi::fault_site::kswapd)
      plan.push_back({fi::decision_kind::outcome, arming.site, nth, arming.answer});
  }
  auto source = std::make_unique<fi::plan_source>(std::move(plan));
  auto injector = std::make_unique<fi::injector>(config, *source);
  world_->set_injector(injector.get());
  injector_ = std::move(injector);
  source_ = std::move(source);
}

snapshot allocator_sut::take_snapshot() const {
  snapshot s;
  s.stats = world_->stats();
  for (unsigned zi = 0; zi < world_->nr_zones(); ++zi) s.free_pages.push_back(world_->zone_at(zi).free_pages);
  return s;
}

std::string allocator_sut::reports_text() const {
  std::string text;
  for (const report& r : sink_.reports()) text += r.text();
  return text;
}

std::string allocator_sut::check_slot(const slot_state& slot, page* p) const {
  std::ostringstream out;
  const int mappings = std::popcount(slot.mapped_mms);
  const int refcount = 1 + mappings + static_cast<int>(slot.extra_refs);
  const uint32_t pfn = world_->page_to_pfn(p);
  if (!(p->flags & PG_allocated) || (p->flags & (PG_buddy | PG_pcp | PG_lru | PG_bad)))
    out << "slot #" << slot.id << " pfn " << pfn << ": flags " << std::hex << p->flags << std::dec
        << ", expected an allocated page\n";
  if (p->order != slot.order) out << "slot #" << slot.id << ": order " << unsigned(p->order) << ", expected " << slot.order << "\n";
  if (p->refcount != refcount) out << "slot #" << slot.id << ": refcount " << p->refcount << ", expected " << refcount << "\n";
  if (p->mapcount != mappings - 1) out << "slot #" << slot.id << ": mapcount " << p->mapcount << ", expected " << mappings - 1 << "\n";
  if (p->mapped_mms != slot.mapped_mms)
    out << "slot #" << slot.id << ": mapped by mms " << std::hex << p->mapped_mms << ", expected " << slot.mapped_mms << std::dec << "\n";
  if (((p->flags & PG_anon_exclusive) != 0) != slot.exclusive)
    out << "slot #" << slot.id << ": PageAnonExclusive " << ((p->flags & PG_anon_exclusive) != 0) << ", expected " << slot.exclusive << "\n";
  return out.str();
}

// Every allocated page is the caller's, the page cache's or the OOM victim's:
// the world hands out nothing the caller does not hold.
std::string allocator_sut::check_conservation(const allocator_model& model) const {
  uint64_t held = 0, cache_entries = 0;
  for (const slot_state& slot : model.slots)
    if (slot_page(slot.id)) held += uint64_t{1} << slot.order;
  for (const auto& [id, p] : cache_) cache_entries += p ? 1 : 0;
  uint64_t allocated_other = 0, cache_pages = 0;
  for (uint32_t pfn = 0; pfn < world_->nr_pages(); ++pfn) {
    const page* p = world_->pfn_to_page(pfn);
    if (!(p->flags & PG_allocated)) continue;
    if (p->flags & PG_lru) cache_pages += uint64_t{1} << p->order;
    else if (!(p->flags & PG_oom_victim)) allocated_other += uint64_t{1} << p->order;
  }
  std::ostringstream out;
  if (allocated_other != held)
    out << "the world has " << allocated_other << " pages allocated outside the page cache and the OOM victim; the caller holds " << held << "\n";
  if (cache_pages != cache_entries || cache_pages != world_->page_cache_pages())
    out << "page cache: " << cache_pages << " pages in the world, " << world_->page_cache_pages() << " counted, "
        << cache_entries << " held by the caller\n";
  return out.str();
}

void allocator_sut::finish_operation() {
  if (halted_) return;
  world_->end_operation();
  world_->check_quiescent();
}

std::string allocator_sut::check_after(const allocator_model& model) {
  last_model_ = model;
  finish_operation();
  if (sink_.bug_count() > 0) return "oracle reports:\n" + reports_text();
  if (halted_) return {};
  std::string out;
  for (const slot_state& slot : model.slots)
    if (page* p = slot_page(slot.id)) out += check_slot(slot, p);
  for (const auto& [id, p] : slots_)
    if (!model.find_slot(id)) out += "the system holds slot #" + std::to_string(id) + " that the model freed\n";
  out += check_conservation(model);
  return out;
}

std::string allocator_sut::teardown(const allocator_model& model) {
  if (halted_) return {};
  world_->set_injector(nullptr);
  world_->begin_operation();
  while (!scope_kinds_.empty()) pop_scope();
  for (const slot_state& slot : model.slots) {
    page* p = slot_page(slot.id);
    if (!p) continue;
    for (unsigned mm = 0; mm < model_mms; ++mm)
      if (slot.mapped_mms & (1u << mm)) world_->unmap_page(mm, p);
    for (unsigned ref = 0; ref < slot.extra_refs; ++ref) world_->put_page(p);
    forget_slot(slot.id);
    world_->__free_pages(p, slot.order);
  }
  world_->end_operation();
  world_->teardown_check();
  if (sink_.bug_count() > 0) return "oracle reports at teardown:\n" + reports_text();
  return {};
}

}  // namespace labyrinth::props
