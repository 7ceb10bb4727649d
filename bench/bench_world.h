// What every benchmark of the model shares: the world layout for a given
// memory size, the order-0 alloc+free pair it times, and the checks that a
// run measured what its name says (no report, the path it claims).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

#include "alloc/world.h"

namespace labyrinth::bench {

// Model bytes per page: small, so that building a world of 2^18 pages is cheap.
inline constexpr unsigned bench_page_bytes = 16;
// The world size of the benchmarks that do not vary it.
inline constexpr uint32_t default_bench_pages = 1u << 14;

// A DMA32 zone of 1024 pages plus NORMAL for the rest (`pages` a multiple of
// 1024; 1024 pages is DMA32 alone).  One CPU, no injector.
world_config bench_config(uint32_t pages, check_level checks, pcp_discipline pcp);

// One order-0 GFP_KERNEL allocation and its free.  Returns false (and marks
// the benchmark failed) if the allocation failed.
bool alloc_free_order0(benchmark::State& state, world& w);

// The same pair, each call its own caller operation (begin_operation /
// end_operation around it), so the configured checks run after each.
bool alloc_free_order0_checked(benchmark::State& state, world& w);

// True if an order-0 request of `gfp`'s zones would pass watermark `mark`
// (WMARK_MIN/LOW/HIGH) in some eligible zone: zone_watermark_fast() over the
// zonelist, as get_page_from_freelist() checks before taking a page.
bool order0_watermark_ok(const world& w, unsigned mark, zone_type highest = ZONE_NORMAL);

// Fails the benchmark if the model reported anything: a measurement of a run
// with a report is a measurement of the report's formatting.
void expect_no_report(benchmark::State& state, const report_sink& sink);

// Fails the benchmark unless every timed allocation was a per-CPU list hit:
// no refill, no bulk free, no slow path since `before`.
void expect_steady_fast_path(benchmark::State& state, const world_stats& before, const world_stats& after);

}  // namespace labyrinth::bench
