// labyrinth_bench: every benchmark of bench/ in one binary (bench/run runs it).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
