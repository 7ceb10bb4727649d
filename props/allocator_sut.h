// The system under test of the stateful allocator property: a world, the
// pages behind the model's slots and page cache entries, the interrupt
// handler that runs an operation inside a delivered interrupt, the locks of
// each section, and the checks after every command.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alloc/world.h"
#include "faultinject/injector.h"
#include "faultinject/plan_source.h"
#include "props/allocator_model.h"

namespace labyrinth::props {

// The world of the stateful property: two small zones (DMA32 and NORMAL,
// 1024 pages each), so that a few high-order allocations reach the watermarks;
// the full O(pages) check after every operation.
world_config model_world_config(pcp_discipline discipline);

// How a fault is armed (the command's parameters).
struct fault_arming {
  fi::fault_site site = fi::fault_site::page_alloc;
  unsigned nth = 1;
  bool sticky = false;
  unsigned answer = 0;  // irq: which deliverable interrupt; reclaim/kswapd: which outcome
};

// Zone and counter state before an operation.
struct snapshot {
  world_stats stats;
  std::vector<long> free_pages;  // per zone index
};

class allocator_sut final : public interrupt_handler {
 public:
  explicit allocator_sut(pcp_discipline discipline);
  explicit allocator_sut(const world_config& config);
  ~allocator_sut() override;

  world& w() { return *world_; }
  report_sink& sink() { return sink_; }
  bool halted() const { return halted_; }

  // Runs `op` at `place` as one caller operation (begin_operation ..
  // end_operation).  Returns a description of what went wrong with the
  // delivery itself (empty when fine).  A fatal report halts the run.
  std::string perform(const where& place, const std::function<void()>& op);

  page* slot_page(uint32_t id) const;
  void set_slot_page(uint32_t id, page* p);
  void forget_slot(uint32_t id);
  page* cache_page(uint32_t id) const;
  void set_cache_page(uint32_t id, page* p);
  void forget_cache(uint32_t id);
  // Whether [pfn, pfn + (1 << order)) overlaps a page the caller holds.
  bool overlaps_held(uint32_t pfn, unsigned order) const;

  void push_scope(scope_kind kind);
  void pop_scope();
  void arm(const fault_arming& arming);

  // Ends the operation perform() began: the world's per-operation checks
  // (end_operation, check_quiescent).
  void finish_operation();
  snapshot take_snapshot() const;
  // The oracles and the model after a command: empty when everything agrees.
  std::string check_after(const allocator_model& model);
  // Releases everything the caller holds and runs the world's teardown check.
  std::string teardown(const allocator_model& model);
  // The model as of the last check_after (the state the commands left).
  const allocator_model& last_model() const { return last_model_; }
  std::string reports_text() const;

  // interrupt_handler
  void handle(world& w, interrupt_kind kind, irq_point point) override;

 private:
  struct section_state {
    section_choice kind = section_choice::none;
    spinlock_t* lock = nullptr;
    irq_flags_t flags = 0;
  };
  section_state enter_section(section_choice section);
  void leave_section(const section_state& state);
  void run_in_section(section_choice section, const std::function<void()>& op);
  void forget_reclaimed_cache();
  std::string check_slot(const slot_state& slot, page* p) const;
  std::string check_conservation(const allocator_model& model) const;

  report_sink sink_;
  std::unique_ptr<world> world_;
  std::unique_ptr<fi::plan_source> source_;
  std::unique_ptr<fi::injector> injector_;
  std::map<uint32_t, page*> slots_;
  std::map<uint32_t, page*> cache_;
  // page_owner's allocation count of each cache entry's page when it was
  // recorded: a different count now means reclaim freed it and the page was
  // handed out again (possibly within the very operation being checked).
  std::map<uint32_t, uint64_t> cache_generation_;
  std::vector<unsigned> scope_saved_;
  std::vector<scope_kind> scope_kinds_;
  // Locks per section and context (separate classes keep lockdep's picture
  // correct: the irqsave class is shared by task and interrupt contexts).
  spinlock_t task_lock_, task_irq_lock_, irqsave_lock_, task_bh_lock_, hardirq_lock_, softirq_lock_;
  // The operation waiting for its interrupt.
  std::function<void()> pending_;
  interrupt_kind pending_kind_ = interrupt_kind::hardirq;
  bool pending_ran_ = false;
  std::string handler_problem_;
  bool halted_ = false;
  allocator_model last_model_;
};

}  // namespace labyrinth::props
