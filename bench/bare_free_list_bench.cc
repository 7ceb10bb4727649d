// Benchmark 1's baseline: pop+push on a bare intrusive free list of
// page-sized (4096-byte) nodes, the hardware floor the model's order-0 fast
// path is compared with (bench/run prints the ratio).  As many nodes as the
// model's world has pages; LIFO, as the per-CPU list is, so the same node
// comes back each time.
#include <benchmark/benchmark.h>

#include "bench/bare_free_list.h"
#include "bench/bench_world.h"

namespace labyrinth::bench {
namespace {

// A real page: PAGE_SIZE.
inline constexpr size_t bare_node_bytes = 4096;

void bare_free_list_pop_push(benchmark::State& state) {
  bare_free_list list(default_bench_pages, bare_node_bytes);
  void** head = list.head_address();
  benchmark::DoNotOptimize(head);  // the head lives in memory, as an allocator's would
  for (auto _ : state) {
    void* block = list.pop();
    benchmark::DoNotOptimize(block);
    list.push(block);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(bare_free_list_pop_push);

}  // namespace
}  // namespace labyrinth::bench
