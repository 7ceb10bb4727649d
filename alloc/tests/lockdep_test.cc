// The lock oracles (lockdep.cc, spinlock.cc, context.cc, invariants.cc)
// against reference §9: inconsistent irq usage in both directions for
// hardirq and softirq, irq-safe -> irq-unsafe order, AB-BA, recursive
// locking, spinning on a lock the interrupted context holds, bad unlock
// balance and context imbalance.  Each planted by a client using locks the
// wrong way, with a correct-use twin that stays silent.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

#include "alloc/tests/test_support.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

using alloc_test::contains;
using alloc_test::describe;
using alloc_test::expect_one;
using alloc_test::expect_silent;
using alloc_test::handler_function;
using alloc_test::one_zone;

// A world whose interrupt handler runs `body` (set per test).
struct lock_world {
  lock_world() : w(one_zone(), sink), handler([this](world& wd, interrupt_kind kind, irq_point) {
                   if (body) body(wd, kind);
                 }) {
    w.set_interrupt_handler(&handler);
    a = w.make_lock("lock_a");
    b = w.make_lock("lock_b");
  }
  report_sink sink;
  world w;
  handler_function handler;
  std::function<void(world&, interrupt_kind)> body;
  spinlock_t a, b;
};

TEST(lockdep_inconsistent, hardirq_on_then_in_hardirq) {
  // Goal: lock_a taken with spin_lock in task context (irqs on: HARDIRQ-ON-W),
  // later in a hardirq handler (IN-HARDIRQ-W): "inconsistent lock state".
  lock_world t;
  t.w.spin_lock(t.a);
  t.w.spin_unlock(t.a);
  t.body = [&](world& wd, interrupt_kind) {
    wd.spin_lock(t.a);
    wd.spin_unlock(t.a);
  };
  ASSERT_TRUE(t.w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  expect_one(t.sink, report_kind::lockdep_inconsistent, "WARNING: inconsistent lock state");
  ASSERT_EQ(t.sink.reports().size(), 1u) << describe(t.sink);
  const std::string& details = t.sink.reports()[0].details;
  EXPECT_TRUE(contains(details, "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage.")) << details;
  EXPECT_TRUE(contains(details, "lock(lock_a);\n  <Interrupt>\n    lock(lock_a);")) << details;
  EXPECT_TRUE(contains(details, "*** DEADLOCK ***")) << details;
}

TEST(lockdep_inconsistent, in_hardirq_then_hardirq_on) {
  // Goal: the other order, as reference §9 prints it: first in a hardirq
  // handler, then spin_lock in task context with irqs on:
  // "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage."
  lock_world t;
  t.body = [&](world& wd, interrupt_kind) {
    wd.spin_lock(t.a);
    wd.spin_unlock(t.a);
  };
  ASSERT_TRUE(t.w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  expect_silent(t.sink);
  t.w.spin_lock(t.a);
  t.w.spin_unlock(t.a);
  expect_one(t.sink, report_kind::lockdep_inconsistent, "WARNING: inconsistent lock state");
  EXPECT_TRUE(contains(t.sink.reports()[0].details, "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage."))
      << t.sink.reports()[0].details;
}

TEST(lockdep_inconsistent, softirq_pair) {
  // Goal: the softirq pair: taken in a softirq handler (IN-SOFTIRQ-W), then
  // with spin_lock in task context, softirqs enabled (SOFTIRQ-ON-W).
  lock_world t;
  t.body = [&](world& wd, interrupt_kind kind) {
    if (kind != interrupt_kind::softirq) return;
    wd.spin_lock(t.a);
    wd.spin_unlock(t.a);
  };
  ASSERT_TRUE(t.w.deliver_interrupt(interrupt_kind::softirq, irq_point::between_ops));
  expect_silent(t.sink);
  t.w.spin_lock(t.a);
  t.w.spin_unlock(t.a);
  expect_one(t.sink, report_kind::lockdep_inconsistent, "WARNING: inconsistent lock state");
  EXPECT_TRUE(contains(t.sink.reports()[0].details, "inconsistent {IN-SOFTIRQ-W} -> {SOFTIRQ-ON-W} usage."))
      << t.sink.reports()[0].details;
}

TEST(lockdep_inconsistent, silent_with_the_right_flavours) {
  // Twin: spin_lock_irqsave in task + spin_lock in hardirq; spin_lock_bh in
  // task + spin_lock in softirq; spin_lock_irq in task is irq-safe too.
  lock_world t;
  t.body = [&](world& wd, interrupt_kind kind) {
    spinlock_t& lock = kind == interrupt_kind::hardirq ? t.a : t.b;
    wd.spin_lock(lock);
    wd.spin_unlock(lock);
  };
  irq_flags_t flags = t.w.spin_lock_irqsave(t.a);
  t.w.spin_unlock_irqrestore(t.a, flags);
  t.w.spin_lock_irq(t.a);
  t.w.spin_unlock_irq(t.a);
  t.w.spin_lock_bh(t.b);
  t.w.spin_unlock_bh(t.b);
  ASSERT_TRUE(t.w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  ASSERT_TRUE(t.w.deliver_interrupt(interrupt_kind::softirq, irq_point::between_ops));
  t.w.spin_lock_bh(t.b);
  t.w.spin_unlock_bh(t.b);
  EXPECT_TRUE(t.w.lock_validator().usage(t.a.lock_class) & LOCK_USED_IN_HARDIRQ);
  EXPECT_TRUE(t.w.lock_validator().usage(t.b.lock_class) & LOCK_USED_IN_SOFTIRQ);
  t.w.check_quiescent();
  expect_silent(t.sink);
}

TEST(lockdep_irq_order, hardirq_safe_lock_held_while_taking_an_unsafe_one) {
  // Goal: lock_a is HARDIRQ-safe (taken in a hardirq handler), lock_b is
  // HARDIRQ-unsafe (taken with irqs on); then a task takes b while holding a:
  // "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected".
  lock_world t;
  t.body = [&](world& wd, interrupt_kind) {
    wd.spin_lock(t.a);
    wd.spin_unlock(t.a);
  };
  ASSERT_TRUE(t.w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  t.w.spin_lock(t.b);
  t.w.spin_unlock(t.b);
  expect_silent(t.sink);
  irq_flags_t flags = t.w.spin_lock_irqsave(t.a);
  t.w.spin_lock(t.b);
  t.w.spin_unlock(t.b);
  t.w.spin_unlock_irqrestore(t.a, flags);
  expect_one(t.sink, report_kind::lockdep_irq_order, "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected");
  EXPECT_TRUE(contains(t.sink.reports()[0].details, "lock_a (HARDIRQ-safe) -> lock_b (HARDIRQ-unsafe)"))
      << t.sink.reports()[0].details;
}

TEST(lockdep_irq_order, usage_completing_an_existing_safe_to_unsafe_path) {
  // Goal: the same inversion found from the other end: the order a -> b is
  // recorded first (no usage yet), then a becomes HARDIRQ-safe and b
  // HARDIRQ-unsafe: "possible irq lock inversion dependency detected".
  lock_world t;
  irq_flags_t flags = t.w.spin_lock_irqsave(t.a);
  t.w.spin_lock(t.b);
  t.w.spin_unlock(t.b);
  t.w.spin_unlock_irqrestore(t.a, flags);
  t.body = [&](world& wd, interrupt_kind) {
    wd.spin_lock(t.a);
    wd.spin_unlock(t.a);
  };
  ASSERT_TRUE(t.w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  expect_silent(t.sink);
  t.w.spin_lock(t.b);
  t.w.spin_unlock(t.b);
  expect_one(t.sink, report_kind::lockdep_irq_order, "WARNING: possible irq lock inversion dependency detected");
}

TEST(lockdep_irq_order, silent_when_the_inner_lock_is_irq_safe_too) {
  // Twin: b is only ever taken with irqs off, so a -> b is fine.
  lock_world t;
  t.body = [&](world& wd, interrupt_kind) {
    wd.spin_lock(t.a);
    wd.spin_unlock(t.a);
  };
  ASSERT_TRUE(t.w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  irq_flags_t flags = t.w.spin_lock_irqsave(t.b);
  t.w.spin_unlock_irqrestore(t.b, flags);
  flags = t.w.spin_lock_irqsave(t.a);
  t.w.spin_lock(t.b);
  t.w.spin_unlock(t.b);
  t.w.spin_unlock_irqrestore(t.a, flags);
  EXPECT_TRUE(t.w.lock_validator().has_dependency(t.a.lock_class, t.b.lock_class));
  expect_silent(t.sink);
}

TEST(lockdep_circular, ab_ba) {
  // Goal: a then b in one place, b then a in another:
  // "possible circular locking dependency detected".
  lock_world t;
  t.w.spin_lock(t.a);
  t.w.spin_lock(t.b);
  t.w.spin_unlock(t.b);
  t.w.spin_unlock(t.a);
  expect_silent(t.sink);
  t.w.spin_lock(t.b);
  t.w.spin_lock(t.a);
  t.w.spin_unlock(t.a);
  t.w.spin_unlock(t.b);
  expect_one(t.sink, report_kind::lockdep_circular, "WARNING: possible circular locking dependency detected");
  const std::string& details = t.sink.reports()[0].details;
  EXPECT_TRUE(contains(details, "lock(lock_a);") && contains(details, "lock(lock_b);")) << details;
}

TEST(lockdep_circular, silent_with_one_order) {
  // Twin: a then b, three times: one dependency, no report.
  lock_world t;
  for (int i = 0; i < 3; ++i) {
    t.w.spin_lock(t.a);
    t.w.spin_lock(t.b);
    t.w.spin_unlock(t.b);
    t.w.spin_unlock(t.a);
  }
  EXPECT_TRUE(t.w.lock_validator().has_dependency(t.a.lock_class, t.b.lock_class));
  EXPECT_FALSE(t.w.lock_validator().has_dependency(t.b.lock_class, t.a.lock_class));
  expect_silent(t.sink);
}

TEST(lockdep_recursive, two_locks_of_one_class) {
  // Goal: two instances of one lock class nested:
  // "possible recursive locking detected" (no real deadlock: different locks).
  lock_world t;
  spinlock_t first = t.w.make_lock("inode_lock", 0);
  spinlock_t second = t.w.make_lock("inode_lock", 1);
  t.w.spin_lock(first);
  t.w.spin_lock(second);
  t.w.spin_unlock(second);
  t.w.spin_unlock(first);
  expect_one(t.sink, report_kind::lockdep_recursive, "WARNING: possible recursive locking detected");
  EXPECT_EQ(t.sink.reports().size(), 1u) << describe(t.sink);
  EXPECT_EQ(t.sink.count(report_kind::deadlock), 0u);
}

TEST(deadlock, nmi_spins_on_a_lock_the_interrupted_task_holds) {
  // Goal: the task holds lock_a (irqs off, so its irq usage is consistent);
  // an NMI handler spins on it: on one CPU that never ends, reported as
  // "spinlock recursion" and the run halts (run_halted).  lockdep's
  // check_deadlock, which looks at every lock held on the CPU, reports the
  // recursive acquisition just before.
  lock_world t;
  t.body = [&](world& wd, interrupt_kind) { wd.spin_lock(t.a); };
  irq_flags_t flags = t.w.spin_lock_irqsave(t.a);
  bool halted = false;
  try {
    t.w.deliver_interrupt(interrupt_kind::nmi, irq_point::lock_section);
  } catch (const run_halted& h) {
    halted = true;
    EXPECT_EQ(h.kind, report_kind::deadlock);
  }
  EXPECT_TRUE(halted) << "a deadlock must halt the run";
  expect_one(t.sink, report_kind::deadlock, "BUG: spinlock recursion on CPU#0, labyrinth/1");
  expect_one(t.sink, report_kind::lockdep_recursive, "WARNING: possible recursive locking detected");
  EXPECT_EQ(t.sink.reports().size(), 2u) << describe(t.sink);
  EXPECT_TRUE(contains(t.sink.reports().back().details, "lock_a#0 is already held by this CPU"))
      << t.sink.reports().back().details;
  EXPECT_TRUE(report_kind_fatal(report_kind::deadlock));
  (void)flags;
}

TEST(deadlock, hardirq_spins_on_a_lock_taken_with_irqs_on) {
  // Goal: the classic: spin_lock in task context with irqs on, the hardirq
  // handler takes the same lock.  lockdep reports the inconsistent usage
  // first, then the spin on the held lock halts the run.
  lock_world t;
  t.body = [&](world& wd, interrupt_kind) { wd.spin_lock(t.a); };
  t.w.spin_lock(t.a);
  bool halted = false;
  try {
    t.w.deliver_interrupt(interrupt_kind::hardirq, irq_point::lock_section);
  } catch (const run_halted&) {
    halted = true;
  }
  EXPECT_TRUE(halted);
  expect_one(t.sink, report_kind::deadlock, "BUG: spinlock recursion on CPU#0");
  expect_one(t.sink, report_kind::lockdep_inconsistent, "WARNING: inconsistent lock state");
}

TEST(deadlock, silent_when_the_handler_takes_another_lock) {
  // Twin: the NMI handler takes a lock the interrupted task does not hold.
  lock_world t;
  t.body = [&](world& wd, interrupt_kind) {
    wd.spin_lock(t.b);
    wd.spin_unlock(t.b);
  };
  irq_flags_t flags = t.w.spin_lock_irqsave(t.a);
  EXPECT_TRUE(t.w.deliver_interrupt(interrupt_kind::nmi, irq_point::lock_section));
  t.w.spin_unlock_irqrestore(t.a, flags);
  t.w.check_quiescent();
  expect_silent(t.sink);
}

TEST(lock_imbalance, unlocking_a_lock_that_is_not_held) {
  // Goal: "bad unlock balance detected".  The same spin_unlock also drops a
  // preempt count it never took, which the kernel's DEBUG_PREEMPT catches as
  // well: reported as a context imbalance.
  lock_world t;
  t.w.spin_unlock(t.a);
  expect_one(t.sink, report_kind::lock_imbalance, "WARNING: bad unlock balance detected!");
  EXPECT_TRUE(contains(t.sink.reports()[0].details, "is trying to release lock (lock_a)"))
      << t.sink.reports()[0].details;
  expect_one(t.sink, report_kind::context_imbalance, "BUG: context imbalance: preempt_enable with preempt_count 0");
  EXPECT_EQ(t.w.preempt_count(), 0u) << "the underflow must not wrap the count";
}

TEST(context_imbalance, forgotten_unlock_at_the_end_of_an_operation) {
  // Goal: check_quiescent between operations finds a lock still held (and
  // its preempt count): "context imbalance".
  lock_world t;
  t.w.spin_lock_bh(t.a);
  t.w.check_quiescent();
  expect_one(t.sink, report_kind::context_imbalance,
             "BUG: context imbalance: returned to task context with preempt_count 201, irqs_disabled 0, 1 lock(s) held");
}

TEST(context_imbalance, forgotten_local_irq_restore_and_rcu_unlock) {
  // Goal: irqs left disabled, and an unbalanced rcu_read_unlock, are context imbalances.
  lock_world t;
  t.w.local_irq_save();
  t.w.check_quiescent();
  expect_one(t.sink, report_kind::context_imbalance,
             "BUG: context imbalance: returned to task context with preempt_count 0, irqs_disabled 1");
  t.w.local_irq_enable();
  t.w.rcu_read_unlock();  // without rcu_read_lock
  EXPECT_EQ(t.sink.count(report_kind::context_imbalance), 2u) << describe(t.sink);
  EXPECT_EQ(t.sink.reports().back().title, "BUG: context imbalance: rcu_read_unlock() without rcu_read_lock()");
}

TEST(lock_oracles, silent_on_balanced_use) {
  // Twin for lock_imbalance and context_imbalance: every flavour balanced,
  // nested in one order, then quiescent.
  lock_world t;
  irq_flags_t flags = t.w.spin_lock_irqsave(t.a);
  t.w.spin_lock(t.b);
  t.w.spin_unlock(t.b);
  t.w.spin_unlock_irqrestore(t.a, flags);
  t.w.rcu_read_lock();
  t.w.local_bh_disable();
  t.w.local_bh_enable();
  t.w.rcu_read_unlock();
  t.w.preempt_disable();
  t.w.preempt_enable();
  t.w.check_quiescent();
  expect_silent(t.sink);
}

TEST(lock_oracles, uninitialized_lock_is_reported) {
  // Goal: a spinlock used without make_lock (spin_lock_init) gets the
  // kernel's "spinlock bad magic".
  lock_world t;
  spinlock_t raw;
  t.w.spin_lock(raw);
  t.w.spin_unlock(raw);
  expect_one(t.sink, report_kind::warning, "BUG: spinlock bad magic on CPU#0");
}

TEST(lockdep_shortcut, decides_as_the_full_checks) {
  // Goal: acquire()'s shortcut for acquisitions that add nothing new changes
  // no finding and no state.  Two checkers get the same pseudo-random
  // acquisitions (classes, contexts, held locks, trylocks), one with the
  // shortcut and one taking every check; their findings, usage bits,
  // dependency graphs and enabled flags must agree after every acquisition.
  std::mt19937 random(20261126);
  auto pick = [&](unsigned n) { return static_cast<unsigned>(random() % n); };
  unsigned shortcuts_possible = 0, findings = 0;
  for (unsigned trial = 0; trial < 400; ++trial) {
    lockdep fast, full;
    full.check_every_acquire_for_test_only();
    const char* names[] = {"A", "B", "C", "D", "E"};
    for (const char* name : names) {
      fast.register_class(name);
      full.register_class(name);
    }
    for (unsigned step = 0; step < 40; ++step) {
      lock_acquire_state state;
      state.hardirq_context = pick(4) == 0;
      state.softirq_context = !state.hardirq_context && pick(3) == 0;
      state.hardirqs_enabled = pick(2) == 0;
      state.softirqs_enabled = pick(2) == 0;
      state.trylock = pick(5) == 0;
      lockdep::held_class held[3];
      unsigned held_count = pick(4);
      for (unsigned i = 0; i < held_count; ++i)
        held[i] = {static_cast<lock_class_id>(pick(5)), static_cast<uint8_t>(pick(2))};
      lock_class_id id = static_cast<lock_class_id>(pick(5));
      uint8_t irq_context = static_cast<uint8_t>(pick(2));
      uint8_t usage_before = full.usage(id);
      lockdep_finding a = fast.acquire(id, state, held, held_count, irq_context);
      lockdep_finding b = full.acquire(id, state, held, held_count, irq_context);
      shortcuts_possible += full.enabled() && b.kind == lockdep_finding::none && usage_before == full.usage(id);
      findings += b.kind != lockdep_finding::none;
      ASSERT_EQ(a.kind, b.kind) << "trial " << trial << " step " << step;
      ASSERT_EQ(a.title, b.title);
      ASSERT_EQ(a.details, b.details);
      ASSERT_EQ(fast.enabled(), full.enabled());
      for (lock_class_id c = 0; c < 5; ++c) {
        ASSERT_EQ(fast.usage(c), full.usage(c)) << "trial " << trial << " step " << step;
        for (lock_class_id d = 0; d < 5; ++d) ASSERT_EQ(fast.has_dependency(c, d), full.has_dependency(c, d));
      }
    }
  }
  // Both paths were taken many times.
  EXPECT_GT(shortcuts_possible, 200u);
  EXPECT_GT(findings, 100u);
}

TEST(lockdep_shortcut, a_recursion_is_found_although_nothing_is_new) {
  // Goal: the shortcut does not hide a recursive acquisition whose usage
  // bits and dependencies are all known already.
  lockdep dep;
  lock_class_id a = dep.register_class("A");
  lock_acquire_state state;
  state.hardirqs_enabled = true;
  state.softirqs_enabled = true;
  ASSERT_EQ(dep.acquire(a, state, nullptr, 0, 0).kind, lockdep_finding::none);
  lockdep::held_class held[] = {{a, 0}};
  lockdep_finding f = dep.acquire(a, state, held, 1, 0);
  EXPECT_EQ(f.kind, lockdep_finding::recursive);
  EXPECT_EQ(f.title, "WARNING: possible recursive locking detected");
}

}  // namespace
}  // namespace labyrinth
