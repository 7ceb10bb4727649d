#include "alloc/report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace labyrinth {
namespace {

struct kind_info {
  const char* name;
  const char* title;
  int severity;
};

constexpr kind_info kinds[] = {
#define LABYRINTH_X(kind, title, fatal) {#kind, title, fatal},
    LABYRINTH_REPORT_KINDS(LABYRINTH_X)
#undef LABYRINTH_X
};

}  // namespace

const char* report_kind_name(report_kind kind) { return kinds[static_cast<unsigned>(kind)].name; }
const char* report_kind_title(report_kind kind) { return kinds[static_cast<unsigned>(kind)].title; }
bool report_kind_fatal(report_kind kind) { return kinds[static_cast<unsigned>(kind)].severity != report_continues; }
bool report_kind_verdict(report_kind kind) { return kinds[static_cast<unsigned>(kind)].severity == report_verdict; }

void report_sink::deliver(report r) {
  reports_.push_back(std::move(r));
  if (!report_kind_verdict(reports_.back().kind)) ++bugs_;
  if (mode_ != sink_mode::abort || report_kind_verdict(reports_.back().kind)) return;
  // The caller's on_abort prints the whole reproduction, which opens with the
  // reports; without one, or when it could not, the report is printed here.
  if (!on_abort || !on_abort()) std::fprintf(stderr, "%s\n", reports_.back().text().c_str());
  std::fflush(stderr);
  std::abort();
}

size_t report_sink::count(report_kind kind) const {
  return static_cast<size_t>(std::count_if(reports_.begin(), reports_.end(),
                                           [kind](const report& r) { return r.kind == kind; }));
}

}  // namespace labyrinth
