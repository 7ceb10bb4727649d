// spinlock_t and the lock flavours (include/linux/spinlock.h).  The acquire
// and release operations live on the world (world.h), because they change the
// current CPU's preempt_count and irq flag and feed lockdep.
#pragma once

#include <cstdint>

#include "alloc/lockless.h"

namespace labyrinth {

// Lock classes are small integers registered with the world's lockdep.
using lock_class_id = uint16_t;
inline constexpr lock_class_id no_lock_class = 0xffff;

// The owner is the lock word: in free-running mode (world_config::free_running)
// an acquire is a compare-and-swap of -1 to the CPU (acquire order) and a
// release stores -1 (release order), so the lock really excludes; in the
// single-threaded modes they are plain relaxed stores, as cheap as before.
struct spinlock_t {
  lock_class_id lock_class = no_lock_class;
  lockless<int16_t> owner_cpu = -1;  // -1 = unlocked
  uint16_t instance = 0;             // e.g. zone or CPU number, for messages
};

// How a held lock was taken; release must use the matching flavour.
enum class lock_flavour : uint8_t { plain, irq, irqsave, bh, trylock };
const char* lock_flavour_name(lock_flavour flavour);

// The irq flags word saved by local_irq_save / spin_lock_irqsave.
using irq_flags_t = unsigned long;

}  // namespace labyrinth
