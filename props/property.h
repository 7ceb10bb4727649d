// LABYRINTH_PROP: a rapidcheck property registered as a GoogleTest test (as
// RC_GTEST_PROP does), with its own default budget.
//
// rapidcheck reads RC_PARAMS from the environment (seed, max_success,
// max_size, reproduce, noshrink, ...).  A property's max_success and max_size
// default to the budget given here, so the default `ctest -L props` run stays
// fast; RC_PARAMS naming max_success or max_size overrides every property's
// budget (the deep scheduled run: RC_PARAMS="max_success=10000").  Without a
// seed in RC_PARAMS the seed is props_default_seed, not a random one, so a run
// without RC_PARAMS is deterministic; the gate passes a seed derived from the
// commit.  The test id rapidcheck uses for reproduce= is "<suite>/<name>", as
// with RC_GTEST_PROP.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <iostream>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace labyrinth::props {

inline constexpr uint64_t props_default_seed = 1;

// rapidcheck's configured test parameters, with seed, max_success and
// max_size replaced by the defaults unless RC_PARAMS names them.
rc::detail::TestParams property_params(int default_max_success, int default_max_size);
// Whether RC_PARAMS (space-separated key=value pairs) sets `key`.
bool rc_params_names(std::string_view key);

// Runs `testable` as the current GoogleTest test; a failure prints
// rapidcheck's counterexample and its RC_PARAMS="reproduce=..." line.
template <typename Testable>
void check_property(Testable&& testable, int default_max_success, int default_max_size) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  const rc::detail::TestParams params = property_params(default_max_success, default_max_size);
  if (!rc_params_names("seed"))
    std::cout << "[ props    ] seed " << params.seed << " (the default: RC_PARAMS names no seed; the random seed "
              << "rapidcheck printed is not used)" << std::endl;
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) {
    if (!result.template get<rc::detail::SuccessResult>().distribution.empty()) {
      rc::detail::printResultMessage(result, std::cout);
      std::cout << std::endl;
    }
    return;
  }
  std::ostringstream message;
  rc::detail::printResultMessage(result, message);
  FAIL() << message.str() << std::endl;
}

// A uniform integer in [min, max).  rapidcheck's gen::inRange scales its
// range with the test case's size (early cases see only the low end); fixed
// at the nominal size, every value is reachable in every case.
template <typename T>
rc::Gen<T> uniform_in(T min, T max) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(min, max));
}

}  // namespace labyrinth::props

#define LABYRINTH_PROP(Suite, Name, MaxSuccess, MaxSize, ArgList)                             \
  void labyrinth_prop_##Suite##_##Name ArgList;                                               \
  TEST(Suite, Name) {                                                                         \
    ::labyrinth::props::check_property(&labyrinth_prop_##Suite##_##Name, MaxSuccess, MaxSize); \
  }                                                                                           \
  void labyrinth_prop_##Suite##_##Name ArgList
