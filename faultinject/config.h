// Configuration in the kernel's vocabulary, by API or by the environment:
//   LABYRINTH_FAULTS="fail_page_alloc:probability=10,interval=3,times=-1,min-order=0,ignore-gfp-wait=N;reclaim:fail-nth=2"
// Sites are separated by ';', a site's settings by ','.  Keys are the
// kernel's debugfs names (plus fail-nth from /proc/<pid>/fail-nth and two
// Labyrinth extensions); booleans read Y/N/1/0 as debugfs bools do.
// Every bad site, key, value, range, duplicate or syntax error is an error
// naming it; nothing is silently ignored.  Errors are returned, not thrown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "faultinject/fault_attr.h"
#include "faultinject/injector.h"

namespace labyrinth::fi {

inline constexpr const char* fault_config_env = "LABYRINTH_FAULTS";

// X(enumerator, key, where the kernel has it, fail_page_alloc only, help)
#define LABYRINTH_FAULT_KEYS(X)                                                                 \
  X(probability, "probability", "debugfs <site>/probability", false,                           \
    "percent of calls reaching the draw that fail, 0..100")                                    \
  X(interval, "interval", "debugfs <site>/interval", false,                                    \
    "only every interval-th call reaching this step may fail, >= 1")                           \
  X(times, "times", "debugfs <site>/times", false,                                             \
    "failures left, -1 = unlimited, -1..2147483647")                                           \
  X(space, "space", "debugfs <site>/space", false,                                             \
    "size budget: calls pass while space > size, consuming size, 0..2147483647")               \
  X(verbose, "verbose", "debugfs <site>/verbose", false,                                       \
    "0 = silent, 1 = FAULT_INJECTION message, 2 = message (no stack dump in the model)")       \
  X(task_filter, "task-filter", "debugfs <site>/task-filter", false,                           \
    "Y: only task context may fail (the model's task has make-it-fail set)")                   \
  X(fail_nth, "fail-nth", "/proc/<pid>/fail-nth (per task there)", false,                      \
    "the Nth eligible call of the site fails, bypassing the rest; 0 = off")                    \
  X(fail_nth_sticky, "fail-nth-sticky", "(none: Labyrinth)", false,                            \
    "Y: every eligible call after the Nth fails too (SQLite's persistent mode)")               \
  X(contexts, "contexts", "(none: Labyrinth)", false,                                          \
    "kernel (fail-nth counts task context only) | any | task | interrupt")                     \
  X(min_order, "min-order", "debugfs fail_page_alloc/min-order", true,                         \
    "allocations of a lower order never fail, 0..63")                                          \
  X(ignore_gfp_wait, "ignore-gfp-wait", "debugfs fail_page_alloc/ignore-gfp-wait", true,       \
    "Y: allocations that may direct-reclaim never fail")                                       \
  X(ignore_gfp_highmem, "ignore-gfp-highmem", "debugfs fail_page_alloc/ignore-gfp-highmem",    \
    true, "Y: __GFP_HIGHMEM allocations never fail")

enum class fault_key : uint8_t {
#define LABYRINTH_X(id, key, kernel, page_alloc_only, help) id,
  LABYRINTH_FAULT_KEYS(LABYRINTH_X)
#undef LABYRINTH_X
};

inline constexpr unsigned fault_key_count = 0
#define LABYRINTH_X(id, key, kernel, page_alloc_only, help) +1
    LABYRINTH_FAULT_KEYS(LABYRINTH_X)
#undef LABYRINTH_X
    ;

const char* fault_key_name(fault_key key);
const char* fault_key_kernel_name(fault_key key);
const char* fault_key_help(fault_key key);
bool fault_key_applies(fault_key key, fault_site site);
std::optional<fault_key> parse_fault_key(std::string_view name);
// The key's value in the vocabulary, e.g. "10", "-1", "Y", "kernel".
std::string fault_key_value(fault_key key, const fault_attr_config& attr);
// Sets the key from its text; returns empty, or what is wrong with the value
// (e.g. "out of range 0..100").
std::string set_fault_key(fault_key key, std::string_view value, fault_attr_config& attr);

struct fault_config_result {
  fault_config config;
  std::string error;  // empty when ok, else "LABYRINTH_FAULTS: ..."
  bool ok() const { return error.empty(); }
};

// Parses `text` over `base` (sites and keys not named keep base's values).
// An empty text is the base itself.
fault_config_result parse_fault_config(std::string_view text, const fault_config& base = {});
// The settings that differ from the defaults, in the same vocabulary, sites
// and keys in table order ("" for the defaults); parse_fault_config reads it
// back to the same config.  (Keys that apply only to fail_page_alloc are not
// printed for other sites, which ignore them.)
std::string format_fault_config(const fault_config& config);
// parse_fault_config($LABYRINTH_FAULTS); unset or empty means the defaults.
fault_config_result fault_config_from_env();

}  // namespace labyrinth::fi
