// The world: one machine's memory (zones, pages, page contents), its CPUs and
// their contexts, lockdep, the page cache and reclaim, and the oracles.  All
// kernel-facing operations are methods named as in the kernel; kernel_api.h
// offers them as free functions on the current world.
//
// A world is built fresh for every run, or restored from a pristine world
// built with the same configuration (world::restore, for fuzzing's persistent
// mode): nothing carries over between runs either way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alloc/alloc_flags.h"
#include "alloc/compiler.h"
#include "alloc/context.h"
#include "alloc/flat_array.h"
#include "alloc/gfp.h"
#include "alloc/host_lock.h"
#include "alloc/interrupt.h"
#include "alloc/lockdep.h"
#include "alloc/lockless.h"
#include "alloc/mmzone.h"
#include "alloc/page.h"
#include "alloc/page_list.h"
#include "alloc/page_memory.h"
#include "alloc/page_owner_array.h"
#include "alloc/report.h"
#include "alloc/smp/hooks.h"
#include "alloc/vmstat.h"
#include "faultinject/injector.h"

namespace labyrinth {

// The per-CPU page list locking discipline (mm/page_alloc.c history):
//   irqsave : <= 5.13, local_irq_save() around every pcp access
//   trylock : >= 6.2, IRQs stay enabled; pcp_spin_trylock(), and an interrupt
//             that finds the list busy falls back to the buddy lists
enum class pcp_discipline : uint8_t { irqsave, trylock };
const char* pcp_discipline_name(pcp_discipline discipline);

// How much checking runs after each operation.
//   none        : only the checks the kernel itself makes
//   incremental : O(1) amortized per operation (pages touched, counters, list links)
//   full        : incremental plus the full O(pages) walk after every operation
enum class check_level : uint8_t { none, incremental, full };

struct zone_config {
  zone_type type;
  uint32_t pages;  // a multiple of 1 << MAX_PAGE_ORDER
  bool operator==(const zone_config&) const = default;
};

struct world_config {
  std::vector<zone_config> zones{{ZONE_DMA32, 4096}, {ZONE_NORMAL, 12288}};
  unsigned nr_cpus = 1;
  unsigned page_bytes = 64;         // model bytes of content per page
  long min_free_kbytes = -1;        // -1: computed as init_per_zone_wmark_min() does
  unsigned watermark_scale_factor = 10;
  pcp_discipline pcp = pcp_discipline::trylock;
  check_level checks = check_level::incremental;
  bool poison = true;               // 0xaa on free, verified on allocation
  unsigned max_interrupt_depth = 3; // interrupt frames nested on one CPU
  uint32_t oom_victim_pages = 64;   // another process's memory the OOM killer may free
  unsigned slowpath_loop_limit = 64;  // model bound on slow-path retries (the kernel has none for NOFAIL)
  // Free-running mode: one host thread per simulated CPU, all at once (see
  // cpu_binding).  Spinlocks then really exclude (an atomic owner in each
  // spinlock_t), and the model's own shared bookkeeping (lockdep graph,
  // report sink, shared injector, log, LRU, OOM) is behind host locks.  It
  // needs the trylock pcp discipline (remote drains under pcp->lock).  The
  // walks over everything (check_full, teardown_check, stats()) run at
  // quiescence; the per-operation checks take the locks they read under and
  // cover the local CPU only; the watermark entitlement oracle is off (the
  // kernel's watermark check is racy by design).  Off (default): the
  // single-threaded world, at its old cost.
  bool free_running = false;
  bool operator==(const world_config&) const = default;
};

// Page cache pages and what reclaiming them needs (mm/vmscan.c may_enter_fs,
// and swap-out's need for __GFP_IO).
enum class page_cache_kind : uint8_t { clean, dirty, swapbacked };
const char* page_cache_kind_name(page_cache_kind kind);

class world {
 public:
  world(const world_config& config, report_sink& sink, fi::injector* injector = nullptr);
  ~world();
  world(const world&) = delete;

  // Makes this world an exact copy of `pristine` (a world built with the
  // constructor and not used since), reporting to `sink` and deciding with
  // `injector`, with no interrupt handler: the state a freshly built world
  // would have, page structs, owner records, contents and their ASan
  // poisoning included, without the cost of building one.  Every member is
  // copied (the defaulted copy assignment), then the pointers into
  // `pristine` are pointed into this world.
  void restore(const world& pristine, report_sink& sink, fi::injector* injector);

  // ---- CPUs and contexts (context.cc) ------------------------------------
  // smp_processor_id(): the CPU the calling thread is bound to (cpu_binding),
  // else the world's current CPU (set_current_cpu, 0 by default).
  // Inline: without any bound thread (the single-threaded modes) it is one
  // load and a branch; this_cpu() is on every path of the model.  Forced
  // inline: the sanitizer builds (-O1) otherwise call them, and each call
  // pays its own coverage counter, stack-depth probe and checks (their own
  // frames were 6% of an irq fuzz profile; inlining saved about 1% of a run).
  LABYRINTH_INLINE unsigned cpu_id() const { return threads_bound_ ? bound_cpu_id() : current_cpu_; }
  unsigned nr_cpus() const { return static_cast<unsigned>(cpus_.size()); }
  LABYRINTH_INLINE cpu_state& this_cpu() { return cpus_[cpu_id()]; }
  LABYRINTH_INLINE const cpu_state& this_cpu() const { return cpus_[cpu_id()]; }
  cpu_state& cpu(unsigned id) { return cpus_[id]; }
  const cpu_state& cpu(unsigned id) const { return cpus_[id]; }
  bool free_running() const { return config_.free_running; }
  LABYRINTH_INLINE task_struct& current() { return *this_cpu().current; }
  LABYRINTH_INLINE uint32_t preempt_count() const { return this_cpu().preempt_count; }
  LABYRINTH_INLINE bool irqs_disabled() const { return this_cpu().irqs_disabled; }
  context_kind current_context() const { return context_of(preempt_count()); }
  void preempt_disable();
  void preempt_enable();
  void local_irq_disable();
  void local_irq_enable();
  irq_flags_t local_irq_save();
  void local_irq_restore(irq_flags_t flags);
  void local_bh_disable();
  void local_bh_enable();
  void rcu_read_lock();
  void rcu_read_unlock();
  unsigned memalloc_noio_save();
  void memalloc_noio_restore(unsigned flags);
  unsigned memalloc_nofs_save();
  void memalloc_nofs_restore(unsigned flags);
  unsigned memalloc_noreclaim_save();
  void memalloc_noreclaim_restore(unsigned flags);
  // __might_resched(): reports sleeping in atomic context.
  void might_sleep(const char* file, int line);
  // cond_resched(): might_sleep, then a scheduling point (kswapd may run).
  void cond_resched(const char* file, int line);

  // ---- spinlocks (spinlock.cc) ------------------------------------------
  lock_class_id register_lock_class(const char* name);
  spinlock_t make_lock(const char* class_name, uint16_t instance = 0);
  void spin_lock(spinlock_t& lock);
  void spin_unlock(spinlock_t& lock);
  void spin_lock_irq(spinlock_t& lock);
  void spin_unlock_irq(spinlock_t& lock);
  irq_flags_t spin_lock_irqsave(spinlock_t& lock);
  void spin_unlock_irqrestore(spinlock_t& lock, irq_flags_t flags);
  void spin_lock_bh(spinlock_t& lock);
  void spin_unlock_bh(spinlock_t& lock);
  bool spin_trylock(spinlock_t& lock);
  const lockdep& lock_validator() const { return lockdep_; }
  const char* lock_name(const spinlock_t& lock) const { return lockdep_.class_name(lock.lock_class); }

  // ---- interrupts (interrupt.cc) ----------------------------------------
  void set_interrupt_handler(interrupt_handler* handler) { handler_ = handler; }
  // A named place where an interrupt may arrive: asks the injector, within the
  // interrupt discipline, and delivers inline.
  void interrupt_point(irq_point point);
  // The interrupts the discipline allows right now, in interrupt_kind order.
  unsigned deliverable_interrupts(interrupt_kind* out) const;
  // Deliver now (tests, and interrupt_point).  Returns false, delivering
  // nothing, when the discipline does not allow `kind` here.
  bool deliver_interrupt(interrupt_kind kind, irq_point point);
  void irq_enter();
  void irq_exit();
  void nmi_enter();
  void nmi_exit();
  void raise_softirq();

  // ---- the page allocator (page_alloc.cc, pcp.cc, buddy.cc) --------------
  page* alloc_pages(gfp_t gfp, unsigned order);
  void __free_pages(page* page, unsigned order);
  void get_page(page* page);
  void put_page(page* page);
  // put_page() on each, the last references' pages freed in batches
  // (release_pages(): one per-CPU list lock per batch and zone).
  void release_pages(page* const* pages, size_t nr);
  void drain_local_pages();
  void drain_all_pages();

  // ---- several CPUs (alloc/smp/) ------------------------------------------
  // An SMP scheduler runs one task per CPU, one at a time, and switches them
  // at the interleaving points (smp/hooks.h).  nullptr (the default): one
  // CPU runs inline, as before.
  void set_smp_hooks(smp_hooks* hooks) { sched_ = hooks; }
  smp_hooks* smp() const { return sched_; }
  // The scheduler's context switch: which CPU's state is this_cpu() now, on
  // every thread not bound to a CPU (cpu_binding).
  void set_current_cpu(unsigned cpu) { current_cpu_ = cpu; }
  // Each CPU's own task (CPU 0's is the single-CPU world's task), and kswapd's.
  task_struct& cpu_task(unsigned cpu) { return cpu == 0 ? task_ : cpu_tasks_[cpu - 1]; }
  task_struct& kswapd_task() { return kswapd_task_; }
  // kswapd's body (balance_pgdat), for a scheduler that runs kswapd as its
  // own task; returns at once when no wakeup is pending.
  void kswapd() { kswapd_run(); }

  // ---- page cache, reclaim, OOM (reclaim.cc) ------------------------------
  // Allocates a page with `gfp` and adds it to the page cache LRU.
  page* add_to_page_cache(gfp_t gfp, page_cache_kind kind);
  // Drops a clean page cache page (like truncation): returns false if none.
  bool remove_from_page_cache(page* page);
  unsigned long page_cache_pages() const { return page_cache_pages_; }
  // Whether `p` is still in the page cache: reclaim takes page cache pages
  // behind the back of the client that added them, so a client asks before
  // using one it remembers.
  bool in_page_cache(const page* p) const { return (p->flags & PG_lru) != 0; }
  // Forgets the pages of `pages` that reclaim took (each replaced by the last
  // entry, so the order of the others changes).
  void forget_reclaimed(std::vector<page*>& pages) const;
  // A scheduling point in process context: kswapd and ksoftirqd run here.
  void schedule_point();
  bool kswapd_pending() const { return kswapd_wanted_; }

  // ---- mappings (rmap.cc) -----------------------------------------------
  static constexpr unsigned max_mm = 32;
  // Map an anonymous page into address space `mm`.  exclusive: as a
  // PageAnonExclusive page, which requires it to be unmapped.  Returns 0, or
  // -EBUSY / -EEXIST / -EINVAL as the kernel-facing code would.
  int map_anon_page(unsigned mm, page* page, bool exclusive);
  int unmap_page(unsigned mm, page* page);
  // The mapping dropped, the reference it held kept (the caller puts it, as
  // zap_pte_range() leaves the pages to the mmu_gather batch).
  int page_remove_rmap(unsigned mm, page* page);

  // ---- oracles and invariants (invariants.cc) -----------------------------
  // Full O(pages) walk of every structure; reports what it finds.
  void check_full();
  // Between operations in task context: no lock held, counts balanced.
  void check_quiescent();
  // At the end of a run: release the page cache and the OOM victim, drain the
  // per-CPU lists, then every page must be free (leak check) and the free
  // lists must be exactly the initial ones (no lost fragments).
  void teardown_check();
  // Call between caller operations: bumps the operation index and runs the
  // configured checks.
  void begin_operation();
  void end_operation();

  // ---- introspection ------------------------------------------------------
  uint32_t page_to_pfn(const page* p) const { return static_cast<uint32_t>(p - pages_.data()); }
  page* pfn_to_page(uint32_t pfn) { return &pages_[pfn]; }
  const page* pfn_to_page(uint32_t pfn) const { return &pages_[pfn]; }
  uint32_t nr_pages() const { return static_cast<uint32_t>(pages_.size()); }
  uint8_t* page_data(page* p) { return memory_.data() + size_t(page_to_pfn(p)) * config_.page_bytes; }
  unsigned nr_zones() const { return static_cast<unsigned>(zones_.size()); }
  zone& zone_at(unsigned index) { return zones_[index]; }
  const zone& zone_at(unsigned index) const { return zones_[index]; }
  zone* zone_of_type(zone_type type);
  const page_owner& owner(uint32_t pfn) const { return owners_[pfn]; }
  const world_config& config() const { return config_; }
  bool has_injector() const { return injector_ || this_cpu().injector; }
  // The sum of every CPU's counters (in free-running mode: at quiescence).
  world_stats stats() const;
  uint64_t op_index() const { return op_index_.load(); }
  long min_free_kbytes() const { return min_free_kbytes_; }
  // The notes so far.  Rate-limited lines past their burst are counted, and
  // their "callbacks suppressed" line is added by flush_suppressed_notes()
  // (take_log() does it first).
  const std::vector<std::string>& log() const { return log_; }
  void flush_suppressed_notes();
  // The log, moved out (left empty): a fuzz run hands it to its result, so
  // the lines it allocated are freed by the same run (libFuzzer's leak
  // heuristic re-runs any input that ends with more mallocs than frees).
  std::vector<std::string> take_log() {
    flush_suppressed_notes();
    return std::move(log_);
  }
  report_sink& sink() { return *sink_; }
  fi::injector* injector() { return injector_; }
  fi::decision_context decision_context(uint16_t point = 0) const;
  // Walk a free list / pcp list (tests, properties).
  std::vector<uint32_t> free_list_pfns(unsigned zone_index, unsigned order, migratetype mt) const;
  // Calls visit(pfn) for each entry of the list at `head`, in list order; at
  // most nr_pages + 1 entries, should a corrupted list loop.
  template <class visitor>
  void for_each_on_list(uint32_t head, visitor visit) const {
    uint32_t walked = 0;
    for (uint32_t n = lists_.first(head); n != head && walked <= nr_pages(); n = lists_.next(n), ++walked) visit(n);
  }
  std::vector<uint32_t> pcp_list_pfns(unsigned cpu, unsigned zone_index, unsigned order) const;
  // A snapshot of every zone's free lists (zone, order, mt, sorted pfns).
  std::vector<uint32_t> free_list_signature() const;
  void free_list_signature_into(std::vector<uint32_t>& signature) const;  // (into a caller's buffer)
  const std::vector<uint32_t>& initial_free_list_signature() const { return initial_signature_; }
  // Test-only hooks: corrupt state on purpose so a test can see an oracle fire.
  page* pages_for_test_only() { return pages_.data(); }
  page_list_store& lists_for_test_only() { return lists_; }
  // Swap the decision source's injector between operations (properties re-arm
  // faults between commands; a fuzz run detaches it for the release at the
  // end); nullptr: no faults, no interrupts.
  void set_injector(fi::injector* injector) { injector_ = injector; }
  // Off: notes are dropped and reports carry no context lines (a fuzz run
  // that records nothing until a report makes it run again; fuzz/runtime.h).
  // Nothing the model decides depends on it.
  void set_recording(bool on) { recording_ = on; }
  // A CPU's own decision source: its fault sites and interrupt points ask it
  // instead of the shared injector (which, in free-running mode, is asked
  // under a host lock).  nullptr: back to the shared one.
  void set_cpu_injector(unsigned cpu, fi::injector* injector) { cpus_[cpu].injector = injector; }

  // Deliver a report with the context dump appended.
  void report(report_kind kind, std::string title, std::string details = {});

 private:
  friend struct slowpath_state;
  // Member-wise copy, for restore() only (it fixes the pointers afterwards).
  world& operator=(const world&) = default;
  // ASan poisoning of the page contents as the page states say: free pages'
  // contents poisoned (when config.poison), allocated and bad blocks' not.
  void poison_free_page_contents();
  // setup (world.cc, watermark.cc)
  void setup_zones();
  void setup_per_zone_wmarks();
  void setup_per_zone_lowmem_reserve();
  void setup_pcp();
  void free_initial_memory();
  void populate_oom_victim();
  void append_context_dump(std::string& dump) const;                // the report's context lines
  std::string allocation_failure_line(gfp_t gfp, unsigned order);  // warn_alloc()'s first line
  std::string page_dump(const page* p) const;

  // context.cc
  void preempt_count_add(uint32_t value);
  void preempt_count_sub(uint32_t value, const char* what);
  void do_softirq();
  void run_pending_softirqs_in_task();

  // spinlock.cc
  void lock_acquire(spinlock_t& lock, lock_flavour flavour, bool trylock);
  void lock_release(spinlock_t& lock, lock_flavour flavour);
  void spin_until_acquired(spinlock_t& lock, unsigned cpu);

  // buddy.cc
  page* rmqueue_smallest(zone& z, unsigned order, migratetype mt);
  // Returns the number of pages put back on the free lists.
  uint32_t expand(zone& z, page* p, unsigned low, unsigned high, migratetype mt);
  void free_one_page_locked(zone& z, page* p, unsigned order);
  void free_one_page(zone& z, page* p, unsigned order);
  void add_to_free_list(zone& z, page* p, unsigned order, migratetype mt, bool tail);
  void del_from_free_list(zone& z, page* p, unsigned order, migratetype mt);
  migratetype pageblock_mt(const zone& z, uint32_t pfn) const;
  // Returns the number of pageblocks whose migratetype changed.
  unsigned move_freepages_block(zone& z, uint32_t pfn, migratetype to);
  void reserve_highatomic_pageblock(zone& z, page* p);
  bool unreserve_highatomic_pageblock(zone_type highest_zoneidx, bool force);
  page* rmqueue_buddy(zone& z, unsigned order, unsigned alloc_flags);
  irq_flags_t zone_lock(zone& z);
  void zone_unlock(zone& z, irq_flags_t flags);
  bool buddy_merge_likely(const zone& z, uint32_t pfn, unsigned order) const;

  // pcp.cc
  page* rmqueue_pcplist(zone& z, unsigned order, unsigned alloc_flags);
  page* pcp_take(zone& z, per_cpu_pages& pcp, unsigned order, unsigned alloc_flags);
  int rmqueue_bulk(zone& z, unsigned order, int count, per_cpu_pages& pcp, unsigned alloc_flags);
  void free_unref_page(zone& z, page* p, unsigned order);
  struct freed_page {
    page* p;
    unsigned order;
  };
  void free_unref_folios(const freed_page* pages, unsigned nr);
  bool pcp_lock_for_free(per_cpu_pages& pcp, irq_flags_t& flags);
  void pcp_unlock_for_free(per_cpu_pages& pcp, irq_flags_t flags);
  void pcp_commit_free(zone& z, per_cpu_pages& pcp, page* p, unsigned order);
  void free_pcppages_bulk(zone& z, int count, per_cpu_pages& pcp);
  void drain_pages_zone(unsigned cpu, zone& z);
  bool pcp_enter(per_cpu_pages& pcp, const char* where);
  void pcp_exit(per_cpu_pages& pcp);

  // page_alloc.cc
  page* rmqueue(zone& z, unsigned order, gfp_t gfp, unsigned alloc_flags);
  page* get_page_from_freelist(gfp_t gfp, unsigned order, unsigned alloc_flags, zone_type highest);
  page* alloc_pages_slowpath(gfp_t gfp, unsigned order, zone_type highest);
  page* alloc_pages_direct_reclaim(gfp_t gfp, unsigned order, unsigned alloc_flags, zone_type highest,
                                   unsigned long* progress);
  page* alloc_pages_may_oom(gfp_t gfp, unsigned order, zone_type highest, bool* progress);
  bool should_reclaim_retry(gfp_t gfp, unsigned order, zone_type highest, unsigned alloc_flags,
                            bool did_some_progress, unsigned* no_progress_loops);
  void prep_new_page(page* p, unsigned order, gfp_t gfp);
  bool free_pages_prepare(page* p, unsigned order);
  void free_the_page(page* p, unsigned order);
  bool put_page_testzero(page* p, const char* caller);
  void check_watermark_entitlement(const zone& z, unsigned order, gfp_t gfp, zone_type highest);
  void warn(const std::string& what);
  void note(std::string line);
  // atomic_add_return() on a page counter: a real read-modify-write in
  // free-running mode, a load and a store otherwise (one CPU at a time).
  int32_t counter_add_return(lockless<int32_t>& counter, int32_t delta) {
    if (config_.free_running) return counter.fetch_add(delta) + delta;
    int32_t value = counter.load() + delta;
    counter.store(value);
    return value;
  }
  // The decision source of the current CPU (its own, else the shared one
  // under injector_lock_ in free-running mode).  No source: no fault, no interrupt.
  bool inject_alloc_failure(const fi::page_alloc_request& request);
  bool inject_failure(fi::fault_site site, uint64_t size);
  unsigned inject_outcome(fi::fault_site site);
  unsigned inject_interrupt(unsigned deliverable, irq_point point);

  // reclaim.cc
  void wakeup_kswapd(unsigned order, zone_type highest);
  bool pgdat_balanced(unsigned order, zone_type highest) const;
  unsigned long try_to_free_pages(gfp_t gfp, unsigned order);
  unsigned long shrink_page_cache(unsigned long target, gfp_t gfp);
  bool isolate_from_page_cache(page* p);
  void kswapd_run();
  bool out_of_memory(gfp_t gfp, unsigned order);
  void exit_oom_victim_mm();
  unsigned long zone_reclaimable_pages(const zone& z) const;

  // invariants.cc
  void check_page_allocatable(page* p, unsigned order);
  bool pages_inside(const page* p, uint32_t count) const;
  uint32_t first_page_to_check(const page* p, uint32_t count, uint32_t flag_mask) const;
  void check_counters(const zone& z);
  void check_pcp_counters(const cpu_state& cpu, unsigned zone_index);
  void end_operation_free_running();
  bool pcp_busy_free_running();
  // Both return false when the walk stopped at a corruption (pages after it
  // are not counted as covered).
  // `cover` collects every block found (pfn, pages), to prove each page is
  // covered exactly once.
  struct page_range {
    uint32_t pfn;
    uint32_t count;
  };
  // check_full() given the pfns of the pages with PG_allocated or PG_bad
  // (teardown_check has them already).
  void check_full(const std::vector<uint32_t>& flagged);
  // The full walk's and the teardown check's working buffers, kept in the
  // world so that a fuzz run reuses their storage: restore() copies the
  // pristine world's empty ones, and copying an empty vector keeps the
  // destination's capacity.  Cleared by each user; one CPU at a time.
  struct scratch_buffers {
    std::vector<uint32_t> flagged;  // pfns of pages with PG_allocated or PG_bad
    std::vector<page_range> cover;
    std::vector<std::pair<uint32_t, int>> edges;  // the cover's sweep
    std::vector<uint32_t> signature;              // the free lists at teardown
  };
  scratch_buffers scratch_;
  bool check_full_zone(unsigned zone_index, std::vector<page_range>& cover);
  bool check_full_pcp(std::vector<page_range>& cover);
  void check_allocated_page(uint32_t pfn, std::vector<page_range>& cover, unsigned long& cache_pages);

  world_config config_;
  report_sink* sink_;
  fi::injector* injector_;
  interrupt_handler* handler_ = nullptr;
  flat_array<page> pages_;
  page_owner_array owners_;  // restore copies the records a run wrote
  page_memory memory_;
  page_list_store lists_;
  std::vector<zone> zones_;
  std::vector<cpu_state> cpus_;
  unsigned current_cpu_ = 0;
  task_struct task_;
  std::vector<task_struct> cpu_tasks_;  // CPUs 1.. (CPU 0 runs task_)
  task_struct kswapd_task_;
  smp_hooks* sched_ = nullptr;
  lockdep lockdep_;
  lock_class_id zone_lock_class_ = no_lock_class;
  lock_class_id pcp_lock_class_ = no_lock_class;
  long min_free_kbytes_ = 0;
  uint32_t page_cache_lru_ = 0;  // list head id
  lockless<unsigned long> page_cache_pages_ = 0;  // written under lru_lock_
  uint32_t oom_victim_list_ = 0; // list head id (victim's pages, mapped into mm 31)
  unsigned long oom_victim_pages_ = 0;
  // kswapd's wake-up state (pgdat->kswapd_order etc.): written locklessly by
  // any waker, as the kernel does with WRITE_ONCE.
  lockless<bool> kswapd_wanted_ = false;
  lockless<unsigned> kswapd_order_ = 0;
  lockless<zone_type> kswapd_highest_zoneidx_ = ZONE_DMA32;
  lockless<bool> in_kswapd_ = false;
  lockless<uint64_t> op_index_ = 0;
  // Free-running: set by a fatal report, so CPUs spinning on a lock the
  // halted CPU holds stop too (they throw run_halted).
  lockless<bool> halted_ = false;
  // Set once a thread binds to one of this world's CPUs (cpu_binding).
  lockless<bool> threads_bound_ = false;
  unsigned bound_cpu_id() const;
  friend class cpu_binding;
  std::vector<std::string> log_;
  bool recording_ = true;
  // warn_alloc()'s nopage_rs: DEFAULT_RATELIMIT_BURST (10) lines per
  // DEFAULT_RATELIMIT_INTERVAL (5 s).  The model has no clock: a run is
  // taken to last less than one interval, so a run logs its first 10
  // allocation failures and counts the rest (their "warn_alloc: N callbacks
  // suppressed" line comes at the end of the run, where the kernel prints it
  // at the next allowed message).  Under the log lock.
  struct ratelimit_state {
    unsigned printed = 0;
    unsigned long missed = 0;
  } nopage_rs_;
  static constexpr unsigned DEFAULT_RATELIMIT_BURST = 10;
  bool warn_alloc_ratelimit();
  // Host locks of free-running mode (host_lock.h); unused otherwise.
  mutable host_lock lockdep_lock_;   // lockdep's graph_lock
  host_lock report_lock_;            // the report sink
  host_lock injector_lock_;          // the shared injector
  host_lock log_lock_;               // log_
  mutable host_lock lru_lock_;             // the page cache LRU and its count
  host_lock oom_lock_;               // oom_lock: one OOM kill at a time (trylock, as the kernel)
  std::vector<uint32_t> initial_signature_;
};

// Binds the calling thread to one CPU of a world for its lifetime (free-running
// mode: one thread per CPU; a scheduler's CPU threads): this_cpu() on that
// thread is that CPU.  At most one binding per thread at a time.
class cpu_binding {
 public:
  cpu_binding(world& w, unsigned cpu);
  ~cpu_binding();
  cpu_binding(const cpu_binding&) = delete;
  cpu_binding& operator=(const cpu_binding&) = delete;
};

}  // namespace labyrinth
