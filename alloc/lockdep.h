// A lockdep-like checker over lock classes (kernel/locking/lockdep.c): usage
// bits per class, the dependency graph between classes, and the checks
//  - inconsistent irq usage: {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} (and softirq),
//  - irq-safe -> irq-unsafe lock order ("irq lock inversion"),
//  - AB-BA inversion (a cycle in the class graph),
//  - recursive locking (a class acquired while held).
// Like the kernel, the first finding turns the checker off for the run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alloc/spinlock.h"

namespace labyrinth {

inline constexpr unsigned MAX_LOCK_CLASSES = 32;
inline constexpr unsigned MAX_LOCK_DEPTH = 16;

enum lock_usage_bit : uint8_t {
  LOCK_USED_IN_HARDIRQ = 1u << 0,
  LOCK_USED_IN_SOFTIRQ = 1u << 1,
  LOCK_ENABLED_HARDIRQ = 1u << 2,
  LOCK_ENABLED_SOFTIRQ = 1u << 3,
};

// What the acquiring context looked like.
struct lock_acquire_state {
  bool hardirq_context = false;    // in_hardirq()
  bool softirq_context = false;    // in_serving_softirq()
  bool hardirqs_enabled = false;   // !irqs_disabled() after the flavour's own irq disable
  bool softirqs_enabled = false;   // softirq_count() == 0 after the flavour's own bh disable
  bool trylock = false;
};

struct lockdep_finding {
  enum kind_t : uint8_t { none, inconsistent, irq_inversion, circular, recursive } kind = none;
  std::string title;    // the kernel's first line, e.g. "WARNING: inconsistent lock state"
  std::string details;       // scenario lines
};

class lockdep {
 public:
  lock_class_id register_class(const char* name);
  const char* class_name(lock_class_id id) const;
  unsigned class_count() const { return static_cast<unsigned>(classes_.size()); }
  uint8_t usage(lock_class_id id) const { return classes_[id].usage; }
  bool has_dependency(lock_class_id from, lock_class_id to) const;

  struct held_class {
    lock_class_id id;
    uint8_t irq_context;  // nesting level of the context that took it
  };
  // Called on every acquire with the locks currently held on this CPU
  // (outermost first) and the acquiring context's nesting level.  Returns the
  // first finding, if any, and then stays silent.  As in the kernel, the
  // recursion check covers every held lock, while dependencies are only
  // recorded between locks taken in the same irq context, and trylocks add
  // neither.
  lockdep_finding acquire(lock_class_id id, const lock_acquire_state& state, const held_class* held,
                          unsigned held_count, uint8_t irq_context);
  bool enabled() const { return enabled_; }
  // Test-only: every acquisition takes the full checks, none the
  // adds_nothing() shortcut (the shortcut's test compares the two).
  void check_every_acquire_for_test_only() { shortcut_ = false; }

 private:
  struct lock_class {
    const char* name = "";
    uint8_t usage = 0;
    uint32_t after = 0;  // bitmask of classes acquired while this one was held
  };
  // The usage bits an acquisition in this state marks (mark_irqflags()).
  static uint8_t usage_of(const lock_acquire_state& state);
  // Whether acquire() would mark no new usage bit, record no new dependency
  // and find no recursion: then it can find nothing either (every finding
  // comes from something new, or from a recursion).
  bool adds_nothing(lock_class_id id, const lock_acquire_state& state, const held_class* held, unsigned held_count,
                    uint8_t irq_context) const;
  lockdep_finding mark_usage(lock_class_id id, uint8_t bit);
  lockdep_finding add_dependency(lock_class_id prev, lock_class_id next);
  bool reaches(lock_class_id from, lock_class_id to) const;
  uint32_t forward_closure(lock_class_id from) const;
  uint32_t backward_closure(lock_class_id to) const;
  lockdep_finding finish(lockdep_finding finding);

  std::vector<lock_class> classes_;
  bool enabled_ = true;
  bool shortcut_ = true;
};

}  // namespace labyrinth
