// A decision source following an explicit plan: "the 3rd random draw of
// fail_page_alloc answers 0", "the 1st interrupt decision answers 2".  Every
// unplanned question gets its quiet answer, so a plan names only the events
// it wants.  Planned entries that were never asked, and planned answers out
// of their question's bound, are reported rather than ignored.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "faultinject/decision.h"
#include "faultinject/fault_site.h"

namespace labyrinth::fi {

struct plan_entry {
  decision_kind kind = decision_kind::random;
  fault_site site = fault_site::page_alloc;
  uint64_t nth = 1;  // 1-based occurrence of the (kind, site) question
  uint32_t answer = 0;
};

class plan_source final : public decision_source {
 public:
  explicit plan_source(std::vector<plan_entry> entries);

  uint32_t decide(const decision_request& request) override;
  const char* name() const override { return "plan"; }

  // Entries whose question was never asked, e.g. "random fail_page_alloc #3 -> 0".
  std::vector<std::string> unused_entries() const;
  // Planned answers that did not fit their question's bound (the quiet answer was given).
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  using question_key = std::tuple<decision_kind, uint16_t, uint64_t>;

  std::vector<plan_entry> entries_;
  std::map<question_key, size_t> entry_by_question_;  // -> index into entries_
  std::vector<bool> used_;
  std::map<std::pair<decision_kind, uint16_t>, uint64_t> occurrences_;
  std::vector<std::string> problems_;
};

}  // namespace labyrinth::fi
