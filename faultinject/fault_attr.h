// The kernel's fault attributes (lib/fault-inject.c, struct fault_attr) and
// fail_page_alloc's filters, with the kernel's defaults and evaluation order.
#pragma once

#include <cstdint>
#include <string>

#include "faultinject/fault_site.h"

namespace labyrinth::fi {

// Settings: what a user configures (LABYRINTH_FAULTS, or by API).
struct fault_attr_config {
  // struct fault_attr
  unsigned long probability = 0;  // percent; 100 = always
  unsigned long interval = 1;
  long times = 1;                 // -1 = unlimited
  long space = 0;
  unsigned long verbose = 2;
  bool task_filter = false;
  // fail-nth (/proc/<pid>/fail-nth): the Nth eligible call fails; 0 = off.
  // Bypasses probability, task-filter, times, space, interval.
  unsigned fail_nth = 0;
  // Labyrinth extension for sweeps: once fail-nth fired, every later eligible
  // call of the site fails too (SQLite's "persistent" anomaly mode).
  bool fail_nth_sticky = false;
  // Labyrinth extension: which contexts the site fires in.
  context_filter contexts = context_filter::kernel;
  // fail_page_alloc's filters (ignored by other sites)
  unsigned min_order = 1;
  bool ignore_gfp_wait = true;
  bool ignore_gfp_highmem = true;

  bool operator==(const fault_attr_config&) const = default;
};

// Mutable per-run state of one attribute (the counters the kernel keeps in
// struct fault_attr plus the task's fail_nth).
struct fault_attr_state {
  long times = 1;
  long space = 0;
  unsigned long count = 0;       // interval counter
  unsigned fail_nth = 0;         // remaining; 0 = disarmed
  bool fail_nth_fired = false;   // the Nth call was reached (read back as 0 by the kernel)
  // statistics
  uint64_t calls = 0;            // calls that reached should_fail_ex and passed the context filter
  uint64_t eligible_calls = 0;   // calls past the context filter that fail-nth counts
                                 // (task context only under contexts=kernel)
  uint64_t failures = 0;
};

// Builds the run's initial state from the settings (times, space, fail-nth).
fault_attr_state initial_fault_attr_state(const fault_attr_config& config);

}  // namespace labyrinth::fi
