#include "fuzz/program.h"

#include "alloc/mmzone.h"
#include "fuzz/gfp_choice.h"

namespace labyrinth::fuzz {
namespace {

struct section_ops {
  op_code opener;
  op_code closer;
};

constexpr section_ops sections[] = {
    {op_code::spin_lock, op_code::spin_unlock},
    {op_code::spin_lock_irq, op_code::spin_unlock_irq},
    {op_code::spin_lock_irqsave, op_code::spin_unlock_irqrestore},
    {op_code::spin_lock_bh, op_code::spin_unlock_bh},
    {op_code::local_irq_save, op_code::local_irq_restore},
    {op_code::local_bh_disable, op_code::local_bh_enable},
    {op_code::preempt_disable, op_code::preempt_enable},
    {op_code::rcu_read_lock, op_code::rcu_read_unlock},
    {op_code::memalloc_noio_save, op_code::memalloc_noio_restore},
    {op_code::memalloc_nofs_save, op_code::memalloc_nofs_restore},
};

bool is_lock_section(section_kind kind) { return kind <= section_kind::spin_lock_bh; }

// The range of an argument's values in a context.
unsigned arg_limit(arg_kind kind, context_base base) {
  switch (kind) {
    case arg_kind::none: return 1;
    case arg_kind::slot: return slots_of(base);
    case arg_kind::gfp: return 0;  // checked by the gfp rules
    case arg_kind::order: return MAX_PAGE_ORDER + 1;
    case arg_kind::mm: return nr_mms;
    case arg_kind::mode: return 2;
    case arg_kind::lock: return lock_count;
    case arg_kind::cache_kind: return 3;
    case arg_kind::index: return cache_list_max;
    case arg_kind::to: return 3;
    case arg_kind::byte: return 256;
    case arg_kind::count: return max_count + 1;
    case arg_kind::probe: return probe_count;
  }
  return 0;
}

}  // namespace

const char* list_name(list_id list) {
  switch (list) {
    case list_id::task: return "task";
    case list_id::hardirq0: return "hardirq[0]";
    case list_id::hardirq1: return "hardirq[1]";
    case list_id::softirq0: return "softirq[0]";
    case list_id::softirq1: return "softirq[1]";
    case list_id::nmi: return "nmi";
  }
  return "?";
}

context_base list_base(list_id list) {
  switch (list) {
    case list_id::task: return context_base::task;
    case list_id::hardirq0:
    case list_id::hardirq1: return context_base::hardirq;
    case list_id::softirq0:
    case list_id::softirq1: return context_base::softirq;
    case list_id::nmi: return context_base::nmi;
  }
  return context_base::task;
}

unsigned list_capacity(list_id list) { return list == list_id::task ? task_capacity : handler_capacity; }
unsigned list_max_depth(list_id list) { return list == list_id::task ? max_section_depth : 4; }

size_t program::op_total() const {
  size_t total = 0;
  for (const auto& list : lists) total += list.size();
  return total;
}

bool opens_section(op_code code, section_kind* kind) {
  for (unsigned i = 0; i < sizeof sections / sizeof sections[0]; ++i)
    if (sections[i].opener == code) {
      *kind = static_cast<section_kind>(i);
      return true;
    }
  return false;
}

bool is_closer(op_code code) {
  for (const section_ops& s : sections)
    if (s.closer == code) return true;
  return false;
}

op closer_of(const open_section& section) {
  op o;
  o.code = sections[static_cast<unsigned>(section.kind)].closer;
  if (is_lock_section(section.kind)) o.args[0] = section.lock;
  return o;
}

section_state::section_state(list_id list) : base_(list_base(list)), max_depth_(list_max_depth(list)) {}

bool section_state::atomic() const {
  if (base_ != context_base::task) return true;
  for (unsigned i = 0; i < depth_; ++i)
    if (stack_[i].kind != section_kind::memalloc_noio && stack_[i].kind != section_kind::memalloc_nofs) return true;
  return false;
}

bool section_state::irqs_disabled() const {
  if (base_ == context_base::hardirq) return true;
  for (unsigned i = 0; i < depth_; ++i) {
    section_kind k = stack_[i].kind;
    if (k == section_kind::spin_lock_irq || k == section_kind::spin_lock_irqsave || k == section_kind::local_irq_save)
      return true;
  }
  return false;
}

bool section_state::bh_disabled() const {
  if (base_ == context_base::softirq) return true;
  for (unsigned i = 0; i < depth_; ++i)
    if (stack_[i].kind == section_kind::spin_lock_bh || stack_[i].kind == section_kind::local_bh_disable) return true;
  return false;
}

int section_state::highest_lock() const {
  int highest = -1;
  for (unsigned i = 0; i < depth_; ++i)
    if (is_lock_section(stack_[i].kind) && stack_[i].lock > highest) highest = stack_[i].lock;
  return highest;
}

namespace {

// A rule broken: its explanation is built only when someone asks why (the
// decoder only asks whether, for every candidate operation, and building the
// strings was most of a rejected candidate's cost).
bool broken(std::string* why, const char* text) {
  if (why) *why = text;
  return true;
}
template <class Explain>
bool broken(std::string* why, Explain explain) {
  if (why) *why = explain();
  return true;
}

}  // namespace

// The lock discipline of the three client locks (lockdep's rules, made
// static): client_lock is task-only; rx_lock is softirq-safe, so task context
// takes it with bottom halves or irqs disabled; tx_lock is hardirq-safe, so
// outside hardirq it is taken with irqs disabled.  Locks are taken in
// increasing id order only (no AB-BA), and _irq / _bh flavours only where
// their unlock may enable irqs / bottom halves.
bool section_state::breaks_lock_rule(op_code code, unsigned lock, std::string* why) const {
  if (lock == 0 && base_ != context_base::task) return broken(why, "client_lock is taken in task context only");
  if (lock == lock_rx && base_ == context_base::hardirq) return broken(why, "rx_lock is softirq-safe, not taken in hardirq");
  if (static_cast<int>(lock) <= highest_lock())
    return broken(why, [&] {
      return std::string(lock_name(lock)) + " taken while holding " + lock_name(static_cast<unsigned>(highest_lock())) +
             " (locks are taken in the order client_lock, rx_lock, tx_lock)";
    });
  switch (code) {
    case op_code::spin_lock:
      if (lock == lock_rx && !bh_disabled() && !irqs_disabled())
        return broken(why, "plain spin_lock of the softirq-safe rx_lock with bottom halves enabled (use spin_lock_bh)");
      if (lock == lock_tx && !irqs_disabled())
        return broken(why, "plain spin_lock of the hardirq-safe tx_lock with irqs enabled (use spin_lock_irqsave)");
      return false;
    case op_code::spin_lock_irq:
      if (irqs_disabled()) return broken(why, "spin_lock_irq with irqs already disabled (its unlock would enable them)");
      return false;
    case op_code::spin_lock_irqsave: return false;
    case op_code::spin_lock_bh:
      if (irqs_disabled())
        return broken(why, "spin_lock_bh with irqs disabled (local_bh_enable must not run with irqs off)");
      if (lock == lock_tx) return broken(why, "spin_lock_bh of the hardirq-safe tx_lock (use spin_lock_irqsave)");
      return false;
    default: return broken(why, "not a lock operation");
  }
}

std::string section_state::problem(const op& o) const {
  std::string why;
  breaks_rule(o, &why);
  return why;
}

bool section_state::breaks_rule(const op& o, std::string* why) const {
  if (static_cast<unsigned>(o.code) >= op_code_count) return broken(why, "unknown operation");
  if (!(op_contexts(o.code) & context_bit(base_)))
    return broken(why, [&] {
      return std::string(op_name(o.code)) + " is not allowed in " + context_base_name(base_) + " context";
    });
  for (unsigned i = 0; i < max_op_args; ++i) {
    arg_kind kind = op_arg(o.code, i);
    if (kind == arg_kind::none) {
      if (o.args[i] != 0) return broken(why, "extra argument");
      continue;
    }
    if (kind == arg_kind::count && o.args[i] == 0) return broken(why, "count must be 1..8");
    if (kind == arg_kind::to && o.args[i] == static_cast<uint32_t>(base_))
      return broken(why, "a page is handed to another context");
    unsigned limit = arg_limit(kind, base_);
    if (limit && o.args[i] >= limit)
      return broken(why, [&] {
        return std::string(arg_key(kind)) + "=" + std::to_string(o.args[i]) + " out of range 0.." +
               std::to_string(limit - 1);
      });
  }
  section_kind kind;
  if (opens_section(o.code, &kind)) {
    if (depth_ >= max_depth_)
      return broken(why, [&] { return "more than " + std::to_string(max_depth_) + " sections open"; });
    if (is_lock_section(kind)) return breaks_lock_rule(o.code, o.args[0], why);
    if (kind == section_kind::local_bh_disable && irqs_disabled())
      return broken(why, "local_bh_disable with irqs disabled (local_bh_enable must not run with irqs off)");
    return false;
  }
  if (is_closer(o.code)) {
    if (depth_ == 0) return broken(why, [&] { return std::string(op_name(o.code)) + " with no section open"; });
    op expected = closer_of(innermost());
    if (!(expected == o))
      return broken(why, [&] {
        std::string text = std::string("the innermost open section is closed by ") + op_name(expected.code);
        if (op_arg(expected.code, 0) == arg_kind::lock) text += std::string(" lock=") + lock_name(expected.args[0]);
        return text;
      });
    return false;
  }
  switch (o.code) {
    case op_code::end: return broken(why, "`end` is the decoder's word; write the closing call (e.g. spin_unlock)");
    case op_code::alloc: {
      const char* gfp_why = gfp_problem(o.args[1], o.args[2], atomic());
      return gfp_why[0] ? broken(why, gfp_why) : false;
    }
    case op_code::cache_add:
    case op_code::cache_remove:
    case op_code::drain:
    case op_code::schedule:
    case op_code::rx_refill:
    case op_code::recvmsg:
    case op_code::tx_send:
      if (atomic())
        return broken(why, [&] { return std::string(op_name(o.code)) + " may sleep: not in atomic context"; });
      return false;
    case op_code::probe:
      if (depth_ != 0) return broken(why, "a misuse probe runs outside any section");
      return false;
    case op_code::napi_poll:
    case op_code::tx_complete:
      if (depth_ != 0)
        return broken(why, [&] {
          return std::string(op_name(o.code)) + " takes the driver's locks: not inside a section";
        });
      return false;
    default: return false;
  }
}

void section_state::apply(const op& o) {
  section_kind kind;
  if (opens_section(o.code, &kind)) {
    if (depth_ < max_section_depth) stack_[depth_++] = {kind, static_cast<uint8_t>(o.args[0])};
  } else if (is_closer(o.code) && depth_ > 0) {
    --depth_;
  }
}

std::string program_problem(const program& p, const layout& l) {
  for (unsigned i = 0; i < list_count; ++i) {
    list_id list = static_cast<list_id>(i);
    const auto& ops = p.lists[i];
    if (list != list_id::task && !l.handlers && !ops.empty())
      return std::string(list_name(list)) + ": this harness has no handler programs";
    if (ops.size() > list_capacity(list))
      return std::string(list_name(list)) + ": " + std::to_string(ops.size()) + " operations, at most " +
             std::to_string(list_capacity(list));
    section_state state(list);
    for (size_t n = 0; n < ops.size(); ++n) {
      std::string why = state.problem(ops[n]);
      if (why.empty() && op_weight(ops[n].code, l.set) == 0 && !is_closer(ops[n].code))
        why = std::string(op_name(ops[n].code)) + " is not in the " + op_set_name(l.set) + " op set";
      if (!why.empty()) return std::string(list_name(list)) + " op #" + std::to_string(n + 1) + ": " + why;
      state.apply(ops[n]);
    }
    if (state.depth() != 0)
      return std::string(list_name(list)) + ": " + std::to_string(state.depth()) + " section(s) left open";
  }
  if (!l.decisions && !p.decisions.empty()) return "this harness takes no decision bytes";
  return "";
}

}  // namespace labyrinth::fuzz
