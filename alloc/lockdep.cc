#include "alloc/lockdep.h"

#include <bit>
#include <cassert>

namespace labyrinth {
namespace {

struct irq_pair {
  uint8_t used_in;
  uint8_t enabled;
  const char* used_name;     // "IN-HARDIRQ-W"
  const char* enabled_name;  // "HARDIRQ-ON-W"
  const char* safe_name;     // "HARDIRQ"
};

constexpr irq_pair irq_pairs[] = {
    {LOCK_USED_IN_HARDIRQ, LOCK_ENABLED_HARDIRQ, "IN-HARDIRQ-W", "HARDIRQ-ON-W", "HARDIRQ"},
    {LOCK_USED_IN_SOFTIRQ, LOCK_ENABLED_SOFTIRQ, "IN-SOFTIRQ-W", "SOFTIRQ-ON-W", "SOFTIRQ"},
};

std::string interrupt_scenario(const char* name, const char* irq) {
  std::string lock = std::string("lock(") + name + ");";
  return std::string(" Possible unsafe locking scenario:\n\n") + "       CPU0\n       ----\n  " + lock +
         "\n  <Interrupt>\n    " + lock + "\n\n *** DEADLOCK ***\n" + " (the " + irq +
         " handler spins on a lock its own CPU holds)";
}

}  // namespace

lock_class_id lockdep::register_class(const char* name) {
  for (lock_class_id id = 0; id < classes_.size(); ++id)
    if (std::string_view(classes_[id].name) == name) return id;
  assert(classes_.size() < MAX_LOCK_CLASSES && "lockdep: too many lock classes");
  classes_.push_back({name, 0, 0});
  return static_cast<lock_class_id>(classes_.size() - 1);
}

const char* lockdep::class_name(lock_class_id id) const {
  return id < classes_.size() ? classes_[id].name : "(unregistered)";
}

bool lockdep::has_dependency(lock_class_id from, lock_class_id to) const {
  return (classes_[from].after >> to) & 1u;
}

uint32_t lockdep::forward_closure(lock_class_id from) const {
  uint32_t seen = 1u << from;
  uint32_t frontier = seen;
  for (unsigned round = 0; round < MAX_LOCK_CLASSES && frontier; ++round) {
    uint32_t next = 0;
    for (uint32_t bits = frontier; bits; bits &= bits - 1) next |= classes_[std::countr_zero(bits)].after;
    frontier = next & ~seen;
    seen |= next;
  }
  return seen;
}

uint32_t lockdep::backward_closure(lock_class_id to) const {
  uint32_t seen = 1u << to;
  for (unsigned round = 0; round < MAX_LOCK_CLASSES; ++round) {
    uint32_t grown = seen;
    for (lock_class_id id = 0; id < classes_.size(); ++id)
      if (classes_[id].after & seen) grown |= 1u << id;
    if (grown == seen) break;
    seen = grown;
  }
  return seen;
}

bool lockdep::reaches(lock_class_id from, lock_class_id to) const {
  return (forward_closure(from) >> to) & 1u;
}

lockdep_finding lockdep::finish(lockdep_finding finding) {
  if (finding.kind != lockdep_finding::none) enabled_ = false;  // debug_locks_off()
  return finding;
}

lockdep_finding lockdep::mark_usage(lock_class_id id, uint8_t bit) {
  lock_class& cls = classes_[id];
  if (cls.usage & bit) return {};
  cls.usage |= bit;
  for (const irq_pair& pair : irq_pairs) {
    bool marking_used = bit == pair.used_in;
    bool marking_enabled = bit == pair.enabled;
    if (!marking_used && !marking_enabled) continue;
    uint8_t conflict = marking_used ? pair.enabled : pair.used_in;
    if (cls.usage & conflict) {
      const char* was = marking_used ? pair.enabled_name : pair.used_name;
      const char* now = marking_used ? pair.used_name : pair.enabled_name;
      return {lockdep_finding::inconsistent, "WARNING: inconsistent lock state",
              std::string("inconsistent {") + was + "} -> {" + now + "} usage.\n" +
                  interrupt_scenario(cls.name, pair.safe_name == std::string("HARDIRQ") ? "hardirq" : "softirq")};
    }
    // The new usage may complete a safe -> unsafe path through the graph.
    uint32_t related = marking_used ? forward_closure(id) : backward_closure(id);
    for (lock_class_id other = 0; other < classes_.size(); ++other) {
      if (other == id || !((related >> other) & 1u) || !(classes_[other].usage & conflict)) continue;
      const char* safe = marking_used ? cls.name : classes_[other].name;
      const char* unsafe = marking_used ? classes_[other].name : cls.name;
      return {lockdep_finding::irq_inversion, "WARNING: possible irq lock inversion dependency detected",
              std::string(safe) + " is " + pair.safe_name + "-safe and is held while taking " + unsafe +
                  ", which is " + pair.safe_name + "-unsafe: an interrupt taking " + safe +
                  " can deadlock against a holder of " + unsafe + "."};
    }
  }
  return {};
}

lockdep_finding lockdep::add_dependency(lock_class_id prev, lock_class_id next) {
  if (has_dependency(prev, next)) return {};
  if (reaches(next, prev)) {
    return {lockdep_finding::circular, "WARNING: possible circular locking dependency detected",
            std::string(" Possible unsafe locking scenario:\n\n       CPU0                    CPU1\n") +
                "       ----                    ----\n  lock(" + classes_[next].name + ");\n" +
                "                               lock(" + classes_[prev].name + ");\n" + "  lock(" +
                classes_[prev].name + ");\n                               lock(" + classes_[next].name +
                ");\n\n *** DEADLOCK ***"};
  }
  classes_[prev].after |= 1u << next;
  uint32_t before = backward_closure(prev);
  uint32_t after = forward_closure(next);
  for (const irq_pair& pair : irq_pairs) {
    for (lock_class_id safe = 0; safe < classes_.size(); ++safe) {
      if (!((before >> safe) & 1u) || !(classes_[safe].usage & pair.used_in)) continue;
      for (lock_class_id unsafe = 0; unsafe < classes_.size(); ++unsafe) {
        if (!((after >> unsafe) & 1u) || !(classes_[unsafe].usage & pair.enabled)) continue;
        return {lockdep_finding::irq_inversion,
                std::string("WARNING: ") + pair.safe_name + "-safe -> " + pair.safe_name +
                    "-unsafe lock order detected",
                std::string(classes_[safe].name) + " (" + pair.safe_name + "-safe) -> " +
                    classes_[unsafe].name + " (" + pair.safe_name + "-unsafe)\n" +
                    interrupt_scenario(classes_[safe].name, pair.safe_name)};
      }
    }
  }
  return {};
}

uint8_t lockdep::usage_of(const lock_acquire_state& state) {
  uint8_t bits = 0;
  if (!state.trylock) {
    if (state.hardirq_context) bits |= LOCK_USED_IN_HARDIRQ;
    if (state.softirq_context) bits |= LOCK_USED_IN_SOFTIRQ;
  }
  if (state.hardirqs_enabled) {
    bits |= LOCK_ENABLED_HARDIRQ;
    if (state.softirqs_enabled) bits |= LOCK_ENABLED_SOFTIRQ;
  }
  return bits;
}

bool lockdep::adds_nothing(lock_class_id id, const lock_acquire_state& state, const held_class* held,
                           unsigned held_count, uint8_t irq_context) const {
  const uint8_t bits = usage_of(state);
  if ((classes_[id].usage & bits) != bits) return false;
  if (state.trylock) return true;
  for (unsigned i = 0; i < held_count; ++i) {
    if (held[i].id == id) return false;  // recursion: the slow path reports it
    if (held[i].irq_context == irq_context && !has_dependency(held[i].id, id)) return false;
  }
  return true;
}

lockdep_finding lockdep::acquire(lock_class_id id, const lock_acquire_state& state, const held_class* held,
                                 unsigned held_count, uint8_t irq_context) {
  if (!enabled_) return {};
  // Most acquisitions repeat one seen before: every check below would find
  // its usage bits set and its dependencies recorded, and so find nothing.
  // (The kernel skips them likewise for a chain of held locks it has seen:
  // lookup_chain_cache_add() in validate_chain().)
  if (shortcut_ && adds_nothing(id, state, held, held_count, irq_context)) return {};
  // mark_irqflags(): the state's usage bits, in the order used-in-hardirq,
  // used-in-softirq, hardirq-on, softirq-on (the bits' own order).
  const uint8_t bits = usage_of(state);
  for (uint8_t bit : {LOCK_USED_IN_HARDIRQ, LOCK_USED_IN_SOFTIRQ, LOCK_ENABLED_HARDIRQ, LOCK_ENABLED_SOFTIRQ})
    if (bits & bit)
      if (auto f = mark_usage(id, bit); f.kind) return finish(f);
  if (state.trylock) return {};
  // check_deadlock(): any held lock of the same class
  for (unsigned i = 0; i < held_count; ++i) {
    if (held[i].id != id) continue;
    std::string lock = std::string("lock(") + classes_[id].name + ");";
    return finish({lockdep_finding::recursive, "WARNING: possible recursive locking detected",
                   " Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  " + lock + "\n  " +
                       lock + "\n\n *** DEADLOCK ***"});
  }
  // check_prevs_add(): dependencies from locks held in the same irq context
  for (unsigned i = 0; i < held_count; ++i) {
    if (held[i].irq_context != irq_context) continue;
    if (auto f = add_dependency(held[i].id, id); f.kind) return finish(f);
  }
  return {};
}

}  // namespace labyrinth
