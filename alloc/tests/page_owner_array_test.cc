// Goal: page_owner_array's copies are always exact, though a repeat copy from
// the same source copies only the records written since.  Method: a source
// and a copy are written in every way the guards cover (copy-side writes,
// source-side writes, more writes than the log holds, a new source at a dead
// one's address, a free-running array that logs nothing), then every record
// of the copy is compared with the source's after each copy.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "alloc/page_owner_array.h"

namespace labyrinth {
namespace {

constexpr size_t records = 256;

// The pfn of the first record that differs, or "" if none.
std::string first_difference(const page_owner_array& a, const page_owner_array& b) {
  if (a.size() != b.size()) return "sizes " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (size_t pfn = 0; pfn < a.size(); ++pfn)
    if (a[pfn].op_index != b[pfn].op_index || a[pfn].allocations != b[pfn].allocations || a[pfn].order != b[pfn].order ||
        a[pfn].freed != b[pfn].freed)
      return "pfn " + std::to_string(pfn);
  return "";
}

void scribble(page_owner_array& a, uint32_t pfn, uint64_t mark) {
  page_owner& o = a.write(pfn);
  o.op_index = mark;
  ++o.allocations;
  o.order = static_cast<uint8_t>(mark % 11);
  o.freed = mark % 2;
}

page_owner_array source_with_history() {
  page_owner_array source;
  source.assign(records, /*logging=*/true);
  for (uint32_t pfn = 0; pfn < records; pfn += 3) scribble(source, pfn, 1000 + pfn);
  return source;
}

TEST(page_owner_array, repeat_copies_after_writes_are_exact) {
  page_owner_array source = source_with_history();
  page_owner_array copy;
  copy = source;
  EXPECT_EQ(first_difference(copy, source), "");
  EXPECT_FALSE(copy.last_copy_partial()) << "a first copy is whole";
  for (uint64_t round = 1; round <= 20; ++round) {
    for (uint32_t i = 0; i < round; ++i) scribble(copy, static_cast<uint32_t>((round * 37 + i * 11) % records), round);
    EXPECT_NE(first_difference(copy, source), "") << "round " << round << ": the writes should show before the copy";
    copy = source;
    EXPECT_EQ(first_difference(copy, source), "") << "round " << round;
    EXPECT_TRUE(copy.last_copy_partial()) << "round " << round << ": a repeat copy should copy only what was written";
  }
}

TEST(page_owner_array, more_writes_than_the_log_holds_copy_everything) {
  page_owner_array source = source_with_history();
  page_owner_array copy;
  copy = source;
  for (uint32_t i = 0; i < 4 * records; ++i) scribble(copy, (i * 7) % records, 5000 + i);
  copy = source;
  EXPECT_EQ(first_difference(copy, source), "");
  EXPECT_FALSE(copy.last_copy_partial());
}

TEST(page_owner_array, a_changed_source_is_copied_whole) {
  page_owner_array source = source_with_history();
  page_owner_array copy;
  copy = source;
  scribble(source, 1, 77);  // the copy's log knows nothing of this
  copy = source;
  EXPECT_EQ(first_difference(copy, source), "") << "a write to the source must make the next copy whole";
  EXPECT_FALSE(copy.last_copy_partial());
}

TEST(page_owner_array, a_new_source_at_the_same_address_is_copied_whole) {
  std::optional<page_owner_array> source;
  source.emplace(source_with_history());
  page_owner_array copy;
  copy = *source;
  source.reset();
  source.emplace();  // same storage, another array
  source->assign(records, true);
  for (uint32_t pfn = 1; pfn < records; pfn += 2) scribble(*source, pfn, 9000 + pfn);
  copy = *source;
  EXPECT_EQ(first_difference(copy, *source), "") << "ids must tell arrays at the same address apart";
  EXPECT_FALSE(copy.last_copy_partial());
}

TEST(page_owner_array, an_array_that_does_not_log_is_copied_whole) {
  page_owner_array source;
  source.assign(records, /*logging=*/false);  // free-running: nothing logged
  page_owner_array copy;
  copy = source;
  scribble(copy, 3, 42);
  copy = source;
  EXPECT_EQ(first_difference(copy, source), "");
  EXPECT_FALSE(copy.last_copy_partial());
}

}  // namespace
}  // namespace labyrinth
