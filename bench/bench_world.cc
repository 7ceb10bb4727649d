#include "bench/bench_world.h"

#include <string>

#include "alloc/alloc_flags.h"

namespace labyrinth::bench {

world_config bench_config(uint32_t pages, check_level checks, pcp_discipline pcp) {
  world_config config;
  config.zones = {{ZONE_DMA32, 1024}};
  if (pages > 1024) config.zones.push_back({ZONE_NORMAL, pages - 1024});
  config.page_bytes = bench_page_bytes;
  config.checks = checks;
  config.pcp = pcp;
  return config;
}

bool alloc_free_order0(benchmark::State& state, world& w) {
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  if (!p) {
    state.SkipWithError("order-0 GFP_KERNEL allocation failed");
    return false;
  }
  benchmark::DoNotOptimize(p);
  w.__free_pages(p, 0);
  return true;
}

bool alloc_free_order0_checked(benchmark::State& state, world& w) {
  w.begin_operation();
  page* p = w.alloc_pages(GFP_KERNEL, 0);
  w.end_operation();
  if (!p) {
    state.SkipWithError("order-0 GFP_KERNEL allocation failed");
    return false;
  }
  benchmark::DoNotOptimize(p);
  w.begin_operation();
  w.__free_pages(p, 0);
  w.end_operation();
  return true;
}

bool order0_watermark_ok(const world& w, unsigned mark, zone_type highest) {
  for (unsigned i = 0; i < w.nr_zones(); ++i) {
    const zone& z = w.zone_at(i);
    if (z.type <= highest && zone_watermark_fast(z, 0, z.watermark[mark], highest, 0)) return true;
  }
  return false;
}

void expect_no_report(benchmark::State& state, const report_sink& sink) {
  if (sink.empty()) return;
  static std::string message;  // SkipWithError keeps the pointer
  message = "the model reported: " + sink.reports().front().title;
  state.SkipWithError(message.c_str());
}

void expect_steady_fast_path(benchmark::State& state, const world_stats& before, const world_stats& after) {
  uint64_t hits = after.pcp_hits - before.pcp_hits;
  bool steady = hits == static_cast<uint64_t>(state.iterations()) && after.pcp_refills == before.pcp_refills &&
                after.pcp_bulk_frees == before.pcp_bulk_frees && after.slowpath_entries == before.slowpath_entries &&
                after.pcp_trylock_fallbacks == before.pcp_trylock_fallbacks;
  if (!steady) state.SkipWithError("not a steady per-CPU fast path: refill, bulk free, fallback or slow path seen");
}

}  // namespace labyrinth::bench
