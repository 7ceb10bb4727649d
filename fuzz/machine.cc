// The machine's core: steps, the client's pages, sections, operations,
// handler dispatch, the task program and the final release.
#include "fuzz/machine.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "alloc/poison.h"

namespace labyrinth::fuzz::detail {
namespace {

size_t bytes_of(const world& w, unsigned order) { return (size_t(1) << order) * w.config().page_bytes; }

}  // namespace

size_t machine::begin_step(step_type type, list_id list, unsigned index) {
  if (!options_.record) return unrecorded_step;
  note_reports();
  if (result_.steps.size() >= options_.max_steps_recorded) {
    result_.steps_truncated = true;
    active_.push_back(result_.steps.size());  // an index past the end: recorded nowhere
    return result_.steps.size();
  }
  step_record s;
  s.type = type;
  s.list = list;
  s.index = static_cast<uint16_t>(index);
  s.depth = w_.this_cpu().interrupt_depth;
  s.preempt_count = w_.preempt_count();
  s.irqs_disabled = w_.irqs_disabled();
  s.world_op = w_.op_index();
  result_.steps.push_back(s);
  active_.push_back(result_.steps.size() - 1);
  return result_.steps.size() - 1;
}

void machine::end_step(size_t step) {
  if (step == unrecorded_step) return;
  note_reports();
  if (!active_.empty() && active_.back() == step) active_.pop_back();
}

// A report that arrived since the last look belongs to the innermost step
// still running.
void machine::note_reports() {
  size_t bugs = w_.sink().bug_count() - expected_bugs_;
  if (bugs == bugs_seen_) return;
  bugs_seen_ = bugs;
  if (result_.first_bug_step < 0) result_.first_bug_step = active_step();
}

page_handle* machine::slots_of(context_base base, unsigned* count) {
  switch (base) {
    case context_base::task: *count = task_slots; return task_slots_;
    case context_base::softirq: *count = handler_slots; return softirq_slots_;
    case context_base::hardirq: *count = handler_slots; return hardirq_slots_;
    case context_base::nmi: break;
  }
  *count = 0;
  return nullptr;
}

page_handle* machine::slot(context_base base, uint32_t index) {
  unsigned count = 0;
  page_handle* slots = slots_of(base, &count);
  return index < count ? &slots[index] : nullptr;
}

bool machine::verify(const page_handle& h, const char* when) {
  if (h.pattern < 0) return true;
  const uint8_t* data = w_.page_data(h.p);
  size_t bytes = bytes_of(w_, h.order);
  // A word at a time; but contents someone freed behind the client's back
  // are ASan-poisoned, and then the byte loop's checked load is ASan's
  // use-after-poison report, as a client's read would be.
  size_t i = 0;
  if (!region_poisoned(data, bytes)) i = first_byte_not(data, bytes, static_cast<uint8_t>(h.pattern));
  for (; i < bytes; ++i) {
    if (data[i] == h.pattern) continue;
    char title[220];
    std::snprintf(title, sizeof title,
                  "pagealloc: memory corruption: client data in pfn:%05zx offset %zu is %#x, the client %s %#x",
                  w_.page_to_pfn(h.p) + i / w_.config().page_bytes, i % w_.config().page_bytes, data[i], when,
                  static_cast<unsigned>(h.pattern));
    w_.report(report_kind::memory_corruption, title,
              "the page was changed while the client held it: someone else was handed it too\n");
    return false;
  }
  return true;
}

void machine::fill(page_handle& h, uint8_t value) {
  std::memset(w_.page_data(h.p), value, bytes_of(w_, h.order));
  h.pattern = value;
}

// Remove-then-free: the caller has already taken `h` off every list.
void machine::release(const page_handle& h) {
  if (!h) return;
  verify(h, "wrote");
  for (unsigned i = 0; i < h.extra_refs; ++i) w_.put_page(h.p);
  for (unsigned mm = 0; mm < nr_mms && h.p->mapped_mms; ++mm)
    if (h.p->mapped_mms & (1u << mm)) w_.unmap_page(mm, h.p);
  w_.__free_pages(h.p, h.order);
}

void machine::release_slot(page_handle& s) {
  page_handle h = s;
  s = {};
  release(h);
}

int64_t machine::allocate(context_base base, uint32_t index, gfp_t gfp, unsigned order) {
  page_handle* s = slot(base, index);
  if (!s) return -1;
  release_slot(*s);
  page* p = w_.alloc_pages(gfp, order);
  if (!p) return -1;
  page_handle h{p, order, -1, 0};
  if (gfp & __GFP_ZERO) {
    h.pattern = 0;
    verify(h, "asked __GFP_ZERO for");
  }
  *s = h;
  return w_.page_to_pfn(p);
}

int64_t machine::put(context_base base, uint32_t index) {
  page_handle* s = slot(base, index);
  if (!s || !*s) return -1;
  if (s->extra_refs > 0) {
    --s->extra_refs;
    w_.put_page(s->p);
    return 1;
  }
  // The last reference: the page goes, whole, as put_page frees it.
  page_handle h = *s;
  *s = {};
  verify(h, "wrote");
  for (unsigned mm = 0; mm < nr_mms && h.p->mapped_mms; ++mm)
    if (h.p->mapped_mms & (1u << mm)) w_.unmap_page(mm, h.p);
  w_.put_page(h.p);
  return 0;
}

int64_t machine::give(context_base base, uint32_t index, uint32_t to) {
  page_handle* s = slot(base, index);
  if (!s || !*s || to >= 3 || handoff_[to].full()) return -1;
  page_handle h = *s;
  *s = {};
  for (unsigned mm = 0; mm < nr_mms && h.p->mapped_mms; ++mm)
    if (h.p->mapped_mms & (1u << mm)) w_.unmap_page(mm, h.p);
  handoff_[to].push(h);
  return w_.page_to_pfn(h.p);
}

// Page cache pages may be reclaimed behind the client's back: forget those
// that are no longer in the page cache.
void machine::prune_cache() { w_.forget_reclaimed(cache_); }

void machine::open(frame& f, const op& o, section_kind kind) {
  saved_section s;
  s.section = {kind, static_cast<uint8_t>(o.args[0])};
  spinlock_t& lock = locks_[o.args[0] % lock_count];
  switch (kind) {
    case section_kind::spin_lock: w_.spin_lock(lock); break;
    case section_kind::spin_lock_irq: w_.spin_lock_irq(lock); break;
    case section_kind::spin_lock_irqsave: s.flags = w_.spin_lock_irqsave(lock); break;
    case section_kind::spin_lock_bh: w_.spin_lock_bh(lock); break;
    case section_kind::local_irq_save: s.flags = w_.local_irq_save(); break;
    case section_kind::local_bh_disable: w_.local_bh_disable(); break;
    case section_kind::preempt_disable: w_.preempt_disable(); break;
    case section_kind::rcu_read_lock: w_.rcu_read_lock(); break;
    case section_kind::memalloc_noio: s.memalloc_flags = w_.memalloc_noio_save(); break;
    case section_kind::memalloc_nofs: s.memalloc_flags = w_.memalloc_nofs_save(); break;
  }
  f.sections.push(s);
}

void machine::close(frame& f) {
  if (f.sections.empty()) return;
  saved_section s = f.sections.pop();
  spinlock_t& lock = locks_[s.section.lock % lock_count];
  switch (s.section.kind) {
    case section_kind::spin_lock: w_.spin_unlock(lock); break;
    case section_kind::spin_lock_irq: w_.spin_unlock_irq(lock); break;
    case section_kind::spin_lock_irqsave: w_.spin_unlock_irqrestore(lock, s.flags); break;
    case section_kind::spin_lock_bh: w_.spin_unlock_bh(lock); break;
    case section_kind::local_irq_save: w_.local_irq_restore(s.flags); break;
    case section_kind::local_bh_disable: w_.local_bh_enable(); break;
    case section_kind::preempt_disable: w_.preempt_enable(); break;
    case section_kind::rcu_read_lock: w_.rcu_read_unlock(); break;
    case section_kind::memalloc_noio: w_.memalloc_noio_restore(s.memalloc_flags); break;
    case section_kind::memalloc_nofs: w_.memalloc_nofs_restore(s.memalloc_flags); break;
  }
}

// Programs are balanced by construction; this only guards the runtime.
void machine::close_all(frame& f) {
  for (unsigned guard = 0; guard < max_section_depth + 1 && !f.sections.empty(); ++guard) close(f);
}

int64_t machine::execute(frame& f, const op& o) {
  const context_base base = f.base;
  section_kind kind;
  if (opens_section(o.code, &kind)) {
    open(f, o, kind);
    return 0;
  }
  if (is_closer(o.code)) {
    close(f);
    return 0;
  }
  page_handle* s = nullptr;
  switch (o.code) {
    case op_code::alloc: return allocate(base, o.args[0], o.args[1], o.args[2]);
    case op_code::free:
      if ((s = slot(base, o.args[0])) && *s) release_slot(*s);
      return 0;
    case op_code::get:
      if (!(s = slot(base, o.args[0])) || !*s || s->extra_refs >= 4) return -1;
      w_.get_page(s->p);
      ++s->extra_refs;
      return 0;
    case op_code::put: return put(base, o.args[0]);
    case op_code::write:
      if (!(s = slot(base, o.args[0])) || !*s) return -1;
      fill(*s, static_cast<uint8_t>(o.args[1]));
      return 0;
    case op_code::map:
      if (!(s = slot(base, o.args[0])) || !*s) return -EINVAL;
      return w_.map_anon_page(o.args[1], s->p, o.args[2] == 0);
    case op_code::unmap:
      if (!(s = slot(base, o.args[0])) || !*s || !(s->p->mapped_mms & (1u << o.args[1]))) return -EINVAL;
      return w_.unmap_page(o.args[1], s->p);
    case op_code::cache_add: {
      if (cache_.size() >= cache_list_max) return -1;
      page* p = w_.add_to_page_cache(GFP_KERNEL, static_cast<page_cache_kind>(o.args[0] % 3));
      if (!p) return -1;
      cache_.push_back(p);
      return w_.page_to_pfn(p);
    }
    case op_code::cache_remove: {
      prune_cache();
      if (cache_.empty()) return -1;
      size_t i = o.args[0] % cache_.size();
      page* p = cache_[i];
      cache_[i] = cache_.back();
      cache_.pop_back();
      return w_.remove_from_page_cache(p) ? 0 : -1;
    }
    case op_code::give: return give(base, o.args[0], o.args[1]);
    case op_code::take: {
      if (!(s = slot(base, o.args[0])) || handoff_[static_cast<unsigned>(base)].empty()) return -1;
      page_handle h = handoff_[static_cast<unsigned>(base)].pop();
      page_handle old = *s;
      *s = h;
      release(old);
      return w_.page_to_pfn(h.p);
    }
    case op_code::consume: {
      if (base == context_base::nmi || handoff_[static_cast<unsigned>(base)].empty()) return -1;
      page_handle h = handoff_[static_cast<unsigned>(base)].pop();
      release(h);
      return w_.page_to_pfn(h.p);
    }
    case op_code::drain: w_.drain_local_pages(); return 0;
    case op_code::schedule: w_.schedule_point(); return 0;
    case op_code::raise_softirq: w_.raise_softirq(); return 0;
    case op_code::touch: nmi_state_[nmi_writes_++ % sizeof nmi_state_] = static_cast<uint8_t>(o.args[0]); return 0;
    case op_code::rx_refill: return rx_refill(o.args[0]);
    case op_code::napi_poll: return napi_poll(o.args[0]);
    case op_code::recvmsg: return recvmsg(o.args[0]);
    case op_code::tx_send: return tx_send(o.args[0]);
    case op_code::tx_complete: return tx_complete(o.args[0]);
    case op_code::probe: return probe(static_cast<probe_kind>(o.args[0]));
    default: return 0;
  }
}
void machine::run_list(frame& f) {
  const auto& ops = program_.at(f.list);
  for (size_t n = 0; n < ops.size(); ++n) {
    if (result_.handler_ops_run >= options_.max_handler_ops) {
      result_.handler_ops_skipped += ops.size() - n;
      break;
    }
    ++result_.handler_ops_run;
    size_t step = begin_step(step_type::op, f.list, static_cast<unsigned>(n));
    set_result(step, execute(f, ops[n]));
    if (n + 1 < ops.size()) w_.interrupt_point(f.sections.empty() ? irq_point::between_ops : irq_point::lock_section);
    end_step(step);
  }
  close_all(f);
}

void machine::handle(world& w, interrupt_kind kind, irq_point point) {
  list_id list = list_id::nmi;
  uint64_t n = deliveries_[static_cast<unsigned>(kind)]++;
  if (kind == interrupt_kind::hardirq) list = n % 2 ? list_id::hardirq1 : list_id::hardirq0;
  if (kind == interrupt_kind::softirq) list = n % 2 ? list_id::softirq1 : list_id::softirq0;
  size_t step = begin_step(step_type::interrupt, list, 0);
  if (step < result_.steps.size()) {
    result_.steps[step].kind = kind;
    result_.steps[step].point = point;
  }
  frame f;
  f.list = list;
  f.base = list_base(list);
  run_list(f);
  end_step(step);
}

void machine::run_task() {
  frame f;
  const auto& ops = program_.at(list_id::task);
  for (size_t n = 0; n < ops.size(); ++n) {
    w_.begin_operation();
    size_t step = begin_step(step_type::op, list_id::task, static_cast<unsigned>(n));
    set_result(step, execute(f, ops[n]));
    w_.interrupt_point(f.sections.empty() ? irq_point::between_ops : irq_point::lock_section);
    end_step(step);
    w_.end_operation();
    if (f.sections.empty()) w_.check_quiescent();
    if (options_.full_check_every && (n + 1) % options_.full_check_every == 0) w_.check_full();
    if (options_.after_task_op_for_test_only) options_.after_task_op_for_test_only(w_, n);
    if (!cache_.empty()) prune_cache();
    note_reports();
  }
  close_all(f);
}

// Everything the client holds goes back, in task context, with no handler
// installed (an interrupt now would find nothing to do); then the world's
// teardown check (leak check and full walk), in the same step.
void machine::release_everything() {
  size_t step = begin_step(step_type::release, list_id::task, 0);
  for (page_handle& s : task_slots_) release_slot(s);
  for (page_handle& s : softirq_slots_) release_slot(s);
  for (page_handle& s : hardirq_slots_) release_slot(s);
  for (auto& queue : handoff_)
    for (unsigned guard = 0; guard < handoff_capacity && !queue.empty(); ++guard) release(queue.pop());
  for (page_handle& entry : ring_) release_slot(entry);
  for (unsigned guard = 0; guard < backlog_capacity && !backlog_.empty(); ++guard) release(backlog_.pop());
  for (unsigned guard = 0; guard < tx_capacity && !tx_queue_.empty(); ++guard) release(tx_queue_.pop());
  w_.teardown_check();
  end_step(step);
}

}  // namespace labyrinth::fuzz::detail
