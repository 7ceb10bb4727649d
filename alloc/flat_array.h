// A heap array whose copy is one memcpy when its elements are copied_bitwise
// (trivially copyable ones such as page_owner, and struct page, which says
// so in page.h), else an element-wise copy: the world's page structs and
// owner records, which world::restore copies for every fuzz input (an
// element-wise copy of struct page cost a fifth of a fuzz_faults run under
// ASan, one checked memcpy per page).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>

namespace labyrinth {

// Whether flat_array may copy T as its bytes: trivially copyable types, and
// types that specialize this (their non-trivial copy only adds atomicity the
// copier does not need).
template <class T>
inline constexpr bool copied_bitwise = std::is_trivially_copyable_v<T>;

template <class T>
class flat_array {
 public:
  flat_array() = default;
  flat_array(const flat_array& other) { *this = other; }
  flat_array& operator=(const flat_array& other) {
    if (this == &other) return *this;
    if (size_ != other.size_) {
      elements_ = std::make_unique<T[]>(other.size_);
      size_ = other.size_;
    }
    if constexpr (copied_bitwise<T>) {
      if (size_ > 0)
        std::memcpy(static_cast<void*>(elements_.get()), static_cast<const void*>(other.elements_.get()),
                    size_ * sizeof(T));
    } else {
      std::copy(other.elements_.get(), other.elements_.get() + size_, elements_.get());
    }
    return *this;
  }
  flat_array(flat_array&&) = default;
  flat_array& operator=(flat_array&&) = default;
  ~flat_array() = default;

  void assign(size_t size, const T& value) {
    elements_ = std::make_unique<T[]>(size);
    size_ = size;
    std::fill_n(elements_.get(), size, value);
  }
  T* data() { return elements_.get(); }
  const T* data() const { return elements_.get(); }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return elements_[i]; }
  const T& operator[](size_t i) const { return elements_[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }

 private:
  std::unique_ptr<T[]> elements_;
  size_t size_ = 0;
};

}  // namespace labyrinth
