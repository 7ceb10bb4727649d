// lockless<T>: a field that several CPUs may read without the lock that
// guards its writes, or that one owner writes and others read, as the kernel
// does with READ_ONCE()/WRITE_ONCE() and atomic_t.  Loads and stores are
// relaxed atomics: on x86 they compile to plain moves, so the single-threaded
// modes pay nothing, and ThreadSanitizer sees them as atomics in free-running
// mode (world_config::free_running).
//
// The compound assignments (+=, |=, ++ ...) are a load and a store, not one
// read-modify-write: like the kernel's non-atomic __SetPageFoo() and counter
// updates under a lock, they are correct only while one CPU at a time writes
// the field (its lock, or ownership, says which).  fetch_add/fetch_sub,
// exchange and compare_exchange are real read-modify-writes (atomic_t ops).
#pragma once

#include <atomic>

namespace labyrinth {

template <class T>
class lockless {
 public:
  constexpr lockless(T value = T{}) : value_(value) {}
  lockless(const lockless& other) : value_(other.load()) {}
  lockless& operator=(const lockless& other) {
    store(other.load());
    return *this;
  }
  lockless& operator=(T value) {
    store(value);
    return *this;
  }
  T load() const { return value_.load(std::memory_order_relaxed); }
  void store(T value) { value_.store(value, std::memory_order_relaxed); }
  operator T() const { return load(); }

  // Single-writer updates (see above).
  lockless& operator+=(T d) { return *this = static_cast<T>(load() + d); }
  lockless& operator-=(T d) { return *this = static_cast<T>(load() - d); }
  lockless& operator|=(T d) { return *this = static_cast<T>(load() | d); }
  lockless& operator&=(T d) { return *this = static_cast<T>(load() & d); }
  lockless& operator++() { return *this += T(1); }
  lockless& operator--() { return *this -= T(1); }
  T operator++(int) {
    T old = load();
    store(static_cast<T>(old + 1));
    return old;
  }
  T operator--(int) {
    T old = load();
    store(static_cast<T>(old - 1));
    return old;
  }

  // Read-modify-writes: atomic_add_return and friends (fully ordered in the
  // kernel for the value-returning ones; acq_rel is what the model needs).
  T fetch_add(T d) { return value_.fetch_add(d, std::memory_order_acq_rel); }
  T fetch_sub(T d) { return value_.fetch_sub(d, std::memory_order_acq_rel); }
  T exchange(T value) { return value_.exchange(value, std::memory_order_acq_rel); }
  // Lock acquisition: acquire on success.
  bool compare_exchange_acquire(T& expected, T desired) {
    return value_.compare_exchange_strong(expected, desired, std::memory_order_acquire, std::memory_order_relaxed);
  }
  // Lock release.
  void store_release(T value) { value_.store(value, std::memory_order_release); }
  T load_acquire() const { return value_.load(std::memory_order_acquire); }

 private:
  std::atomic<T> value_;
};

}  // namespace labyrinth
