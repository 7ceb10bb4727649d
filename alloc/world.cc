// World construction: zones, watermarks (mm/page_alloc.c
// __setup_per_zone_wmarks, setup_per_zone_lowmem_reserve, zone_batchsize,
// zone_highsize), the initial free memory, and report formatting.
#include "alloc/world.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "alloc/poison.h"
#include "alloc/preempt.h"

namespace labyrinth {

const char* zone_type_name(zone_type type) {
  switch (type) {
    case ZONE_DMA32: return "DMA32";
    case ZONE_NORMAL: return "Normal";
    default: return "?";
  }
}

const char* pcp_discipline_name(pcp_discipline discipline) {
  return discipline == pcp_discipline::irqsave ? "irqsave" : "trylock";
}

const char* page_cache_kind_name(page_cache_kind kind) {
  switch (kind) {
    case page_cache_kind::clean: return "clean";
    case page_cache_kind::dirty: return "dirty";
    case page_cache_kind::swapbacked: return "swapbacked";
  }
  return "?";
}

const char* context_kind_name(context_kind kind) {
  switch (kind) {
    case context_kind::task: return "task";
    case context_kind::softirq: return "softirq";
    case context_kind::hardirq: return "hardirq";
    case context_kind::nmi: return "nmi";
  }
  return "?";
}

namespace {

void validate(const world_config& config) {
  if (config.zones.empty() || config.zones.size() > MAX_NR_ZONES)
    throw std::invalid_argument("world_config: need 1 or 2 zones");
  for (size_t i = 0; i < config.zones.size(); ++i) {
    const zone_config& zc = config.zones[i];
    if (zc.pages == 0 || zc.pages % (1u << MAX_PAGE_ORDER))
      throw std::invalid_argument("world_config: zone size must be a non-zero multiple of 1024 pages");
    if (i > 0 && zc.type <= config.zones[i - 1].type)
      throw std::invalid_argument("world_config: zones must be listed in increasing zone_type order");
  }
  if (config.nr_cpus == 0 || config.nr_cpus > 64) throw std::invalid_argument("world_config: nr_cpus in 1..64");
  if (config.page_bytes == 0 || config.page_bytes > 4096)
    throw std::invalid_argument("world_config: page_bytes in 1..4096");
  if (config.max_interrupt_depth > 8) throw std::invalid_argument("world_config: max_interrupt_depth <= 8");
  if (config.free_running && config.pcp != pcp_discipline::trylock)
    throw std::invalid_argument(
        "world_config: free_running needs the trylock pcp discipline (the irqsave discipline drains remote CPUs "
        "from a per-CPU workqueue, which the model does not run)");
}

// int_sqrt() from lib/math/int_sqrt.c, by value.
unsigned long int_sqrt(unsigned long x) {
  unsigned long r = static_cast<unsigned long>(std::sqrt(static_cast<double>(x)));
  while (r * r > x) --r;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}

unsigned long mult_frac(unsigned long x, unsigned long numerator, unsigned long denominator) {
  return (x / denominator) * numerator + ((x % denominator) * numerator) / denominator;
}

unsigned long rounddown_pow_of_two(unsigned long n) {
  unsigned long p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

}  // namespace

world::world(const world_config& config, report_sink& sink, fi::injector* injector)
    : config_(config), sink_(&sink), injector_(injector) {
  validate(config_);
  uint32_t total = 0;
  for (const zone_config& zc : config_.zones) total += zc.pages;
  pages_.assign(total, page{});
  owners_.assign(total, !config_.free_running);
  memory_ = page_memory(size_t(total) * config_.page_bytes);
  lists_.reset(pages_.data(), total);
  zone_lock_class_ = lockdep_.register_class("zone->lock");
  pcp_lock_class_ = lockdep_.register_class("pcp->lock");
  kswapd_task_.pid = 2;
  kswapd_task_.comm = "kswapd0";
  kswapd_task_.flags = PF_MEMALLOC | PF_KSWAPD;
  task_.pid = 1;
  task_.comm = "labyrinth";
  cpus_.resize(config_.nr_cpus);
  cpu_tasks_.resize(config_.nr_cpus - 1);
  for (unsigned cpu = 1; cpu < config_.nr_cpus; ++cpu) {
    cpu_tasks_[cpu - 1].pid = static_cast<int>(100 + cpu);
    cpu_tasks_[cpu - 1].comm = "labyrinth/" + std::to_string(cpu);
  }
  for (unsigned cpu = 0; cpu < config_.nr_cpus; ++cpu) {
    cpus_[cpu].id = cpu;
    cpus_[cpu].current = &cpu_task(cpu);
  }
  setup_zones();
  min_free_kbytes_ = config_.min_free_kbytes;
  if (min_free_kbytes_ < 0) {
    unsigned long lowmem_kbytes = 0;
    for (const zone& z : zones_) lowmem_kbytes += static_cast<unsigned long>(z.managed_pages) << (PAGE_SHIFT - 10);
    min_free_kbytes_ = static_cast<long>(std::clamp(int_sqrt(lowmem_kbytes * 16), 128ul, 262144ul));
  }
  setup_per_zone_wmarks();
  setup_per_zone_lowmem_reserve();
  setup_pcp();
  page_cache_lru_ = lists_.new_head();
  oom_victim_list_ = lists_.new_head();
  free_initial_memory();
  initial_signature_ = free_list_signature();
  populate_oom_victim();
}

world::~world() = default;

void world::restore(const world& pristine, report_sink& sink, fi::injector* injector) {
  if (&pristine == this) throw std::invalid_argument("world::restore: a world cannot restore itself");
  if (pristine.config_.free_running)
    throw std::invalid_argument("world::restore: free-running worlds are not restored (their CPUs are host threads)");
  const world_stats built = pristine.stats();
  if (pristine.op_index_ != 0 || built.frees != 0 || built.allocations != pristine.oom_victim_pages_ ||
      pristine.handler_ != nullptr || pristine.sched_ != nullptr)
    throw std::invalid_argument("world::restore: the pristine world has been used since it was built");
  *this = pristine;
  sink_ = &sink;
  injector_ = injector;
  handler_ = nullptr;
  lists_.rebind(pages_.data());
  // The locks a held-lock entry may name in a world nobody has run: its own
  // zone and pcp locks (entries past held_count are stale but kept alike).
  auto own_lock = [&](const spinlock_t* lock) -> spinlock_t* {
    for (size_t zi = 0; zi < zones_.size(); ++zi) {
      if (lock == &pristine.zones_[zi].lock) return &zones_[zi].lock;
      for (size_t cpu = 0; cpu < cpus_.size(); ++cpu)
        if (lock == &pristine.cpus_[cpu].pcp[zi].lock) return &cpus_[cpu].pcp[zi].lock;
    }
    return nullptr;
  };
  auto own_task = [&](const task_struct* task) -> task_struct* {
    if (task == &pristine.kswapd_task_) return &kswapd_task_;
    for (unsigned cpu = 1; cpu < cpus_.size(); ++cpu)
      if (task == &pristine.cpu_tasks_[cpu - 1]) return &cpu_tasks_[cpu - 1];
    return &task_;
  };
  for (cpu_state& cpu : cpus_) {
    cpu.current = own_task(cpu.current);
    for (held_lock& held : cpu.held) held.lock = own_lock(held.lock);
  }
  poison_free_page_contents();
}

// In a world as the constructor leaves it, the only allocated pages are the
// OOM victim's (order 0, on oom_victim_list_); restore() checks that.
void world::poison_free_page_contents() {
  if (!config_.poison) {
    unpoison_memory_region(memory_.data(), memory_.size());
    return;
  }
  poison_memory_region(memory_.data(), memory_.size());
  unsigned long bound = oom_victim_pages_;
  for (uint32_t n = lists_.first(oom_victim_list_); n != oom_victim_list_ && bound > 0; n = lists_.next(n), --bound)
    unpoison_memory_region(page_data(&pages_[n]), config_.page_bytes);
}

zone* world::zone_of_type(zone_type type) {
  for (zone& z : zones_)
    if (z.type == type) return &z;
  return nullptr;
}

void world::setup_zones() {
  uint32_t pfn = 0;
  zones_.resize(config_.zones.size());
  for (size_t i = 0; i < zones_.size(); ++i) {
    zone& z = zones_[i];
    z.type = config_.zones[i].type;
    z.zone_start_pfn = pfn;
    z.spanned_pages = config_.zones[i].pages;
    z.managed_pages = z.spanned_pages;
    z.pageblock_migratetype.assign(z.spanned_pages / pageblock_nr_pages, MIGRATE_PCPTYPES_MERGED);
    z.lock = make_lock("zone->lock", static_cast<uint16_t>(i));
    for (free_area& area : z.area)
      for (uint32_t& head : area.free_list) head = lists_.new_head();
    for (uint32_t p = z.zone_start_pfn; p < z.end_pfn(); ++p) pages_[p].zone = static_cast<uint8_t>(i);
    pfn += z.spanned_pages;
  }
}

// __setup_per_zone_wmarks()
void world::setup_per_zone_wmarks() {
  unsigned long pages_min = static_cast<unsigned long>(min_free_kbytes_) >> (PAGE_SHIFT - 10);
  unsigned long lowmem_pages = 0;
  for (const zone& z : zones_) lowmem_pages += z.managed_pages;
  for (zone& z : zones_) {
    unsigned long tmp = pages_min * z.managed_pages / lowmem_pages;
    z.watermark[WMARK_MIN] = static_cast<long>(tmp);
    tmp = std::max(tmp >> 2, mult_frac(z.managed_pages, config_.watermark_scale_factor, 10000));
    z.watermark[WMARK_LOW] = z.watermark[WMARK_MIN] + static_cast<long>(tmp);
    z.watermark[WMARK_HIGH] = z.watermark[WMARK_LOW] + static_cast<long>(tmp);
  }
}

// setup_per_zone_lowmem_reserve(): lowmem_reserve[j] of zone i is the managed
// size of zones i+1..j divided by zone i's ratio.
void world::setup_per_zone_lowmem_reserve() {
  for (zone& lower : zones_) {
    lower.lowmem_reserve.fill(0);
    long managed = 0;
    for (zone& upper : zones_) {
      if (upper.type <= lower.type) continue;
      managed += upper.managed_pages;
      lower.lowmem_reserve[upper.type] = managed / lowmem_reserve_ratio[lower.type];
    }
    // zone types above every configured zone inherit the total
    for (unsigned t = lower.type + 1; t < MAX_NR_ZONES; ++t)
      if (!zone_of_type(static_cast<zone_type>(t))) lower.lowmem_reserve[t] = managed / lowmem_reserve_ratio[lower.type];
  }
}

// zone_batchsize(), zone_highsize() without the 6.7+ auto-tuning of high.
void world::setup_pcp() {
  for (size_t i = 0; i < zones_.size(); ++i) {
    zone& z = zones_[i];
    unsigned long batch = std::min<unsigned long>(z.managed_pages >> 10, (1ul << 20) >> PAGE_SHIFT);
    batch /= 4;
    if (batch < 1) batch = 1;
    batch = rounddown_pow_of_two(batch + batch / 2) - 1;
    z.pcp_batch = static_cast<int>(std::max(1ul, batch));
    long high = wmark_pages(z, WMARK_LOW) / static_cast<long>(config_.nr_cpus);
    z.pcp_high = static_cast<int>(std::max<long>(high, z.pcp_batch * 4));
    for (cpu_state& cpu : cpus_) {
      per_cpu_pages& pcp = cpu.pcp[i];
      pcp.lock = make_lock("pcp->lock", static_cast<uint16_t>(cpu.id));
      pcp.batch = z.pcp_batch;
      pcp.high = z.pcp_high;
      for (uint32_t& head : pcp.lists) head = lists_.new_head();
    }
  }
}

void world::free_initial_memory() {
  for (zone& z : zones_) {
    for (uint32_t pfn = z.zone_start_pfn; pfn < z.end_pfn(); pfn += 1u << MAX_PAGE_ORDER) {
      page* p = &pages_[pfn];
      p->flags = PG_buddy;
      p->order = MAX_PAGE_ORDER;
      add_to_free_list(z, p, MAX_PAGE_ORDER, MIGRATE_PCPTYPES_MERGED, true);
      z.free_pages += 1u << MAX_PAGE_ORDER;
    }
  }
  if (config_.poison) {
    std::memset(memory_.data(), PAGE_POISON, memory_.size());
    poison_memory_region(memory_.data(), memory_.size());
  }
}

// Another process's anonymous memory, for the OOM killer to find.
void world::populate_oom_victim() {
  fi::injector* saved = injector_;
  injector_ = nullptr;  // construction takes no decisions
  for (uint32_t i = 0; i < config_.oom_victim_pages; ++i) {
    page* p = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | __GFP_NORETRY, 0);
    if (!p) break;
    map_anon_page(max_mm - 1, p, true);
    put_page(p);  // the mapping holds the only reference now
    p->flags |= PG_oom_victim;
    lists_.add_tail(page_to_pfn(p), oom_victim_list_);
    ++oom_victim_pages_;
  }
  injector_ = saved;
}

// Asked at every interrupt point and fault site: the CPU's state is looked
// up once (each preempt_count() is a this_cpu() with its sanitizer checks).
fi::decision_context world::decision_context(uint16_t point) const {
  fi::decision_context context;
  const unsigned id = cpu_id();
  const uint32_t count = cpus_[id].preempt_count;
  context.cpu = id;
  context.preempt_count = count;
  context.in_task = in_task(count);
  context.in_interrupt = in_interrupt(count);
  context.op_index = op_index_.load();
  context.point = point;
  return context;
}

void world::append_context_dump(std::string& dump) const {
  const cpu_state& cpu = this_cpu();
  char line[256];
  dump.reserve(dump.size() + 320 + 96 * cpu.held_count);
  std::snprintf(line, sizeof line, "CPU: %u PID: %d Comm: %s  op #%llu  context: %s\n", cpu.id,
                cpu.current->pid, cpu.current->comm.c_str(), static_cast<unsigned long long>(op_index_),
                context_kind_name(context_of(cpu.preempt_count)));
  dump += line;
  std::snprintf(line, sizeof line,
                "preempt_count: %x, irqs_disabled(): %d, RCU nest depth: %u, softirq pending: %d, "
                "interrupt depth: %u, task flags: %#x, pcp discipline: %s\n",
                cpu.preempt_count, cpu.irqs_disabled ? 1 : 0, cpu.rcu_read_depth, cpu.softirq_pending ? 1 : 0,
                cpu.interrupt_depth, cpu.current->flags, pcp_discipline_name(config_.pcp));
  dump += line;
  std::snprintf(line, sizeof line, "%u lock%s held by %s/%d:\n", cpu.held_count, cpu.held_count == 1 ? "" : "s",
                cpu.current->comm.c_str(), cpu.current->pid);
  dump += line;
  for (unsigned i = 0; i < cpu.held_count; ++i) {
    const held_lock& h = cpu.held[i];
    std::snprintf(line, sizeof line, " #%u: %s#%u (%s, taken at interrupt depth %u)\n", i,
                  lockdep_.class_name(h.lock->lock_class), h.lock->instance, lock_flavour_name(h.flavour),
                  h.irq_context);
    dump += line;
  }
}

std::string world::page_dump(const page* p) const {
  uint32_t pfn = page_to_pfn(p);
  const page_owner& o = owners_[pfn];
  char line[320];
  std::snprintf(line, sizeof line,
                "page: pfn:%05x refcount:%d mapcount:%d order:%u zone:%s flags:%#x mms:%#x\n"
                "page last allocated via order %u, gfp_mask %#x(%s), cpu %u, preempt_count %x, op #%llu%s\n",
                pfn, p->refcount.load(), p->mapcount.load() + 1, p->order, zones_[p->zone].name(), p->flags.load(), p->mapped_mms,
                o.order, o.gfp, format_gfp(o.gfp).c_str(), o.cpu, o.preempt_count,
                static_cast<unsigned long long>(o.op_index), o.allocations ? "" : " (never allocated)");
  std::string dump = line;
  if (o.freed) {
    std::snprintf(line, sizeof line, "page last freed at op #%llu, preempt_count %x\n",
                  static_cast<unsigned long long>(o.free_op_index), o.free_preempt_count);
    dump += line;
  }
  return dump;
}

void world::report(report_kind kind, std::string title, std::string details) {
  labyrinth::report r;
  r.kind = kind;
  r.title = std::move(title);
  r.details = std::move(details);
  if (!r.details.empty() && r.details.back() != '\n') r.details += '\n';
  if (recording_) append_context_dump(r.details);
  r.op_index = op_index_.load();
  {
    host_lock_guard guard(report_lock_, config_.free_running);
    sink_->deliver(std::move(r));
  }
  if (report_kind_fatal(kind)) {
    halted_ = true;
    throw run_halted{kind};
  }
}

void world::note(std::string line) {
  if (!recording_) return;
  host_lock_guard guard(log_lock_, config_.free_running);
  if (log_.size() < 256) log_.push_back(std::move(line));
}

// __ratelimit(&nopage_rs) within one interval: true for the first
// DEFAULT_RATELIMIT_BURST calls, then false, counting the misses.
bool world::warn_alloc_ratelimit() {
  host_lock_guard guard(log_lock_, config_.free_running);
  if (nopage_rs_.printed < DEFAULT_RATELIMIT_BURST) {
    ++nopage_rs_.printed;
    return true;
  }
  ++nopage_rs_.missed;
  return false;
}

void world::flush_suppressed_notes() {
  unsigned long missed;
  {
    host_lock_guard guard(log_lock_, config_.free_running);
    missed = nopage_rs_.missed;
    nopage_rs_.missed = 0;
  }
  if (missed) note("warn_alloc: " + std::to_string(missed) + " callbacks suppressed");
}

// ---- CPUs -------------------------------------------------------------------

namespace {
// The calling thread's CPU binding (cpu_binding).
struct thread_cpu {
  const world* w = nullptr;
  unsigned cpu = 0;
};
thread_local thread_cpu this_thread_cpu;
}  // namespace

unsigned world::bound_cpu_id() const { return this_thread_cpu.w == this ? this_thread_cpu.cpu : current_cpu_; }

cpu_binding::cpu_binding(world& w, unsigned cpu) {
  if (cpu >= w.nr_cpus()) throw std::invalid_argument("cpu_binding: no such CPU");
  if (this_thread_cpu.w) throw std::logic_error("cpu_binding: this thread is already bound to a CPU");
  this_thread_cpu = {&w, cpu};
  w.threads_bound_ = true;
}

cpu_binding::~cpu_binding() { this_thread_cpu = {}; }

world_stats world::stats() const {
  world_stats sum;
  for (const cpu_state& cpu : cpus_) sum += cpu.stats;
  return sum;
}

// ---- the decision source ------------------------------------------------------

bool world::inject_alloc_failure(const fi::page_alloc_request& request) {
  if (fi::injector* own = this_cpu().injector) return own->should_fail_alloc_page(request, decision_context());
  if (!injector_) return false;
  host_lock_guard guard(injector_lock_, config_.free_running);
  return injector_->should_fail_alloc_page(request, decision_context());
}

bool world::inject_failure(fi::fault_site site, uint64_t size) {
  if (fi::injector* own = this_cpu().injector) return own->should_fail(site, size, decision_context());
  if (!injector_) return false;
  host_lock_guard guard(injector_lock_, config_.free_running);
  return injector_->should_fail(site, size, decision_context());
}

unsigned world::inject_outcome(fi::fault_site site) {
  if (fi::injector* own = this_cpu().injector) return own->failure_outcome(site, decision_context());
  if (!injector_) return 0;
  host_lock_guard guard(injector_lock_, config_.free_running);
  return injector_->failure_outcome(site, decision_context());
}

unsigned world::inject_interrupt(unsigned deliverable, irq_point point) {
  fi::decision_context context = decision_context(static_cast<uint16_t>(point));
  if (fi::injector* own = this_cpu().injector) return own->interrupt_at(deliverable, context);
  if (!injector_) return 0;
  host_lock_guard guard(injector_lock_, config_.free_running);
  return injector_->interrupt_at(deliverable, context);
}

void world::warn(const std::string& what) { report(report_kind::warning, "WARNING: " + what); }

std::vector<uint32_t> world::free_list_pfns(unsigned zone_index, unsigned order, migratetype mt) const {
  std::vector<uint32_t> pfns;
  for_each_on_list(zones_[zone_index].area[order].free_list[mt], [&](uint32_t pfn) { pfns.push_back(pfn); });
  return pfns;
}

std::vector<uint32_t> world::pcp_list_pfns(unsigned cpu, unsigned zone_index, unsigned order) const {
  std::vector<uint32_t> pfns;
  for_each_on_list(cpus_[cpu].pcp[zone_index].lists[order], [&](uint32_t pfn) { pfns.push_back(pfn); });
  return pfns;
}

// Every entry of every free list, sorted (one walk and one sort: no list's
// own copy).
std::vector<uint32_t> world::free_list_signature() const {
  std::vector<uint32_t> signature;
  free_list_signature_into(signature);
  return signature;
}

void world::free_list_signature_into(std::vector<uint32_t>& signature) const {
  signature.clear();
  for (unsigned zi = 0; zi < zones_.size(); ++zi)
    for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order)
      for (unsigned mt = 0; mt < MIGRATE_TYPES; ++mt)
        for_each_on_list(zones_[zi].area[order].free_list[mt],
                         [&](uint32_t pfn) { signature.push_back((pfn << 8) | (order << 4) | (mt << 1)); });
  std::sort(signature.begin(), signature.end());
}

}  // namespace labyrinth
