// Goal: the correct-client rules say what a kernel developer would say.
// Method: the gfp choice over every raw value, order and context; the
// section rules for each lock, flavour and context, both ways (allowed and
// refused).
#include <gtest/gtest.h>

#include "fuzz/decoder.h"
#include "fuzz/gfp_choice.h"
#include "fuzz/printer.h"
#include "fuzz/program.h"

namespace labyrinth::fuzz {
namespace {

// Every raw gfp choice gives flags a correct client passes, and the encoder
// finds raw bytes that give them back.
TEST(gfp_choice, every_raw_value_is_correct_and_encodable) {
  for (unsigned raw = 0; raw < 0x800; ++raw)
    for (unsigned order = 0; order <= 10; ++order)
      for (bool atomic : {false, true}) {
        gfp_t gfp = gfp_from_raw(static_cast<uint16_t>(raw), order, atomic);
        EXPECT_STREQ(gfp_problem(gfp, order, atomic), "") << format_gfp(gfp) << " order " << order;
        auto back = gfp_to_raw(gfp, order, atomic);
        ASSERT_TRUE(back.has_value()) << format_gfp(gfp);
        EXPECT_EQ(gfp_from_raw(*back, order, atomic), gfp) << format_gfp(gfp);
        if (atomic) {
          EXPECT_FALSE(gfpflags_allow_blocking(gfp)) << format_gfp(gfp) << " blocks in atomic context";
        }
        if (gfp & __GFP_NOFAIL) {
          EXPECT_TRUE(gfpflags_allow_blocking(gfp)) << format_gfp(gfp);
          EXPECT_LE(order, 1u) << format_gfp(gfp);
        }
        EXPECT_FALSE((gfp & __GFP_DMA32) && (gfp & __GFP_HIGHMEM)) << format_gfp(gfp);
      }
}

TEST(gfp_choice, atomic_counterparts_keep_zone_and_zero) {
  // GFP_NOFS|__GFP_DMA32|__GFP_ZERO|__GFP_HIGH in atomic context
  uint16_t raw = 1 | (1u << 3) | (1u << 4) | (1u << 7);
  EXPECT_EQ(format_gfp(gfp_from_raw(raw, 0, true)), "GFP_NOWAIT|__GFP_DMA32|__GFP_ZERO");
  EXPECT_EQ(format_gfp(gfp_from_raw(raw, 0, false)), "GFP_NOFS|__GFP_DMA32|__GFP_HIGH|__GFP_ZERO");
  EXPECT_STRNE(gfp_problem(GFP_KERNEL, 0, true), "");
  EXPECT_STRNE(gfp_problem(GFP_KERNEL | __GFP_NOFAIL, 3, false), "");
  EXPECT_STREQ(gfp_problem(GFP_KERNEL | __GFP_NOFAIL, 1, false), "");
}

op make(op_code code, uint32_t a0 = 0, uint32_t a1 = 0, uint32_t a2 = 0) { return op{code, {a0, a1, a2}}; }

struct lock_case {
  list_id list;
  std::vector<op> before;  // opened first
  op lock;
  bool allowed;
  const char* why;
};

TEST(section_state, lock_rules_follow_lockdep) {
  const lock_case cases[] = {
      {list_id::task, {}, make(op_code::spin_lock, 0), true, "client_lock is task-only and irq-unsafe"},
      {list_id::softirq0, {}, make(op_code::spin_lock, 0), false, "client_lock in softirq"},
      {list_id::task, {}, make(op_code::spin_lock_bh, lock_rx), true, "rx_lock with bh off in task"},
      {list_id::task, {}, make(op_code::spin_lock, lock_rx), false, "rx_lock plain with bh on"},
      {list_id::task, {make(op_code::local_bh_disable)}, make(op_code::spin_lock, lock_rx), true, "bh already off"},
      {list_id::softirq1, {}, make(op_code::spin_lock, lock_rx), true, "softirq: bh off already"},
      {list_id::hardirq0, {}, make(op_code::spin_lock, lock_rx), false, "rx_lock is not hardirq-safe"},
      {list_id::hardirq0, {}, make(op_code::spin_lock, lock_tx), true, "hardirq: irqs off already"},
      {list_id::softirq0, {}, make(op_code::spin_lock, lock_tx), false, "tx_lock plain with irqs on"},
      {list_id::softirq0, {}, make(op_code::spin_lock_irqsave, lock_tx), true, "tx_lock irqsave"},
      {list_id::task, {}, make(op_code::spin_lock_bh, lock_tx), false, "tx_lock with bh only"},
      {list_id::task, {make(op_code::local_irq_save)}, make(op_code::spin_lock_irq, lock_tx), false,
       "spin_unlock_irq would enable irqs inside local_irq_save"},
      {list_id::task, {make(op_code::local_irq_save)}, make(op_code::spin_lock_bh, lock_rx), false,
       "local_bh_enable with irqs off"},
      {list_id::task, {make(op_code::spin_lock_irqsave, lock_tx)}, make(op_code::spin_lock_irqsave, lock_rx), false,
       "lock order"},
      {list_id::task, {make(op_code::spin_lock, 0)}, make(op_code::spin_lock_irqsave, lock_tx), true, "lock order"},
      {list_id::task, {make(op_code::spin_lock_irqsave, lock_tx)}, make(op_code::spin_lock_irqsave, lock_tx), false,
       "recursion"},
  };
  for (const lock_case& c : cases) {
    section_state state(c.list);
    for (const op& o : c.before) {
      ASSERT_TRUE(state.admits(o)) << format_op(o) << ": " << state.problem(o);
      state.apply(o);
    }
    EXPECT_EQ(state.admits(c.lock), c.allowed)
        << c.why << ": " << format_op(c.lock) << " in " << list_name(c.list) << " expected "
        << (c.allowed ? "allowed" : "refused") << ", problem: '" << state.problem(c.lock) << "'";
  }
}

TEST(section_state, atomic_context_refuses_what_may_sleep) {
  section_state task(list_id::task);
  EXPECT_TRUE(task.admits(make(op_code::schedule)));
  task.apply(make(op_code::memalloc_noio_save));
  EXPECT_FALSE(task.atomic()) << "a memalloc scope is not atomic";
  EXPECT_TRUE(task.admits(make(op_code::alloc, 0, GFP_KERNEL, 0)));
  task.apply(make(op_code::rcu_read_lock));
  EXPECT_TRUE(task.atomic());
  EXPECT_FALSE(task.admits(make(op_code::schedule)));
  EXPECT_FALSE(task.admits(make(op_code::cache_add, 0)));
  EXPECT_FALSE(task.admits(make(op_code::alloc, 0, GFP_KERNEL, 0)));
  EXPECT_TRUE(task.admits(make(op_code::alloc, 0, GFP_ATOMIC, 0)));
  EXPECT_FALSE(task.admits(make(op_code::memalloc_nofs_restore))) << "closers must match the innermost section";
  EXPECT_TRUE(task.admits(make(op_code::rcu_read_unlock)));
}

TEST(section_state, admits_exactly_what_has_no_problem) {
  // Goal: admits() (the decoder's question, which builds no explanation)
  // and problem() (the parser's, which does) agree on every candidate.
  // Method: every list, fixed pseudo-random operations with small arguments,
  // the admitted ones applied so sections open and close along the way.
  uint64_t x = 88172645463325252ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  size_t admitted = 0, refused = 0;
  for (unsigned l = 0; l < list_count; ++l) {
    section_state state(static_cast<list_id>(l));
    for (int i = 0; i < 20000; ++i) {
      op o;
      o.code = static_cast<op_code>(next() % op_code_count);
      for (uint32_t& arg : o.args) arg = static_cast<uint32_t>(next() % 4 == 0 ? next() : next() % 6);
      const std::string why = state.problem(o);
      ASSERT_EQ(state.admits(o), why.empty()) << format_op(o) << ": " << why;
      if (why.empty()) {
        state.apply(o);
        ++admitted;
      } else {
        ++refused;
      }
    }
  }
  EXPECT_GT(admitted, 200u) << "sections opened and closed along the way";
  EXPECT_GT(refused, 1000u);
}

TEST(section_state, nmi_handlers_never_enter_the_allocator) {
  section_state nmi(list_id::nmi);
  for (unsigned code = 0; code < op_code_count; ++code) {
    op_code c = static_cast<op_code>(code);
    bool allowed = op_contexts(c) & ctx_nmi;
    bool harmless = c == op_code::touch || c == op_code::preempt_disable || c == op_code::rcu_read_lock ||
                    c == op_code::preempt_enable || c == op_code::rcu_read_unlock || c == op_code::end;
    EXPECT_EQ(allowed, harmless) << op_name(c);
  }
}

// Every op set's opcode table, in every context, holds only operations that
// context may run and has an END region.
TEST(opcode_tables, tables_hold_only_context_operations) {
  for (op_set set : {op_set::generic, op_set::client})
    for (unsigned base = 0; base < 4; ++base)
      for (unsigned value = 0; value < opcode_values; ++value) {
        op_code code = opcode_operation(set, static_cast<context_base>(base), value);
        EXPECT_TRUE(op_contexts(code) & context_bit(static_cast<context_base>(base)))
            << op_name(code) << " in " << context_base_name(static_cast<context_base>(base));
        EXPECT_GT(op_weight(code, set), 0u) << op_name(code);
      }
}

// And the other way: every operation an op set weighs has an opcode in every
// context it may run in (else the encoder could not write it).
TEST(opcode_tables, every_weighted_operation_has_an_opcode) {
  for (op_set set : {op_set::generic, op_set::client})
    for (unsigned code = 0; code < op_code_count; ++code) {
      op_code c = static_cast<op_code>(code);
      if (op_weight(c, set) == 0) continue;
      for (unsigned base = 0; base < 4; ++base)
        if (op_contexts(c) & context_bit(static_cast<context_base>(base))) {
          EXPECT_GE(opcode_value(set, static_cast<context_base>(base), c), 0)
              << op_name(c) << " in " << context_base_name(static_cast<context_base>(base)) << ", op set "
              << op_set_name(set);
        }
    }
}

}  // namespace
}  // namespace labyrinth::fuzz
