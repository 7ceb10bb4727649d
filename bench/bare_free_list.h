// The baseline for the fast path: a bare intrusive free list of fixed-size
// blocks.  A free block's first bytes hold the pointer to the next free block;
// pop and push are a load and a store each.  No checks, no locks, no contexts:
// the least any allocator of fixed-size blocks can do.
#pragma once

#include <cstddef>
#include <memory>

namespace labyrinth::bench {

class bare_free_list {
 public:
  // `block_bytes` must hold a pointer.
  bare_free_list(size_t blocks, size_t block_bytes)
      : block_bytes_(block_bytes < sizeof(void*) ? sizeof(void*) : block_bytes),
        memory_(std::make_unique<std::byte[]>(blocks * block_bytes_)) {
    for (size_t i = blocks; i-- > 0;) push(memory_.get() + i * block_bytes_);
  }
  void* pop() {
    void* block = head_;
    if (block) head_ = *static_cast<void**>(block);
    return block;
  }
  void push(void* block) {
    *static_cast<void**>(block) = head_;
    head_ = block;
  }
  // For the benchmark: lets the head escape so the compiler keeps it in memory.
  void** head_address() { return &head_; }

 private:
  size_t block_bytes_;
  std::unique_ptr<std::byte[]> memory_;
  void* head_ = nullptr;
};

}  // namespace labyrinth::bench
