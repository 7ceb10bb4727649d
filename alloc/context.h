// Execution contexts: the task, and the per-CPU state an interrupt changes
// (preempt_count, the irq flag, pending softirqs, held locks).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "alloc/gfp.h"
#include "alloc/lockdep.h"
#include "alloc/mmzone.h"
#include "alloc/spinlock.h"
#include "alloc/vmstat.h"

namespace labyrinth::fi {
class injector;
}

namespace labyrinth {

// Task flags with the kernel's values (include/linux/sched.h).
inline constexpr uint32_t PF_MEMALLOC = 0x00000800u;
inline constexpr uint32_t PF_KSWAPD = 0x00020000u;
inline constexpr uint32_t PF_MEMALLOC_NOFS = 0x00040000u;
inline constexpr uint32_t PF_MEMALLOC_NOIO = 0x00080000u;

struct task_struct {
  int pid = 1;
  std::string comm = "labyrinth";
  uint32_t flags = 0;
  bool oom_victim = false;  // tsk_is_oom_victim()
};

// include/linux/sched/mm.h: current_gfp_context()
constexpr gfp_t current_gfp_context(uint32_t task_flags, gfp_t gfp) {
  if (task_flags & PF_MEMALLOC_NOIO)
    gfp &= ~(__GFP_IO | __GFP_FS);
  else if (task_flags & PF_MEMALLOC_NOFS)
    gfp &= ~__GFP_FS;
  return gfp;
}

struct held_lock {
  spinlock_t* lock = nullptr;
  lock_flavour flavour = lock_flavour::plain;
  uint8_t irq_context = 0;  // interrupt nesting level that took it
};

// Which kind of context is running, for messages and page_owner records.
enum class context_kind : uint8_t { task, softirq, hardirq, nmi };
const char* context_kind_name(context_kind kind);

struct cpu_state {
  unsigned id = 0;
  uint32_t preempt_count = 0;
  bool irqs_disabled = false;
  uint32_t rcu_read_depth = 0;
  bool softirq_pending = false;
  uint8_t interrupt_depth = 0;  // hardirq/softirq/NMI frames currently on this CPU
  bool nmi_saved_irqs_disabled = false;  // NMIs do not nest, so one slot suffices
  std::array<held_lock, MAX_LOCK_DEPTH> held{};
  unsigned held_count = 0;
  task_struct* current = nullptr;
  std::array<per_cpu_pages, MAX_NR_ZONES> pcp{};
  world_stats stats;                // this CPU's event counters
  fi::injector* injector = nullptr; // this CPU's own decision source, if any (world::set_cpu_injector)
};

constexpr context_kind context_of(uint32_t preempt_count) {
  if (preempt_count & 0x00f00000u) return context_kind::nmi;
  if (preempt_count & 0x000f0000u) return context_kind::hardirq;
  if (preempt_count & 0x00000100u) return context_kind::softirq;
  return context_kind::task;
}

}  // namespace labyrinth
