// The buddy core (buddy.cc) against reference §5: __rmqueue_smallest +
// expand split, __free_one_page merge, drawn as pictures (memblock-test
// style).  Every world runs with checks=full after each operation and must
// stay silent.
//
// Legend for the pictures: a row of pfns; [A] an allocated block, [k] a free
// block of order k, <pcp> a page on a per-CPU list; "HA" marks a
// MIGRATE_HIGHATOMIC pageblock.
#include <gtest/gtest.h>

#include <vector>

#include "alloc/tests/test_support.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

using alloc_test::expect_silent;
using alloc_test::one_zone;
using alloc_test::operation;

using pfns = std::vector<uint32_t>;

// Free lists of zone 0, ordinary migratetype, by order.
std::vector<pfns> ordinary_lists(const world& w, unsigned zone_index = 0) {
  std::vector<pfns> lists;
  for (unsigned order = 0; order < NR_PAGE_ORDERS; ++order)
    lists.push_back(w.free_list_pfns(zone_index, order, MIGRATE_PCPTYPES_MERGED));
  return lists;
}

// signature entry as free_list_signature() encodes it
uint32_t signature_entry(uint32_t pfn, unsigned order, migratetype mt) { return (pfn << 8) | (order << 4) | (mt << 1); }

TEST(buddy, order0_from_fresh_block_split_check) {
  // One order-0 page from a fresh 1024-page block (zone of 1024 pages):
  //
  //   before: |[10]..................................................|
  //            0                                                   1023
  //   after:  |A|0|1 |2   |3       |4 ... |5 ... |6 ... |7 ... |8 ... |9 ...  |
  //            0 1 2  4    8        16     32     64     128    256    512
  //
  // Expect: pfn 0 handed out (the lowest chunk is kept); exactly one free
  // block of each order k = 0..9, at pfn 1 << k; order 10 empty.  (pcp batch
  // is 1 here, so the per-CPU list takes just that page and hands it out.)
  report_sink sink;
  world w(one_zone(), sink);
  page* p = nullptr;
  operation(w, [&] { p = w.alloc_pages(GFP_KERNEL, 0); });
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(w.page_to_pfn(p), 0u);
  std::vector<pfns> lists = ordinary_lists(w);
  std::vector<uint32_t> expected_signature;
  for (unsigned order = 0; order < MAX_PAGE_ORDER; ++order) {
    EXPECT_EQ(lists[order], pfns{1u << order}) << "order " << order;
    expected_signature.push_back(signature_entry(1u << order, order, MIGRATE_PCPTYPES_MERGED));
  }
  EXPECT_TRUE(lists[MAX_PAGE_ORDER].empty());
  EXPECT_EQ(w.free_list_signature(), expected_signature);
  EXPECT_EQ(w.zone_at(0).free_pages, 1023);
  EXPECT_TRUE(w.pcp_list_pfns(0, 0, 0).empty());
  expect_silent(sink);
}

TEST(buddy, order0_free_merges_back_to_order10_check) {
  // Free the page of the previous picture; it goes to the per-CPU list first,
  // and draining the list merges it all the way up:
  //
  //   freed:   |<pcp 0>|0|1 |2   |3       | ...                    |9 ...  |
  //   drained: |[10]..................................................|
  //   merges:  0+1 -> [1]@0, +2 -> [2]@0, +4 -> [3]@0, ..., +512 -> [10]@0
  //
  // Expect: after the free, pfn 0 on the order-0 per-CPU list and the buddy
  // lists unchanged; after the drain, one order-10 block at 0: the initial
  // free lists exactly.
  report_sink sink;
  world w(one_zone(), sink);
  page* p = nullptr;
  operation(w, [&] { p = w.alloc_pages(GFP_KERNEL, 0); });
  ASSERT_NE(p, nullptr);
  std::vector<uint32_t> split = w.free_list_signature();
  operation(w, [&] { w.__free_pages(p, 0); });
  EXPECT_EQ(w.pcp_list_pfns(0, 0, 0), pfns{0});
  EXPECT_EQ(w.free_list_signature(), split) << "the per-CPU list holds the page: no merge yet";
  operation(w, [&] { w.drain_local_pages(); });
  std::vector<pfns> lists = ordinary_lists(w);
  EXPECT_EQ(lists[MAX_PAGE_ORDER], pfns{0});
  for (unsigned order = 0; order < MAX_PAGE_ORDER; ++order) EXPECT_TRUE(lists[order].empty()) << "order " << order;
  EXPECT_EQ(w.free_list_signature(), w.initial_free_list_signature());
  EXPECT_EQ(w.zone_at(0).free_pages, 1024);
  w.teardown_check();
  expect_silent(sink);
}

TEST(buddy, smallest_order_first_check) {
  // Three order-0 pages: the second comes from the order-0 list, the third
  // splits the order-1 block at 2:
  //
  //   after 1: |A|0|1  |2   |...
  //   after 2: |A|A|1  |2   |...
  //   after 3: |A|A|A|0|2   |...
  //            0 1 2 3 4
  //
  // Expect: pfns 0, 1, 2 in that order; free: order 0 {3}, order 1 empty,
  // order k {1 << k} for k = 2..9.
  report_sink sink;
  world w(one_zone(), sink);
  std::vector<page*> pages;
  for (int i = 0; i < 3; ++i) operation(w, [&] { pages.push_back(w.alloc_pages(GFP_KERNEL, 0)); });
  ASSERT_EQ(pages.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(w.page_to_pfn(pages[i]), i);
  std::vector<pfns> lists = ordinary_lists(w);
  EXPECT_EQ(lists[0], pfns{3});
  EXPECT_TRUE(lists[1].empty());
  for (unsigned order = 2; order < MAX_PAGE_ORDER; ++order) EXPECT_EQ(lists[order], pfns{1u << order});
  for (page* p : pages) operation(w, [&] { w.__free_pages(p, 0); });
  w.teardown_check();
  expect_silent(sink);
}

TEST(buddy, buddy_of_other_order_not_merged_check) {
  // Orders 4 and 5 go straight to the buddy lists (no per-CPU list).
  //
  //   alloc 4, 4, 5: |A 0..15|A 16..31|A 32..63|[6]64|[7]128|[8]256|[9]512|
  //   free 0 (o4):   |[4]0   |A 16    |A 32    |[6]  |...
  //   free 32 (o5):  |[4]0   |A 16    |[5]32   |[6]  |...
  //      buddy of 32 at order 5 is 32 ^ 32 = 0, a free block of order 4: NOT merged
  //   free 16 (o4):  16 ^ 16 = 0 (order 4, free) -> [5]@0, + [5]@32 -> [6]@0, ...,
  //                  + [9]@512 -> [10]@0
  //
  // Expect: after freeing 0 and 32, order 4 {0} and order 5 {32} side by side;
  // after freeing 16, one order-10 block.
  report_sink sink;
  world w(one_zone(), sink);
  page *a = nullptr, *b = nullptr, *c = nullptr;
  operation(w, [&] {
    a = w.alloc_pages(GFP_KERNEL, 4);
    b = w.alloc_pages(GFP_KERNEL, 4);
    c = w.alloc_pages(GFP_KERNEL, 5);
  });
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(w.page_to_pfn(a), 0u);
  EXPECT_EQ(w.page_to_pfn(b), 16u);
  EXPECT_EQ(w.page_to_pfn(c), 32u);
  operation(w, [&] { w.__free_pages(a, 4); });
  operation(w, [&] { w.__free_pages(c, 5); });
  std::vector<pfns> lists = ordinary_lists(w);
  EXPECT_EQ(lists[4], pfns{0});
  EXPECT_EQ(lists[5], pfns{32}) << "an order-5 block must not merge with an order-4 buddy head";
  EXPECT_EQ(lists[6], pfns{64});
  EXPECT_TRUE(lists[MAX_PAGE_ORDER].empty());
  operation(w, [&] { w.__free_pages(b, 4); });
  lists = ordinary_lists(w);
  EXPECT_EQ(lists[MAX_PAGE_ORDER], pfns{0});
  EXPECT_EQ(w.free_list_signature(), w.initial_free_list_signature());
  w.teardown_check();
  expect_silent(sink);
}

TEST(buddy, no_merge_across_zones_or_above_max_order_check) {
  // Two zones of one MAX_PAGE_ORDER block each:
  //
  //   DMA32: |[10]@0 ..... 1023| NORMAL: |[10]@1024 ..... 2047|
  //
  // 0 and 1024 are buddies at order 10 (0 ^ 1024), but merging stops at
  // MAX_PAGE_ORDER, so no block ever spans the boundary.  Because zone sizes
  // are multiples of 1024 pages, this is the only place a buddy pair could
  // straddle two zones: the explicit zone-range test in __free_one_page can
  // not be reached otherwise, and is not tested separately.
  //   alloc DMA32 order 9: |A 0..511|[9]512| |[10]1024|
  //   free it:             |[10]@0         | |[10]1024|
  // Expect: each zone keeps its own order-10 block; the lists are the initial ones.
  report_sink sink;
  world_config config = one_zone();
  config.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 1024}};
  world w(config, sink);
  page* p = nullptr;
  operation(w, [&] { p = w.alloc_pages(GFP_KERNEL | __GFP_DMA32, 9); });
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(w.page_to_pfn(p), 0u);
  EXPECT_EQ(w.free_list_pfns(0, 9, MIGRATE_PCPTYPES_MERGED), pfns{512});
  EXPECT_EQ(w.free_list_pfns(1, MAX_PAGE_ORDER, MIGRATE_PCPTYPES_MERGED), pfns{1024});
  operation(w, [&] { w.__free_pages(p, 9); });
  EXPECT_EQ(w.free_list_pfns(0, MAX_PAGE_ORDER, MIGRATE_PCPTYPES_MERGED), pfns{0});
  EXPECT_EQ(w.free_list_pfns(1, MAX_PAGE_ORDER, MIGRATE_PCPTYPES_MERGED), pfns{1024});
  EXPECT_EQ(w.zone_at(0).free_pages, 1024);
  EXPECT_EQ(w.zone_at(1).free_pages, 1024);
  EXPECT_EQ(w.free_list_signature(), w.initial_free_list_signature());
  w.teardown_check();
  expect_silent(sink);
}

TEST(buddy, highatomic_pageblock_not_merged_with_ordinary_buddy_check) {
  // A high-order atomic allocation from the slow path reserves its pageblock
  // as MIGRATE_HIGHATOMIC.  One zone of 51200 pages (the smallest whose 1%
  // reaches a pageblock: since v6.8 smaller zones keep no highatomic
  // reserve) with min_free_kbytes 180000: pages_min
  // 45000, low 45000 + 11250 = 56250 > 51200, so every request takes the
  // slow path; GFP_ATOMIC's floor is 45000 - 22500 - 5625 = 16875.  Order 4
  // bypasses the per-CPU lists:
  //
  //   after:   |A 0-15|[4]16|[5]32|[6]64|[7]128|[8]256|[9]512 .....|[10]1024|...|[10]50176|
  //            |<------------ pageblock 0: HA ------------>|<- pb 1 ->|
  //   free 0:  0+16 -> [5]@0, +32 -> [6], +64 -> [7], +128 -> [8], +256 -> [9]@0 (HA);
  //            at order 9 (= pageblock_order) the buddy 512 is ordinary: NOT merged
  //   end:     |[9]@0 HA .........|[9]@512 ........|[10]1024|...|[10]50176|
  //
  // Expect: 512 reserved pages; after the free, order 9 {0} on the HIGHATOMIC
  // list, order 9 {512} on the ordinary list, 49 ordinary order-10 blocks.
  report_sink sink;
  world_config config = one_zone(alloc_test::highatomic_zone_pages);
  config.min_free_kbytes = 180000;
  world w(config, sink);
  ASSERT_EQ(w.zone_at(0).watermark[WMARK_LOW], 56250);
  page* p = nullptr;
  operation(w, [&] { p = w.alloc_pages(GFP_ATOMIC, 4); });
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(w.page_to_pfn(p), 0u);
  EXPECT_EQ(w.zone_at(0).nr_reserved_highatomic, 512);
  EXPECT_EQ(w.stats().highatomic_reserved, 1u);
  EXPECT_EQ(w.zone_at(0).pageblock_migratetype[0], MIGRATE_HIGHATOMIC);
  EXPECT_EQ(w.zone_at(0).pageblock_migratetype[1], MIGRATE_PCPTYPES_MERGED);
  for (unsigned order = 4; order <= 8; ++order)
    EXPECT_EQ(w.free_list_pfns(0, order, MIGRATE_HIGHATOMIC), pfns{1u << order}) << "order " << order;
  EXPECT_EQ(w.free_list_pfns(0, 9, MIGRATE_PCPTYPES_MERGED), pfns{512});
  operation(w, [&] { w.__free_pages(p, 4); });
  EXPECT_EQ(w.free_list_pfns(0, 9, MIGRATE_HIGHATOMIC), pfns{0});
  EXPECT_EQ(w.free_list_pfns(0, 9, MIGRATE_PCPTYPES_MERGED), pfns{512});
  EXPECT_TRUE(w.free_list_pfns(0, MAX_PAGE_ORDER, MIGRATE_HIGHATOMIC).empty());
  std::vector<uint32_t> expected = {signature_entry(0, 9, MIGRATE_HIGHATOMIC),
                                    signature_entry(512, 9, MIGRATE_PCPTYPES_MERGED)};
  for (uint32_t block = 1; block < 50; ++block)
    expected.push_back(signature_entry(block << MAX_PAGE_ORDER, MAX_PAGE_ORDER, MIGRATE_PCPTYPES_MERGED));
  EXPECT_EQ(w.free_list_signature(), expected);
  EXPECT_EQ(w.zone_at(0).free_pages, 51200);
  w.teardown_check();
  expect_silent(sink);
}

}  // namespace
}  // namespace labyrinth
