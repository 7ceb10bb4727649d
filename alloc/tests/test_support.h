// Helpers shared by the alloc/ unit tests: small world configurations, a
// world bundled with its sink and injector, an interrupt handler made of a
// lambda, a decision source that delivers one chosen interrupt at one chosen
// interrupt point, and report assertions that print what was seen.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alloc/world.h"
#include "faultinject/config.h"
#include "faultinject/decision.h"
#include "faultinject/injector.h"

namespace labyrinth::alloc_test {

// One NORMAL zone of `pages` pages, no OOM victim, every check after every
// operation.  With 1024 pages: min_free_kbytes 256, WMARK min/low/high
// 64/80/96, pcp batch 1, pcp high 80 (see watermark_test.cc).
inline world_config one_zone(uint32_t pages = 1024) {
  world_config config;
  config.zones = {{ZONE_NORMAL, pages}};
  config.oom_victim_pages = 0;
  config.checks = check_level::full;
  return config;
}

// Every report of the sink, one per line, for failure messages.
inline std::string describe(const report_sink& sink) {
  if (sink.empty()) return "(no reports)";
  std::string text;
  for (const report& r : sink.reports()) text += std::string("[") + report_kind_name(r.kind) + "] " + r.text() + "\n";
  return text;
}

inline const report* first_of(const report_sink& sink, report_kind kind) {
  for (const report& r : sink.reports())
    if (r.kind == kind) return &r;
  return nullptr;
}

// The sink holds exactly one report of `kind`, whose title starts with
// `title_prefix`.
inline void expect_one(const report_sink& sink, report_kind kind, std::string_view title_prefix) {
  EXPECT_EQ(sink.count(kind), 1u) << "expected exactly one " << report_kind_name(kind) << " report; seen:\n"
                                  << describe(sink);
  const report* r = first_of(sink, kind);
  if (!r) return;
  EXPECT_EQ(r->title.substr(0, title_prefix.size()), title_prefix) << "title of the " << report_kind_name(kind)
                                                                    << " report: " << r->title;
}

inline void expect_silent(const report_sink& sink) {
  EXPECT_TRUE(sink.empty()) << "expected no report; seen:\n" << describe(sink);
}

inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// An interrupt handler written inline in a test.
struct handler_function final : interrupt_handler {
  using function = std::function<void(world&, interrupt_kind, irq_point)>;
  explicit handler_function(function f) : body(std::move(f)) {}
  void handle(world& w, interrupt_kind kind, irq_point point) override {
    ++calls;
    if (body) body(w, kind, point);
  }
  function body;
  unsigned calls = 0;
};

// A decision source that makes one interrupt of `kind` arrive at the first
// `times` visits of interrupt point `point`, and nothing anywhere else.  Use
// with interrupt_faults(): the irq site then asks a random question at every
// point (answered 0 = arrive, 99 = pass), and a second question picks which of
// the deliverable interrupts arrives (hardirq, softirq, nmi in that order,
// only nmi when irqs are disabled).  Every other question gets its quiet answer.
class point_source final : public fi::decision_source {
 public:
  point_source(irq_point point, interrupt_kind kind, unsigned times = 1) : point_(point), kind_(kind), times_(times) {}
  uint32_t decide(const fi::decision_request& request) override {
    bool irq_site = request.subject == static_cast<uint16_t>(fi::fault_site::interrupt);
    if (request.kind == fi::decision_kind::random && irq_site) {
      bool here = request.context.point == static_cast<uint16_t>(point_) && arrivals < times_;
      if (here) ++arrivals;
      return here ? 0 : request.bound - 1;
    }
    if (request.kind == fi::decision_kind::interrupt) {
      uint32_t index = 0;
      if (kind_ == interrupt_kind::softirq && request.bound == 3) index = 1;
      if (kind_ == interrupt_kind::nmi) index = request.bound - 1;
      return index;
    }
    return request.quiet;
  }
  const char* name() const override { return "point"; }
  unsigned arrivals = 0;

 private:
  irq_point point_;
  interrupt_kind kind_;
  unsigned times_;
};

// LABYRINTH_FAULTS text -> config; a bad string fails the test that wrote it.
inline fi::fault_config fault_config_of(std::string_view text) {
  fi::fault_config_result parsed = fi::parse_fault_config(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error;
  return parsed.config;
}

// The irq site asks a question at every interrupt point (for point_source).
inline constexpr const char* interrupt_faults = "irq:probability=50,times=-1,verbose=0";

// A world with its sink and, optionally, an injector over a decision source.
struct rig {
  explicit rig(const world_config& config, std::unique_ptr<fi::decision_source> decisions = nullptr,
               std::string_view faults = "")
      : source(std::move(decisions)) {
    if (source) faults_injector = std::make_unique<fi::injector>(fault_config_of(faults), *source);
    w = std::make_unique<world>(config, sink, faults_injector.get());
  }
  report_sink sink;
  std::unique_ptr<fi::decision_source> source;
  std::unique_ptr<fi::injector> faults_injector;
  std::unique_ptr<world> w;
};

// Allocates with `gfp` until the allocator says no (at most `limit` times);
// returns the pages in allocation order.
inline std::vector<page*> allocate_until_failure(world& w, gfp_t gfp, unsigned order = 0, unsigned limit = 1u << 20) {
  std::vector<page*> pages;
  for (unsigned i = 0; i < limit; ++i) {
    page* p = w.alloc_pages(gfp, order);
    if (!p) break;
    pages.push_back(p);
  }
  return pages;
}

inline void free_all(world& w, std::vector<page*>& pages, unsigned order = 0) {
  while (!pages.empty()) {
    page* p = pages.back();
    pages.pop_back();
    w.__free_pages(p, order);
  }
}

// A zone big enough to keep a highatomic reserve: since v6.8 a zone reserves
// only if 1% of it reaches a pageblock (512 pages), so 51200 pages.  By hand
// (as watermark_test.cc): 204800 kB * 16 = 3276800, int_sqrt = 1810 kB,
// pages_min 452; min 452, tmp = max(113, 51) = 113, low 565, high 678;
// pcp batch 15 (50 / 4 = 12 -> rounddown_pow2(18) - 1), pcp high 565.
inline constexpr uint32_t highatomic_zone_pages = 51200;

// The pressure scenario of the highatomic reserve, up to the request that
// needs the reserve released (slowpath_test.cc and plant_detection_test.cc).
// On a highatomic_zone_pages zone with kswapd making no progress:
//   320 dirty page cache pages (GFP_NOFS cannot reclaim them);
//   __GFP_NOWARN pages until the zone is at its min mark (about 440 pages
//   free, all in the last pageblock, 50688..51199);
//   GFP_ATOMIC order 4 from the slow path (ALLOC_HIGHATOMIC): that pageblock
//   becomes MIGRATE_HIGHATOMIC, nr_reserved_highatomic 512;
//   300 of the __GFP_NOWARN pages freed and drained.
// Then free F is about 740: above min, but F - 512 (the reserve a GFP_NOFS
// request may not count) is below it, while F + 320 reclaimable - 512 is
// above it, so should_reclaim_retry keeps retrying.
struct highatomic_pressure {
  page* atomic = nullptr;
  std::vector<page*> dirty;
  std::vector<page*> held;
};

inline highatomic_pressure prepare_highatomic_pressure(world& w) {
  highatomic_pressure s;
  for (unsigned i = 0; i < 320; ++i)
    if (page* p = w.add_to_page_cache(GFP_KERNEL, page_cache_kind::dirty)) s.dirty.push_back(p);
  s.held = allocate_until_failure(w, __GFP_NOWARN, 0, highatomic_zone_pages);
  s.atomic = w.alloc_pages(GFP_ATOMIC, 4);
  size_t freed = std::min<size_t>(300, s.held.size());
  for (size_t i = 0; i < freed; ++i) w.__free_pages(s.held[i], 0);
  s.held.erase(s.held.begin(), s.held.begin() + static_cast<long>(freed));
  w.drain_local_pages();
  return s;
}

// One caller operation: the configured checks run at its end.
template <typename Body>
void operation(world& w, Body&& body) {
  w.begin_operation();
  body();
  w.end_operation();
}

}  // namespace labyrinth::alloc_test
