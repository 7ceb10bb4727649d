#include "fuzz/runtime.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "faultinject/bytes_source.h"
#include "fuzz/printer.h"

namespace labyrinth::fuzz {
namespace {

// A page the client holds: where it came from and what it wrote there.
struct page_handle {
  page* p = nullptr;
  unsigned order = 0;
  int pattern = -1;         // every byte of the page holds it; -1 unknown
  unsigned extra_refs = 0;  // get_page() references to drop before freeing
  explicit operator bool() const { return p != nullptr; }
};

// A bounded FIFO shared between contexts.  Push and pop are single steps of
// the model (no interrupt point inside), like a list_add under the caller's
// protection.
template <unsigned N>
class page_queue {
 public:
  bool full() const { return size_ == N; }
  bool empty() const { return size_ == 0; }
  unsigned size() const { return size_; }
  void push(const page_handle& h) {
    if (!full()) items_[(head_ + size_++) % N] = h;
  }
  page_handle pop() {
    if (empty()) return {};
    page_handle h = items_[head_];
    head_ = (head_ + 1) % N;
    --size_;
    return h;
  }

 private:
  page_handle items_[N];
  unsigned head_ = 0, size_ = 0;
};

inline constexpr unsigned handoff_capacity = 16;
inline constexpr unsigned ring_size = 16;
inline constexpr unsigned backlog_capacity = 32;
inline constexpr unsigned tx_capacity = 32;

struct saved_section {
  open_section section;
  irq_flags_t flags = 0;
  unsigned memalloc_flags = 0;
};

// One running list: its own open sections.
struct frame {
  list_id list = list_id::task;
  context_base base = context_base::task;
  std::vector<saved_section> sections;
};

class machine final : public interrupt_handler {
 public:
  machine(world& w, const program& p, const run_options& options, run_result& result)
      : w_(w), program_(p), options_(options), result_(result) {
    for (unsigned i = 0; i < lock_count; ++i) locks_[i] = w_.make_lock(lock_name(i));
  }

  void run_task();
  void release_everything();
  void handle(world& w, interrupt_kind kind, irq_point point) override;
  long active_step() const { return active_.empty() ? -1 : static_cast<long>(active_.back()); }
  void note_reports();

 private:
  // steps
  size_t begin_step(step_type type, list_id list, unsigned index);
  void end_step(size_t step);
  void set_result(size_t step, int64_t value) {
    if (step < result_.steps.size()) result_.steps[step].result = value;
  }

  void run_list(frame& f);
  int64_t execute(frame& f, const op& o);
  void open(frame& f, const op& o, section_kind kind);
  void close(frame& f);
  void close_all(frame& f);

  // pages
  page_handle* slots_of(context_base base, unsigned* count);
  page_handle* slot(context_base base, uint32_t index);
  void release(const page_handle& h);
  void release_slot(page_handle& s);
  bool verify(const page_handle& h, const char* when);
  void fill(page_handle& h, uint8_t value);
  int64_t allocate(context_base base, uint32_t index, gfp_t gfp, unsigned order);
  int64_t put(context_base base, uint32_t index);
  int64_t give(context_base base, uint32_t index, uint32_t to);
  void prune_cache();

  // the network-driver client
  int64_t rx_refill(unsigned count);
  int64_t napi_poll(unsigned budget);
  int64_t recvmsg(unsigned count);
  int64_t tx_send(unsigned order);
  int64_t tx_complete(unsigned count);
  bool ring_post(const page_handle& h);
  page_handle ring_take();

  world& w_;
  const program& program_;
  const run_options& options_;
  run_result& result_;
  spinlock_t locks_[lock_count];
  page_handle task_slots_[task_slots];
  page_handle softirq_slots_[handler_slots];
  page_handle hardirq_slots_[handler_slots];
  page_queue<handoff_capacity> handoff_[3];  // by receiving context_base
  std::vector<page*> cache_;
  page_handle ring_[ring_size];
  unsigned ring_next_ = 0;  // the next buffer the device fills
  page_queue<backlog_capacity> backlog_;
  page_queue<tx_capacity> tx_queue_;
  uint8_t packet_sequence_ = 0;
  uint8_t nmi_state_[16] = {};
  unsigned nmi_writes_ = 0;
  uint64_t deliveries_[3] = {};
  std::vector<size_t> active_;
  size_t bugs_seen_ = 0;
};

size_t machine::begin_step(step_type type, list_id list, unsigned index) {
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
  note_reports();
  if (!active_.empty() && active_.back() == step) active_.pop_back();
}

// A report that arrived since the last look belongs to the innermost step
// still running.
void machine::note_reports() {
  size_t bugs = w_.sink().bug_count();
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

size_t bytes_of(const world& w, unsigned order) { return (size_t(1) << order) * w.config().page_bytes; }

bool machine::verify(const page_handle& h, const char* when) {
  if (h.pattern < 0) return true;
  const uint8_t* data = w_.page_data(h.p);
  size_t bytes = bytes_of(w_, h.order);
  for (size_t i = 0; i < bytes; ++i) {
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
void machine::prune_cache() {
  for (size_t i = 0; i < cache_.size();) {
    if (!(cache_[i]->flags & PG_lru)) {
      cache_[i] = cache_.back();
      cache_.pop_back();
    } else {
      ++i;
    }
  }
}

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
  f.sections.push_back(s);
}

void machine::close(frame& f) {
  if (f.sections.empty()) return;
  saved_section s = f.sections.back();
  f.sections.pop_back();
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
    default: return 0;
  }
}

// ---- the network-driver client ------------------------------------------
// The RX ring holds posted buffers; the device fills them in ring order.
// Locks: rx_lock (softirq-safe) guards the ring and the backlog; tx_lock
// (hardirq-safe) guards the transmit queue.

bool machine::ring_post(const page_handle& h) {
  for (unsigned i = 0; i < ring_size; ++i) {
    page_handle& entry = ring_[(ring_next_ + i) % ring_size];
    if (!entry) {
      entry = h;
      return true;
    }
  }
  return false;
}

page_handle machine::ring_take() {
  for (unsigned i = 0; i < ring_size; ++i) {
    unsigned index = (ring_next_ + i) % ring_size;
    if (ring_[index]) {
      page_handle h = ring_[index];
      ring_[index] = {};
      ring_next_ = (index + 1) % ring_size;
      return h;
    }
  }
  return {};
}

// Task context tops the ring up with GFP_KERNEL buffers, allocated outside
// the lock (they may sleep), posted under spin_lock_bh.
int64_t machine::rx_refill(unsigned count) {
  const unsigned order = program_.rx_order;
  int64_t posted = 0;
  for (unsigned i = 0; i < count; ++i) {
    page* p = w_.alloc_pages(GFP_KERNEL, order);
    if (!p) break;
    w_.spin_lock_bh(locks_[lock_rx]);
    bool ok = ring_post({p, order, -1, 0});
    w_.interrupt_point(irq_point::lock_section);
    w_.spin_unlock_bh(locks_[lock_rx]);
    if (!ok) {  // the softirq filled the ring meanwhile
      release({p, order, -1, 0});
      break;
    }
    ++posted;
  }
  return posted;
}

// NAPI poll in softirq context: for each received buffer, allocate its
// replacement with GFP_ATOMIC; if that fails, drop the packet and put the
// buffer back (drivers recycle rather than leave a hole in the ring).
int64_t machine::napi_poll(unsigned budget) {
  const unsigned order = program_.rx_order;
  int64_t received = 0;
  for (unsigned i = 0; i < budget; ++i) {
    w_.spin_lock(locks_[lock_rx]);
    page_handle packet = ring_take();
    w_.spin_unlock(locks_[lock_rx]);
    if (!packet) break;
    fill(packet, ++packet_sequence_);  // the device wrote the packet
    page* fresh = w_.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
    page_handle dropped, spare;
    w_.spin_lock(locks_[lock_rx]);
    if (!fresh) {
      if (!ring_post(packet)) dropped = packet;  // (the ring has room: we just took from it)
      ++result_.packets_dropped;
    } else {
      if (!ring_post({fresh, order, -1, 0})) spare = {fresh, order, -1, 0};
      if (backlog_.full()) {
        dropped = packet;
        ++result_.packets_dropped;
      } else {
        backlog_.push(packet);
        ++result_.packets_received;
        ++received;
      }
    }
    w_.interrupt_point(irq_point::lock_section);
    w_.spin_unlock(locks_[lock_rx]);
    release(dropped);
    release(spare);
  }
  return received;
}

// The process reads packets: off the backlog under the lock, freed after.
int64_t machine::recvmsg(unsigned count) {
  page_handle taken[max_count];
  unsigned n = 0;
  w_.spin_lock_bh(locks_[lock_rx]);
  while (n < count && n < max_count && !backlog_.empty()) taken[n++] = backlog_.pop();
  w_.spin_unlock_bh(locks_[lock_rx]);
  for (unsigned i = 0; i < n; ++i) release(taken[i]);
  return n;
}

int64_t machine::tx_send(unsigned order) {
  page* p = w_.alloc_pages(GFP_KERNEL, order);
  if (!p) return -ENOMEM;
  page_handle h{p, order, -1, 0};
  fill(h, static_cast<uint8_t>(0x50 + order));
  irq_flags_t flags = w_.spin_lock_irqsave(locks_[lock_tx]);
  bool queued = !tx_queue_.full();
  if (queued) tx_queue_.push(h);
  w_.spin_unlock_irqrestore(locks_[lock_tx], flags);
  if (!queued) release(h);
  return queued ? w_.page_to_pfn(p) : -ENOBUFS;
}

// Transmit completion, in hardirq (irqs already off) or softirq.
int64_t machine::tx_complete(unsigned count) {
  page_handle done[max_count];
  unsigned n = 0;
  bool irqs_off = w_.irqs_disabled();
  irq_flags_t flags = 0;
  if (irqs_off)
    w_.spin_lock(locks_[lock_tx]);
  else
    flags = w_.spin_lock_irqsave(locks_[lock_tx]);
  while (n < count && n < max_count && !tx_queue_.empty()) done[n++] = tx_queue_.pop();
  if (irqs_off)
    w_.spin_unlock(locks_[lock_tx]);
  else
    w_.spin_unlock_irqrestore(locks_[lock_tx], flags);
  for (unsigned i = 0; i < n; ++i) release(done[i]);
  return n;
}

// ---- running lists ----------------------------------------------------------

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
// installed (an interrupt now would find nothing to do).
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
  end_step(step);
}

world_config config_for(const program& p, const run_options& options) {
  world_config config = options.world;
  if (options.header_chooses_pcp) config.pcp = p.pcp_irqsave ? pcp_discipline::irqsave : pcp_discipline::trylock;
  return config;
}

}  // namespace

size_t run_result::bug_count() const {
  return static_cast<size_t>(
      std::count_if(reports.begin(), reports.end(), [](const report& r) { return !report_kind_verdict(r.kind); }));
}

run_result run(const program& p, const run_options& options) {
  run_result result;
  report_sink sink(options.mode);
  fi::bytes_source source(p.decisions);
  fi::injector injector(options.faults, source);
  world w(config_for(p, options), sink, options.use_injector ? &injector : nullptr);
  machine m(w, p, options, result);
  if (options.mode == sink_mode::abort) {
    sink.on_abort = [&]() {
      m.note_reports();
      result.reports = sink.reports();
      result.trace = injector.trace();
      result.faults = injector.faults();
      result.stats = w.stats();
      result.log = w.log();
      std::string text = format_reproduction(p, result, options.program_layout);
      std::fprintf(stderr, "\n%s", text.c_str());
    };
  }
  w.set_interrupt_handler(&m);
  try {
    m.run_task();
    w.set_interrupt_handler(nullptr);
    m.release_everything();
    w.teardown_check();
  } catch (const run_halted& halted) {
    result.halted = true;
    result.halt_kind = halted.kind;
  }
  w.set_interrupt_handler(nullptr);
  m.note_reports();
  result.reports = sink.reports();
  result.trace = injector.trace();
  result.faults = injector.faults();
  result.stats = w.stats();
  result.log = w.log();
  return result;
}

// ---- output -------------------------------------------------------------------

namespace {

std::string step_line(const program& p, const step_record& s, size_t number) {
  char head[96];
  std::snprintf(head, sizeof head, "#%-4zu %*s%-7s pc=%-7x%s op %-3llu ", number, 2 * s.depth, "",
                context_kind_name(context_of(s.preempt_count)), s.preempt_count, s.irqs_disabled ? " irqs-off" : "",
                static_cast<unsigned long long>(s.world_op));
  std::string line = head;
  if (s.type == step_type::interrupt) {
    line += std::string(">> ") + interrupt_kind_name(s.kind) + " at " + irq_point_name(s.point) + ": runs " +
            list_name(s.list);
    return line;
  }
  if (s.type == step_type::release) return line + "(end of program: release every page the client holds, teardown_check)";
  const auto& ops = p.at(s.list);
  if (s.index >= ops.size()) return line + "?";
  const op& o = ops[s.index];
  line += std::string(list_name(s.list)) + "[" + std::to_string(s.index + 1) + "] " + format_op(o);
  char result[48] = "";
  switch (o.code) {
    case op_code::alloc:
    case op_code::cache_add:
      if (s.result < 0)
        std::snprintf(result, sizeof result, " -> NULL");
      else
        std::snprintf(result, sizeof result, " -> pfn:%05llx", static_cast<unsigned long long>(s.result));
      break;
    case op_code::map:
    case op_code::unmap:
      std::snprintf(result, sizeof result, " -> %s",
                    s.result == 0 ? "0" : s.result == -EBUSY ? "-EBUSY" : s.result == -EEXIST ? "-EEXIST" : "-EINVAL");
      break;
    case op_code::tx_send:
      if (s.result >= 0)
        std::snprintf(result, sizeof result, " -> pfn:%05llx queued", static_cast<unsigned long long>(s.result));
      else
        std::snprintf(result, sizeof result, " -> %s", s.result == -ENOMEM ? "-ENOMEM" : "-ENOBUFS");
      break;
    case op_code::napi_poll: std::snprintf(result, sizeof result, " -> %lld received", static_cast<long long>(s.result)); break;
    case op_code::rx_refill: std::snprintf(result, sizeof result, " -> %lld posted", static_cast<long long>(s.result)); break;
    case op_code::recvmsg:
    case op_code::tx_complete: std::snprintf(result, sizeof result, " -> %lld freed", static_cast<long long>(s.result)); break;
    default: break;
  }
  return line + result;
}

}  // namespace

std::string format_steps(const program& p, const run_result& r, long last) {
  std::string out;
  size_t end = last < 0 ? r.steps.size() : std::min(r.steps.size(), static_cast<size_t>(last) + 1);
  for (size_t i = 0; i < end; ++i) {
    out += step_line(p, r.steps[i], i);
    if (static_cast<long>(i) == r.first_bug_step) out += "   <== first report here";
    out += '\n';
  }
  if (end < r.steps.size()) out += "... " + std::to_string(r.steps.size() - end) + " later steps not shown\n";
  if (r.steps_truncated) out += "... (step log full: later steps were not recorded)\n";
  return out;
}

std::string format_reproduction(const program& p, const run_result& r, const layout& l) {
  std::string out;
  size_t bugs = r.bug_count();
  out += "== reports: " + std::to_string(bugs) + " bug(s), " + std::to_string(r.reports.size() - bugs) + " verdict(s)\n";
  for (const report& rep : r.reports) out += rep.text() + "\n";
  if (!r.log.empty()) {
    out += "== world log\n";
    for (const std::string& line : r.log) out += line + "\n";
  }
  out += "== program (readable; save it as a scenario)\n";
  out += print_program(p, l);
  long last = r.first_bug_step;
  out += "== execution" + std::string(last >= 0 ? " up to the failing step" : "") + " (context at each step)\n";
  out += format_steps(p, r, last);
  unsigned long long interrupts = r.stats.interrupts[0] + r.stats.interrupts[1] + r.stats.interrupts[2];
  out += "== decisions: " + std::to_string(r.trace.size()) + " question(s); " + std::to_string(interrupts) +
         " interrupt(s) delivered (" + std::to_string(r.stats.interrupts[0]) + " hardirq, " +
         std::to_string(r.stats.interrupts[1]) + " softirq, " + std::to_string(r.stats.interrupts[2]) + " nmi); " +
         std::to_string(r.faults.size()) + " fault(s) injected (an interrupt arriving counts as a fault of site irq)\n";
  for (const fi::fault_event& f : r.faults) out += "fault: " + fi::format_fault_event(f) + "\n";
  size_t shown = 0;
  for (const fi::decision_record& d : r.trace) {
    if (shown++ >= 400) {
      out += "... " + std::to_string(r.trace.size() - 400) + " more decisions\n";
      break;
    }
    out += fi::format_decision(d) + "\n";
  }
  return out;
}

}  // namespace labyrinth::fuzz
