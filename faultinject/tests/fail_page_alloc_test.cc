// should_fail_alloc_page(): fail_page_alloc's filters (min-order, NOFAIL,
// ignore-gfp-highmem, ignore-gfp-wait) run before should_fail_ex, so a
// filtered call consumes nothing, not even fail-nth; size is 1 << order.
#include <gtest/gtest.h>

#include "faultinject/injector.h"
#include "faultinject/tests/test_support.h"

namespace labyrinth::fi {
namespace {

using testing::always_fail;
using testing::counting_source;
using testing::task_context;

page_alloc_request request_of_order(unsigned order) {
  page_alloc_request request;
  request.order = order;
  return request;
}

struct page_alloc_fixture {
  explicit page_alloc_fixture(const fault_attr_config& attr) : source(0), faults(config(attr), source) {}
  static fault_config config(const fault_attr_config& attr) {
    fault_config config;
    config[fault_site::page_alloc] = attr;
    return config;
  }
  bool fails(const page_alloc_request& request) {
    return faults.should_fail_alloc_page(request, task_context());
  }
  const fault_attr_state& state() const { return faults.state(fault_site::page_alloc); }
  counting_source source;
  injector faults;
};

TEST(fail_page_alloc, min_order_default_1_exempts_order_0) {
  // Goal: the kernel default min-order=1 never fails order-0 pages.
  // Method: probability 100: order 0 passes without reaching should_fail_ex, order 1 fails.
  page_alloc_fixture fixture(always_fail());
  EXPECT_FALSE(fixture.fails(request_of_order(0)));
  EXPECT_EQ(fixture.state().calls, 0u) << "filtered before should_fail_ex";
  EXPECT_TRUE(fixture.fails(request_of_order(1)));
}

TEST(fail_page_alloc, min_order_0_fails_order_0) {
  // Goal: min-order=0 (syzkaller's setting) lets order 0 fail. Method: one call.
  fault_attr_config attr = always_fail();
  attr.min_order = 0;
  page_alloc_fixture fixture(attr);
  EXPECT_TRUE(fixture.fails(request_of_order(0)));
}

TEST(fail_page_alloc, min_order_filtered_calls_do_not_count_for_fail_nth) {
  // Goal: fail-nth counts only calls past the filters. Method: fail-nth=2 with
  // order-0 calls (filtered by min-order 1) in between order-1 calls.
  fault_attr_config attr;
  attr.fail_nth = 2;
  page_alloc_fixture fixture(attr);
  EXPECT_FALSE(fixture.fails(request_of_order(1)));
  EXPECT_FALSE(fixture.fails(request_of_order(0)));
  EXPECT_FALSE(fixture.fails(request_of_order(0)));
  EXPECT_TRUE(fixture.fails(request_of_order(1))) << "the second order-1 call is the 2nd";
}

TEST(fail_page_alloc, nofail_is_never_failed_even_by_fail_nth) {
  // Goal: __GFP_NOFAIL is exempt before anything else, fail-nth included.
  // Method: fail-nth=1, min-order 0: a NOFAIL call passes and does not count;
  // the next plain call is the first.
  fault_attr_config attr = always_fail();
  attr.min_order = 0;
  attr.fail_nth = 1;
  page_alloc_fixture fixture(attr);
  page_alloc_request nofail = request_of_order(0);
  nofail.nofail = true;
  EXPECT_FALSE(fixture.fails(nofail));
  EXPECT_EQ(fixture.state().eligible_calls, 0u);
  EXPECT_TRUE(fixture.fails(request_of_order(0)));
  EXPECT_FALSE(fixture.fails(nofail)) << "NOFAIL after the fault: still never failed";
}

TEST(fail_page_alloc, ignore_gfp_wait_exempts_direct_reclaim) {
  // Goal: ignore-gfp-wait=Y (default) exempts allocations that may direct-reclaim;
  // N does not. Method: one GFP_KERNEL-like request under each setting.
  page_alloc_request may_reclaim = request_of_order(1);
  may_reclaim.direct_reclaim = true;
  page_alloc_fixture ignoring(always_fail());
  EXPECT_FALSE(ignoring.fails(may_reclaim));
  fault_attr_config attr = always_fail();
  attr.ignore_gfp_wait = false;
  page_alloc_fixture failing(attr);
  EXPECT_TRUE(failing.fails(may_reclaim));
}

TEST(fail_page_alloc, ignore_gfp_highmem_exempts_highmem) {
  // Goal: ignore-gfp-highmem=Y (default) exempts __GFP_HIGHMEM; N does not.
  page_alloc_request highmem = request_of_order(1);
  highmem.highmem = true;
  page_alloc_fixture ignoring(always_fail());
  EXPECT_FALSE(ignoring.fails(highmem));
  fault_attr_config attr = always_fail();
  attr.ignore_gfp_highmem = false;
  page_alloc_fixture failing(attr);
  EXPECT_TRUE(failing.fails(highmem));
}

TEST(fail_page_alloc, nowarn_silences_the_message) {
  // Goal: __GFP_NOWARN (FAULT_NOWARN) fails silently; without it the message
  // names fail_page_alloc. Method: one failure of each.
  page_alloc_fixture fixture(always_fail());
  page_alloc_request quiet = request_of_order(1);
  quiet.nowarn = true;
  EXPECT_TRUE(fixture.fails(quiet));
  EXPECT_TRUE(fixture.faults.messages().empty());
  EXPECT_TRUE(fixture.fails(request_of_order(1)));
  ASSERT_EQ(fixture.faults.messages().size(), 1u);
  EXPECT_EQ(fixture.faults.messages()[0],
            "FAULT_INJECTION: forcing a failure.\n"
            "name fail_page_alloc, interval 1, probability 100, space 0, times -1");
}

TEST(fail_page_alloc, size_is_one_shifted_by_order) {
  // Goal: space is consumed in pages, 1 << order. Method: space=5: an order-2
  // call (4 pages) passes leaving 1, the next order-1 call (2 pages) fails.
  fault_attr_config attr = always_fail();
  attr.space = 5;
  page_alloc_fixture fixture(attr);
  EXPECT_FALSE(fixture.fails(request_of_order(2)));
  EXPECT_EQ(fixture.state().space, 1);
  EXPECT_TRUE(fixture.fails(request_of_order(1)));
}

}  // namespace
}  // namespace labyrinth::fi
