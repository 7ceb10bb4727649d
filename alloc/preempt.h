// preempt_count layout and the context predicates (include/linux/preempt.h).
// Pure functions of the count, so they can be tested over random nestings.
#pragma once

#include <cstdint>

namespace labyrinth {

inline constexpr uint32_t PREEMPT_MASK = 0x000000ffu;
inline constexpr uint32_t SOFTIRQ_MASK = 0x0000ff00u;
inline constexpr uint32_t HARDIRQ_MASK = 0x000f0000u;
inline constexpr uint32_t NMI_MASK = 0x00f00000u;

inline constexpr uint32_t PREEMPT_OFFSET = 0x1u;
inline constexpr uint32_t SOFTIRQ_OFFSET = 0x100u;          // serving a softirq
inline constexpr uint32_t SOFTIRQ_DISABLE_OFFSET = 0x200u;  // local_bh_disable
inline constexpr uint32_t HARDIRQ_OFFSET = 0x10000u;
inline constexpr uint32_t NMI_OFFSET = 0x100000u;
inline constexpr uint32_t SOFTIRQ_LOCK_OFFSET = SOFTIRQ_DISABLE_OFFSET + PREEMPT_OFFSET;

constexpr uint32_t nmi_count(uint32_t count) { return count & NMI_MASK; }
constexpr uint32_t hardirq_count(uint32_t count) { return count & HARDIRQ_MASK; }
constexpr uint32_t softirq_count(uint32_t count) { return count & SOFTIRQ_MASK; }
constexpr uint32_t irq_count(uint32_t count) { return count & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK); }

constexpr bool in_nmi(uint32_t count) { return nmi_count(count) != 0; }
constexpr bool in_hardirq(uint32_t count) { return hardirq_count(count) != 0; }
constexpr bool in_softirq(uint32_t count) { return softirq_count(count) != 0; }
constexpr bool in_serving_softirq(uint32_t count) { return (softirq_count(count) & SOFTIRQ_OFFSET) != 0; }
constexpr bool in_interrupt(uint32_t count) { return irq_count(count) != 0; }
constexpr bool in_task(uint32_t count) {
  return (count & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)) == 0;
}
constexpr bool in_atomic(uint32_t count) { return count != 0; }

}  // namespace labyrinth
