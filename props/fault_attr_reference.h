// A reference evaluator of the kernel's fault attributes, written from
// shared/reference/linux-mm.md section 8 (lib/fault-inject.c should_fail_ex,
// mm/fail_page_alloc.c) and the model's documented departures from it
// (faultinject/fault_attr.h, faultinject/injector.cc header): fail-nth per
// site, the `contexts` filter, fail-nth-sticky, one task whose make-it-fail is
// always set, no stack filters.  It takes its random draws from its own
// prng_source with the same seed as the injector's, so the two agree exactly
// only if they draw at the same moments with the same bounds.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "faultinject/injector.h"
#include "faultinject/prng_source.h"

namespace labyrinth::props {

struct reference_fault {
  fi::fault_site site = fi::fault_site::page_alloc;
  fi::fault_reason reason = fi::fault_reason::attributes;
  bool operator==(const reference_fault&) const = default;
};

class fault_attr_reference {
 public:
  fault_attr_reference(const fi::fault_config& config, uint64_t seed);

  // should_fail_alloc_page(): fail_page_alloc's filters, then should_fail_ex.
  bool should_fail_alloc_page(const fi::page_alloc_request& request, bool in_task);
  // should_fail_ex(attr, size) for any other site (messages allowed).
  bool should_fail(fi::fault_site site, uint64_t size, bool in_task);
  // Which failure outcome after a fault: a draw below the site's outcome count.
  unsigned failure_outcome(fi::fault_site site);
  // Interrupt arrival: 0 for none, else 1..deliverable.
  unsigned interrupt_at(unsigned deliverable, bool in_task);

  const std::vector<reference_fault>& faults() const { return faults_; }
  uint64_t draws() const { return draws_; }
  uint64_t messages() const { return messages_; }

 private:
  struct site_state {
    long times = 1;
    long space = 0;
    unsigned long count = 0;
    unsigned fail_nth = 0;
    bool fail_nth_fired = false;
  };
  bool should_fail_ex(fi::fault_site site, uint64_t size, bool in_task, bool nowarn);
  bool fail(fi::fault_site site, fi::fault_reason reason, bool nowarn);
  uint32_t draw(uint32_t bound);

  fi::fault_config config_;
  fi::prng_source random_;
  std::array<site_state, fi::fault_site_count> states_{};
  std::vector<reference_fault> faults_;
  uint64_t draws_ = 0;
  uint64_t messages_ = 0;
};

}  // namespace labyrinth::props
