// The operations of a fuzz program.  One X-macro table gives each operation
// its name (the printer's and parser's word), the contexts it may run in, its
// weight in the decoder's opcode table for each op set, and its arguments;
// the argument kinds have their own table (fuzz/op.cc) that gives names,
// ranges, printing, parsing and decoding.
//
// Vocabulary: the kernel's where the operation is a kernel call (spin_lock_bh,
// memalloc_noio_save, local_irq_save); client words otherwise (slot, give).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace labyrinth::fuzz {

// The context a list of operations runs in.
enum class context_base : uint8_t { task, softirq, hardirq, nmi };
const char* context_base_name(context_base base);

// Where an operation may appear (bit per context_base).
inline constexpr uint8_t ctx_task = 1, ctx_softirq = 2, ctx_hardirq = 4, ctx_nmi = 8;
inline constexpr uint8_t ctx_TSH = ctx_task | ctx_softirq | ctx_hardirq;
inline constexpr uint8_t ctx_TS = ctx_task | ctx_softirq;
inline constexpr uint8_t ctx_TH = ctx_task | ctx_hardirq;
inline constexpr uint8_t ctx_SH = ctx_softirq | ctx_hardirq;
inline constexpr uint8_t ctx_T = ctx_task;
inline constexpr uint8_t ctx_S = ctx_softirq;
inline constexpr uint8_t ctx_N = ctx_nmi;
inline constexpr uint8_t ctx_all = ctx_TSH | ctx_nmi;
inline constexpr uint8_t context_bit(context_base base) { return uint8_t(1u << static_cast<unsigned>(base)); }

// X(kind, key, bytes the decoder reads)
//   slot       : a page slot of the running context (16 in task, 8 in handlers)
//   gfp        : gfp flags (family, zone, modifiers; see gfp_choice.h)
//   order      : 0..MAX_PAGE_ORDER
//   mm         : an address space 0..3
//   mode       : exclusive | shared mapping
//   lock       : client_lock | rx_lock | tx_lock (lock_rules.h)
//   cache_kind : clean | dirty | swapbacked page cache page
//   index      : an index into the client's page cache list, 0..63
//   to         : the context a page is handed to: task | softirq | hardirq
//   byte       : a byte value written into a page
//   count      : 1..8 (packets, buffers)
//   probe      : which misuse a probe makes (misuse probes below)
#define LABYRINTH_FUZZ_ARGS(X) \
  X(slot, "slot", 1)           \
  X(gfp, "gfp", 2)             \
  X(order, "order", 1)         \
  X(mm, "mm", 1)               \
  X(mode, "mode", 1)           \
  X(lock, "lock", 1)           \
  X(cache_kind, "kind", 1)     \
  X(index, "index", 1)         \
  X(to, "to", 1)               \
  X(byte, "byte", 1)           \
  X(count, "count", 1)         \
  X(probe, "misuse", 1)

enum class arg_kind : uint8_t {
  none,
#define LABYRINTH_X(kind, key, bytes) kind,
  LABYRINTH_FUZZ_ARGS(LABYRINTH_X)
#undef LABYRINTH_X
};

// X(id, contexts, weight generic, weight client, arg0, arg1, arg2, help)
// Weights: how many of the decoder's 60 opcode values name the operation in
// each op set; 0 = not in that set.  Closers have weight 0: the decoder's
// `end` picks the closer that matches the innermost open section.
#define LABYRINTH_FUZZ_OPS(X)                                                                              \
  X(alloc, ctx_TSH, 11, 4, slot, gfp, order, "alloc_pages() into a slot (a full slot is released first)") \
  X(free, ctx_TSH, 6, 2, slot, none, none, "__free_pages() the slot's page (unmapped and unreferenced first)") \
  X(get, ctx_TSH, 2, 1, slot, none, none, "get_page(): take an extra reference")                           \
  X(put, ctx_TSH, 2, 1, slot, none, none, "put_page(): drop a reference; the last one frees the page")     \
  X(write, ctx_TSH, 2, 1, slot, byte, none, "fill the slot's page with a byte (checked before it is freed)") \
  X(map, ctx_T, 3, 1, slot, mm, mode, "map_anon_page(); -EBUSY/-EEXIST are correct answers")               \
  X(unmap, ctx_T, 2, 1, slot, mm, none, "unmap_page() if mapped there")                                    \
  X(cache_add, ctx_T, 3, 2, cache_kind, none, none, "add_to_page_cache(GFP_KERNEL): reclaimable memory")   \
  X(cache_remove, ctx_T, 1, 1, index, none, none, "remove_from_page_cache() (truncate) a page we added")    \
  X(give, ctx_TSH, 2, 0, slot, to, none, "hand the slot's page to another context's queue")                \
  X(take, ctx_TSH, 1, 0, slot, none, none, "take a page handed to this context into a slot")               \
  X(consume, ctx_TSH, 2, 0, none, none, none, "take a page handed to this context and free it")            \
  X(spin_lock, ctx_TSH, 1, 1, lock, none, none, "spin_lock()")                                             \
  X(spin_lock_irq, ctx_TS, 1, 0, lock, none, none, "spin_lock_irq()")                                      \
  X(spin_lock_irqsave, ctx_TSH, 2, 1, lock, none, none, "spin_lock_irqsave()")                             \
  X(spin_lock_bh, ctx_TS, 1, 1, lock, none, none, "spin_lock_bh()")                                        \
  X(local_irq_save, ctx_TSH, 1, 0, none, none, none, "local_irq_save()")                                   \
  X(local_bh_disable, ctx_TS, 1, 1, none, none, none, "local_bh_disable()")                                \
  X(preempt_disable, ctx_all, 1, 0, none, none, none, "preempt_disable()")                                 \
  X(rcu_read_lock, ctx_all, 1, 0, none, none, none, "rcu_read_lock()")                                     \
  X(memalloc_noio_save, ctx_T, 1, 1, none, none, none, "memalloc_noio_save(): a GFP_NOIO scope")           \
  X(memalloc_nofs_save, ctx_T, 1, 1, none, none, none, "memalloc_nofs_save(): a GFP_NOFS scope")           \
  X(end, ctx_all, 5, 3, none, none, none, "(decoder only) close the innermost open section")               \
  X(spin_unlock, ctx_TSH, 0, 0, lock, none, none, "spin_unlock()")                                         \
  X(spin_unlock_irq, ctx_TS, 0, 0, lock, none, none, "spin_unlock_irq()")                                  \
  X(spin_unlock_irqrestore, ctx_TSH, 0, 0, lock, none, none, "spin_unlock_irqrestore()")                   \
  X(spin_unlock_bh, ctx_TS, 0, 0, lock, none, none, "spin_unlock_bh()")                                    \
  X(local_irq_restore, ctx_TSH, 0, 0, none, none, none, "local_irq_restore()")                             \
  X(local_bh_enable, ctx_TS, 0, 0, none, none, none, "local_bh_enable()")                                  \
  X(preempt_enable, ctx_all, 0, 0, none, none, none, "preempt_enable()")                                   \
  X(rcu_read_unlock, ctx_all, 0, 0, none, none, none, "rcu_read_unlock()")                                 \
  X(memalloc_noio_restore, ctx_T, 0, 0, none, none, none, "memalloc_noio_restore()")                       \
  X(memalloc_nofs_restore, ctx_T, 0, 0, none, none, none, "memalloc_nofs_restore()")                       \
  X(drain, ctx_T, 1, 1, none, none, none, "drain_local_pages()")                                           \
  X(schedule, ctx_T, 2, 2, none, none, none, "a scheduling point: pending softirqs and kswapd run")         \
  X(raise_softirq, ctx_TH, 2, 3, none, none, none, "raise_softirq() (napi_schedule in the client)")        \
  X(touch, ctx_N, 2, 1, byte, none, none, "NMI: write the handler's own state (never the allocator)")     \
  X(rx_refill, ctx_T, 0, 6, count, none, none, "driver: top up the RX ring with GFP_KERNEL buffers")      \
  X(napi_poll, ctx_S, 0, 7, count, none, none, "driver: receive packets, refill with GFP_ATOMIC, drop on failure") \
  X(recvmsg, ctx_T, 0, 4, count, none, none, "driver: the process reads packets and frees their pages")   \
  X(tx_send, ctx_T, 0, 3, order, none, none, "driver: queue a GFP_KERNEL page for transmit")              \
  X(tx_complete, ctx_SH, 0, 3, count, none, none, "driver: transmit completion frees sent pages")     \
  X(probe, ctx_T, 1, 0, probe, none, none, "a deliberate misuse whose correct outcome is one specific report")

enum class op_code : uint8_t {
#define LABYRINTH_X(id, contexts, wg, wc, a0, a1, a2, help) id,
  LABYRINTH_FUZZ_OPS(LABYRINTH_X)
#undef LABYRINTH_X
      count
};

inline constexpr unsigned op_code_count = static_cast<unsigned>(op_code::count);
inline constexpr unsigned max_op_args = 3;

// Which weights the decoder uses.
//   generic : the allocator API (ops, irq and faults harnesses)
//   client  : the network-driver client, with some of the API beside it
enum class op_set : uint8_t { generic, client };
const char* op_set_name(op_set set);

struct op {
  op_code code = op_code::schedule;
  std::array<uint32_t, max_op_args> args{};
  bool operator==(const op&) const = default;
};

const char* op_name(op_code code);
const char* op_help(op_code code);
std::optional<op_code> parse_op_name(std::string_view name);
uint8_t op_contexts(op_code code);
unsigned op_weight(op_code code, op_set set);
arg_kind op_arg(op_code code, unsigned index);
unsigned op_arg_count(op_code code);

const char* arg_key(arg_kind kind);
unsigned arg_bytes(arg_kind kind);

// Client locks, in the only order they may be taken (ids increase).
//   client_lock : task context only (irq-unsafe)
//   rx_lock     : softirq-safe (the RX ring and backlog)
//   tx_lock     : hardirq-safe (the transmit queue)
inline constexpr unsigned lock_count = 3;
inline constexpr unsigned lock_rx = 1, lock_tx = 2;
const char* lock_name(unsigned lock);

// Misuse probes: the one place a program misuses the API, on purpose, on a
// fresh page of its own, and checks that the model answers as the kernel
// would.  X(name, what the model must answer)
#define LABYRINTH_FUZZ_PROBES(X)                                                          \
  X(free_mapped, "BUG: Bad page state (a mapped page is not freed)")                      \
  X(double_free, "BUG: double free of page")                                              \
  X(exclusive_twice, "-EBUSY for an exclusive mapping of a mapped page, and no report")   \
  X(sleep_in_atomic, "BUG: sleeping function called from invalid context")              \
  X(order_mismatch, "BUG: Bad page state (freed with another order)")

enum class probe_kind : uint8_t {
#define LABYRINTH_X(name, expected) name,
  LABYRINTH_FUZZ_PROBES(LABYRINTH_X)
#undef LABYRINTH_X
      count
};
inline constexpr unsigned probe_count = static_cast<unsigned>(probe_kind::count);
const char* probe_name(probe_kind kind);
const char* probe_expected(probe_kind kind);

// Bounds.
inline constexpr unsigned task_slots = 16;
inline constexpr unsigned handler_slots = 8;
inline constexpr unsigned nr_mms = 4;
inline constexpr unsigned cache_list_max = 64;
inline constexpr unsigned max_count = 8;
inline constexpr unsigned slots_of(context_base base) {
  return base == context_base::task ? task_slots : base == context_base::nmi ? 0 : handler_slots;
}

}  // namespace labyrinth::fuzz
