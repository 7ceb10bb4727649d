// Page poisoning (mm/page_poison.c: PAGE_POISON 0xaa written on free, checked
// on allocation) and, in ASan builds, ASan poisoning of free page contents so
// a use-after-free by a client is caught at the access.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#define LABYRINTH_HAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LABYRINTH_HAS_ASAN 1
#endif
#endif

#ifdef LABYRINTH_HAS_ASAN
#include <sanitizer/asan_interface.h>
#endif

// For loops that read the model's own arrays, or free pages' (poisoned)
// contents, in bulk: no ASan (nor UBSan) checks on their loads and stores,
// and (clang) no turning them into memcpy/memcmp calls, which ASan would
// intercept and check.
#if defined(LABYRINTH_HAS_ASAN) && defined(__clang__)
#define LABYRINTH_NO_SANITIZE __attribute__((no_sanitize("address", "undefined"), no_builtin))
#elif defined(LABYRINTH_HAS_ASAN)
#define LABYRINTH_NO_SANITIZE __attribute__((no_sanitize_address, no_sanitize_undefined))
#else
#define LABYRINTH_NO_SANITIZE
#endif

namespace labyrinth {

inline constexpr uint8_t PAGE_POISON = 0xaa;

inline void poison_memory_region(void* address, size_t size) {
#ifdef LABYRINTH_HAS_ASAN
  ASAN_POISON_MEMORY_REGION(address, size);
#else
  (void)address;
  (void)size;
#endif
}

inline void unpoison_memory_region(void* address, size_t size) {
#ifdef LABYRINTH_HAS_ASAN
  ASAN_UNPOISON_MEMORY_REGION(address, size);
#else
  (void)address;
  (void)size;
#endif
}

// The offset of the first byte in [data, data + size) that is not
// PAGE_POISON, or size if all are.  Compares a word at a time and reads the
// bytes even while ASan-poisoned (no unpoison/re-poison round trip), so the
// free-page checks cost a fraction of a byte loop.
size_t first_non_poison_byte(const uint8_t* data, size_t size);
// The same for any byte value.
size_t first_byte_not(const uint8_t* data, size_t size, uint8_t value);

// Whether any byte of [address, address + size) is ASan-poisoned (never
// without ASan).
inline bool region_poisoned(const void* address, size_t size) {
#ifdef LABYRINTH_HAS_ASAN
  return __asan_region_is_poisoned(const_cast<void*>(address), size) != nullptr;
#else
  (void)address;
  (void)size;
  return false;
#endif
}

// Copies size bytes whatever their ASan poisoning (the destination's
// poisoning is left as it was; the caller re-derives it).
void copy_page_bytes(uint8_t* to, const uint8_t* from, size_t size);

}  // namespace labyrinth
