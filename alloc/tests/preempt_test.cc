// Execution contexts (alloc/preempt.h, context.cc, spinlock.cc,
// interrupt.cc) against reference §7: the predicates over hand-built
// preempt_counts and over the world's real nestings, the spin_lock flavours'
// effects, softirq processing at local_bh_enable / irq_exit, and the
// memalloc_noio/nofs scopes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alloc/preempt.h"
#include "alloc/tests/test_support.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

using alloc_test::expect_silent;
using alloc_test::handler_function;
using alloc_test::one_zone;

// The eight predicates of a count, as a string "task intr softirq serving
// hardirq nmi atomic" of 0/1, for compact expectations.
std::string predicates(uint32_t count) {
  std::string bits;
  for (bool b : {in_task(count), in_interrupt(count), in_softirq(count), in_serving_softirq(count),
                 in_hardirq(count), in_nmi(count), in_atomic(count)})
    bits += b ? '1' : '0';
  return bits;
}

struct count_case {
  const char* nesting;
  uint32_t count;
  const char* expected;  // task intr softirq serving hardirq nmi atomic
};

TEST(preempt, predicates_over_hand_built_counts) {
  // Goal: each predicate is exactly the mask test of reference §7.  Method:
  // counts built by hand from the offsets (PREEMPT 0x1, SOFTIRQ 0x100,
  // SOFTIRQ_DISABLE 0x200, HARDIRQ 0x10000, NMI 0x100000; nmi_enter adds
  // NMI_OFFSET + HARDIRQ_OFFSET), the expected bits worked out per mask:
  //   in_task = !(count & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET))
  //   in_interrupt = count & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK)
  const std::vector<count_case> cases = {
      {"task", 0x0, "1000000"},
      {"preempt_disable / spin_lock", 0x1, "1000001"},
      {"local_bh_disable (task, but in_interrupt)", 0x200, "1110001"},
      {"spin_lock_bh", 0x201, "1110001"},
      {"two local_bh_disable", 0x400, "1110001"},
      {"serving a softirq", 0x100, "0111001"},
      {"softirq after local_bh_enable's last unit", 0x101, "0111001"},
      {"hardirq", 0x10000, "0100101"},
      {"hardirq over a serving softirq", 0x10100, "0111101"},
      {"hardirq over spin_lock_bh", 0x10201, "0110101"},
      {"NMI in task", 0x110000, "0100111"},
      {"NMI inside hardirq", 0x120000, "0100111"},
      {"NMI inside softirq", 0x110100, "0111111"},
  };
  for (const count_case& c : cases)
    EXPECT_EQ(predicates(c.count), c.expected) << c.nesting << " (count " << std::hex << c.count << ")";
  EXPECT_EQ(PREEMPT_MASK, 0xffu);
  EXPECT_EQ(SOFTIRQ_MASK, 0xff00u);
  EXPECT_EQ(HARDIRQ_MASK, 0xf0000u);
  EXPECT_EQ(NMI_MASK, 0xf00000u);
  EXPECT_EQ(SOFTIRQ_LOCK_OFFSET, 0x201u);
}

struct observed {
  interrupt_kind kind;
  uint32_t count;
  bool irqs_disabled;
};

TEST(preempt, predicates_over_the_worlds_real_nestings) {
  // Goal: the world's contexts produce the counts of reference §7.  Method:
  // enter each nesting for real (bh sections, a delivered softirq, hardirq,
  // NMI inside a hardirq, NMI inside a softirq) and record preempt_count and
  // the irq flag where the code runs.
  report_sink sink;
  world w(one_zone(), sink);
  EXPECT_EQ(w.preempt_count(), 0u);
  EXPECT_EQ(predicates(w.preempt_count()), "1000000");
  w.local_bh_disable();
  EXPECT_EQ(w.preempt_count(), 0x200u);
  EXPECT_EQ(predicates(w.preempt_count()), "1110001");
  w.local_bh_enable();
  spinlock_t lock = w.make_lock("client_lock");
  w.spin_lock_bh(lock);
  EXPECT_EQ(w.preempt_count(), 0x201u);
  w.spin_unlock_bh(lock);
  EXPECT_EQ(w.preempt_count(), 0u);

  std::vector<observed> seen;
  handler_function handler([&](world& wd, interrupt_kind kind, irq_point) {
    seen.push_back({kind, wd.preempt_count(), wd.irqs_disabled()});
    if (kind != interrupt_kind::nmi) {
      EXPECT_TRUE(wd.deliver_interrupt(interrupt_kind::nmi, irq_point::between_ops));
    }
  });
  w.set_interrupt_handler(&handler);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops));
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::softirq, irq_point::between_ops));
  ASSERT_EQ(seen.size(), 4u);
  // hardirq: HARDIRQ_OFFSET, irqs off
  EXPECT_EQ(seen[0].kind, interrupt_kind::hardirq);
  EXPECT_EQ(seen[0].count, 0x10000u);
  EXPECT_TRUE(seen[0].irqs_disabled);
  EXPECT_EQ(predicates(seen[0].count), "0100101");
  // NMI inside the hardirq: + NMI_OFFSET + HARDIRQ_OFFSET
  EXPECT_EQ(seen[1].kind, interrupt_kind::nmi);
  EXPECT_EQ(seen[1].count, 0x120000u);
  EXPECT_EQ(predicates(seen[1].count), "0100111");
  // softirq served at irq_exit: SOFTIRQ_OFFSET, irqs on
  EXPECT_EQ(seen[2].kind, interrupt_kind::softirq);
  EXPECT_EQ(seen[2].count, 0x100u);
  EXPECT_FALSE(seen[2].irqs_disabled);
  EXPECT_EQ(predicates(seen[2].count), "0111001");
  // NMI inside the softirq
  EXPECT_EQ(seen[3].kind, interrupt_kind::nmi);
  EXPECT_EQ(seen[3].count, 0x110100u);
  EXPECT_EQ(predicates(seen[3].count), "0111111");
  EXPECT_EQ(w.preempt_count(), 0u);
  EXPECT_FALSE(w.irqs_disabled());
  EXPECT_EQ(w.this_cpu().interrupt_depth, 0u);
  w.check_quiescent();
  expect_silent(sink);
}

TEST(preempt, spin_lock_flavours_change_count_and_irq_flag) {
  // Goal: spin_lock +1; spin_lock_irq and _irqsave turn irqs off then +1;
  // spin_lock_bh +0x201 (SOFTIRQ_LOCK_OFFSET); each release undoes exactly
  // its own effect; irqsave restores the saved flag (irqs stay off when they
  // were off).  Method: read preempt_count and irqs_disabled around each.
  report_sink sink;
  world w(one_zone(), sink);
  spinlock_t a = w.make_lock("lock_a"), b = w.make_lock("lock_b");
  w.spin_lock(a);
  EXPECT_EQ(w.preempt_count(), 1u);
  EXPECT_FALSE(w.irqs_disabled());
  EXPECT_EQ(w.this_cpu().held_count, 1u);
  w.spin_unlock(a);
  EXPECT_EQ(w.preempt_count(), 0u);

  w.spin_lock_irq(a);
  EXPECT_EQ(w.preempt_count(), 1u);
  EXPECT_TRUE(w.irqs_disabled());
  w.spin_unlock_irq(a);
  EXPECT_EQ(w.preempt_count(), 0u);
  EXPECT_FALSE(w.irqs_disabled());

  irq_flags_t outer = w.spin_lock_irqsave(a);
  EXPECT_EQ(w.preempt_count(), 1u);
  EXPECT_TRUE(w.irqs_disabled());
  irq_flags_t inner = w.spin_lock_irqsave(b);
  EXPECT_EQ(w.preempt_count(), 2u);
  w.spin_unlock_irqrestore(b, inner);
  EXPECT_TRUE(w.irqs_disabled()) << "the inner restore must keep irqs off: they were off when it saved";
  EXPECT_EQ(w.preempt_count(), 1u);
  w.spin_unlock_irqrestore(a, outer);
  EXPECT_FALSE(w.irqs_disabled());
  EXPECT_EQ(w.preempt_count(), 0u);

  w.spin_lock_bh(a);
  EXPECT_EQ(w.preempt_count(), 0x201u);
  EXPECT_FALSE(w.irqs_disabled());
  w.spin_unlock_bh(a);
  EXPECT_EQ(w.preempt_count(), 0u);

  EXPECT_TRUE(w.spin_trylock(a));
  EXPECT_EQ(w.preempt_count(), 1u);
  EXPECT_FALSE(w.spin_trylock(a)) << "a held lock: trylock fails and leaves the count alone";
  EXPECT_EQ(w.preempt_count(), 1u);
  w.spin_unlock(a);
  EXPECT_EQ(w.preempt_count(), 0u);
  EXPECT_EQ(w.this_cpu().held_count, 0u);
  w.check_quiescent();
  expect_silent(sink);
}

TEST(preempt, hardirq_is_not_deliverable_with_irqs_disabled) {
  // Goal: the discipline: with irqs off only an NMI may arrive; in an NMI
  // nothing may.  Method: deliverable_interrupts and deliver_interrupt inside
  // spin_lock_irqsave, and from an NMI handler.
  report_sink sink;
  world w(one_zone(), sink);
  interrupt_kind allowed[3];
  ASSERT_EQ(w.deliverable_interrupts(allowed), 3u);
  EXPECT_EQ(allowed[0], interrupt_kind::hardirq);
  EXPECT_EQ(allowed[1], interrupt_kind::softirq);
  EXPECT_EQ(allowed[2], interrupt_kind::nmi);
  spinlock_t lock = w.make_lock("client_lock");
  irq_flags_t flags = w.spin_lock_irqsave(lock);
  ASSERT_EQ(w.deliverable_interrupts(allowed), 1u);
  EXPECT_EQ(allowed[0], interrupt_kind::nmi);
  EXPECT_FALSE(w.deliver_interrupt(interrupt_kind::hardirq, irq_point::lock_section));
  EXPECT_FALSE(w.deliver_interrupt(interrupt_kind::softirq, irq_point::lock_section));
  unsigned in_nmi_deliverable = 99;
  handler_function handler([&](world& wd, interrupt_kind, irq_point) {
    interrupt_kind inner[3];
    in_nmi_deliverable = wd.deliverable_interrupts(inner);
  });
  w.set_interrupt_handler(&handler);
  EXPECT_TRUE(w.deliver_interrupt(interrupt_kind::nmi, irq_point::lock_section));
  EXPECT_EQ(in_nmi_deliverable, 0u);
  w.spin_unlock_irqrestore(lock, flags);
  EXPECT_EQ(w.stats().interrupts[0], 0u);
  EXPECT_EQ(w.stats().interrupts[2], 1u);
  expect_silent(sink);
}

TEST(preempt, local_bh_enable_runs_pending_softirqs) {
  // Goal: a softirq raised inside a bh-disabled section is not run at
  // irq_exit (softirq_count != 0) but at local_bh_enable, in softirq context
  // with the bh section's last preempt unit still held (count 0x101).
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<uint32_t> counts;
  handler_function handler([&](world& wd, interrupt_kind kind, irq_point) {
    if (kind == interrupt_kind::softirq) counts.push_back(wd.preempt_count());
  });
  w.set_interrupt_handler(&handler);
  w.local_bh_disable();
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::softirq, irq_point::lock_section));
  EXPECT_EQ(w.stats().softirqs_run, 0u) << "irq_exit must not run softirqs inside a bh-disabled section";
  EXPECT_TRUE(w.this_cpu().softirq_pending);
  w.local_bh_enable();
  EXPECT_EQ(w.stats().softirqs_run, 1u);
  EXPECT_FALSE(w.this_cpu().softirq_pending);
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0], 0x101u);
  EXPECT_EQ(w.preempt_count(), 0u);

  // The same through spin_unlock_bh.
  spinlock_t lock = w.make_lock("client_lock");
  w.spin_lock_bh(lock);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::softirq, irq_point::lock_section));
  EXPECT_EQ(w.stats().softirqs_run, 1u);
  w.spin_unlock_bh(lock);
  EXPECT_EQ(w.stats().softirqs_run, 2u);
  EXPECT_EQ(w.preempt_count(), 0u);
  w.check_quiescent();
  expect_silent(sink);
}

TEST(preempt, irq_exit_runs_softirqs_only_outside_interrupt_and_bh_sections) {
  // Goal: irq_exit runs a pending softirq when it returns to task context, not
  // when it returns into a softirq (the running __do_softirq loop picks it up
  // instead) and not inside a bh-disabled section (previous test).  Method:
  // count softirqs_run and record where each softirq handler ran.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<uint32_t> softirq_counts;
  bool raise_again = true;
  handler_function handler([&](world& wd, interrupt_kind kind, irq_point) {
    if (kind != interrupt_kind::softirq) return;
    softirq_counts.push_back(wd.preempt_count());
    if (raise_again) {
      raise_again = false;
      uint64_t before = wd.stats().softirqs_run;
      EXPECT_TRUE(wd.deliver_interrupt(interrupt_kind::softirq, irq_point::between_ops));
      EXPECT_EQ(wd.stats().softirqs_run, before) << "irq_exit into a softirq must leave it pending";
    }
  });
  w.set_interrupt_handler(&handler);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::softirq, irq_point::between_ops));
  EXPECT_EQ(w.stats().softirqs_run, 2u) << "the first from irq_exit, the second by __do_softirq's restart";
  ASSERT_EQ(softirq_counts.size(), 2u);
  EXPECT_EQ(softirq_counts[0], 0x100u);
  EXPECT_EQ(softirq_counts[1], 0x100u);
  EXPECT_EQ(w.this_cpu().interrupt_depth, 0u);
  w.check_quiescent();
  expect_silent(sink);
}

TEST(preempt, pending_softirq_runs_at_a_scheduling_point) {
  // Goal: __do_softirq restarts at most MAX_SOFTIRQ_RESTART (10) times; what
  // is still pending then runs at the next scheduling point (ksoftirqd), in
  // softirq context.  Method: a softirq handler that raises itself again, 12
  // runs in all.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<uint32_t> counts;
  handler_function handler([&](world& wd, interrupt_kind kind, irq_point) {
    if (kind != interrupt_kind::softirq) return;
    counts.push_back(wd.preempt_count());
    if (counts.size() < 12) wd.raise_softirq();
  });
  w.set_interrupt_handler(&handler);
  ASSERT_TRUE(w.deliver_interrupt(interrupt_kind::softirq, irq_point::between_ops));
  EXPECT_EQ(w.stats().softirqs_run, 10u);
  EXPECT_TRUE(w.this_cpu().softirq_pending) << "the eleventh raise is left to ksoftirqd";
  w.schedule_point();
  EXPECT_EQ(w.stats().softirqs_run, 12u);
  EXPECT_FALSE(w.this_cpu().softirq_pending);
  for (uint32_t count : counts) EXPECT_EQ(count, 0x100u);
  EXPECT_EQ(w.preempt_count(), 0u);
  EXPECT_FALSE(w.irqs_disabled());
  w.check_quiescent();
  expect_silent(sink);
}

TEST(preempt, memalloc_scopes_nest_and_restore) {
  // Goal: memalloc_noio/nofs_save return the previous state of their flag and
  // restore puts exactly that back, so nested scopes unwind correctly.
  report_sink sink;
  world w(one_zone(), sink);
  unsigned outer = w.memalloc_noio_save();
  EXPECT_EQ(outer, 0u);
  EXPECT_TRUE(w.current().flags & PF_MEMALLOC_NOIO);
  unsigned inner = w.memalloc_noio_save();
  EXPECT_EQ(inner, PF_MEMALLOC_NOIO);
  w.memalloc_noio_restore(inner);
  EXPECT_TRUE(w.current().flags & PF_MEMALLOC_NOIO) << "the inner restore must keep the outer scope";
  unsigned nofs = w.memalloc_nofs_save();
  EXPECT_EQ(nofs, 0u);
  EXPECT_EQ(w.current().flags & (PF_MEMALLOC_NOIO | PF_MEMALLOC_NOFS), PF_MEMALLOC_NOIO | PF_MEMALLOC_NOFS);
  w.memalloc_nofs_restore(nofs);
  w.memalloc_noio_restore(outer);
  EXPECT_EQ(w.current().flags & (PF_MEMALLOC_NOIO | PF_MEMALLOC_NOFS), 0u);
  expect_silent(sink);
}

TEST(preempt, current_gfp_context_strips_io_and_fs) {
  // Goal: current_gfp_context (include/linux/sched/mm.h): NOIO clears IO and
  // FS, NOFS clears FS, NOIO wins over NOFS; other bits stay.  And the
  // allocator applies it: the page owner records the effective gfp.
  EXPECT_EQ(current_gfp_context(0, GFP_KERNEL), GFP_KERNEL);
  EXPECT_EQ(current_gfp_context(PF_MEMALLOC_NOIO, GFP_KERNEL), GFP_NOIO);
  EXPECT_EQ(current_gfp_context(PF_MEMALLOC_NOFS, GFP_KERNEL), GFP_NOFS);
  EXPECT_EQ(current_gfp_context(PF_MEMALLOC_NOIO | PF_MEMALLOC_NOFS, GFP_KERNEL), GFP_NOIO);
  EXPECT_EQ(current_gfp_context(PF_MEMALLOC_NOIO, GFP_KERNEL | __GFP_ZERO), GFP_NOIO | __GFP_ZERO);
  EXPECT_EQ(current_gfp_context(PF_MEMALLOC_NOFS, GFP_ATOMIC), GFP_ATOMIC);

  report_sink sink;
  world w(one_zone(), sink);
  unsigned flags = w.memalloc_noio_save();
  page* in_noio = w.alloc_pages(GFP_KERNEL, 0);
  w.memalloc_noio_restore(flags);
  flags = w.memalloc_nofs_save();
  page* in_nofs = w.alloc_pages(GFP_KERNEL, 0);
  w.memalloc_nofs_restore(flags);
  page* outside = w.alloc_pages(GFP_KERNEL, 0);
  ASSERT_TRUE(in_noio && in_nofs && outside);
  EXPECT_EQ(w.owner(w.page_to_pfn(in_noio)).gfp, GFP_NOIO);
  EXPECT_EQ(w.owner(w.page_to_pfn(in_nofs)).gfp, GFP_NOFS);
  EXPECT_EQ(w.owner(w.page_to_pfn(outside)).gfp, GFP_KERNEL);
  for (page* p : {in_noio, in_nofs, outside}) w.__free_pages(p, 0);
  w.teardown_check();
  expect_silent(sink);
}

}  // namespace
}  // namespace labyrinth
