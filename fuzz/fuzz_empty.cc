// fuzz_empty: a target that does nothing, built only to measure libFuzzer's
// own speed beside the real harnesses (the README's throughput table).
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)data;
  (void)size;
  return 0;
}
