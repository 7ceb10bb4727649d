#include "props/generators.h"

#include "props/property.h"

namespace labyrinth::props {

const std::vector<gfp_t>& gfp_families() {
  static const std::vector<gfp_t> families = {
      GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_USER, GFP_HIGHUSER_MOVABLE,
      GFP_KERNEL | __GFP_HIGH, GFP_KERNEL | __GFP_NORETRY, GFP_KERNEL | __GFP_RETRY_MAYFAIL,
      GFP_KERNEL | __GFP_MEMALLOC, GFP_KERNEL | __GFP_NOMEMALLOC, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOMEMALLOC,
      GFP_KERNEL | __GFP_NOFAIL, GFP_NOFS | __GFP_NOFAIL, GFP_NOIO | __GFP_NOFAIL,
      GFP_ATOMIC, GFP_NOWAIT, GFP_ATOMIC | __GFP_NOMEMALLOC, GFP_ATOMIC | __GFP_MEMALLOC,
      GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOMEMALLOC, GFP_NOWAIT | __GFP_HIGH,
  };
  return families;
}

namespace {

gfp_t with_modifiers(gfp_t gfp) {
  if (*rc::gen::weightedElement<bool>({{3, false}, {1, true}})) gfp |= __GFP_ZERO;
  if (*rc::gen::weightedElement<bool>({{3, false}, {1, true}})) gfp |= __GFP_NOWARN;
  const bool highmem = gfp & __GFP_HIGHMEM;  // __GFP_DMA32 with it is GFP_ZONE_BAD
  if (!highmem && *rc::gen::weightedElement<bool>({{4, false}, {1, true}})) gfp |= __GFP_DMA32;
  return gfp;
}

std::vector<gfp_t> nonblocking_families() {
  std::vector<gfp_t> families;
  for (gfp_t gfp : gfp_families())
    if (!gfpflags_allow_blocking(gfp)) families.push_back(gfp);
  return families;
}

}  // namespace

rc::Gen<gfp_t> gen_gfp() {
  return rc::gen::exec([] { return with_modifiers(*rc::gen::elementOf(gfp_families())); });
}

rc::Gen<gfp_t> gen_nonblocking_gfp() {
  return rc::gen::exec([] { return with_modifiers(*rc::gen::elementOf(nonblocking_families())); });
}

rc::Gen<unsigned> gen_order() {
  return rc::gen::weightedElement<unsigned>(
      {{25, 0}, {8, 1}, {5, 2}, {5, 3}, {5, 4}, {6, 5}, {7, 6}, {8, 7}, {8, 8}, {6, 9}, {3, 10}});
}

operation_class class_of(gfp_t gfp) {
  return gfpflags_allow_blocking(gfp) ? operation_class::blocking : operation_class::nonblocking;
}

rc::Gen<where> gen_where(operation_class what) {
  return rc::gen::exec([what] {
    where place;
    if (what == operation_class::blocking) return place;
    if (what == operation_class::nonblocking)
      place.context = *rc::gen::weightedElement<context_choice>(
          {{4, context_choice::task}, {2, context_choice::softirq}, {2, context_choice::hardirq}});
    else
      place.context = *rc::gen::weightedElement<context_choice>({{2, context_choice::task},
                                                                  {1, context_choice::softirq},
                                                                  {1, context_choice::hardirq},
                                                                  {2, context_choice::nmi}});
    using s = section_choice;
    switch (place.context) {
      case context_choice::task:
        place.section = *rc::gen::element(s::none, s::spin_lock, s::spin_lock_irq, s::spin_lock_irqsave,
                                          s::spin_lock_bh, s::local_bh_disable, s::preempt_disable,
                                          s::rcu_read_lock, s::local_irq_save);
        break;
      case context_choice::softirq:
      case context_choice::hardirq:
        place.interrupted = *rc::gen::element(s::none, s::spin_lock, s::spin_lock_bh, s::local_bh_disable,
                                              s::preempt_disable, s::rcu_read_lock);
        place.section = *rc::gen::element(s::none, s::spin_lock, s::spin_lock_irqsave, s::preempt_disable,
                                          s::rcu_read_lock);
        break;
      case context_choice::nmi:
        place.interrupted = *rc::gen::element(s::none, s::spin_lock, s::spin_lock_irq, s::spin_lock_irqsave,
                                              s::spin_lock_bh, s::local_bh_disable, s::preempt_disable,
                                              s::rcu_read_lock, s::local_irq_save);
        place.section = *rc::gen::element(s::none, s::rcu_read_lock);
        break;
    }
    return place;
  });
}

}  // namespace labyrinth::props
