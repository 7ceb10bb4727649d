// LABYRINTH_PROP: a rapidcheck property registered as a GoogleTest test (as
// RC_GTEST_PROP does), with its own default budget.
//
// rapidcheck reads RC_PARAMS from the environment (seed, max_success,
// max_size, reproduce, noshrink, ...).  A property's max_success and max_size
// default to the budget given here, so the default `ctest -L props` run stays
// fast; RC_PARAMS naming max_success or max_size overrides every property's
// budget (the deep scheduled run: RC_PARAMS="max_success=10000").  The test id
// rapidcheck uses for reproduce= is "<suite>/<name>", as with RC_GTEST_PROP.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <iostream>
#include <sstream>
#include <string>

namespace labyrinth::props {

// rapidcheck's configured test parameters, with max_success and max_size
// replaced by the given defaults unless RC_PARAMS names them.
rc::detail::TestParams property_params(int default_max_success, int default_max_size);

// Runs `testable` as the current GoogleTest test; a failure prints
// rapidcheck's counterexample and its RC_PARAMS="reproduce=..." line.
template <typename Testable>
void check_property(Testable&& testable, int default_max_success, int default_max_size) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata,
                                                property_params(default_max_success, default_max_size));
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
