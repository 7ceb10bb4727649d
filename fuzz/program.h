// A fuzz program: a bounded list of operations for task context and, for the
// harnesses with interrupts, five handler programs (two hardirq, two softirq,
// one NMI) that run when an interrupt of their kind is delivered; plus the
// decision bytes that answer the injector (faults, interrupt arrival).
//
// Every program the decoder produces, and every program the parser accepts,
// is a CORRECT client: sections are balanced and properly nested, locks are
// taken in one order with the flavour their irq usage needs, nothing blocks
// in atomic context, NMI handlers never enter the allocator.  So any report
// the runtime sees is a bug of the model, never of the program.
// section_state is the one place that decides what is legal where; the
// decoder, the parser and the encoder all consult it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/op.h"

namespace labyrinth::fuzz {

// The operation lists of a program.
enum class list_id : uint8_t { task, hardirq0, hardirq1, softirq0, softirq1, nmi };
inline constexpr unsigned list_count = 6;
const char* list_name(list_id list);  // "task", "hardirq[0]", ..., "nmi"
context_base list_base(list_id list);
// At most this many operations per list (closers included).
unsigned list_capacity(list_id list);
// At most this many sections open at once.
unsigned list_max_depth(list_id list);

inline constexpr unsigned task_capacity = 64;
inline constexpr unsigned handler_capacity = 8;

// What a harness's inputs contain.
struct layout {
  op_set set = op_set::generic;
  bool handlers = true;   // the five handler lists are part of the input
  bool decisions = true;  // the bytes after the program answer the injector
  bool operator==(const layout&) const = default;
};

struct program {
  // The header byte: bit 0 the per-CPU list discipline (0 trylock, 1 irqsave),
  // bit 1 the client's RX buffer order (0 or 1), bits 2-4 all set: the large
  // world (harness.h: large enough for per-CPU batches above 1; a run there
  // costs six times more, so one header in eight asks for it); other bits
  // are ignored.
  bool pcp_irqsave = false;
  uint8_t rx_order = 0;
  bool large_world = false;
  std::array<std::vector<op>, list_count> lists;
  // Answers for the decision source, in the order it reads them.
  std::vector<uint8_t> decisions;

  std::vector<op>& at(list_id list) { return lists[static_cast<unsigned>(list)]; }
  const std::vector<op>& at(list_id list) const { return lists[static_cast<unsigned>(list)]; }
  size_t op_total() const;
  bool operator==(const program&) const = default;
};

// Sections an operation opens.
enum class section_kind : uint8_t {
  spin_lock, spin_lock_irq, spin_lock_irqsave, spin_lock_bh,
  local_irq_save, local_bh_disable, preempt_disable, rcu_read_lock,
  memalloc_noio, memalloc_nofs
};
struct open_section {
  section_kind kind = section_kind::preempt_disable;
  uint8_t lock = 0;  // spin_lock* only
};
// The section `code` opens, if it is an opener.
bool opens_section(op_code code, section_kind* kind);
bool is_closer(op_code code);
// The operation that closes `section`.
op closer_of(const open_section& section);

inline constexpr unsigned max_section_depth = 6;

// The static state of a list at one point: its context and open sections.
// It knows everything a correct client needs: atomic or not, irqs and bottom
// halves disabled or not, the highest lock held.
class section_state {
 public:
  explicit section_state(list_id list);

  context_base base() const { return base_; }
  unsigned depth() const { return depth_; }
  unsigned max_depth() const { return max_depth_; }
  const open_section& innermost() const { return stack_[depth_ - 1]; }
  bool atomic() const;
  bool irqs_disabled() const;
  bool bh_disabled() const;
  int highest_lock() const;  // -1: none held

  // Why `o` is not what a correct client does here, or "" if it is.  Checks
  // the context, the arguments' ranges, the section rules and the gfp rules.
  std::string problem(const op& o) const;
  bool admits(const op& o) const { return !breaks_rule(o, nullptr); }
  // Opens or closes a section (other operations change nothing).
  void apply(const op& o);

 private:
  // Whether `o` breaks a rule; the explanation goes to *why when why is
  // not null (problem() asks for it, admits() does not).
  bool breaks_rule(const op& o, std::string* why) const;
  bool breaks_lock_rule(op_code code, unsigned lock, std::string* why) const;

  context_base base_;
  unsigned max_depth_;
  unsigned depth_ = 0;
  std::array<open_section, max_section_depth> stack_{};
};

// A whole program against a layout: every list legal from an empty state and
// balanced at its end, within its capacity, and empty when the layout has no
// handlers.  Returns "" or "<list> op #<n>: <problem>".
std::string program_problem(const program& p, const layout& l);

}  // namespace labyrinth::fuzz
