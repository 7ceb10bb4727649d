#include "fuzz/free_running.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "faultinject/injector.h"
#include "faultinject/prng_source.h"

namespace labyrinth {
namespace {

constexpr unsigned max_cpus = 16;
constexpr size_t inbox_capacity = 256;
constexpr unsigned inbox_batch = 8;              // messages taken per inbox operation
constexpr uint64_t injector_generation_ops = 4096;  // a CPU's own injector is renewed this often (bounded trace)

// A page handed to another CPU: the page itself (the receiver frees it), or
// one reference to it (the receiver puts it; the last put frees it).
struct message {
  page* p = nullptr;
  unsigned order = 0;
  bool reference = false;
};

// A CPU's inbox: a bounded queue under a host mutex (the hand-over is the
// test's, not the model's).
struct inbox {
  std::mutex lock;
  std::deque<message> queue;
  bool push(const message& m) {
    std::lock_guard<std::mutex> guard(lock);
    if (queue.size() >= inbox_capacity) return false;
    queue.push_back(m);
    return true;
  }
  std::optional<message> pop() {
    std::lock_guard<std::mutex> guard(lock);
    if (queue.empty()) return std::nullopt;
    message m = queue.front();
    queue.pop_front();
    return m;
  }
};

// A CPU's operation choices: a PRNG, or its slice of the input's bytes.
class chooser {
 public:
  chooser(uint64_t seed, const std::vector<uint8_t>* bytes) : prng_(seed), bytes_(bytes) {}
  // Uniform-ish in [0, bound), bound in 1..256.
  unsigned below(unsigned bound) {
    if (!bytes_) return prng_.below(bound);
    if (position_ >= bytes_->size()) {
      exhausted_ = true;
      return 0;
    }
    return (*bytes_)[position_++] % bound;
  }
  bool exhausted() const { return exhausted_; }

 private:
  fi::prng_source prng_;
  const std::vector<uint8_t>* bytes_;
  size_t position_ = 0;
  bool exhausted_ = false;
};

constexpr unsigned orders[] = {0, 0, 0, 0, 1, 2, 3, 5};
constexpr gfp_t gfps[] = {GFP_KERNEL, GFP_KERNEL | __GFP_ZERO, GFP_ATOMIC | __GFP_NOWARN, GFP_NOWAIT,
                          GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_DMA32};

// Interrupt handlers: a hardirq or softirq allocates with GFP_ATOMIC on its
// own CPU, touches the page and frees it; an NMI does nothing (the page
// allocator is not NMI-safe).
class stress_handler final : public interrupt_handler {
 public:
  void handle(world& w, interrupt_kind kind, irq_point point) override {
    if (kind == interrupt_kind::nmi) return;
    unsigned& count = counts_[w.cpu_id()];
    unsigned order = (++count % 4 == 0) ? 1 : 0;
    page* p = w.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
    if (!p) return;
    w.page_data(p)[0] = static_cast<uint8_t>(w.cpu_id());
    w.__free_pages(p, order);
  }

 private:
  unsigned counts_[max_cpus] = {};  // each entry touched by its own CPU only
};

// Everything the CPUs share during a run.
struct shared_state {
  world* w = nullptr;
  const free_running_config* config = nullptr;
  std::vector<inbox> inboxes;
  std::vector<page*> shared_pages;  // each held once by the run for its whole length
  std::atomic<bool> halted{false};
  std::atomic<uint64_t> operations{0}, handed_over{0}, remote_drains{0}, last_puts_elsewhere{0};
  explicit shared_state(unsigned cpus) : inboxes(cpus) {}
};

class cpu_worker {
 public:
  cpu_worker(shared_state& shared, unsigned cpu, const std::vector<uint8_t>* bytes)
      : s_(shared), w_(*shared.w), cpu_(cpu), choose_(shared.config->seed * 0x9e3779b97f4a7c15ull + cpu, bytes) {}

  void run() {
    cpu_binding binding(w_, cpu_);
    try {
      loop();
      release_held();
    } catch (const run_halted&) {
      s_.halted = true;
    }
    w_.set_cpu_injector(cpu_, nullptr);
  }

 private:
  void renew_injector(uint64_t generation) {
    if (s_.config->shared_injector) return;
    fi::fault_config faults;
    faults[fi::fault_site::interrupt].probability = s_.config->interrupt_percent;
    faults[fi::fault_site::interrupt].times = -1;
    faults[fi::fault_site::interrupt].verbose = 0;
    w_.set_cpu_injector(cpu_, nullptr);
    injector_.reset();
    source_.emplace(s_.config->seed ^ (uint64_t(cpu_ + 1) << 40) ^ generation);
    injector_.emplace(faults, *source_);
    w_.set_cpu_injector(cpu_, &*injector_);
  }

  void loop() {
    for (uint64_t op = 0; op < s_.config->operations_per_cpu && !s_.halted; ++op) {
      if (op % injector_generation_ops == 0) renew_injector(op / injector_generation_ops);
      w_.begin_operation();
      w_.interrupt_point(irq_point::between_ops);
      one_operation(choose_.below(32));
      if (choose_.exhausted()) break;
      w_.end_operation();
      w_.check_quiescent();
      s_.operations.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void one_operation(unsigned op) {
    if (op < 10) return allocate();
    if (op < 14) return free_own();
    if (op < 18) return hand_over();
    if (op < 22) return take_inbox();
    if (op < 24) return share_references();
    if (op < 29) return get_put_shared();
    if (op < 30) {
      w_.drain_all_pages();
      s_.remote_drains.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (op < 31) return w_.drain_local_pages();
    w_.schedule_point();
  }

  void allocate() {
    unsigned order = orders[choose_.below(8)];
    gfp_t gfp = gfps[choose_.below(6)];
    if (held_.size() >= s_.config->max_held_per_cpu) free_own();
    page* p = w_.alloc_pages(gfp, order);
    if (!p) return;
    w_.page_data(p)[0] = static_cast<uint8_t>(cpu_);
    held_.push_back({p, order, false});
  }

  void free_own() {
    if (held_.empty()) return;
    size_t i = choose_.below(256) % held_.size();
    message m = held_[i];
    held_[i] = held_.back();
    held_.pop_back();
    w_.__free_pages(m.p, m.order);
  }

  unsigned other_cpu() { return (cpu_ + 1 + choose_.below(s_.config->cpus - 1)) % s_.config->cpus; }

  void hand_over() {
    if (held_.empty()) return;
    size_t i = choose_.below(256) % held_.size();
    message m = held_[i];
    if (!s_.inboxes[other_cpu()].push(m)) return;
    held_[i] = held_.back();
    held_.pop_back();
  }

  // Frees what other CPUs sent: their pages (freed on this CPU's lists), and
  // their references (the last put frees).
  void take_inbox() {
    for (unsigned i = 0; i < inbox_batch; ++i) {
      std::optional<message> m = s_.inboxes[cpu_].pop();
      if (!m) return;
      if (m->reference) {
        if (m->p->refcount.load() == 1) s_.last_puts_elsewhere.fetch_add(1, std::memory_order_relaxed);
        w_.put_page(m->p);
      } else {
        s_.handed_over.fetch_add(1, std::memory_order_relaxed);
        w_.__free_pages(m->p, m->order);
      }
    }
  }

  // One page, one reference for every other CPU; this CPU drops its own at once.
  void share_references() {
    unsigned order = choose_.below(2);
    page* p = w_.alloc_pages(GFP_KERNEL, order);
    if (!p) return;
    w_.page_data(p)[0] = static_cast<uint8_t>(cpu_);
    for (unsigned other = 0; other < s_.config->cpus; ++other) {
      if (other == cpu_) continue;
      w_.get_page(p);
      if (!s_.inboxes[other].push({p, order, true})) w_.put_page(p);
    }
    w_.put_page(p);
  }

  void get_put_shared() {
    if (s_.shared_pages.empty()) return;
    page* p = s_.shared_pages[choose_.below(256) % s_.shared_pages.size()];
    w_.get_page(p);
    volatile uint8_t seen = w_.page_data(p)[0];  // read-only: every CPU may read a shared page
    (void)seen;
    w_.put_page(p);
  }

  void release_held() {
    while (!held_.empty()) {
      message m = held_.back();
      held_.pop_back();
      w_.__free_pages(m.p, m.order);
    }
  }

  shared_state& s_;
  world& w_;
  unsigned cpu_;
  chooser choose_;
  std::vector<message> held_;
  std::optional<fi::prng_source> source_;
  std::optional<fi::injector> injector_;
};

world_config world_for(const free_running_config& config) {
  world_config wc = config.world;
  wc.free_running = true;
  wc.pcp = pcp_discipline::trylock;
  wc.nr_cpus = config.cpus;
  if (wc.checks == check_level::full) wc.checks = check_level::incremental;  // the full walk runs at the end
  return wc;
}

void validate(const free_running_config& config, const free_running_script& script) {
  if (config.cpus < 2 || config.cpus > max_cpus) throw std::invalid_argument("free_running: cpus in 2..16");
  if (config.interrupt_percent > 100) throw std::invalid_argument("free_running: interrupt_percent in 0..100");
  if (config.max_held_per_cpu == 0 || config.max_held_per_cpu > 4096)
    throw std::invalid_argument("free_running: max_held_per_cpu in 1..4096");
  if (config.shared_pages > 256) throw std::invalid_argument("free_running: shared_pages in 0..256");
  if (!script.bytes_per_cpu.empty() && script.bytes_per_cpu.size() != config.cpus)
    throw std::invalid_argument("free_running: one byte slice per CPU");
}

// After every thread joined: free what is still in flight, then the
// whole-world oracles (the full walk, the teardown leak check).
void quiesce_and_check(shared_state& s) {
  world& w = *s.w;
  for (inbox& box : s.inboxes)
    for (std::optional<message> m = box.pop(); m; m = box.pop()) {
      if (m->reference)
        w.put_page(m->p);
      else
        w.__free_pages(m->p, m->order);
    }
  for (page* p : s.shared_pages) w.put_page(p);
  s.shared_pages.clear();
  if (s.config->leak_one_page_for_test_only) w.alloc_pages(GFP_KERNEL, 0);
  w.check_full();
  w.teardown_check();
}

}  // namespace

std::string free_running_result::summary() const {
  char line[400];
  std::snprintf(line, sizeof line,
                "%llu operations, %llu allocations (%llu failed), %llu frees, %llu handed over, %llu last puts "
                "elsewhere, %llu remote drains, %llu pcp trylock fallbacks, %llu hardirqs, %llu softirqs, "
                "%zu reports (%zu bugs)%s",
                (unsigned long long)operations, (unsigned long long)stats.allocations,
                (unsigned long long)stats.allocation_failures, (unsigned long long)stats.frees,
                (unsigned long long)handed_over, (unsigned long long)last_puts_elsewhere,
                (unsigned long long)remote_drains, (unsigned long long)stats.pcp_trylock_fallbacks,
                (unsigned long long)stats.interrupts[0], (unsigned long long)stats.interrupts[1], reports.size(),
                bug_count, halted ? ", halted" : "");
  return line;
}

free_running_result run_free_running(const free_running_config& config, const free_running_script& script) {
  validate(config, script);
  report_sink sink(sink_mode::collect);
  std::optional<fi::prng_source> shared_source;
  std::optional<fi::injector> shared_injector;
  if (config.shared_injector) {
    fi::fault_config faults;
    faults[fi::fault_site::interrupt].probability = config.interrupt_percent;
    faults[fi::fault_site::interrupt].times = -1;
    faults[fi::fault_site::interrupt].verbose = 0;
    shared_source.emplace(config.seed);
    shared_injector.emplace(faults, *shared_source);
  }
  world w(world_for(config), sink, shared_injector ? &*shared_injector : nullptr);
  stress_handler handler;
  w.set_interrupt_handler(&handler);
  shared_state s(config.cpus);
  s.w = &w;
  s.config = &config;
  free_running_result result;
  try {
    for (unsigned i = 0; i < config.shared_pages; ++i) {
      page* p = w.alloc_pages(GFP_KERNEL, 0);
      if (!p) break;
      w.page_data(p)[0] = 0x5a;
      s.shared_pages.push_back(p);
    }
    std::vector<std::unique_ptr<cpu_worker>> workers;
    for (unsigned cpu = 0; cpu < config.cpus; ++cpu)
      workers.push_back(std::make_unique<cpu_worker>(
          s, cpu, script.bytes_per_cpu.empty() ? nullptr : &script.bytes_per_cpu[cpu]));
    std::vector<std::thread> threads;
    for (auto& worker : workers) threads.emplace_back([&worker] { worker->run(); });
    for (std::thread& t : threads) t.join();
    if (!s.halted) quiesce_and_check(s);
  } catch (const run_halted&) {
    s.halted = true;
  }
  result.reports = sink.reports();
  result.bug_count = sink.bug_count();
  result.stats = w.stats();
  result.operations = s.operations;
  result.handed_over = s.handed_over;
  result.remote_drains = s.remote_drains;
  result.last_puts_elsewhere = s.last_puts_elsewhere;
  result.halted = s.halted;
  return result;
}

free_running_input decode_free_running_input(const uint8_t* data, size_t size) {
  constexpr size_t header = 11;
  constexpr size_t max_body = 1 << 14;
  free_running_input input;
  free_running_config& config = input.config;
  uint8_t h[header] = {};
  if (size > 0) std::memcpy(h, data, std::min(size, header));  // data may be null when size is 0
  config.cpus = 2 + (h[0] & 3);  // 2..5
  config.interrupt_percent = h[1] % 11;
  config.shared_injector = h[2] & 1;
  config.seed = 0;
  for (size_t i = 3; i < header; ++i) config.seed = (config.seed << 8) | h[i];
  config.world.zones = {{ZONE_DMA32, 2048}, {ZONE_NORMAL, 4096}};
  config.world.oom_victim_pages = 16;
  config.max_held_per_cpu = 32;
  config.shared_pages = 4;
  size_t body = size > header ? std::min(size - header, max_body) : 0;
  input.script.bytes_per_cpu.assign(config.cpus, {});
  for (size_t i = 0; i < body; ++i) input.script.bytes_per_cpu[i % config.cpus].push_back(data[header + i]);
  config.operations_per_cpu = body;  // each operation reads at least one byte
  return input;
}

}  // namespace labyrinth
