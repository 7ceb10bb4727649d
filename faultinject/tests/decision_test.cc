// Names and renderings: fault sites, context filters, decision kinds, records.
#include <gtest/gtest.h>

#include <string>

#include "faultinject/decision.h"
#include "faultinject/fault_site.h"
#include "faultinject/injector.h"

namespace labyrinth::fi {
namespace {

TEST(fault_site, names_parse_back_to_the_same_site) {
  // Goal: every site's config name parses back to it. Method: loop the table.
  for (unsigned index = 0; index < fault_site_count; ++index) {
    const auto site = static_cast<fault_site>(index);
    const std::optional<fault_site> parsed = parse_fault_site(fault_site_name(site));
    ASSERT_TRUE(parsed.has_value()) << "expected '" << fault_site_name(site) << "' to parse";
    EXPECT_EQ(*parsed, site) << fault_site_name(site);
    EXPECT_GE(fault_site_outcomes(site), 1u);
    EXPECT_NE(std::string(fault_site_help(site)), "");
  }
  EXPECT_FALSE(parse_fault_site("page_alloc").has_value()) << "the enumerator is not a config name";
  EXPECT_FALSE(parse_fault_site("").has_value());
}

TEST(fault_site, table_matches_the_kernel_names) {
  // Goal: the names the vocabulary promises. Method: spot checks.
  EXPECT_STREQ(fault_site_name(fault_site::page_alloc), "fail_page_alloc");
  EXPECT_STREQ(fault_site_name(fault_site::interrupt), "irq");
  EXPECT_EQ(fault_site_outcomes(fault_site::reclaim), 2u);
  EXPECT_EQ(fault_site_count, 6u);
}

TEST(context_filter, names_parse_back) {
  // Goal: the four context filters round trip by name.
  for (const context_filter filter : {context_filter::kernel, context_filter::any,
                                      context_filter::task, context_filter::interrupt}) {
    EXPECT_EQ(parse_context_filter(context_filter_name(filter)), filter);
  }
  EXPECT_FALSE(parse_context_filter("irq").has_value());
}

TEST(decision, format_decision_reads_like_the_header_example) {
  // Goal: the one-line rendering. Method: the example record of decision.h.
  decision_record record;
  record.sequence = 12;
  record.request.kind = decision_kind::random;
  record.request.subject = static_cast<uint16_t>(fault_site::page_alloc);
  record.request.bound = 100;
  record.request.quiet = 99;
  record.request.context.op_index = 7;
  record.request.context.preempt_count = 0x10000;
  record.answer = 3;
  EXPECT_EQ(format_decision(record), "#12 op 7 cpu0 pc=0x10000 random fail_page_alloc bound=100 -> 3");
  EXPECT_EQ(format_request(record.request),
            "random fail_page_alloc bound=100 (op 7 cpu0 pc=0x10000)");
  EXPECT_EQ(format_trace({record, record}),
            "#12 op 7 cpu0 pc=0x10000 random fail_page_alloc bound=100 -> 3\n"
            "#12 op 7 cpu0 pc=0x10000 random fail_page_alloc bound=100 -> 3\n");
  record.request.subject = 999;
  EXPECT_EQ(format_decision(record), "#12 op 7 cpu0 pc=0x10000 random site#999 bound=100 -> 3");
}

TEST(decision, kind_names) {
  EXPECT_STREQ(decision_kind_name(decision_kind::random), "random");
  EXPECT_STREQ(decision_kind_name(decision_kind::outcome), "outcome");
  EXPECT_STREQ(decision_kind_name(decision_kind::interrupt), "interrupt");
  EXPECT_STREQ(decision_kind_name(decision_kind::schedule), "schedule");
}

TEST(decision, fault_event_format) {
  // Goal: an injected fault reads as one line. Method: a fail-nth event in hardirq.
  fault_event event;
  event.site = fault_site::reclaim;
  event.reason = fault_reason::fail_nth;
  event.call = 3;
  event.context.op_index = 9;
  event.context.cpu = 1;
  event.context.preempt_count = 0x10000;
  event.context.in_task = false;
  EXPECT_EQ(format_fault_event(event), "reclaim call 3 (fail-nth) op 9 cpu1 pc=0x10000 interrupt");
}

TEST(quiet_source, answers_quiet) {
  quiet_source source;
  decision_request request;
  request.bound = 100;
  request.quiet = 99;
  EXPECT_EQ(source.decide(request), 99u);
}

}  // namespace
}  // namespace labyrinth::fi
