// The abstract model of the stateful allocator property: what the caller
// holds (slots: allocations by id, with order, mappings and extra
// references), its page cache entries, its memalloc scopes and the fault it
// armed.  Everything here follows from the command sequence alone, so
// rapidcheck can replay and shrink it; whether an allocation succeeded is
// known only to the system under test (allocator_sut.h), which keeps the
// page (or nullptr) of every slot.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "alloc/gfp.h"
#include "alloc/world.h"
#include "faultinject/fault_site.h"

namespace labyrinth::props {

// Where an operation runs.  Interrupt contexts are entered with
// world::deliver_interrupt from task context, optionally while task context
// is inside `interrupted`; `section` is entered inside the context.
enum class context_choice : uint8_t { task, softirq, hardirq, nmi };
enum class section_choice : uint8_t {
  none,
  spin_lock,
  spin_lock_irq,
  spin_lock_irqsave,
  spin_lock_bh,
  local_bh_disable,
  preempt_disable,
  rcu_read_lock,
  local_irq_save,
};
const char* context_choice_name(context_choice context);
const char* section_choice_name(section_choice section);

struct where {
  context_choice context = context_choice::task;
  section_choice interrupted = section_choice::none;  // interrupt contexts only
  section_choice section = section_choice::none;
};
std::ostream& operator<<(std::ostream& os, const where& place);

// What an operation does, for choosing where it may run:
//   blocking     : may sleep (task context, no section)
//   nonblocking  : allocates or frees without sleeping (not in NMI)
//   nmi_safe     : touches no allocator state (get_page/put_page of an extra reference)
enum class operation_class : uint8_t { blocking, nonblocking, nmi_safe };
bool where_allowed(const where& place, operation_class what);

enum class scope_kind : uint8_t { noio, nofs, noreclaim };
const char* scope_kind_name(scope_kind kind);

struct slot_state {
  uint32_t id = 0;
  unsigned order = 0;
  uint32_t mapped_mms = 0;  // address spaces mapping it
  bool exclusive = false;   // mapped as PageAnonExclusive
  unsigned extra_refs = 0;  // get_page() references beyond the allocation's
};

struct cache_entry {
  uint32_t id = 0;
  page_cache_kind kind = page_cache_kind::clean;
};

// The armed fault: an injector whose only armed site is `site`.  For
// page_alloc the model knows which call fails: fail-nth counts every
// allocation that reaches should_fail_alloc_page (all but __GFP_NOFAIL, with
// min-order=0 and both ignore filters off, in every context).
struct armed_fault {
  fi::fault_site site = fi::fault_site::page_alloc;
  unsigned countdown = 0;  // eligible calls until the failing one (1 = the next); 0 once fired
  bool sticky = false;
};

inline constexpr unsigned max_slots = 64;
inline constexpr unsigned max_cache_entries = 32;
inline constexpr unsigned max_scope_depth = 3;
inline constexpr unsigned max_extra_refs = 3;
inline constexpr unsigned model_mms = 4;

struct allocator_model {
  pcp_discipline discipline = pcp_discipline::trylock;
  std::vector<slot_state> slots;
  uint32_t next_slot_id = 0;
  std::vector<cache_entry> cache;
  uint32_t next_cache_id = 0;
  std::vector<scope_kind> scopes;
  std::optional<armed_fault> fault;

  const slot_state* find_slot(uint32_t id) const;
  slot_state* find_slot(uint32_t id);
  bool in_noreclaim_scope() const;
  // Whether the next eligible allocation must fail by the armed fault.
  bool next_allocation_fails() const;
  // An eligible allocation happened: count it against the armed fault.
  void count_allocation();
};

}  // namespace labyrinth::props
