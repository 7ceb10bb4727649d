// preempt_count, the irq flag, bottom halves, RCU read sections, memalloc
// scopes and might_sleep (include/linux/preempt.h, kernel/softirq.c,
// kernel/sched/core.c __might_resched).
#include <cstdio>

#include "alloc/preempt.h"
#include "alloc/world.h"

namespace labyrinth {

void world::preempt_count_add(uint32_t value) { this_cpu().preempt_count += value; }

void world::preempt_count_sub(uint32_t value, const char* what) {
  cpu_state& cpu = this_cpu();
  // The field being decremented must hold at least `value`.
  uint32_t mask = value >= NMI_OFFSET ? NMI_MASK
                  : value >= HARDIRQ_OFFSET ? HARDIRQ_MASK
                  : value >= SOFTIRQ_OFFSET ? SOFTIRQ_MASK
                                            : PREEMPT_MASK;
  if ((cpu.preempt_count & mask) < (value & mask) || (value & PREEMPT_MASK) > (cpu.preempt_count & PREEMPT_MASK)) {
    char title[160];
    std::snprintf(title, sizeof title, "BUG: context imbalance: %s with preempt_count %x", what, cpu.preempt_count);
    report(report_kind::context_imbalance, title);
    return;
  }
  cpu.preempt_count -= value;
}

void world::preempt_disable() { preempt_count_add(PREEMPT_OFFSET); }
void world::preempt_enable() { preempt_count_sub(PREEMPT_OFFSET, "preempt_enable"); }

void world::local_irq_disable() { this_cpu().irqs_disabled = true; }
void world::local_irq_enable() { this_cpu().irqs_disabled = false; }

irq_flags_t world::local_irq_save() {
  irq_flags_t flags = this_cpu().irqs_disabled ? 1 : 0;
  this_cpu().irqs_disabled = true;
  return flags;
}

void world::local_irq_restore(irq_flags_t flags) { this_cpu().irqs_disabled = flags != 0; }

void world::local_bh_disable() { preempt_count_add(SOFTIRQ_DISABLE_OFFSET); }

// __local_bh_enable_ip(): drop the count but the last preempt unit, run
// pending softirqs if not in interrupt, then drop the last unit.
void world::local_bh_enable() {
  cpu_state& cpu = this_cpu();
  if (in_hardirq(cpu.preempt_count) || cpu.irqs_disabled) warn("local_bh_enable() in hardirq context or with irqs disabled");
  if (softirq_count(cpu.preempt_count) < SOFTIRQ_DISABLE_OFFSET) {
    preempt_count_sub(SOFTIRQ_DISABLE_OFFSET, "local_bh_enable");
    return;
  }
  cpu.preempt_count -= SOFTIRQ_DISABLE_OFFSET - 1;
  if (!in_interrupt(cpu.preempt_count) && cpu.softirq_pending && !cpu.irqs_disabled) do_softirq();
  preempt_count_sub(PREEMPT_OFFSET, "local_bh_enable");
}

void world::rcu_read_lock() { ++this_cpu().rcu_read_depth; }

void world::rcu_read_unlock() {
  if (this_cpu().rcu_read_depth == 0) {
    report(report_kind::context_imbalance, "BUG: context imbalance: rcu_read_unlock() without rcu_read_lock()");
    return;
  }
  --this_cpu().rcu_read_depth;
}

unsigned world::memalloc_noio_save() {
  unsigned flags = current().flags & PF_MEMALLOC_NOIO;
  current().flags |= PF_MEMALLOC_NOIO;
  return flags;
}
void world::memalloc_noio_restore(unsigned flags) {
  current().flags = (current().flags & ~PF_MEMALLOC_NOIO) | flags;
}
unsigned world::memalloc_nofs_save() {
  unsigned flags = current().flags & PF_MEMALLOC_NOFS;
  current().flags |= PF_MEMALLOC_NOFS;
  return flags;
}
void world::memalloc_nofs_restore(unsigned flags) {
  current().flags = (current().flags & ~PF_MEMALLOC_NOFS) | flags;
}
unsigned world::memalloc_noreclaim_save() {
  unsigned flags = current().flags & PF_MEMALLOC;
  current().flags |= PF_MEMALLOC;
  return flags;
}
void world::memalloc_noreclaim_restore(unsigned flags) {
  current().flags = (current().flags & ~PF_MEMALLOC) | flags;
}

// __might_resched(file, line, 0): fine only with preempt_count() == 0, no RCU
// read section, irqs enabled.  (No rate limit: every occurrence is reported.)
void world::might_sleep(const char* file, int line) {
  const cpu_state& cpu = this_cpu();
  if (cpu.preempt_count == 0 && cpu.rcu_read_depth == 0 && !cpu.irqs_disabled) return;
  char title[256], details[512];
  std::snprintf(title, sizeof title, "BUG: sleeping function called from invalid context at %s:%d", file, line);
  std::snprintf(details, sizeof details,
                "in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s\n"
                "preempt_count: %x, expected: 0\n"
                "RCU nest depth: %u, expected: 0\n",
                in_atomic(cpu.preempt_count) ? 1 : 0, cpu.irqs_disabled ? 1 : 0, cpu.current->pid,
                cpu.current->comm.c_str(), cpu.preempt_count, cpu.rcu_read_depth);
  report(report_kind::sleep_in_atomic, title, details);
}

void world::cond_resched(const char* file, int line) {
  might_sleep(file, line);
  const cpu_state& cpu = this_cpu();
  if (cpu.preempt_count == 0 && !cpu.irqs_disabled && cpu.rcu_read_depth == 0) schedule_point();
}

}  // namespace labyrinth
