// The world's page_owner records, with a log of the records written since the
// array was last copied, so that copying the same source again copies only
// those: world::restore copies a pristine world's array before every fuzz
// input, and a run writes a few dozen of the thousands of records (set at
// allocation, marked freed at free), whose whole copy was a tenth of a
// fuzz_faults run under ASan.
//
// Copying from `source` copies only the logged records when all of these
// hold, else everything:
// - the last copy was from the same array (ids are unique per array object,
//   never reused, so a new array at a dead one's address does not match),
// - the source has not changed since (its version is unchanged),
// - both arrays log their writes (free-running worlds' arrays do not: CPUs
//   write records at once, restore refuses them, and write() touches nothing
//   but the record),
// - this array logged every write since (past the log's bound the next copy
//   is whole).
// Reads are plain; every write goes through write(pfn).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "alloc/flat_array.h"
#include "alloc/page.h"

namespace labyrinth {

class page_owner_array {
 public:
  page_owner_array() : id_(next_id()) {}
  page_owner_array(const page_owner_array& other) : id_(next_id()) { *this = other; }
  page_owner_array& operator=(const page_owner_array& other) {
    if (this == &other) return *this;
    const bool only_logged = logging_ && other.logging_ && copied_from_ == other.id_ &&
                             copied_version_ == other.version_ && !log_overflowed_ &&
                             records_.size() == other.records_.size();
    if (only_logged) {
      for (uint32_t pfn : written_) records_[pfn] = other.records_[pfn];
    } else {
      records_ = other.records_;
    }
    last_copy_partial_ = only_logged;
    written_.clear();
    log_overflowed_ = false;
    logging_ = other.logging_;
    copied_from_ = other.id_;
    copied_version_ = other.version_;
    ++version_;
    return *this;
  }

  // `size` default records, every one of them new (the next copy is whole).
  // logging = false: nothing is logged (free-running worlds).
  void assign(size_t size, bool logging) {
    records_.assign(size, page_owner{});
    written_.clear();
    logging_ = logging;
    log_overflowed_ = true;
    copied_from_ = 0;
    ++version_;
  }

  const page_owner& operator[](size_t pfn) const { return records_[pfn]; }
  // Whether the last copy into this array copied only the logged records.
  bool last_copy_partial() const { return last_copy_partial_; }
  size_t size() const { return records_.size(); }

  // The record of `pfn`, to be written.
  page_owner& write(uint32_t pfn) {
    if (!logging_) return records_[pfn];  // free-running: CPUs write at once; no shared field is touched
    ++version_;
    if (log_overflowed_) return records_[pfn];
    if (written_.size() >= log_bound()) {
      log_overflowed_ = true;
      written_.clear();
    } else {
      written_.push_back(pfn);
    }
    return records_[pfn];
  }

 private:
  // Past this many logged writes a whole copy is as cheap.
  size_t log_bound() const { return records_.size() / 8 + 16; }
  static uint64_t next_id() {
    static std::atomic<uint64_t> ids{1};
    return ids.fetch_add(1, std::memory_order_relaxed);
  }

  flat_array<page_owner> records_;
  std::vector<uint32_t> written_;  // pfns written since the last copy (repeats allowed)
  bool logging_ = false;
  bool log_overflowed_ = true;     // not since a copy: the next copy is whole
  bool last_copy_partial_ = false;
  uint64_t id_;                    // this array object's, never copied
  uint64_t copied_from_ = 0;       // id of the array last copied from; 0 none
  uint64_t copied_version_ = 0;    // that array's version then
  uint64_t version_ = 0;           // bumped by every change: write, assign, copy into
};

}  // namespace labyrinth
