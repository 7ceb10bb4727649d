// The report sink in abort mode (fuzzing): the first bug report is printed
// exactly once and the process aborts, so libFuzzer keeps the input; a
// workload verdict is kept without aborting.  Death tests read stderr.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "alloc/report.h"

namespace labyrinth {
namespace {

report make_report(report_kind kind, const std::string& title) {
  report r;
  r.kind = kind;
  r.title = title;
  r.details = "details line";
  return r;
}

TEST(report_sink_abort, prints_the_report_once_then_aborts) {
  // Goal: without an on_abort hook the sink prints title and details itself,
  // once.  Method: deliver a bug report; the death regex requires exactly one
  // title line (a second occurrence would match the negative part).
  auto deliver = [] {
    report_sink sink(sink_mode::abort);
    sink.deliver(make_report(report_kind::double_free, "BUG: double free of page pfn:00042"));
  };
  EXPECT_DEATH(deliver(), "^BUG: double free of page pfn:00042\ndetails line\n$");
}

TEST(report_sink_abort, on_abort_hook_prints_instead_of_the_sink) {
  // Goal: with an on_abort hook (the fuzz runtime's reproduction printer,
  // which opens with the reports) the sink does not print the report a second
  // time.  Method: the hook prints a marker; stderr must be the marker alone.
  auto deliver = [] {
    report_sink sink(sink_mode::abort);
    sink.on_abort = [] {
      std::fputs("HOOK\n", stderr);
      return true;
    };
    sink.deliver(make_report(report_kind::leak, "BUG: leak of 1 page"));
  };
  EXPECT_DEATH(deliver(), "^HOOK\n$");
}

TEST(report_sink_abort, a_hook_that_could_not_print_leaves_it_to_the_sink) {
  // Goal: a hook that returns false (the fuzz runtime when its recording
  // re-run did not reproduce) has the sink print the report after the hook's
  // own lines.  Method: the hook prints a marker and returns false.
  auto deliver = [] {
    report_sink sink(sink_mode::abort);
    sink.on_abort = [] {
      std::fputs("HOOK\n", stderr);
      return false;
    };
    sink.deliver(make_report(report_kind::leak, "BUG: leak of 1 page"));
  };
  EXPECT_DEATH(deliver(), "^HOOK\nBUG: leak of 1 page\ndetails line\n$");
}

TEST(report_sink_abort, verdict_is_kept_without_aborting) {
  // Goal: a workload verdict (livelock) is not a bug: abort mode keeps it and
  // returns.  Method: deliver one; the sink holds it and bug_count() is 0.
  report_sink sink(sink_mode::abort);
  sink.deliver(make_report(report_kind::livelock, "INFO: allocation livelock"));
  ASSERT_EQ(sink.reports().size(), 1u) << "expected the verdict kept";
  EXPECT_EQ(sink.bug_count(), 0u) << "expected a verdict not to count as a bug";
}

}  // namespace
}  // namespace labyrinth
