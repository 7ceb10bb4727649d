// The named fault sites.  One X-macro gives the enum, the names used in
// LABYRINTH_FAULTS, the kernel's debugfs name it mirrors, and help text.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace labyrinth::fi {

// X(enumerator, config name, kernel analogue, number of failure outcomes, help)
#define LABYRINTH_FAULT_SITES(X)                                                         \
  X(page_alloc, "fail_page_alloc", "fail_page_alloc (should_fail_alloc_page)", 1,        \
    "page allocation entry: __alloc_pages returns NULL")                                 \
  X(reclaim, "reclaim", "(none: try_to_free_pages progress)", 2,                         \
    "direct reclaim progress: outcome 0 = none, 1 = partial (half the target)")          \
  X(kswapd, "kswapd", "(none: balance_pgdat progress)", 2,                               \
    "kswapd progress: outcome 0 = none, 1 = partial")                                    \
  X(pcp_refill, "pcp_refill", "(none: rmqueue_bulk)", 1,                                 \
    "per-CPU list bulk refill stops half-way, as if the buddy lists ran dry")                       \
  X(oom, "oom", "(none: out_of_memory)", 1, "the OOM step frees nothing (no victim)")    \
  X(interrupt, "irq", "(none: interrupt arrival)", 1,                                    \
    "an interrupt arrives at an interrupt point (which one: decided next)")

enum class fault_site : uint16_t {
#define LABYRINTH_X(id, name, kernel, outcomes, help) id,
  LABYRINTH_FAULT_SITES(LABYRINTH_X)
#undef LABYRINTH_X
};

inline constexpr unsigned fault_site_count = 0
#define LABYRINTH_X(id, name, kernel, outcomes, help) +1
    LABYRINTH_FAULT_SITES(LABYRINTH_X)
#undef LABYRINTH_X
    ;

const char* fault_site_name(fault_site site);
const char* fault_site_kernel_name(fault_site site);
const char* fault_site_help(fault_site site);
unsigned fault_site_outcomes(fault_site site);
std::optional<fault_site> parse_fault_site(std::string_view name);

// Which contexts a site is evaluated in (an extension over the kernel).
//   kernel    : as the kernel: every context, except that fail-nth counts only
//               calls in task context (it is per-task in the kernel)
//   any       : every context, fail-nth counting every call
//   task      : task context only (interrupt-context calls always pass)
//   interrupt : interrupt context only (task-context calls always pass)
enum class context_filter : uint8_t { kernel, any, task, interrupt };

const char* context_filter_name(context_filter filter);
std::optional<context_filter> parse_context_filter(std::string_view name);

}  // namespace labyrinth::fi
