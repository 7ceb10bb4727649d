// Interrupt points and the interrupt discipline.
//
// An interrupt point is a named place inside the allocator (or between the
// caller's operations) where the decision source may deliver an interrupt.
// Delivery obeys the discipline (kernel/softirq.c, kernel/irq):
//  - hardirq: only with irqs enabled; the handler runs with irqs disabled
//    (HARDIRQ_OFFSET), so hardirqs do not nest;
//  - softirq: arrives as a hardirq that raises it; it runs at irq_exit() when
//    !in_interrupt(), else stays pending until local_bh_enable() or the next
//    scheduling point (ksoftirqd); it runs with irqs enabled (SOFTIRQ_OFFSET);
//  - NMI: anywhere except inside an NMI;
//  - at most world_config::max_interrupt_depth frames nested on one CPU.
#pragma once

#include <cstdint>

namespace labyrinth {

// X(name, description)
#define LABYRINTH_IRQ_POINTS(X)                                                   \
  X(between_ops, "between caller operations")                                     \
  X(lock_section, "inside a caller's lock or irq-disabled section")               \
  X(pcp_alloc, "inside the per-CPU list critical section, taking a page")         \
  X(pcp_free, "inside the per-CPU list critical section, adding a page")          \
  X(pcp_refill, "inside rmqueue_bulk, under zone->lock")                          \
  X(buddy_alloc, "inside rmqueue_buddy, under zone->lock")                        \
  X(buddy_free, "inside free_one_page, under zone->lock")                         \
  X(slowpath_entry, "at the start of the allocation slow path")                   \
  X(before_reclaim, "before direct reclaim")                                      \
  X(inside_reclaim, "inside direct reclaim, with PF_MEMALLOC set")                \
  X(after_reclaim, "after direct reclaim")                                        \
  X(before_oom, "before the OOM step")                                            \
  X(kswapd, "inside kswapd's reclaim loop")

enum class irq_point : uint16_t {
#define LABYRINTH_X(name, description) name,
  LABYRINTH_IRQ_POINTS(LABYRINTH_X)
#undef LABYRINTH_X
      count
};

const char* irq_point_name(irq_point point);
const char* irq_point_description(irq_point point);

enum class interrupt_kind : uint8_t { hardirq, softirq, nmi };
const char* interrupt_kind_name(interrupt_kind kind);

class world;

// What an interrupt does: supplied by the caller (a fuzz program's handler
// programs, a test).  Runs inline on the current CPU, in the new context.
class interrupt_handler {
 public:
  virtual ~interrupt_handler() = default;
  virtual void handle(world& w, interrupt_kind kind, irq_point point) = 0;
};

}  // namespace labyrinth
