// SMP programs: one operation list per simulated CPU (4..7 CPUs), run by the
// deterministic SMP scheduler (alloc/smp/scheduler.h), plus the decision bytes
// that answer the injector: which runnable CPU runs at each interleaving
// point, whether an interrupt arrives at each interrupt point, and which.
//
// Operations are those of a correct client, on the CPU's own page slots:
// pages are handed to other CPUs' queues under a client spinlock and freed
// there (the cross-CPU free), drain_all_pages runs from any CPU, sections
// with irqs off or an irq-safe client lock allocate GFP_ATOMIC, and every
// CPU takes interrupts whose handler allocates GFP_ATOMIC and takes the
// irq-safe client lock.  So any report is a bug of the model.
//
// Binary layout (total: every byte string decodes):
//   byte 0     header: bit 0 pcp discipline (0 trylock, 1 irqsave),
//              bits 1-2 CPUs - 4, bit 3 kswapd as a task on the last CPU
//   per CPU    a count byte (mod smp_max_ops + 1), then count x 2 bytes:
//              opcode (mod smp_code count), argument
//   the rest   decision bytes (fi::bytes_source)
// Readable form (the .txt beside each seed):
//   smp cpus=4 pcp=trylock kswapd=no
//   cpu 0: alloc slot=0 order=0 gfp=kernel; give slot=0 to=1
//   cpu 1: take; drain_all
//   decisions: 1f 00 a3
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <utility>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "alloc/report.h"
#include "alloc/smp/scheduler.h"
#include "alloc/world.h"
#include "faultinject/decision.h"
#include "faultinject/injector.h"

namespace labyrinth::fuzz {

inline constexpr unsigned smp_min_cpus = 4, smp_max_cpus = 7;
inline constexpr unsigned smp_max_ops = 24;  // per CPU
inline constexpr unsigned smp_slots = 8;     // page slots per CPU

// X(name, help)
#define LABYRINTH_SMP_OPS(X)                                                               \
  X(alloc, "alloc_pages() into a slot (a full slot is freed first)")                       \
  X(free, "__free_pages() the slot's page on this CPU")                                    \
  X(give, "hand the slot's page to another CPU's queue (client spinlock)")                 \
  X(take, "take a page handed to this CPU and free it here (the cross-CPU free)")          \
  X(drain_local, "drain_local_pages()")                                                    \
  X(drain_all, "drain_all_pages(): every CPU's lists")                                     \
  X(cache_add, "add_to_page_cache(GFP_KERNEL): memory kswapd can reclaim")                 \
  X(irq_section, "local_irq_save(); GFP_ATOMIC into a slot; local_irq_restore()")          \
  X(lock_section, "spin_lock_irqsave(irq-safe client lock); GFP_ATOMIC into a slot; unlock") \
  X(schedule, "a scheduling point (cond_resched)")

enum class smp_code : uint8_t {
#define LABYRINTH_X(name, help) name,
  LABYRINTH_SMP_OPS(LABYRINTH_X)
#undef LABYRINTH_X
      count
};
inline constexpr unsigned smp_code_count = static_cast<unsigned>(smp_code::count);
const char* smp_code_name(smp_code code);

// The argument byte, canonical: alloc: slot bits 0-2, order bits 3-4,
// GFP_ATOMIC bit 5; free/irq_section/lock_section: slot; give: slot, to
// (CPU) bits 3-5; cache_add: kind 0..2; the others: 0.
struct smp_op {
  smp_code code = smp_code::schedule;
  uint8_t arg = 0;
  bool operator==(const smp_op&) const = default;
};

struct smp_program {
  bool pcp_irqsave = false;
  unsigned cpus = smp_min_cpus;
  bool kswapd = false;
  std::array<std::vector<smp_op>, smp_max_cpus> lists;
  std::vector<uint8_t> decisions;
  bool operator==(const smp_program&) const = default;
};

smp_program smp_decode(std::span<const uint8_t> input);
std::vector<uint8_t> smp_encode(const smp_program& p);
std::string smp_print(const smp_program& p);
// Parses the readable form; on error returns nullopt and sets *error ("line N: ...").
std::optional<smp_program> smp_parse(const std::string& text, std::string* error);

struct smp_run_options {
  world_config world;          // nr_cpus and pcp come from the program
  fi::fault_config faults;     // default: the harness's (interrupts at 20% of the points)
  sink_mode mode = sink_mode::collect;
  // Decisions: the program's bytes (default), or a seeded PRNG, or a strategy
  // (then also its source), or a recorded trace (replay).
  std::optional<uint64_t> decision_seed;
  schedule_strategy* strategy = nullptr;
  const std::vector<fi::decision_record>* replay = nullptr;
  // Called once the run is quiescent (every CPU idle, no fatal report),
  // before the client's pages are freed: the world and the blocks the client
  // holds (pfn, order).  Properties check the census here.
  std::function<void(labyrinth::world&, const std::vector<std::pair<uint32_t, unsigned>>&)> at_quiescence;
};

struct smp_run_result {
  std::vector<report> reports;
  std::vector<fi::decision_record> trace;
  smp_result sched;
  world_stats stats;
  std::string replay_problem;  // with options.replay: "" for an exact replay
  size_t bug_count() const;
  bool clean() const { return bug_count() == 0; }
};

smp_run_options smp_harness_options(sink_mode mode);
// Runs on a fresh world; at the end (unless a fatal report ended the run) the
// client's pages are freed, the whole world is walked (check_full) and torn
// down (teardown_check: every page back, the free lists as at the start).
smp_run_result run_smp(const smp_program& p, const smp_run_options& options);

}  // namespace labyrinth::fuzz
