// LABYRINTH_FAULTS: the vocabulary parses to the right fields, every kind of
// bad input is an error naming it, and format_fault_config round-trips.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "faultinject/config.h"

namespace labyrinth::fi {
namespace {

TEST(config, the_issue_example_parses) {
  // Goal: the documented example sets exactly the named fields.
  const fault_config_result result = parse_fault_config(
      "fail_page_alloc:probability=10,interval=3,times=-1,min-order=0,ignore-gfp-wait=N;"
      "reclaim:fail-nth=2");
  ASSERT_TRUE(result.ok()) << result.error;
  fault_config expected;
  expected[fault_site::page_alloc].probability = 10;
  expected[fault_site::page_alloc].interval = 3;
  expected[fault_site::page_alloc].times = -1;
  expected[fault_site::page_alloc].min_order = 0;
  expected[fault_site::page_alloc].ignore_gfp_wait = false;
  expected[fault_site::reclaim].fail_nth = 2;
  EXPECT_TRUE(result.config == expected) << "seen: " << format_fault_config(result.config);
}

TEST(config, every_key_parses) {
  // Goal: each key reaches its field, booleans read Y/N/1/0 (and y/n).
  const fault_config_result result = parse_fault_config(
      "fail_page_alloc:probability=100,interval=7,times=5,space=4096,verbose=0,task-filter=Y,"
      "fail-nth=9,fail-nth-sticky=1,contexts=any,min-order=3,ignore-gfp-wait=0,"
      "ignore-gfp-highmem=n;irq:contexts=task,task-filter=y");
  ASSERT_TRUE(result.ok()) << result.error;
  const fault_attr_config& attr = result.config[fault_site::page_alloc];
  EXPECT_EQ(attr.probability, 100u);
  EXPECT_EQ(attr.interval, 7u);
  EXPECT_EQ(attr.times, 5);
  EXPECT_EQ(attr.space, 4096);
  EXPECT_EQ(attr.verbose, 0u);
  EXPECT_TRUE(attr.task_filter);
  EXPECT_EQ(attr.fail_nth, 9u);
  EXPECT_TRUE(attr.fail_nth_sticky);
  EXPECT_EQ(attr.contexts, context_filter::any);
  EXPECT_EQ(attr.min_order, 3u);
  EXPECT_FALSE(attr.ignore_gfp_wait);
  EXPECT_FALSE(attr.ignore_gfp_highmem);
  EXPECT_EQ(result.config[fault_site::interrupt].contexts, context_filter::task);
  EXPECT_TRUE(result.config[fault_site::interrupt].task_filter);
}

TEST(config, empty_and_whitespace_are_the_base) {
  fault_config base;
  base[fault_site::oom].probability = 3;
  for (const char* text : {"", "  ", "\t\n"}) {
    const fault_config_result result = parse_fault_config(text, base);
    EXPECT_TRUE(result.ok()) << "'" << text << "': " << result.error;
    EXPECT_TRUE(result.config == base);
  }
}

TEST(config, spaces_around_tokens_are_allowed) {
  const fault_config_result result = parse_fault_config(" reclaim : times = -1 , probability = 5 ; oom:fail-nth=1 ");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.config[fault_site::reclaim].times, -1);
  EXPECT_EQ(result.config[fault_site::reclaim].probability, 5u);
  EXPECT_EQ(result.config[fault_site::oom].fail_nth, 1u);
}

TEST(config, settings_apply_over_the_base) {
  fault_config base;
  base[fault_site::reclaim].probability = 50;
  const fault_config_result result = parse_fault_config("reclaim:times=3", base);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.config[fault_site::reclaim].probability, 50u);
  EXPECT_EQ(result.config[fault_site::reclaim].times, 3);
}

struct bad_input {
  const char* text;
  const char* error;
};

TEST(config, every_bad_input_is_an_error_naming_it) {
  // Goal: nothing is silently ignored; each error names what is wrong.
  // Method: a table of bad strings and their exact messages.
  const std::vector<bad_input> cases = {
      {"fail_page_alloc:probabilty=10",
       "LABYRINTH_FAULTS: unknown key 'probabilty' for site 'fail_page_alloc' (known: probability, "
       "interval, times, space, verbose, task-filter, fail-nth, fail-nth-sticky, contexts, "
       "min-order, ignore-gfp-wait, ignore-gfp-highmem)"},
      {"reclaim:bogus=1",
       "LABYRINTH_FAULTS: unknown key 'bogus' for site 'reclaim' (known: probability, interval, "
       "times, space, verbose, task-filter, fail-nth, fail-nth-sticky, contexts)"},
      {"fail_pag:probability=1",
       "LABYRINTH_FAULTS: unknown fault site 'fail_pag' (known: fail_page_alloc, reclaim, kswapd, "
       "pcp_refill, oom, irq)"},
      {"reclaim:min-order=0",
       "LABYRINTH_FAULTS: key 'min-order' applies only to site 'fail_page_alloc', not to 'reclaim'"},
      {"fail_page_alloc:probability=101",
       "LABYRINTH_FAULTS: bad value '101' for key 'probability' of site 'fail_page_alloc': out of "
       "range 0..100"},
      {"fail_page_alloc:probability=-1",
       "LABYRINTH_FAULTS: bad value '-1' for key 'probability' of site 'fail_page_alloc': out of "
       "range 0..100"},
      {"fail_page_alloc:probability=ten",
       "LABYRINTH_FAULTS: bad value 'ten' for key 'probability' of site 'fail_page_alloc': "
       "expected an integer in 0..100"},
      {"fail_page_alloc:probability=10%",
       "LABYRINTH_FAULTS: bad value '10%' for key 'probability' of site 'fail_page_alloc': "
       "expected an integer in 0..100"},
      {"fail_page_alloc:probability=",
       "LABYRINTH_FAULTS: bad value '' for key 'probability' of site 'fail_page_alloc': expected "
       "an integer in 0..100"},
      {"oom:interval=0",
       "LABYRINTH_FAULTS: bad value '0' for key 'interval' of site 'oom': out of range 1..4294967295"},
      {"oom:times=-2",
       "LABYRINTH_FAULTS: bad value '-2' for key 'times' of site 'oom': out of range -1..2147483647"},
      {"oom:times=99999999999999999999999",
       "LABYRINTH_FAULTS: bad value '99999999999999999999999' for key 'times' of site 'oom': out "
       "of range -1..2147483647"},
      {"oom:space=-5",
       "LABYRINTH_FAULTS: bad value '-5' for key 'space' of site 'oom': out of range 0..2147483647"},
      {"oom:verbose=3",
       "LABYRINTH_FAULTS: bad value '3' for key 'verbose' of site 'oom': out of range 0..2"},
      {"oom:task-filter=yes",
       "LABYRINTH_FAULTS: bad value 'yes' for key 'task-filter' of site 'oom': expected Y, N, 1 or 0"},
      {"oom:fail-nth=+3",
       "LABYRINTH_FAULTS: bad value '+3' for key 'fail-nth' of site 'oom': expected an integer in "
       "0..2147483647"},
      {"oom:contexts=irq",
       "LABYRINTH_FAULTS: bad value 'irq' for key 'contexts' of site 'oom': expected kernel, any, "
       "task or interrupt"},
      {"fail_page_alloc:min-order=64",
       "LABYRINTH_FAULTS: bad value '64' for key 'min-order' of site 'fail_page_alloc': out of "
       "range 0..63"},
      {"oom:times=1,times=2", "LABYRINTH_FAULTS: duplicate key 'times' for site 'oom'"},
      {"oom:times=1;oom:probability=2",
       "LABYRINTH_FAULTS: duplicate site 'oom' (name each site once)"},
      {"oom", "LABYRINTH_FAULTS: expected 'site:key=value,...' but got 'oom'"},
      {"oom:", "LABYRINTH_FAULTS: site 'oom' has no settings (expected 'oom:key=value,...')"},
      {"oom:times", "LABYRINTH_FAULTS: setting 'times' for site 'oom' has no value (expected key=value)"},
      {"oom:=3", "LABYRINTH_FAULTS: setting '=3' for site 'oom' has no key"},
      {"oom:times=1,", "LABYRINTH_FAULTS: empty setting for site 'oom' (stray ',')"},
      {"oom:times=1,,probability=1", "LABYRINTH_FAULTS: empty setting for site 'oom' (stray ',')"},
      {"oom:times=1;", "LABYRINTH_FAULTS: empty site entry #2 (stray ';')"},
      {";oom:times=1", "LABYRINTH_FAULTS: empty site entry #1 (stray ';')"},
      {"oom:times=1=2",
       "LABYRINTH_FAULTS: bad value '1=2' for key 'times' of site 'oom': expected an integer in "
       "-1..2147483647"},
  };
  fault_config base;
  base[fault_site::kswapd].probability = 7;
  for (const bad_input& input : cases) {
    const fault_config_result result = parse_fault_config(input.text, base);
    EXPECT_FALSE(result.ok()) << "expected '" << input.text << "' to be rejected";
    EXPECT_EQ(result.error, input.error) << "input '" << input.text << "'";
    EXPECT_TRUE(result.config == base) << "a rejected string leaves the base: " << input.text;
  }
}

TEST(config, format_prints_only_what_differs) {
  EXPECT_EQ(format_fault_config(fault_config{}), "");
  fault_config config;
  config[fault_site::page_alloc].ignore_gfp_wait = false;
  config[fault_site::page_alloc].min_order = 0;
  config[fault_site::interrupt].probability = 5;
  EXPECT_EQ(format_fault_config(config),
            "fail_page_alloc:min-order=0,ignore-gfp-wait=N;irq:probability=5");
}

TEST(config, round_trip) {
  // Goal: format then parse gives the same config. Method: the example, a
  // config with every key changed on every site it applies to, and the defaults.
  std::vector<fault_config> configs(3);
  configs[0] = parse_fault_config("fail_page_alloc:probability=10,interval=3,times=-1,"
                                  "min-order=0,ignore-gfp-wait=N;reclaim:fail-nth=2")
                   .config;
  for (unsigned index = 0; index < fault_site_count; ++index) {
    fault_attr_config& attr = configs[1].sites[index];
    attr = {100, 4, -1, 77, 1, true, 12, true, context_filter::interrupt, 1, true, true};
    if (static_cast<fault_site>(index) == fault_site::page_alloc) {
      attr.min_order = 5;
      attr.ignore_gfp_wait = false;
      attr.ignore_gfp_highmem = false;
    }
  }
  for (const fault_config& config : configs) {
    const std::string text = format_fault_config(config);
    const fault_config_result parsed = parse_fault_config(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error;
    EXPECT_TRUE(parsed.config == config) << "printed '" << text << "', read back '"
                                         << format_fault_config(parsed.config) << "'";
  }
}

TEST(config, from_environment) {
  // Goal: LABYRINTH_FAULTS is read; unset means the defaults; errors carry through.
  ASSERT_EQ(setenv("LABYRINTH_FAULTS", "oom:probability=4", 1), 0);
  fault_config_result result = fault_config_from_env();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.config[fault_site::oom].probability, 4u);
  ASSERT_EQ(setenv("LABYRINTH_FAULTS", "oom:probability=400", 1), 0);
  EXPECT_FALSE(fault_config_from_env().ok());
  ASSERT_EQ(unsetenv("LABYRINTH_FAULTS"), 0);
  result = fault_config_from_env();
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(result.config == fault_config{});
}

TEST(config, key_table) {
  // Goal: every key parses back by name and prints its default.
  const fault_attr_config defaults;
  for (unsigned index = 0; index < fault_key_count; ++index) {
    const auto key = static_cast<fault_key>(index);
    EXPECT_EQ(parse_fault_key(fault_key_name(key)), key);
    fault_attr_config attr;
    EXPECT_EQ(set_fault_key(key, fault_key_value(key, defaults), attr), "") << fault_key_name(key);
    EXPECT_TRUE(attr == defaults) << fault_key_name(key);
  }
  EXPECT_EQ(fault_key_value(fault_key::min_order, defaults), "1");
  EXPECT_EQ(fault_key_value(fault_key::ignore_gfp_wait, defaults), "Y");
  EXPECT_EQ(fault_key_value(fault_key::contexts, defaults), "kernel");
}

}  // namespace
}  // namespace labyrinth::fi
