// The contents of every page of a world: page_bytes bytes per page in one
// block.  Copyable whatever the ASan poisoning of either side (free pages'
// contents are ASan-poisoned in ASan builds): world::restore copies a
// pristine world's contents and then sets the copy's poisoning from the page
// states.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "alloc/poison.h"

namespace labyrinth {

class page_memory {
 public:
  page_memory() = default;
  explicit page_memory(size_t size) : bytes_(std::make_unique<uint8_t[]>(size)), size_(size) {}
  page_memory(const page_memory& other) : page_memory(other.size_) {
    copy_page_bytes(bytes_.get(), other.bytes_.get(), size_);
  }
  page_memory& operator=(const page_memory& other) {
    if (this == &other) return *this;
    if (size_ != other.size_) *this = page_memory(other.size_);
    copy_page_bytes(bytes_.get(), other.bytes_.get(), size_);
    return *this;
  }
  page_memory(page_memory&&) = default;
  page_memory& operator=(page_memory&&) = default;
  ~page_memory() = default;

  uint8_t* data() { return bytes_.get(); }
  const uint8_t* data() const { return bytes_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<uint8_t[]> bytes_;
  size_t size_ = 0;
};

}  // namespace labyrinth
