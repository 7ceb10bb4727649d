// Goal: the allocator behaves like a simple abstract model of what a caller
// holds, and its oracles stay silent, under any sequence of kernel-style
// operations.  Method: rapidcheck's stateful testing (rc::state) over an
// allocator_model (slots, mappings, page cache entries, memalloc scopes, the
// armed fault) and an allocator_sut (a small world with the full check after
// every operation).  Commands allocate with every GFP family and order in
// task, softirq and hardirq context and under every lock flavour, free,
// get/put (also in NMI), map and unmap, grow and trim the page cache, enter
// and leave memalloc scopes, arm faults and drain the per-CPU lists.  After
// every command: no report, the world's pages agree with the model's slots,
// and what is determinable holds (the armed fail-nth fails exactly its call,
// __GFP_NOFAIL never fails short of a livelock verdict, a non-blocking request
// never reclaims, no request takes a page below its entitled floor, no page
// is handed out twice).  At the end everything is released and the world's
// teardown check (no leak, initial free lists) must be silent.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <sstream>

#include "alloc/world.h"
#include "props/allocator_model.h"
#include "props/allocator_sut.h"
#include "props/generators.h"
#include "props/kernel_facts.h"
#include "props/property.h"

namespace labyrinth::props {
namespace {

using model_command = rc::state::Command<allocator_model, allocator_sut>;

void require(bool ok, const std::string& message) {
  if (!ok) RC_FAIL(message);
}

std::vector<uint32_t> slot_ids(const allocator_model& m) {
  std::vector<uint32_t> ids;
  for (const slot_state& slot : m.slots) ids.push_back(slot.id);
  return ids;
}

// (Preconditions and assertions take plain bools: rapidcheck's expression
// capture evaluates both sides of && and prints pointers by dereferencing.)

// ---- checks of one allocation -------------------------------------------------

// Nothing freed memory during the call (no reclaim, kswapd, OOM kill, free,
// or interrupt besides the command's own), so the zone counts seen by the
// allocator's watermark checks were the counts before the call.
bool counts_unchanged_during(const snapshot& before, const world_stats& after, unsigned own_interrupts) {
  const world_stats& b = before.stats;
  const uint64_t interrupts_before = b.interrupts[0] + b.interrupts[1] + b.interrupts[2];
  const uint64_t interrupts_after = after.interrupts[0] + after.interrupts[1] + after.interrupts[2];
  return after.frees == b.frees && after.direct_reclaims == b.direct_reclaims && after.kswapd_runs == b.kswapd_runs &&
         after.oom_kills == b.oom_kills && interrupts_after == interrupts_before + own_interrupts;
}

struct call_context {
  uint32_t preempt_count = 0;
  uint32_t task_flags = 0;
  bool oom_victim = false;
};

// GFP_ATOMIC fails when no zone is above 3/8 of its min mark (+ lowmem
// reserve), GFP_KERNEL never takes a page at or below its min mark, and so
// on for every family: the zone a page came from had usable free pages above
// the request's entitled floor (kernel_facts.h).
std::string check_watermark_rules(const world& w, const snapshot& before, gfp_t gfp, unsigned order, const page* result,
                                  const call_context& context) {
  if (!result) return {};
  const unsigned zone_index = result->zone;
  const zone& z = w.zone_at(zone_index);
  long floor = 0;
  if (!facts::entitled_floor(gfp, context.preempt_count, context.task_flags, context.oom_victim, z.watermark[WMARK_MIN],
                             &floor))
    return {};
  const zone_type highest = (gfp & __GFP_DMA32) ? ZONE_DMA32 : ZONE_NORMAL;
  const long usable = before.free_pages[zone_index] - ((1L << order) - 1);
  if (usable > floor + z.lowmem_reserve[highest]) return {};
  std::ostringstream out;
  out << format_gfp(gfp) << " order " << order << " took pfn " << w.page_to_pfn(result) << " from zone " << z.name()
      << " whose usable free pages were " << usable << ", at or below its entitled floor " << floor
      << " + lowmem_reserve " << z.lowmem_reserve[highest] << " (min mark " << z.watermark[WMARK_MIN] << ")\n";
  return out.str();
}

// Where the page is: aligned, inside one zone the request may use, zeroed if asked.
std::string check_placement(world& w, gfp_t gfp, unsigned order, page* result) {
  std::ostringstream out;
  const uint32_t pfn = w.page_to_pfn(result);
  const zone& z = w.zone_at(result->zone);
  if (pfn % (1u << order)) out << "pfn " << pfn << " is not aligned to order " << order << "\n";
  if (pfn < z.zone_start_pfn || pfn + (1u << order) > z.end_pfn()) out << "block at pfn " << pfn << " leaves zone " << z.name() << "\n";
  if ((gfp & __GFP_DMA32) && z.type != ZONE_DMA32) out << "__GFP_DMA32 page from zone " << z.name() << "\n";
  if (gfp & __GFP_ZERO) {
    const uint8_t* data = w.page_data(result);
    const size_t bytes = (size_t{1} << order) * w.config().page_bytes;
    if (std::any_of(data, data + bytes, [](uint8_t byte) { return byte != 0; }))
      out << "__GFP_ZERO page at pfn " << pfn << " is not zeroed\n";
  }
  return out.str();
}

// ---- commands -----------------------------------------------------------------

struct allocate : model_command {
  uint32_t id = 0;
  gfp_t gfp = GFP_KERNEL;
  unsigned order = 0;
  where place;

  explicit allocate(const allocator_model& m) : id(m.next_slot_id) {
    gfp = *gen_gfp();
    order = (gfp & __GFP_NOFAIL) ? *uniform_in(0u, 2u) : *gen_order();
    place = *gen_where(class_of(gfp));
  }
  bool eligible_for_fault() const { return !(gfp & __GFP_NOFAIL); }
  void checkPreconditions(const allocator_model& m) const override {
    const bool room = m.slots.size() < max_slots && !m.find_slot(id);
    RC_PRE(room);
    RC_PRE(where_allowed(place, class_of(gfp)));
    const bool nofail_allowed = order <= 1 && !m.in_noreclaim_scope();  // the kernel WARNs otherwise
    if (gfp & __GFP_NOFAIL) RC_PRE(nofail_allowed);
  }
  void apply(allocator_model& m) const override {
    m.slots.push_back({id, order});
    m.next_slot_id = std::max(m.next_slot_id, id + 1);
    if (eligible_for_fault()) m.count_allocation();
  }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    world& w = sut.w();
    const bool must_fail = eligible_for_fault() && s0.next_allocation_fails();
    const snapshot before = sut.take_snapshot();
    page* result = nullptr;
    call_context context;
    const std::string problem = sut.perform(place, [&] {
      context = {w.preempt_count(), w.current().flags, w.current().oom_victim};
      result = w.alloc_pages(gfp, order);
    });
    require(problem.empty(), problem);
    const bool overlaps = result && sut.overlaps_held(w.page_to_pfn(result), order);
    sut.set_slot_page(id, result);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
    if (sut.halted()) {
      require((gfp & __GFP_NOFAIL) && sut.sink().count(report_kind::livelock) > 0,
              "the run halted without a bug report or a __GFP_NOFAIL livelock verdict");
      return;
    }
    require(!(gfp & __GFP_NOFAIL) || result, "__GFP_NOFAIL allocation returned NULL (no livelock verdict)");
    require(!must_fail || !result, "the armed fail-nth should have failed this allocation, but it returned a page");
    require(!overlaps, "the allocation returned pages the caller already holds");
    const world_stats& after = w.stats();
    if (!gfpflags_allow_blocking(gfp)) {
      require(after.direct_reclaims == before.stats.direct_reclaims, "a non-blocking allocation entered direct reclaim");
      require(after.kswapd_runs == before.stats.kswapd_runs, "a non-blocking allocation reached a scheduling point");
    }
    if (!result) return;
    const std::string placement = check_placement(w, gfp, order, result);
    require(placement.empty(), placement);
    const unsigned own_interrupts = place.context == context_choice::task ? 0 : 1;
    if (counts_unchanged_during(before, after, own_interrupts)) {
      const std::string breach = check_watermark_rules(w, before, gfp, order, result, context);
      require(breach.empty(), breach);
    }
  }
  void show(std::ostream& os) const override {
    os << "#" << id << " = alloc_pages(" << format_gfp(gfp) << ", " << order << ") " << place;
  }
};

// Memory pressure quickly: several same-order GFP_KERNEL|__GFP_NORETRY
// allocations in a row (task context), one slot each.
struct allocate_batch : model_command {
  uint32_t first_id = 0;
  unsigned count = 1;
  unsigned order = 0;
  static constexpr gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;

  explicit allocate_batch(const allocator_model& m) : first_id(m.next_slot_id) {
    count = *uniform_in(2u, 9u);
    order = *uniform_in(3u, 8u);
  }
  void checkPreconditions(const allocator_model& m) const override {
    RC_PRE(m.slots.size() + count <= max_slots);
    for (uint32_t id = first_id; id < first_id + count; ++id) {
      const bool unused = m.find_slot(id) == nullptr;
      RC_PRE(unused);
    }
  }
  void apply(allocator_model& m) const override {
    for (uint32_t id = first_id; id < first_id + count; ++id) {
      m.slots.push_back({id, order});
      m.count_allocation();
    }
    m.next_slot_id = std::max(m.next_slot_id, first_id + count);
  }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    world& w = sut.w();
    allocator_model model = s0;
    for (uint32_t id = first_id; id < first_id + count; ++id) {
      const bool must_fail = model.next_allocation_fails();
      page* result = nullptr;
      const std::string problem = sut.perform(where{}, [&] { result = w.alloc_pages(gfp, order); });
      require(problem.empty(), problem);
      const bool overlaps = result && sut.overlaps_held(w.page_to_pfn(result), order);
      sut.set_slot_page(id, result);
      model.slots.push_back({id, order});
      model.count_allocation();
      const std::string oracles = sut.check_after(model);
      require(oracles.empty(), oracles);
      require(!must_fail || !result, "the armed fail-nth should have failed this allocation, but it returned a page");
      require(!overlaps, "the allocation returned pages the caller already holds");
      if (result) {
        const std::string placement = check_placement(w, gfp, order, result);
        require(placement.empty(), placement);
      }
    }
  }
  void show(std::ostream& os) const override {
    os << "#" << first_id << "..#" << first_id + count - 1 << " = " << count << " x alloc_pages(" << format_gfp(gfp)
       << ", " << order << ")";
  }
};

struct free_slot : model_command {
  uint32_t id = 0;
  where place;
  explicit free_slot(const allocator_model& m) {
    RC_PRE(!m.slots.empty());
    id = *rc::gen::elementOf(slot_ids(m));
    place = *gen_where(operation_class::nonblocking);
  }
  void checkPreconditions(const allocator_model& m) const override {
    const slot_state* slot = m.find_slot(id);
    const bool only_our_reference = slot && slot->mapped_mms == 0 && slot->extra_refs == 0;
    RC_PRE(only_our_reference);
    RC_PRE(where_allowed(place, operation_class::nonblocking));
  }
  void apply(allocator_model& m) const override {
    m.slots.erase(std::find_if(m.slots.begin(), m.slots.end(), [this](const slot_state& s) { return s.id == id; }));
  }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    page* p = sut.slot_page(id);
    const unsigned order = s0.find_slot(id)->order;
    sut.forget_slot(id);  // off the caller's books before the page is freed
    const std::string problem = sut.perform(place, [&] {
      if (p) sut.w().__free_pages(p, order);
    });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
  }
  void show(std::ostream& os) const override { os << "__free_pages(#" << id << ") " << place; }
};

struct get_reference : model_command {
  uint32_t id = 0;
  where place;
  explicit get_reference(const allocator_model& m) {
    RC_PRE(!m.slots.empty());
    id = *rc::gen::elementOf(slot_ids(m));
    place = *gen_where(operation_class::nmi_safe);
  }
  void checkPreconditions(const allocator_model& m) const override {
    const slot_state* slot = m.find_slot(id);
    const bool may_get = slot && slot->extra_refs < max_extra_refs;
    RC_PRE(may_get);
    RC_PRE(where_allowed(place, operation_class::nmi_safe));
  }
  void apply(allocator_model& m) const override { ++m.find_slot(id)->extra_refs; }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    page* p = sut.slot_page(id);
    const std::string problem = sut.perform(place, [&] {
      if (p) sut.w().get_page(p);
    });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
  }
  void show(std::ostream& os) const override { os << "get_page(#" << id << ") " << place; }
};

struct put_reference : model_command {
  uint32_t id = 0;
  where place;
  explicit put_reference(const allocator_model& m) {
    std::vector<uint32_t> ids;
    for (const slot_state& slot : m.slots)
      if (slot.extra_refs > 0) ids.push_back(slot.id);
    RC_PRE(!ids.empty());
    id = *rc::gen::elementOf(ids);
    place = *gen_where(operation_class::nmi_safe);
  }
  void checkPreconditions(const allocator_model& m) const override {
    const slot_state* slot = m.find_slot(id);
    const bool has_extra = slot && slot->extra_refs > 0;
    RC_PRE(has_extra);
    RC_PRE(where_allowed(place, operation_class::nmi_safe));
  }
  void apply(allocator_model& m) const override { --m.find_slot(id)->extra_refs; }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    page* p = sut.slot_page(id);
    const std::string problem = sut.perform(place, [&] {
      if (p) sut.w().put_page(p);
    });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
  }
  void show(std::ostream& os) const override { os << "put_page(#" << id << ") " << place; }
};

// The result map_anon_page must give, from the model's mapping state.
int expected_map_result(const slot_state& slot, unsigned mm, bool exclusive) {
  if (slot.mapped_mms & (1u << mm)) return -EEXIST;
  if (exclusive) return slot.mapped_mms != 0 ? -EBUSY : 0;
  return slot.exclusive ? -EBUSY : 0;
}

struct map_slot : model_command {
  uint32_t id = 0;
  unsigned mm = 0;
  bool exclusive = false;
  explicit map_slot(const allocator_model& m) {
    RC_PRE(!m.slots.empty());
    id = *rc::gen::elementOf(slot_ids(m));
    mm = *uniform_in(0u, model_mms);
    exclusive = *rc::gen::arbitrary<bool>();
  }
  void checkPreconditions(const allocator_model& m) const override {
    const bool held = m.find_slot(id) != nullptr;
    RC_PRE(held);
  }
  void apply(allocator_model& m) const override {
    slot_state& slot = *m.find_slot(id);
    if (expected_map_result(slot, mm, exclusive) != 0) return;
    slot.mapped_mms |= 1u << mm;
    slot.exclusive = slot.exclusive || exclusive;
  }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    page* p = sut.slot_page(id);
    const int expected = expected_map_result(*s0.find_slot(id), mm, exclusive);
    int result = expected;
    const std::string problem = sut.perform(where{}, [&] {
      if (p) result = sut.w().map_anon_page(mm, p, exclusive);
    });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
    require(result == expected, "map_anon_page returned " + std::to_string(result) + ", expected " + std::to_string(expected));
  }
  void show(std::ostream& os) const override {
    os << "map_anon_page(mm " << mm << ", #" << id << (exclusive ? ", exclusive)" : ", shared)");
  }
};

struct unmap_slot : model_command {
  uint32_t id = 0;
  unsigned mm = 0;
  explicit unmap_slot(const allocator_model& m) {
    std::vector<std::pair<uint32_t, unsigned>> mappings;
    for (const slot_state& slot : m.slots)
      for (unsigned i = 0; i < model_mms; ++i)
        if (slot.mapped_mms & (1u << i)) mappings.emplace_back(slot.id, i);
    RC_PRE(!mappings.empty());
    std::tie(id, mm) = *rc::gen::elementOf(mappings);
  }
  void checkPreconditions(const allocator_model& m) const override {
    const slot_state* slot = m.find_slot(id);
    const bool mapped = slot && (slot->mapped_mms & (1u << mm));
    RC_PRE(mapped);
  }
  void apply(allocator_model& m) const override {
    slot_state& slot = *m.find_slot(id);
    slot.mapped_mms &= ~(1u << mm);
    if (slot.mapped_mms == 0) slot.exclusive = false;
  }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    page* p = sut.slot_page(id);
    int result = 0;
    const std::string problem = sut.perform(where{}, [&] {
      if (p) result = sut.w().unmap_page(mm, p);
    });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
    require(result == 0, "unmap_page of a mapping the caller made returned " + std::to_string(result));
  }
  void show(std::ostream& os) const override { os << "unmap_page(mm " << mm << ", #" << id << ")"; }
};

struct grow_page_cache : model_command {
  uint32_t id = 0;
  gfp_t gfp = GFP_KERNEL;
  page_cache_kind kind = page_cache_kind::clean;
  explicit grow_page_cache(const allocator_model& m) : id(m.next_cache_id) {
    gfp = *rc::gen::element(GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_ATOMIC, GFP_NOWAIT);
    kind = *rc::gen::element(page_cache_kind::clean, page_cache_kind::dirty, page_cache_kind::swapbacked);
  }
  void checkPreconditions(const allocator_model& m) const override {
    RC_PRE(m.cache.size() < max_cache_entries);
    RC_PRE(std::none_of(m.cache.begin(), m.cache.end(), [this](const cache_entry& e) { return e.id == id; }));
  }
  void apply(allocator_model& m) const override {
    m.cache.push_back({id, kind});
    m.next_cache_id = std::max(m.next_cache_id, id + 1);
    m.count_allocation();
  }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    world& w = sut.w();
    const bool must_fail = s0.next_allocation_fails();
    page* result = nullptr;
    const std::string problem = sut.perform(where{}, [&] { result = w.add_to_page_cache(gfp, kind); });
    require(problem.empty(), problem);
    const bool overlaps = result && sut.overlaps_held(w.page_to_pfn(result), 0);
    if (result && !w.in_page_cache(result)) result = nullptr;  // reclaimed within the same operation
    sut.set_cache_page(id, result);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
    if (sut.halted()) return;
    require(!must_fail || !result, "the armed fail-nth should have failed this page cache allocation");
    require(!overlaps, "the page cache page is one the caller already holds");
  }
  void show(std::ostream& os) const override {
    os << "cache#" << id << " = add_to_page_cache(" << format_gfp(gfp) << ", " << page_cache_kind_name(kind) << ")";
  }
};

struct trim_page_cache : model_command {
  uint32_t id = 0;
  explicit trim_page_cache(const allocator_model& m) {
    RC_PRE(!m.cache.empty());
    std::vector<uint32_t> ids;
    for (const cache_entry& entry : m.cache) ids.push_back(entry.id);
    id = *rc::gen::elementOf(ids);
  }
  void checkPreconditions(const allocator_model& m) const override {
    RC_PRE(std::any_of(m.cache.begin(), m.cache.end(), [this](const cache_entry& e) { return e.id == id; }));
  }
  void apply(allocator_model& m) const override {
    m.cache.erase(std::find_if(m.cache.begin(), m.cache.end(), [this](const cache_entry& e) { return e.id == id; }));
  }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    page* p = sut.cache_page(id);
    sut.forget_cache(id);
    bool removed = true;
    const std::string problem = sut.perform(where{}, [&] {
      if (p) removed = sut.w().remove_from_page_cache(p);
    });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
    require(removed, "remove_from_page_cache refused a page the caller put in the page cache");
  }
  void show(std::ostream& os) const override { os << "remove_from_page_cache(cache#" << id << ")"; }
};

struct enter_scope : model_command {
  scope_kind kind = scope_kind::noio;
  explicit enter_scope(const allocator_model&) {
    kind = *rc::gen::element(scope_kind::noio, scope_kind::nofs, scope_kind::noreclaim);
  }
  void checkPreconditions(const allocator_model& m) const override { RC_PRE(m.scopes.size() < max_scope_depth); }
  void apply(allocator_model& m) const override { m.scopes.push_back(kind); }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    const std::string problem = sut.perform(where{}, [&] { sut.push_scope(kind); });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
  }
  void show(std::ostream& os) const override { os << scope_kind_name(kind) << "_save()"; }
};

struct leave_scope : model_command {
  explicit leave_scope(const allocator_model& m) { RC_PRE(!m.scopes.empty()); }
  void checkPreconditions(const allocator_model& m) const override { RC_PRE(!m.scopes.empty()); }
  void apply(allocator_model& m) const override { m.scopes.pop_back(); }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    const std::string problem = sut.perform(where{}, [&] { sut.pop_scope(); });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
  }
  void show(std::ostream& os) const override { os << "restore the innermost memalloc scope"; }
};

struct arm_fault : model_command {
  fault_arming arming;
  explicit arm_fault(const allocator_model&) {
    arming.site = *rc::gen::element(fi::fault_site::page_alloc, fi::fault_site::reclaim, fi::fault_site::kswapd,
                                    fi::fault_site::pcp_refill, fi::fault_site::oom, fi::fault_site::interrupt);
    arming.nth = *uniform_in(1u, 5u);
    arming.sticky = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    arming.answer = *uniform_in(0u, 3u);
  }
  void apply(allocator_model& m) const override {
    m.fault = armed_fault{arming.site, arming.site == fi::fault_site::page_alloc ? arming.nth : 0, arming.sticky};
  }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    const std::string problem = sut.perform(where{}, [&] { sut.arm(arming); });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
  }
  void show(std::ostream& os) const override {
    os << "arm " << fi::fault_site_name(arming.site) << ":fail-nth=" << arming.nth
       << (arming.sticky ? ",fail-nth-sticky=Y" : "") << " (planned answer " << arming.answer << ")";
  }
};

struct drain_pages : model_command {
  bool all = false;
  explicit drain_pages(const allocator_model&) { all = *rc::gen::arbitrary<bool>(); }
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    const std::string problem = sut.perform(where{}, [&] {
      if (all) sut.w().drain_all_pages();
      else sut.w().drain_local_pages();
    });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
  }
  void show(std::ostream& os) const override { os << (all ? "drain_all_pages()" : "drain_local_pages()"); }
};

struct schedule : model_command {
  explicit schedule(const allocator_model&) {}
  void run(const allocator_model& s0, allocator_sut& sut) const override {
    if (sut.halted()) return;
    const std::string problem = sut.perform(where{}, [&] { sut.w().schedule_point(); });
    require(problem.empty(), problem);
    const std::string oracles = sut.check_after(nextState(s0));
    require(oracles.empty(), oracles);
  }
  void show(std::ostream& os) const override { os << "schedule() (kswapd, ksoftirqd)"; }
};

void check_allocator_against_model(pcp_discipline discipline) {
  allocator_model initial;
  initial.discipline = discipline;
  allocator_sut sut(discipline);
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<allocate, allocate, allocate, allocate_batch, free_slot, get_reference,
                                                     put_reference, map_slot, unmap_slot, grow_page_cache,
                                                     trim_page_cache, enter_scope, leave_scope, arm_fault,
                                                     drain_pages, schedule>());
  // What the case reached, printed as rapidcheck's distribution.
  const world_stats& stats = sut.w().stats();
  RC_TAG(stats.direct_reclaims > 0 ? "memory pressure (direct reclaim)" : "no direct reclaim");
  RC_TAG(stats.allocation_failures > 0 ? "some allocation failed" : "every allocation succeeded");
  const std::string teardown = sut.teardown(sut.last_model());
  require(teardown.empty(), teardown);
}

LABYRINTH_PROP(allocator_model, trylock_discipline_matches_model, 300, 200, ()) {
  check_allocator_against_model(pcp_discipline::trylock);
}

LABYRINTH_PROP(allocator_model, irqsave_discipline_matches_model, 300, 200, ()) {
  check_allocator_against_model(pcp_discipline::irqsave);
}

}  // namespace
}  // namespace labyrinth::props
