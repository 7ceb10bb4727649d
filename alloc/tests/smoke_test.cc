// Goal: the world builds, allocates and frees in every order, and tears down clean.
#include <gtest/gtest.h>

#include "alloc/world.h"

namespace labyrinth {
namespace {

TEST(world_smoke, alloc_free_all_orders_is_clean) {
  report_sink sink;
  world_config config;
  config.checks = check_level::full;
  world w(config, sink);
  std::vector<std::pair<page*, unsigned>> held;
  for (unsigned order = 0; order <= MAX_PAGE_ORDER; ++order) {
    w.begin_operation();
    page* p = w.alloc_pages(GFP_KERNEL, order);
    ASSERT_NE(p, nullptr) << "order " << order;
    held.emplace_back(p, order);
    w.end_operation();
  }
  for (auto [p, order] : held) {
    w.begin_operation();
    w.__free_pages(p, order);
    w.end_operation();
  }
  w.teardown_check();
  for (const report& r : sink.reports()) ADD_FAILURE() << r.text();
}

}  // namespace
}  // namespace labyrinth
