// Page poisoning helpers that read free pages' contents without tripping
// ASan (the contents of free pages are ASan-poisoned in ASan builds).
#include "alloc/poison.h"

namespace labyrinth {

LABYRINTH_NO_SANITIZE size_t first_byte_not(const uint8_t* data, size_t size, uint8_t value) {
  const uint64_t value_word = 0x0101010101010101ull * value;
  size_t i = 0;
  // 64 bytes per step, without a branch per word (the compiler vectorizes
  // it); the word loop below finds the byte.
  constexpr size_t block_words = 8;
  for (; i + block_words * sizeof(uint64_t) <= size; i += block_words * sizeof(uint64_t)) {
    uint64_t differs = 0;
    for (size_t w = 0; w < block_words; ++w) {
      uint64_t word;
      __builtin_memcpy(&word, data + i + w * sizeof word, sizeof word);
      differs |= word ^ value_word;
    }
    if (differs) break;
  }
  for (; i + sizeof(uint64_t) <= size; i += sizeof(uint64_t)) {
    uint64_t word;
    __builtin_memcpy(&word, data + i, sizeof word);
    if (word != value_word) break;
  }
  for (; i < size; ++i)
    if (data[i] != value) return i;
  return size;
}

size_t first_non_poison_byte(const uint8_t* data, size_t size) { return first_byte_not(data, size, PAGE_POISON); }

LABYRINTH_NO_SANITIZE void copy_page_bytes(uint8_t* to, const uint8_t* from, size_t size) {
  size_t i = 0;
  for (; i + sizeof(uint64_t) <= size; i += sizeof(uint64_t)) {
    uint64_t word;
    __builtin_memcpy(&word, from + i, sizeof word);
    __builtin_memcpy(to + i, &word, sizeof word);
  }
  for (; i < size; ++i) to[i] = from[i];
}

}  // namespace labyrinth
