// A representative client program for the allocator model: one fixed,
// deterministic scenario that drives every failure point of the slow path and
// every fault site, in process context and in interrupt context, and releases
// everything at the end.  Fault sweeps (fault_sweep_test.cc) and trace replay
// (trace_replay_test.cc) run it; anything that needs "a realistic program
// that reaches everything" can.
//
// The program takes no decision of its own: every nondeterministic choice
// (faults, interrupt arrival inside the allocator) comes from the injector's
// decision source; its own interrupts arrive at fixed steps.  It is a correct
// client: NULL is handled everywhere but for __GFP_NOFAIL, pages are taken off
// the program's lists before they are freed (an interrupt inside __free_pages
// may run the handler, which frees from the same lists), interrupt handlers
// allocate atomically, and every section it opens it closes.
//
// The world (representative_world_config) is small enough to reach pressure:
//
//   DMA32  pfn 0..1023     min 16 low 20 high 24 (min_free_kbytes = 128)
//   Normal pfn 1024..2047  min 16 low 20 high 24, 64 pages of an OOM victim
//
// Phases, each a run of named steps (program_step, in this order):
//   warm-up      fast path: pcp refills at orders 0..3, buddy orders 5 and 9,
//                atomic allocations in an irqsave lock and a bh-off section,
//                pages handed over to the softirq, explicit interrupts
//   page cache   8 clean, 8 dirty and 8 swap-backed pages over both zones
//   pressure     each scenario first squeezes both zones down to the min mark
//                with allocations that neither reclaim nor wake kswapd, then:
//                a slow path that only wakes kswapd, kswapd's run, direct
//                reclaim for GFP_NOIO (takes the clean pages), GFP_NOFS (the
//                swap-backed ones) and GFP_KERNEL (the dirty ones), a costly
//                order, costly __GFP_NORETRY, __GFP_NORETRY, RETRY_MAYFAIL;
//                with the page cache gone: a lowmem __GFP_NOFAIL (no OOM
//                killer: the nopage fallback), the OOM step (kills the
//                victim), __GFP_NOFAIL at orders 1 and 0 (the OOM step picks
//                the task itself), interrupts at the min mark (the atomic
//                slow path; order 1 reserves a highatomic pageblock)
//   release      everything the program and its handler hold, the page
//                cache, then world::teardown_check()
// The interrupt handler (hardirq: GFP_ATOMIC, softirq: GFP_NOWAIT, orders 0
// and 1; NMI: nothing) runs whenever the source delivers an interrupt, and at
// the fixed `interrupts` and `pressure_interrupts` steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alloc/world.h"
#include "faultinject/decision.h"
#include "faultinject/injector.h"

namespace labyrinth {

// X(name, what the step does)
#define LABYRINTH_PROGRAM_STEPS(X)                                                  \
  X(setup, "world construction and anything before the first step")                 \
  X(pcp_orders, "GFP_KERNEL orders 0..3 through the per-CPU lists (refills)")       \
  X(buddy_orders, "GFP_KERNEL orders 5 and 9 from the buddy lists")                 \
  X(atomic_lock_section, "GFP_ATOMIC inside spin_lock_irqsave")                     \
  X(atomic_bh_section, "GFP_ATOMIC inside local_bh_disable")                        \
  X(hand_over, "pages handed over to the softirq handler")                          \
  X(interrupts, "a hardirq, a softirq and an NMI delivered between operations")     \
  X(page_cache, "page cache growth: clean, dirty, swap-backed")                     \
  X(squeeze, "allocations down to the min mark, without reclaim or kswapd")         \
  X(kswapd_wake, "GFP_KERNEL between min and low: slow path, kswapd woken")         \
  X(kswapd_run, "a scheduling point: kswapd balances the zones")                    \
  X(noio_reclaim, "GFP_NOIO at the min mark: direct reclaim of clean pages only")   \
  X(nofs_reclaim, "GFP_NOFS at the min mark: direct reclaim without writeback")     \
  X(kernel_reclaim, "GFP_KERNEL at the min mark: direct reclaim")                   \
  X(costly, "GFP_KERNEL order 4 (costly): one reclaim round, then give up")         \
  X(costly_noretry, "GFP_KERNEL|__GFP_NORETRY order 5: no reclaim at all")          \
  X(noretry, "GFP_KERNEL|__GFP_NORETRY order 0: one reclaim round")                 \
  X(retry_mayfail, "GFP_KERNEL|__GFP_RETRY_MAYFAIL order 2: retries, never OOM")    \
  X(truncate, "the page cache dropped: nothing reclaimable is left")                \
  X(nofail_lowmem, "GFP_KERNEL|__GFP_DMA32|__GFP_NOFAIL: no OOM kill for lowmem")   \
  X(oom, "GFP_KERNEL with nothing reclaimable: the OOM step")                       \
  X(nofail, "GFP_KERNEL|__GFP_NOFAIL orders 1 and 0 at the min mark")               \
  X(pressure_interrupts, "interrupts at the min mark: atomic slow path, highatomic")\
  X(release, "everything released")

enum class program_step : uint8_t {
#define LABYRINTH_X(name, description) name,
  LABYRINTH_PROGRAM_STEPS(LABYRINTH_X)
#undef LABYRINTH_X
      count
};
inline constexpr unsigned program_step_count = static_cast<unsigned>(program_step::count);

const char* program_step_name(program_step step);
const char* program_step_description(program_step step);

// Two 1024-page zones, min_free_kbytes 128, full poisoning, incremental checks.
world_config representative_world_config(pcp_discipline discipline = pcp_discipline::trylock);

// What every run starts from, in the LABYRINTH_FAULTS vocabulary:
//  - fail_page_alloc as syzkaller sets it (min-order=0, ignore-gfp-wait=N);
//  - every site counts calls in any context (contexts=any), so fail-nth
//    reaches interrupt-context calls too;
//  - an interrupt at every 5th interrupt point (irq: probability=100,
//    interval=5, times=-1); which one is the source's answer;
//  - unless kswapd_keeps_up: kswapd makes no progress (kswapd: probability=100,
//    times=-1, verbose=0, outcome 0), the kernel's "kswapd cannot keep up",
//    so that allocations at the min mark reclaim directly.  (The model runs
//    kswapd synchronously at the scheduling point inside direct reclaim, so a
//    working kswapd would always balance the zones before direct reclaim
//    looks at the page cache.)
// Nothing else fails until a sweep arms fail-nth.
const char* representative_base_faults_text(bool kswapd_keeps_up = false);
fi::fault_config representative_base_faults(bool kswapd_keeps_up = false);

// The decision source of a sweep: interrupt questions are answered in turn
// 0, 1, 2, ... (each deliverable kind in rotation), outcome questions with a
// fixed answer per site (reclaim and kswapd: 0 = none, 1 = partial), random
// draws quietly.  Deterministic, and independent of any fuzz input.
class rotating_source final : public fi::decision_source {
 public:
  explicit rotating_source(uint32_t reclaim_outcome = 0, uint32_t kswapd_outcome = 0)
      : reclaim_outcome_(reclaim_outcome), kswapd_outcome_(kswapd_outcome) {}
  uint32_t decide(const fi::decision_request& request) override;
  const char* name() const override { return "rotating"; }

 private:
  uint32_t reclaim_outcome_;
  uint32_t kswapd_outcome_;
  uint64_t interrupt_questions_ = 0;
};

struct program_options {
  // A planted-style misuse: the NMI handler allocates with GFP_ATOMIC, which
  // the kernel forbids (report_kind::nmi_unsafe).
  bool nmi_handler_allocates = false;
  // An altered program: one extra GFP_KERNEL allocation in the warm-up (for
  // replay divergence tests).
  bool extra_allocation = false;
};

// What the program observed itself; the world's own record is in the world.
struct program_outcome {
  bool completed = false;  // ran to its end (not halted by a fatal report)
  bool halted = false;
  report_kind halt_kind = report_kind::warning;
  uint64_t nofail_requests = 0;
  uint64_t nofail_null = 0;  // must stay 0
  uint64_t allocation_failures = 0;  // NULL returns the program handled
  uint64_t handler_calls = 0;
  // op index -> the step it belongs to (index 0: setup)
  std::vector<program_step> step_of_op;
  // op index -> the world's stats at the end of that operation
  std::vector<world_stats> stats_after_op;
  // The free lists just before the release phase, and the world's stats there.
  std::vector<uint32_t> peak_signature;
  world_stats peak_stats;
  program_step step_at(uint64_t op_index) const;
};

class representative_program final : public interrupt_handler {
 public:
  explicit representative_program(program_options options = {}) : options_(options) {}

  // Runs every phase in `w`, then releases everything and calls
  // w.teardown_check().  Installs itself as the interrupt handler and
  // removes itself before it frees what its handler still holds.  A fatal
  // report (run_halted) ends the run; the outcome says so.
  void run(world& w);
  void handle(world& w, interrupt_kind kind, irq_point point) override;
  const program_outcome& outcome() const { return outcome_; }

 private:
  struct allocation {
    page* head;
    unsigned order;
  };

  void run_phases();
  void warm_up();
  void grow_page_cache();
  void pressure();
  void release();

  void begin_step(program_step step);
  void end_step();
  page* allocate(gfp_t gfp, unsigned order);  // keeps it in held_ if it succeeds
  void free_last_held();
  void free_held_since(size_t count);
  void squeeze(long slack);
  void squeeze_zone(unsigned zone_index, long slack);
  void forget_reclaimed();
  void handle_nmi(world& w);

  program_options options_;
  program_outcome outcome_;
  world* w_ = nullptr;
  spinlock_t client_lock_;
  std::vector<allocation> held_;       // owned by task context
  std::vector<allocation> hand_over_;  // task -> softirq handler
  std::vector<allocation> irq_held_;   // owned by interrupt context
  std::vector<page*> cache_;           // page cache pages the program added
  uint64_t interrupt_ticks_ = 0;
  // The handler's largest order: 1, except while the direct reclaim
  // scenarios run, where an order-1 atomic allocation in the slow path would
  // reserve a highatomic pageblock (half of a zone this small) and hide the
  // page cache behind it.  The pressure_interrupts step then does exactly that.
  unsigned irq_max_order_ = 1;
};

// One complete run: a fresh world, an injector over `source`, the program.
struct representative_run {
  std::vector<report> reports;
  size_t bug_count = 0;       // report_sink::bug_count()
  size_t livelock_count = 0;  // workload verdicts (must stay 0 here)
  world_stats stats;
  std::vector<uint32_t> final_signature;  // after teardown_check
  bool final_signature_is_initial = false;
  std::vector<fi::decision_record> trace;
  std::vector<fi::fault_event> faults;
  std::vector<fi::fault_attr_state> fault_states;  // by fault_site
  program_outcome program;
};

representative_run run_representative_program(const fi::fault_config& faults, fi::decision_source& source,
                                              const program_options& options = {},
                                              pcp_discipline discipline = pcp_discipline::trylock);

// One line per operation: its step and what changed in the world's stats
// during it (allocations, failures, slow path entries, direct reclaims, pages
// reclaimed, kswapd runs, OOM kills, interrupts).
std::string format_step_log(const program_outcome& outcome);

// Readable one-line summary of a run's world stats (for notes and failures).
std::string format_world_stats(const world_stats& stats);
bool same_world_stats(const world_stats& a, const world_stats& b);

}  // namespace labyrinth
