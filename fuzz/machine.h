// The machine a program runs on (runtime.h): the client's pages, queues and
// locks, the driver's RX ring and TX queue, the interrupt handler that runs
// the handler programs, and the step log.  Internal to fuzz/ (runtime.cc,
// driver.cc); users call run().
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "alloc/world.h"
#include "fuzz/program.h"
#include "fuzz/runtime.h"

namespace labyrinth::fuzz::detail {

// A page the client holds: where it came from and what it wrote there.
struct page_handle {
  page* p = nullptr;
  unsigned order = 0;
  int pattern = -1;         // every byte of the page holds it; -1 unknown
  unsigned extra_refs = 0;  // get_page() references to drop before freeing
  explicit operator bool() const { return p != nullptr; }
};

// A bounded FIFO shared between contexts.  Push and pop are single steps of
// the model (no interrupt point inside), like a list_add under the caller's
// protection.
template <unsigned N>
class page_queue {
 public:
  bool full() const { return size_ == N; }
  bool empty() const { return size_ == 0; }
  unsigned size() const { return size_; }
  void push(const page_handle& h) {
    if (!full()) items_[(head_ + size_++) % N] = h;
  }
  page_handle pop() {
    if (empty()) return {};
    page_handle h = items_[head_];
    head_ = (head_ + 1) % N;
    --size_;
    return h;
  }

 private:
  page_handle items_[N];
  unsigned head_ = 0, size_ = 0;
};

inline constexpr unsigned handoff_capacity = 16;
inline constexpr unsigned ring_size = 16;
inline constexpr unsigned backlog_capacity = 32;
inline constexpr unsigned tx_capacity = 32;

struct saved_section {
  open_section section;
  irq_flags_t flags = 0;
  unsigned memalloc_flags = 0;
};

// The sections a list has open, innermost last.  Programs nest at most
// max_section_depth deep (section_state admits no more), so a fixed array
// holds them: a frame is made for every interrupt delivered, and a vector
// here cost a heap allocation each time (4% of an irq run under ASan).
class section_stack {
 public:
  bool empty() const { return size_ == 0; }
  // A deeper nesting is a malformed program, not an input: decode and parse
  // never make one.
  void push(const saved_section& s) {
    if (size_ == items_.size()) throw std::logic_error("program nests sections deeper than max_section_depth");
    items_[size_++] = s;
  }
  saved_section pop() { return items_[--size_]; }

 private:
  std::array<saved_section, max_section_depth> items_{};
  unsigned size_ = 0;
};

// One running list: its own open sections.
struct frame {
  list_id list = list_id::task;
  context_base base = context_base::task;
  section_stack sections;
};

class machine final : public interrupt_handler {
 public:
  machine(world& w, const program& p, const run_options& options, run_result& result)
      : w_(w), program_(p), options_(options), result_(result) {
    for (unsigned i = 0; i < lock_count; ++i) locks_[i] = w_.make_lock(lock_name(i));
  }

  void run_task();
  void release_everything();  // and teardown_check
  void handle(world& w, interrupt_kind kind, irq_point point) override;
  long active_step() const { return active_.empty() ? -1 : static_cast<long>(active_.back()); }
  void note_reports();

 private:
  // steps (not recorded when options_.record is off: begin_step returns
  // unrecorded_step, which no result slot has)
  static constexpr size_t unrecorded_step = ~size_t(0);
  size_t begin_step(step_type type, list_id list, unsigned index);
  void end_step(size_t step);
  void set_result(size_t step, int64_t value) {
    if (step < result_.steps.size()) result_.steps[step].result = value;
  }

  void run_list(frame& f);
  int64_t execute(frame& f, const op& o);
  void open(frame& f, const op& o, section_kind kind);
  void close(frame& f);
  void close_all(frame& f);

  // pages
  page_handle* slots_of(context_base base, unsigned* count);
  page_handle* slot(context_base base, uint32_t index);
  void release(const page_handle& h);
  void release_slot(page_handle& s);
  bool verify(const page_handle& h, const char* when);
  void fill(page_handle& h, uint8_t value);
  int64_t allocate(context_base base, uint32_t index, gfp_t gfp, unsigned order);
  int64_t put(context_base base, uint32_t index);
  int64_t give(context_base base, uint32_t index, uint32_t to);
  void prune_cache();

  // the network-driver client
  int64_t rx_refill(unsigned count);
  int64_t napi_poll(unsigned budget);
  int64_t recvmsg(unsigned count);
  int64_t tx_send(unsigned order);
  int64_t tx_complete(unsigned count);

  // misuse probes (probes.cc)
  int64_t probe(probe_kind kind);
  page_handle probe_page(gfp_t gfp, unsigned order);
  void expect_reports(size_t first, report_kind expected, probe_kind kind);
  bool ring_post(const page_handle& h);
  page_handle ring_take();

  world& w_;
  const program& program_;
  const run_options& options_;
  run_result& result_;
  spinlock_t locks_[lock_count];
  page_handle task_slots_[task_slots];
  page_handle softirq_slots_[handler_slots];
  page_handle hardirq_slots_[handler_slots];
  page_queue<handoff_capacity> handoff_[3];  // by receiving context_base
  std::vector<page*> cache_;
  page_handle ring_[ring_size];
  unsigned ring_next_ = 0;  // the next buffer the device fills
  page_queue<backlog_capacity> backlog_;
  page_queue<tx_capacity> tx_queue_;
  uint8_t packet_sequence_ = 0;
  uint8_t nmi_state_[16] = {};
  unsigned nmi_writes_ = 0;
  uint64_t deliveries_[3] = {};
  std::vector<size_t> active_;
  size_t bugs_seen_ = 0;
  size_t expected_bugs_ = 0;  // reports a misuse probe asked for
};

}  // namespace labyrinth::fuzz::detail
