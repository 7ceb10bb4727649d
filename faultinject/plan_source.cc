#include "faultinject/plan_source.h"

namespace labyrinth::fi {
namespace {

std::string format_entry(const plan_entry& entry) {
  return std::string(decision_kind_name(entry.kind)) + " " + fault_site_name(entry.site) + " #" +
         std::to_string(entry.nth) + " -> " + std::to_string(entry.answer);
}

}  // namespace

plan_source::plan_source(std::vector<plan_entry> entries)
    : entries_(std::move(entries)), used_(entries_.size(), false) {
  for (size_t index = 0; index < entries_.size(); ++index) {
    const plan_entry& entry = entries_[index];
    const question_key key{entry.kind, static_cast<uint16_t>(entry.site), entry.nth};
    const auto [where, inserted] = entry_by_question_.emplace(key, index);
    if (!inserted) {
      problems_.push_back("plan entry '" + format_entry(entry) + "' repeats the question of '" +
                          format_entry(entries_[where->second]) + "' (the first one is used)");
    }
  }
}

uint32_t plan_source::decide(const decision_request& request) {
  const uint64_t nth = ++occurrences_[{request.kind, request.subject}];
  const auto where = entry_by_question_.find({request.kind, request.subject, nth});
  if (where == entry_by_question_.end()) return request.quiet;
  used_[where->second] = true;
  const plan_entry& entry = entries_[where->second];
  if (entry.answer < request.bound) return entry.answer;
  problems_.push_back("plan entry '" + format_entry(entry) + "' is out of bound for " +
                      format_request(request) + " (answered quiet " +
                      std::to_string(request.quiet) + ")");
  return request.quiet;
}

std::vector<std::string> plan_source::unused_entries() const {
  std::vector<std::string> unused;
  for (size_t index = 0; index < entries_.size(); ++index) {
    if (!used_[index]) unused.push_back(format_entry(entries_[index]));
  }
  return unused;
}

}  // namespace labyrinth::fi
