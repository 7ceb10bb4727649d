// Worlds kept between runs, as libFuzzer's persistent mode wants: for each
// world configuration a pristine world, built once and never run, and a
// working world that world::restore makes an exact copy of the pristine one
// before every run.  A restore copies a few arrays where building a world
// allocates and fills them afresh; nothing of a run survives it (the reuse
// tests in fuzz/tests/runtime_reuse_test.cc compare every page's state, the
// reports, the trace and the statistics with a fresh world's).
#pragma once

#include <memory>
#include <vector>

#include "alloc/report.h"
#include "alloc/world.h"
#include "faultinject/injector.h"

namespace labyrinth::fuzz {

class world_cache {
 public:
  // A world in the state the constructor gives world(config, sink, injector).
  // It stays valid until the next call.
  world& fresh(const world_config& config, report_sink& sink, fi::injector* injector);
  size_t configurations() const { return entries_.size(); }

  // More configurations than this and the oldest is dropped (the harnesses
  // use four: two pcp disciplines times the small and the large world).
  static constexpr size_t max_configurations = 8;

 private:
  struct entry {
    explicit entry(const world_config& config);
    world_config config;
    report_sink pristine_sink;  // the pristine world never runs: never reports
    world pristine;
    std::unique_ptr<world> working;
  };
  std::vector<std::unique_ptr<entry>> entries_;
};

}  // namespace labyrinth::fuzz
