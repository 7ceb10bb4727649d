#include "props/allocator_model.h"

#include <algorithm>

namespace labyrinth::props {

const char* context_choice_name(context_choice context) {
  switch (context) {
    case context_choice::task: return "task";
    case context_choice::softirq: return "softirq";
    case context_choice::hardirq: return "hardirq";
    case context_choice::nmi: return "nmi";
  }
  return "?";
}

const char* section_choice_name(section_choice section) {
  switch (section) {
    case section_choice::none: return "none";
    case section_choice::spin_lock: return "spin_lock";
    case section_choice::spin_lock_irq: return "spin_lock_irq";
    case section_choice::spin_lock_irqsave: return "spin_lock_irqsave";
    case section_choice::spin_lock_bh: return "spin_lock_bh";
    case section_choice::local_bh_disable: return "local_bh_disable";
    case section_choice::preempt_disable: return "preempt_disable";
    case section_choice::rcu_read_lock: return "rcu_read_lock";
    case section_choice::local_irq_save: return "local_irq_save";
  }
  return "?";
}

const char* scope_kind_name(scope_kind kind) {
  switch (kind) {
    case scope_kind::noio: return "memalloc_noio";
    case scope_kind::nofs: return "memalloc_nofs";
    case scope_kind::noreclaim: return "memalloc_noreclaim";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const where& place) {
  os << "in " << context_choice_name(place.context);
  if (place.context != context_choice::task && place.interrupted != section_choice::none)
    os << " (interrupting task's " << section_choice_name(place.interrupted) << ")";
  if (place.section != section_choice::none) os << " under " << section_choice_name(place.section);
  return os;
}

namespace {

// Sections task context may be in when a hardirq or softirq arrives: irqs on.
bool irqs_on_section(section_choice section) {
  return section == section_choice::none || section == section_choice::spin_lock ||
         section == section_choice::spin_lock_bh || section == section_choice::local_bh_disable ||
         section == section_choice::preempt_disable || section == section_choice::rcu_read_lock;
}

// Sections an operation may take inside a hardirq or softirq handler.
bool handler_section(section_choice section) {
  return section == section_choice::none || section == section_choice::spin_lock ||
         section == section_choice::spin_lock_irqsave || section == section_choice::preempt_disable ||
         section == section_choice::rcu_read_lock;
}

}  // namespace

bool where_allowed(const where& place, operation_class what) {
  switch (place.context) {
    case context_choice::task:
      if (place.interrupted != section_choice::none) return false;
      return what != operation_class::blocking || place.section == section_choice::none;
    case context_choice::softirq:
    case context_choice::hardirq:
      return what != operation_class::blocking && irqs_on_section(place.interrupted) &&
             handler_section(place.section);
    case context_choice::nmi:
      return what == operation_class::nmi_safe &&
             (place.section == section_choice::none || place.section == section_choice::rcu_read_lock);
  }
  return false;
}

const slot_state* allocator_model::find_slot(uint32_t id) const {
  auto it = std::find_if(slots.begin(), slots.end(), [id](const slot_state& s) { return s.id == id; });
  return it == slots.end() ? nullptr : &*it;
}

slot_state* allocator_model::find_slot(uint32_t id) {
  auto it = std::find_if(slots.begin(), slots.end(), [id](const slot_state& s) { return s.id == id; });
  return it == slots.end() ? nullptr : &*it;
}

bool allocator_model::in_noreclaim_scope() const {
  return std::find(scopes.begin(), scopes.end(), scope_kind::noreclaim) != scopes.end();
}

bool allocator_model::next_allocation_fails() const {
  if (!fault || fault->site != fi::fault_site::page_alloc) return false;
  return fault->countdown == 1 || (fault->countdown == 0 && fault->sticky);
}

void allocator_model::count_allocation() {
  if (!fault || fault->site != fi::fault_site::page_alloc) return;
  if (fault->countdown > 0) --fault->countdown;
}

}  // namespace labyrinth::props
