#include "alloc/tests/representative_program.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <stdexcept>

#include "faultinject/config.h"

namespace labyrinth {
namespace {

struct step_info {
  const char* name;
  const char* description;
};

constexpr step_info steps[] = {
#define LABYRINTH_X(name, description) {#name, description},
    LABYRINTH_PROGRAM_STEPS(LABYRINTH_X)
#undef LABYRINTH_X
};

// Page cache pages per kind (clean, dirty, swap-backed): each kind is what
// one direct reclaim round of GFP_NOIO, GFP_NOFS and GFP_KERNEL in turn finds
// (fewer than SWAP_CLUSTER_MAX), few enough to keep sweeps in the hundreds.
constexpr unsigned page_cache_pages_per_kind = 8;

// Allocations that take memory down to the min mark and no further: they
// neither reclaim nor wake kswapd.  Small orders are non-blocking (no
// __GFP_HIGH: no reserve discount; order 0 only, since a non-blocking order
// > 0 request would reserve a highatomic pageblock); costly orders block but
// carry __GFP_NORETRY, which gives up before direct reclaim (the kernel's
// GFP_TRANSHUGE_LIGHT pattern).
constexpr gfp_t squeeze_gfp_small = __GFP_IO | __GFP_FS | __GFP_NOWARN;
constexpr gfp_t squeeze_gfp_costly = __GFP_DIRECT_RECLAIM | __GFP_IO | __GFP_FS | __GFP_NORETRY | __GFP_NOWARN;
constexpr unsigned squeeze_max_order = 9;
constexpr unsigned squeeze_rounds = 32;  // allocations per zone and squeeze at most

// Pages left above the min mark for the allocation that only wakes kswapd:
// room for the interrupts that may arrive meanwhile.
constexpr long kswapd_wake_slack = 3;

// Pages the interrupt handler keeps at most before it frees instead.
constexpr size_t irq_held_max = 4;

constexpr const char* base_faults_kswapd_stalls =
    "fail_page_alloc:min-order=0,ignore-gfp-wait=N,contexts=any;"
    "reclaim:contexts=any;kswapd:probability=100,times=-1,verbose=0,contexts=any;"
    "pcp_refill:contexts=any;oom:contexts=any;"
    "irq:probability=100,interval=5,times=-1,contexts=any";
constexpr const char* base_faults_kswapd_works =
    "fail_page_alloc:min-order=0,ignore-gfp-wait=N,contexts=any;"
    "reclaim:contexts=any;kswapd:contexts=any;pcp_refill:contexts=any;oom:contexts=any;"
    "irq:probability=100,interval=5,times=-1,contexts=any";

unsigned floor_log2(unsigned long value) {
  unsigned log = 0;
  while (log < 63 && (2ul << log) <= value) ++log;
  return log;
}

}  // namespace

const char* program_step_name(program_step step) {
  const auto index = static_cast<unsigned>(step);
  return index < program_step_count ? steps[index].name : "?";
}

const char* program_step_description(program_step step) {
  const auto index = static_cast<unsigned>(step);
  return index < program_step_count ? steps[index].description : "?";
}

program_step program_outcome::step_at(uint64_t op_index) const {
  return op_index < step_of_op.size() ? step_of_op[op_index] : program_step::setup;
}

world_config representative_world_config(pcp_discipline discipline) {
  world_config config;
  config.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 1024}};
  config.pcp = discipline;
  config.page_bytes = 16;
  config.min_free_kbytes = 128;  // the kernel's lower clamp: min 16, low 20, high 24 per zone
  config.checks = check_level::incremental;
  // The model's bound on slow-path retries (the kernel retries a GFP_NOFS
  // request whose OOM step "makes progress" without limit): a quarter of the
  // default keeps sweeps with nothing left to reclaim short.
  config.slowpath_loop_limit = 16;
  return config;
}

const char* representative_base_faults_text(bool kswapd_keeps_up) {
  return kswapd_keeps_up ? base_faults_kswapd_works : base_faults_kswapd_stalls;
}

fi::fault_config representative_base_faults(bool kswapd_keeps_up) {
  fi::fault_config_result parsed = fi::parse_fault_config(representative_base_faults_text(kswapd_keeps_up));
  if (!parsed.ok()) throw std::logic_error("representative base faults: " + parsed.error);
  return parsed.config;
}

uint32_t rotating_source::decide(const fi::decision_request& request) {
  switch (request.kind) {
    case fi::decision_kind::interrupt: return static_cast<uint32_t>(interrupt_questions_++ % request.bound);
    case fi::decision_kind::outcome: {
      uint32_t answer = request.quiet;
      if (request.subject == static_cast<uint16_t>(fi::fault_site::reclaim)) answer = reclaim_outcome_;
      if (request.subject == static_cast<uint16_t>(fi::fault_site::kswapd)) answer = kswapd_outcome_;
      return answer < request.bound ? answer : request.quiet;
    }
    case fi::decision_kind::random:
    case fi::decision_kind::schedule:  // one CPU: never asked
      return request.quiet;
  }
  return request.quiet;
}

// ---- the program --------------------------------------------------------

void representative_program::run(world& w) {
  w_ = &w;
  client_lock_ = w.make_lock("client_lock");
  outcome_.step_of_op.assign(w.op_index() + 1, program_step::setup);
  outcome_.stats_after_op.assign(w.op_index() + 1, w.stats());
  w.set_interrupt_handler(this);
  try {
    run_phases();
    outcome_.completed = true;
  } catch (const run_halted& halted) {
    outcome_.halted = true;
    outcome_.halt_kind = halted.kind;
  }
  w.set_interrupt_handler(nullptr);
}

void representative_program::run_phases() {
  warm_up();
  grow_page_cache();
  pressure();
  outcome_.peak_signature = w_->free_list_signature();
  outcome_.peak_stats = w_->stats();
  release();
}

void representative_program::begin_step(program_step step) {
  w_->begin_operation();
  const uint64_t op = w_->op_index();
  if (outcome_.step_of_op.size() <= op) outcome_.step_of_op.resize(op + 1, program_step::setup);
  outcome_.step_of_op[op] = step;
}

void representative_program::end_step() {
  forget_reclaimed();
  w_->interrupt_point(irq_point::between_ops);
  forget_reclaimed();
  w_->end_operation();
  w_->check_quiescent();
  const uint64_t op = w_->op_index();
  if (outcome_.stats_after_op.size() <= op) outcome_.stats_after_op.resize(op + 1);
  outcome_.stats_after_op[op] = w_->stats();
}

page* representative_program::allocate(gfp_t gfp, unsigned order) {
  page* p = w_->alloc_pages(gfp, order);
  if (gfp & __GFP_NOFAIL) {
    ++outcome_.nofail_requests;
    if (!p) ++outcome_.nofail_null;
  }
  if (!p) {
    ++outcome_.allocation_failures;
    return nullptr;
  }
  held_.push_back({p, order});
  return p;
}

// Remove-then-free: the entry leaves the list before __free_pages runs.
void representative_program::free_last_held() {
  if (held_.empty()) return;
  const allocation last = held_.back();
  held_.pop_back();
  w_->__free_pages(last.head, last.order);
}

void representative_program::free_held_since(size_t count) {
  for (size_t bound = held_.size(); held_.size() > count && bound > 0; --bound) free_last_held();
}

// Page cache pages may be reclaimed inside any allocation: forget those that
// are no longer the program's cache pages.
void representative_program::forget_reclaimed() {
  std::erase_if(cache_, [this](const page* p) { return !w_->in_page_cache(p); });
}

void representative_program::warm_up() {
  begin_step(program_step::pcp_orders);
  const size_t before = held_.size();
  for (unsigned order = 0; order <= PAGE_ALLOC_COSTLY_ORDER; ++order) allocate(GFP_KERNEL, order);
  end_step();
  if (options_.extra_allocation) {
    begin_step(program_step::pcp_orders);
    allocate(GFP_KERNEL, 0);
    end_step();
  }

  begin_step(program_step::buddy_orders);
  const size_t before_buddy = held_.size();
  allocate(GFP_KERNEL, 5);
  allocate(GFP_KERNEL | __GFP_ZERO, 9);
  free_held_since(before_buddy);
  end_step();

  begin_step(program_step::atomic_lock_section);
  irq_flags_t flags = w_->spin_lock_irqsave(client_lock_);
  allocate(GFP_ATOMIC, 0);
  w_->interrupt_point(irq_point::lock_section);
  w_->spin_unlock_irqrestore(client_lock_, flags);
  end_step();

  begin_step(program_step::atomic_bh_section);
  w_->local_bh_disable();
  allocate(GFP_ATOMIC, 1);
  w_->interrupt_point(irq_point::lock_section);
  w_->local_bh_enable();  // softirqs raised meanwhile run here
  end_step();

  begin_step(program_step::hand_over);
  for (unsigned count = 0; count < 3 && held_.size() > before; ++count) {
    hand_over_.push_back(held_.back());
    held_.pop_back();
  }
  free_held_since(before);
  end_step();

  begin_step(program_step::interrupts);
  w_->deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops);
  w_->deliver_interrupt(interrupt_kind::softirq, irq_point::between_ops);
  w_->deliver_interrupt(interrupt_kind::nmi, irq_point::between_ops);
  end_step();
}

// Kinds interleaved on the LRU and over both zones, one page per step.
void representative_program::grow_page_cache() {
  for (unsigned index = 0; index < 3 * page_cache_pages_per_kind; ++index) {
    begin_step(program_step::page_cache);
    const auto kind = static_cast<page_cache_kind>(index % 3);
    const gfp_t gfp = GFP_KERNEL | ((index / 3) % 2 ? __GFP_DMA32 : 0);
    if (page* p = w_->add_to_page_cache(gfp, kind)) cache_.push_back(p);
    end_step();
  }
}

// Takes zone `zone_index` down to `slack` pages above what an ordinary
// request of its own zone may not go below (min + lowmem_reserve + the
// highatomic reserve), in blocks of decreasing order.  Per-CPU pages are not
// counted in free_pages, so the lists are drained first (squeeze()).
void representative_program::squeeze_zone(unsigned zone_index, long slack) {
  const zone& z = w_->zone_at(zone_index);
  const gfp_t zone_gfp = z.type == ZONE_DMA32 ? __GFP_DMA32 : 0;
  unsigned max_order = squeeze_max_order;
  for (unsigned round = 0; round < squeeze_rounds; ++round) {
    const long floor = z.watermark[WMARK_MIN] + z.lowmem_reserve[z.type] + z.nr_reserved_highatomic;
    const long excess = z.free_pages - floor - slack;
    if (excess <= 0) return;
    // Orders 1..3 would refill the per-CPU list with two blocks: not exact.
    unsigned order = excess >= (1L << (PAGE_ALLOC_COSTLY_ORDER + 1)) ? floor_log2(excess) : 0;
    order = std::min(order, max_order);
    if (order > 0 && order <= PAGE_ALLOC_COSTLY_ORDER) order = 0;
    const gfp_t gfp = (order > PAGE_ALLOC_COSTLY_ORDER ? squeeze_gfp_costly : squeeze_gfp_small) | zone_gfp;
    if (allocate(gfp, order)) continue;
    // No block that large (fragmentation), or a fault: try smaller blocks.
    if (order == 0) return;
    max_order = order - 1;
  }
}

void representative_program::squeeze(long slack) {
  begin_step(program_step::squeeze);
  w_->drain_local_pages();
  for (unsigned index = 0; index < w_->nr_zones(); ++index) squeeze_zone(index, slack);
  end_step();
}

void representative_program::pressure() {
  irq_max_order_ = 0;
  squeeze(kswapd_wake_slack);
  begin_step(program_step::kswapd_wake);
  allocate(GFP_KERNEL, 0);
  end_step();
  begin_step(program_step::kswapd_run);
  w_->schedule_point();
  end_step();

  const struct {
    program_step step;
    gfp_t gfp;
    unsigned order;
  } reclaiming[] = {
      {program_step::noio_reclaim, GFP_NOIO, 0},
      {program_step::nofs_reclaim, GFP_NOFS, 0},
      {program_step::kernel_reclaim, GFP_KERNEL, 0},
      {program_step::costly, GFP_KERNEL, 4},
  };
  for (const auto& request : reclaiming) {
    squeeze(0);
    begin_step(request.step);
    allocate(request.gfp, request.order);
    end_step();
  }
  squeeze(0);
  const struct {
    program_step step;
    gfp_t gfp;
    unsigned order;
  } giving_up[] = {
      {program_step::costly_noretry, GFP_KERNEL | __GFP_NORETRY, 5},
      {program_step::noretry, GFP_KERNEL | __GFP_NORETRY, 0},
      {program_step::retry_mayfail, GFP_KERNEL | __GFP_RETRY_MAYFAIL, 2},
  };
  for (const auto& request : giving_up) {
    begin_step(request.step);
    allocate(request.gfp, request.order);
    end_step();
  }

  begin_step(program_step::truncate);
  for (size_t bound = cache_.size(); !cache_.empty() && bound > 0; --bound) {
    page* p = cache_.back();
    cache_.pop_back();
    w_->remove_from_page_cache(p);
  }
  end_step();

  // Lowmem: the OOM killer is not invoked for it, so __GFP_NOFAIL reaches
  // the nopage label and falls back to the min reserve there.
  squeeze(0);
  begin_step(program_step::nofail_lowmem);
  allocate(GFP_KERNEL | __GFP_DMA32 | __GFP_NOFAIL, 0);
  end_step();

  squeeze(0);
  begin_step(program_step::oom);
  allocate(GFP_KERNEL, 0);
  end_step();

  // Order 1 first: with the OOM victim gone, its OOM step chooses the
  // current task, and order 0 then allocates as an OOM victim.
  squeeze(0);
  begin_step(program_step::nofail);
  allocate(GFP_KERNEL | __GFP_NOFAIL, 1);
  allocate(GFP_KERNEL | __GFP_NOFAIL, 0);
  end_step();

  squeeze(0);
  irq_max_order_ = 1;
  begin_step(program_step::pressure_interrupts);
  w_->deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops);
  w_->deliver_interrupt(interrupt_kind::softirq, irq_point::between_ops);
  w_->deliver_interrupt(interrupt_kind::hardirq, irq_point::between_ops);
  end_step();
}

void representative_program::release() {
  begin_step(program_step::release);
  free_held_since(0);
  for (size_t bound = hand_over_.size(); !hand_over_.empty() && bound > 0; --bound) {
    const allocation last = hand_over_.back();
    hand_over_.pop_back();
    w_->__free_pages(last.head, last.order);
  }
  for (size_t bound = cache_.size(); !cache_.empty() && bound > 0; --bound) {
    page* p = cache_.back();
    cache_.pop_back();
    w_->remove_from_page_cache(p);
  }
  end_step();
  // What the handler holds is freed with the handler gone: nothing can run it
  // in between any more.
  w_->set_interrupt_handler(nullptr);
  begin_step(program_step::release);
  for (size_t bound = irq_held_.size(); !irq_held_.empty() && bound > 0; --bound) {
    const allocation last = irq_held_.back();
    irq_held_.pop_back();
    w_->__free_pages(last.head, last.order);
  }
  end_step();
  w_->teardown_check();
}

// ---- the interrupt handler ------------------------------------------------

void representative_program::handle_nmi(world& w) {
  if (!options_.nmi_handler_allocates) return;  // NMI handlers do not allocate
  if (page* p = w.alloc_pages(GFP_ATOMIC, 0)) w.__free_pages(p, 0);
}

// hardirq: GFP_ATOMIC; softirq: GFP_NOWAIT, and it frees what the task handed
// over.  Each call allocates (orders 0 and 1 in turn) or, every third call
// or when it holds irq_held_max pages, frees its oldest page.
void representative_program::handle(world& w, interrupt_kind kind, irq_point point) {
  ++outcome_.handler_calls;
  if (kind == interrupt_kind::nmi) return handle_nmi(w);
  if (kind == interrupt_kind::softirq && !hand_over_.empty()) {
    const allocation first = hand_over_.front();
    hand_over_.erase(hand_over_.begin());
    w.__free_pages(first.head, first.order);
  }
  const uint64_t tick = interrupt_ticks_++;
  if (!irq_held_.empty() && (irq_held_.size() >= irq_held_max || tick % 3 == 2)) {
    const allocation oldest = irq_held_.front();
    irq_held_.erase(irq_held_.begin());
    w.__free_pages(oldest.head, oldest.order);
    return;
  }
  const gfp_t gfp = kind == interrupt_kind::hardirq ? GFP_ATOMIC : GFP_NOWAIT;
  const unsigned order = std::min(static_cast<unsigned>(tick % 2), irq_max_order_);
  if (page* p = w.alloc_pages(gfp, order)) irq_held_.push_back({p, order});
}

// ---- one complete run -----------------------------------------------------

representative_run run_representative_program(const fi::fault_config& faults, fi::decision_source& source,
                                              const program_options& options, pcp_discipline discipline) {
  fi::injector injector(faults, source);
  report_sink sink;
  representative_run run;
  {
    world w(representative_world_config(discipline), sink, &injector);
    representative_program program(options);
    program.run(w);
    run.program = program.outcome();
    run.stats = w.stats();
    run.final_signature = w.free_list_signature();
    run.final_signature_is_initial = run.final_signature == w.initial_free_list_signature();
  }
  run.reports = sink.reports();
  run.bug_count = sink.bug_count();
  run.livelock_count = sink.count(report_kind::livelock);
  run.trace = injector.trace();
  run.faults = injector.faults();
  for (unsigned index = 0; index < fi::fault_site_count; ++index)
    run.fault_states.push_back(injector.state(static_cast<fi::fault_site>(index)));
  return run;
}

std::string format_step_log(const program_outcome& outcome) {
  std::string text = "   op  step                  allocs fails slow reclaims reclaimed kswapd oom irqs\n";
  world_stats before = outcome.stats_after_op.empty() ? world_stats{} : outcome.stats_after_op.front();
  for (uint64_t op = 1; op < outcome.stats_after_op.size() && op < outcome.step_of_op.size(); ++op) {
    const world_stats& after = outcome.stats_after_op[op];
    char line[160];
    std::snprintf(line, sizeof line, "%5" PRIu64 "  %-20s  %6" PRIu64 " %5" PRIu64 " %4" PRIu64 " %8" PRIu64
                  " %9" PRIu64 " %6" PRIu64 " %3" PRIu64 " %4" PRIu64 "\n",
                  op, program_step_name(outcome.step_of_op[op]), after.allocations - before.allocations,
                  after.allocation_failures - before.allocation_failures,
                  after.slowpath_entries - before.slowpath_entries, after.direct_reclaims - before.direct_reclaims,
                  after.pages_reclaimed - before.pages_reclaimed, after.kswapd_runs - before.kswapd_runs,
                  after.oom_kills - before.oom_kills,
                  after.interrupts[0] + after.interrupts[1] + after.interrupts[2] -
                      (before.interrupts[0] + before.interrupts[1] + before.interrupts[2]));
    text += line;
    before = after;
  }
  return text;
}

std::string format_world_stats(const world_stats& s) {
  char text[512];
  std::snprintf(text, sizeof text,
                "allocs %" PRIu64 " fails %" PRIu64 " frees %" PRIu64 " pcp hits %" PRIu64 " refills %" PRIu64
                " trylock-fallbacks %" PRIu64 " slowpath %" PRIu64 " direct-reclaims %" PRIu64 " reclaimed %" PRIu64
                " kswapd %" PRIu64 "/%" PRIu64 " oom-kills %" PRIu64 " highatomic %" PRIu64 "/%" PRIu64
                " irqs %" PRIu64 "/%" PRIu64 "/%" PRIu64 " softirqs %" PRIu64,
                s.allocations, s.allocation_failures, s.frees, s.pcp_hits, s.pcp_refills, s.pcp_trylock_fallbacks,
                s.slowpath_entries, s.direct_reclaims, s.pages_reclaimed, s.kswapd_wakeups, s.kswapd_runs, s.oom_kills,
                s.highatomic_reserved, s.highatomic_unreserved, s.interrupts[0], s.interrupts[1], s.interrupts[2],
                s.softirqs_run);
  return text;
}

bool same_world_stats(const world_stats& a, const world_stats& b) {
  return a.allocations == b.allocations && a.allocation_failures == b.allocation_failures && a.frees == b.frees &&
         a.pcp_hits == b.pcp_hits && a.pcp_trylock_fallbacks == b.pcp_trylock_fallbacks &&
         a.pcp_refills == b.pcp_refills && a.pcp_bulk_frees == b.pcp_bulk_frees &&
         a.slowpath_entries == b.slowpath_entries && a.direct_reclaims == b.direct_reclaims &&
         a.pages_reclaimed == b.pages_reclaimed && a.kswapd_wakeups == b.kswapd_wakeups &&
         a.kswapd_runs == b.kswapd_runs && a.oom_kills == b.oom_kills &&
         a.highatomic_reserved == b.highatomic_reserved && a.highatomic_unreserved == b.highatomic_unreserved &&
         a.interrupts[0] == b.interrupts[0] && a.interrupts[1] == b.interrupts[1] &&
         a.interrupts[2] == b.interrupts[2] && a.softirqs_run == b.softirqs_run;
}

}  // namespace labyrinth
