// host_lock: a lock of the host program, not of the modelled kernel.  In
// free-running mode (world_config::free_running) it guards the model's own
// shared bookkeeping that the kernel guards with its own locks: the lockdep
// graph (lockdep's graph_lock), the report sink (the console), the shared
// fault injector, the note log, the page cache LRU (lruvec->lru_lock) and the
// OOM killer (oom_lock).  It never guards allocator state: that is the
// model's spinlock_t, with lockdep and irq discipline.
//
// A host_lock_guard only locks when enabled, so the single-threaded modes
// keep their cost and behaviour.  It is a test-and-set lock on an atomic
// (ThreadSanitizer understands its acquire/release), spinning with a yield;
// try_lock never blocks and is safe for the holder itself (it fails).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

namespace labyrinth {

class host_lock {
 public:
  host_lock() = default;
  // A copy is a new, unlocked lock: world::restore copies worlds that are
  // not free-running, whose host locks are never taken.
  host_lock(const host_lock&) {}
  host_lock& operator=(const host_lock&) { return *this; }
  void lock() {
    // Bounded only by the holder's progress: every holder's critical section
    // is a bounded piece of model code.
    while (locked_.exchange(true, std::memory_order_acquire))
      while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
  }
  bool try_lock() { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

class host_lock_guard {
 public:
  host_lock_guard(host_lock& lock, bool enabled) : lock_(enabled ? &lock : nullptr) {
    if (lock_) lock_->lock();
  }
  // Takes over a lock the caller already holds (after try_lock).
  host_lock_guard(host_lock& lock, std::adopt_lock_t) : lock_(&lock) {}
  ~host_lock_guard() {
    if (lock_) lock_->unlock();
  }
  host_lock_guard(const host_lock_guard&) = delete;
  host_lock_guard& operator=(const host_lock_guard&) = delete;

 private:
  host_lock* lock_;
};

}  // namespace labyrinth
