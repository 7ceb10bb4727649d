// Interrupt entry/exit (kernel/softirq.c irq_enter/irq_exit, __do_softirq;
// include/linux/hardirq.h nmi_enter/nmi_exit) and delivery at interrupt points.
#include "alloc/interrupt.h"

#include "alloc/preempt.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

struct point_info {
  const char* name;
  const char* description;
};

constexpr point_info points[] = {
#define LABYRINTH_X(name, description) {#name, description},
    LABYRINTH_IRQ_POINTS(LABYRINTH_X)
#undef LABYRINTH_X
};

constexpr unsigned MAX_SOFTIRQ_RESTART = 10;

}  // namespace

const char* irq_point_name(irq_point point) { return points[static_cast<unsigned>(point)].name; }
const char* irq_point_description(irq_point point) { return points[static_cast<unsigned>(point)].description; }

const char* interrupt_kind_name(interrupt_kind kind) {
  switch (kind) {
    case interrupt_kind::hardirq: return "hardirq";
    case interrupt_kind::softirq: return "softirq";
    case interrupt_kind::nmi: return "nmi";
  }
  return "?";
}

// Hardware disables interrupts on entry; the handler runs with HARDIRQ_OFFSET.
void world::irq_enter() {
  cpu_state& cpu = this_cpu();
  cpu.irqs_disabled = true;
  ++cpu.interrupt_depth;
  preempt_count_add(HARDIRQ_OFFSET);
}

// irq_exit(): leave hardirq context; run pending softirqs if nothing below us
// is in interrupt context (or has bottom halves disabled); then the return
// from interrupt re-enables irqs.
void world::irq_exit() {
  cpu_state& cpu = this_cpu();
  preempt_count_sub(HARDIRQ_OFFSET, "irq_exit");
  if (!in_interrupt(cpu.preempt_count) && cpu.softirq_pending) do_softirq();
  --cpu.interrupt_depth;
  cpu.irqs_disabled = false;
}

// An NMI handler runs with maskable interrupts off, whatever it interrupted.
void world::nmi_enter() {
  cpu_state& cpu = this_cpu();
  cpu.nmi_saved_irqs_disabled = cpu.irqs_disabled;
  cpu.irqs_disabled = true;
  ++cpu.interrupt_depth;
  preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET);
}

void world::nmi_exit() {
  cpu_state& cpu = this_cpu();
  preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET, "nmi_exit");
  --cpu.interrupt_depth;
  cpu.irqs_disabled = cpu.nmi_saved_irqs_disabled;
}

void world::raise_softirq() { this_cpu().softirq_pending = true; }

// __do_softirq(): SOFTIRQ_OFFSET, irqs enabled while handlers run, restart
// while more is raised, at most MAX_SOFTIRQ_RESTART times, then leave the
// rest to ksoftirqd.
void world::do_softirq() {
  cpu_state& cpu = this_cpu();
  bool irqs_were_disabled = cpu.irqs_disabled;
  preempt_count_add(SOFTIRQ_OFFSET);
  ++cpu.interrupt_depth;
  for (unsigned restart = 0; restart < MAX_SOFTIRQ_RESTART && cpu.softirq_pending; ++restart) {
    cpu.softirq_pending = false;
    cpu.irqs_disabled = false;
    ++this_cpu().stats.softirqs_run;
    if (handler_) handler_->handle(*this, interrupt_kind::softirq, irq_point::between_ops);
    cpu.irqs_disabled = true;
  }
  --cpu.interrupt_depth;
  preempt_count_sub(SOFTIRQ_OFFSET, "softirq exit");
  cpu.irqs_disabled = irqs_were_disabled;
}

// ksoftirqd: softirqs left pending run at a scheduling point in task context.
void world::run_pending_softirqs_in_task() {
  cpu_state& cpu = this_cpu();
  if (!cpu.softirq_pending || cpu.preempt_count != 0 || cpu.irqs_disabled) return;
  irq_flags_t flags = local_irq_save();
  do_softirq();
  local_irq_restore(flags);
}

unsigned world::deliverable_interrupts(interrupt_kind* out) const {
  const cpu_state& cpu = this_cpu();
  unsigned n = 0;
  if (cpu.interrupt_depth >= config_.max_interrupt_depth) return 0;
  if (!cpu.irqs_disabled) {
    out[n++] = interrupt_kind::hardirq;
    out[n++] = interrupt_kind::softirq;
  }
  if (!in_nmi(cpu.preempt_count)) out[n++] = interrupt_kind::nmi;
  return n;
}

bool world::deliver_interrupt(interrupt_kind kind, irq_point point) {
  interrupt_kind allowed[3];
  unsigned n = deliverable_interrupts(allowed);
  bool ok = false;
  for (unsigned i = 0; i < n; ++i) ok |= allowed[i] == kind;
  if (!ok) return false;
  ++this_cpu().stats.interrupts[static_cast<unsigned>(kind)];
  switch (kind) {
    case interrupt_kind::hardirq:
      irq_enter();
      if (handler_) handler_->handle(*this, interrupt_kind::hardirq, point);
      irq_exit();
      break;
    case interrupt_kind::softirq:  // a hardirq whose only work is raising the softirq
      irq_enter();
      raise_softirq();
      irq_exit();
      break;
    case interrupt_kind::nmi:
      nmi_enter();
      if (handler_) handler_->handle(*this, interrupt_kind::nmi, point);
      nmi_exit();
      break;
  }
  return true;
}

void world::interrupt_point(irq_point point) {
  if (sched_) sched_->interleave(sched_point::interrupt_point);
  if (!has_injector()) return;
  interrupt_kind allowed[3];
  unsigned n = deliverable_interrupts(allowed);
  if (n == 0) return;
  unsigned choice = inject_interrupt(n, point);
  if (choice == 0 || choice > n) return;
  deliver_interrupt(allowed[choice - 1], point);
}

}  // namespace labyrinth
