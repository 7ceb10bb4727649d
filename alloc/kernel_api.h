// The kernel-facing API as free functions on the current world, so that
// kernel-style client code reads like the kernel's:
//
//   labyrinth::current_world_scope scope(w);
//   struct page* p = alloc_pages(GFP_KERNEL, 0);
//   spin_lock_irqsave(&lock, flags); ... __free_pages(p, 0);
//
// The current world is set per run by current_world_scope and cleared after,
// so nothing carries over between runs.
#pragma once

#include "alloc/preempt.h"
#include "alloc/world.h"

namespace labyrinth {

world& current_world();

class current_world_scope {
 public:
  explicit current_world_scope(world& w);
  ~current_world_scope();
  current_world_scope(const current_world_scope&) = delete;
  current_world_scope& operator=(const current_world_scope&) = delete;

 private:
  world* previous_;
};

namespace kernel {

inline page* alloc_pages(gfp_t gfp, unsigned order) { return current_world().alloc_pages(gfp, order); }
inline page* alloc_page(gfp_t gfp) { return current_world().alloc_pages(gfp, 0); }
inline void __free_pages(page* p, unsigned order) { current_world().__free_pages(p, order); }
inline void __free_page(page* p) { current_world().__free_pages(p, 0); }
inline void get_page(page* p) { current_world().get_page(p); }
inline void put_page(page* p) { current_world().put_page(p); }
inline void spin_lock(spinlock_t* lock) { current_world().spin_lock(*lock); }
inline void spin_unlock(spinlock_t* lock) { current_world().spin_unlock(*lock); }
inline void spin_lock_irq(spinlock_t* lock) { current_world().spin_lock_irq(*lock); }
inline void spin_unlock_irq(spinlock_t* lock) { current_world().spin_unlock_irq(*lock); }
inline void spin_lock_bh(spinlock_t* lock) { current_world().spin_lock_bh(*lock); }
inline void spin_unlock_bh(spinlock_t* lock) { current_world().spin_unlock_bh(*lock); }
inline bool spin_trylock(spinlock_t* lock) { return current_world().spin_trylock(*lock); }
#define spin_lock_irqsave(lock, flags) ((flags) = ::labyrinth::current_world().spin_lock_irqsave(*(lock)))
#define spin_unlock_irqrestore(lock, flags) (::labyrinth::current_world().spin_unlock_irqrestore(*(lock), (flags)))
#define local_irq_save(flags) ((flags) = ::labyrinth::current_world().local_irq_save())
#define local_irq_restore(flags) (::labyrinth::current_world().local_irq_restore(flags))
inline void local_irq_disable() { current_world().local_irq_disable(); }
inline void local_irq_enable() { current_world().local_irq_enable(); }
inline void local_bh_disable() { current_world().local_bh_disable(); }
inline void local_bh_enable() { current_world().local_bh_enable(); }
inline void preempt_disable() { current_world().preempt_disable(); }
inline void preempt_enable() { current_world().preempt_enable(); }
inline void rcu_read_lock() { current_world().rcu_read_lock(); }
inline void rcu_read_unlock() { current_world().rcu_read_unlock(); }
inline unsigned memalloc_noio_save() { return current_world().memalloc_noio_save(); }
inline void memalloc_noio_restore(unsigned flags) { current_world().memalloc_noio_restore(flags); }
inline unsigned memalloc_nofs_save() { return current_world().memalloc_nofs_save(); }
inline void memalloc_nofs_restore(unsigned flags) { current_world().memalloc_nofs_restore(flags); }
#define might_sleep() (::labyrinth::current_world().might_sleep(__FILE__, __LINE__))
inline bool in_task() { return labyrinth::in_task(current_world().preempt_count()); }
inline bool in_interrupt() { return labyrinth::in_interrupt(current_world().preempt_count()); }
inline bool in_atomic() { return labyrinth::in_atomic(current_world().preempt_count()); }
inline bool irqs_disabled() { return current_world().irqs_disabled(); }

}  // namespace kernel
}  // namespace labyrinth
