// The unsanitized bulk page loops (page_scan.h): each condition that makes a
// page "in use" is found at its index, flags outside the mask are not, and
// the scans stay inside the range they are given.
#include <gtest/gtest.h>

#include <vector>

#include "alloc/page_scan.h"

namespace labyrinth {
namespace {

constexpr uint32_t mask = PG_allocated | PG_buddy | PG_pcp;

TEST(page_scan, free_pages_are_not_in_use) {
  std::vector<page> pages(64);
  EXPECT_EQ(first_page_in_use(pages.data(), 64, mask), 64u);
  EXPECT_EQ(first_page_in_use(pages.data(), 0, mask), 0u);
  pages[5].flags = PG_dirty;  // not in the mask
  EXPECT_EQ(first_page_in_use(pages.data(), 64, mask), 64u);
}

TEST(page_scan, each_condition_is_found_at_its_page) {
  for (int condition = 0; condition < 4; ++condition) {
    std::vector<page> pages(64);
    page& bad = pages[37];
    if (condition == 0) bad.flags = PG_buddy;
    if (condition == 1) bad.flags = PG_allocated | PG_dirty;
    if (condition == 2) bad.refcount = 1;
    if (condition == 3) bad.mapcount = 0;
    EXPECT_EQ(first_page_in_use(pages.data(), 64, mask), 37u) << "condition " << condition;
    EXPECT_EQ(first_page_in_use(pages.data(), 37, mask), 37u) << "a range that ends before it";
    EXPECT_EQ(first_page_in_use(pages.data() + 30, 34, mask), 7u) << "a range that starts inside";
    pages[12].refcount = -1;
    EXPECT_EQ(first_page_in_use(pages.data(), 64, mask), 12u) << "the first of two";
  }
}

TEST(page_scan, clear_flags_touches_only_its_range) {
  std::vector<page> pages(16);
  for (page& p : pages) p.flags = PG_dirty | PG_lru;
  clear_page_flags(pages.data() + 4, 8);
  for (uint32_t i = 0; i < 16; ++i) EXPECT_EQ(pages[i].flags, (i >= 4 && i < 12) ? 0u : PG_dirty | PG_lru) << i;
}

TEST(page_scan, pages_with_flags_lists_every_match_in_order) {
  std::vector<page> pages(100);
  pages[3].flags = PG_allocated;
  pages[50].flags = PG_bad | PG_dirty;
  pages[99].flags = PG_allocated;
  pages[60].flags = PG_lru;  // not asked for
  std::vector<uint32_t> out = {7};  // appended to
  pages_with_flags(pages.data(), 100, PG_allocated | PG_bad, out);
  EXPECT_EQ(out, (std::vector<uint32_t>{7, 3, 50, 99}));
}

}  // namespace
}  // namespace labyrinth
