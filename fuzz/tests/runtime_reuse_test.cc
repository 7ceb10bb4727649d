// Goal: a world kept between runs (world_cache), and the program and result
// buffers decoded and run into every time (decode_into, run into a result),
// as the libFuzzer harnesses keep them, carry nothing over: input B after
// input A on the reused world and buffers runs exactly as B on a freshly
// built world with fresh buffers, and the same input gives the same result
// every time.  Method: fixed-seed random inputs for every harness (both pcp
// disciplines, the small and the large world); A runs on the kept world and
// buffers, then B runs on them and on fresh ones; the two B runs must agree on the
// reports, the steps with their context, the decision trace and faults, the
// statistics, the log, and at the end of the run every page's struct, owner
// record, contents and (ASan builds) the ASan poisoning of its contents, the
// free lists, the per-CPU lists and the CPU state.  Some A runs also leave the
// world as damaged as a test can make it (leaked pages, corrupted free-page
// contents, a lock held, reports).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "alloc/poison.h"
#include "fuzz/decoder.h"
#include "fuzz/harness.h"
#include "fuzz/reproduction.h"
#include "fuzz/tests/test_inputs.h"
#include "fuzz/world_cache.h"

namespace labyrinth::fuzz {
namespace {

// Everything observable about a world at the end of a run.
struct world_image {
  std::vector<std::string> pages;  // every field of every struct page
  std::vector<std::string> owners;
  std::vector<uint8_t> memory;  // every page's contents
  std::vector<uint8_t> asan_poisoned;  // per 8-byte granule of the contents (ASan builds)
  std::vector<uint32_t> free_lists;
  std::vector<std::vector<uint32_t>> pcp_lists;
  std::string cpu;
  world_stats stats;
  uint64_t op_index = 0;
  unsigned long page_cache_pages = 0;
  unsigned lock_classes = 0;
  std::vector<uint8_t> lock_usage;
};

std::string describe_owner(const page_owner& o) {
  return std::to_string(o.gfp) + "/" + std::to_string(o.order) + "/" + std::to_string(o.cpu) + "/" +
         std::to_string(o.freed) + "/" + std::to_string(o.preempt_count) + "/" + std::to_string(o.op_index) + "/" +
         std::to_string(o.free_preempt_count) + "/" + std::to_string(o.free_op_index) + "/" +
         std::to_string(o.allocations);
}

std::string describe_page(const page& p) {
  return std::to_string(p.flags.load()) + "/" + std::to_string(p.refcount.load()) + "/" + std::to_string(p.mapcount.load()) + "/" +
         std::to_string(p.order) + "/" + std::to_string(p.zone) + "/" + std::to_string(p.pad) + "/" +
         std::to_string(p.mapped_mms) + "/" + std::to_string(p.lru.next) + "/" + std::to_string(p.lru.prev);
}

world_image image_of(const world& w) {
  world_image image;
  const uint32_t n = w.nr_pages();
  for (uint32_t pfn = 0; pfn < n; ++pfn) image.pages.push_back(describe_page(*w.pfn_to_page(pfn)));
  for (uint32_t pfn = 0; pfn < n; ++pfn) image.owners.push_back(describe_owner(w.owner(pfn)));
  const size_t bytes = size_t(n) * w.config().page_bytes;
  image.memory.resize(bytes);
  // The contents of free pages are ASan-poisoned: read them as the poison
  // check does.
  const uint8_t* data = const_cast<world&>(w).page_data(const_cast<world&>(w).pfn_to_page(0));
  copy_page_bytes(image.memory.data(), data, bytes);
#ifdef LABYRINTH_HAS_ASAN
  for (size_t i = 0; i < bytes; i += 8) image.asan_poisoned.push_back(__asan_address_is_poisoned(data + i) ? 1 : 0);
#endif
  image.free_lists = w.free_list_signature();
  for (unsigned zi = 0; zi < w.nr_zones(); ++zi)
    for (unsigned order = 0; order < NR_PCP_LISTS; ++order) image.pcp_lists.push_back(w.pcp_list_pfns(0, zi, order));
  const cpu_state& cpu = w.this_cpu();
  image.cpu = std::to_string(cpu.preempt_count) + "/" + std::to_string(cpu.irqs_disabled) + "/" +
              std::to_string(cpu.rcu_read_depth) + "/" + std::to_string(cpu.softirq_pending) + "/" +
              std::to_string(cpu.interrupt_depth) + "/" + std::to_string(cpu.held_count) + "/" +
              std::to_string(cpu.current->pid) + "/" + std::to_string(cpu.current->flags);
  for (unsigned zi = 0; zi < w.nr_zones(); ++zi) {
    const per_cpu_pages& pcp = cpu.pcp[zi];
    image.cpu += "|" + std::to_string(pcp.count) + "/" + std::to_string(pcp.linked_pages) + "/" +
                 std::to_string(pcp.in_use) + "/" + std::to_string(pcp.lock.owner_cpu) + "/" +
                 std::to_string(w.zone_at(zi).free_pages.load()) + "/" + std::to_string(w.zone_at(zi).lock.owner_cpu) + "/" +
                 std::to_string(w.zone_at(zi).nr_reserved_highatomic.load());
  }
  image.stats = w.stats();
  image.op_index = w.op_index();
  image.page_cache_pages = w.page_cache_pages();
  image.lock_classes = w.lock_validator().class_count();
  for (unsigned c = 0; c < image.lock_classes; ++c)
    image.lock_usage.push_back(w.lock_validator().usage(static_cast<lock_class_id>(c)));
  return image;
}

// Where two images first differ, or "" if they do not.
std::string image_difference(const world_image& a, const world_image& b) {
  if (a.pages.size() != b.pages.size()) return "number of pages";
  for (size_t i = 0; i < a.pages.size(); ++i)
    if (a.pages[i] != b.pages[i]) return "struct page of pfn " + std::to_string(i) + ": " + a.pages[i] + " vs " + b.pages[i];
  for (size_t i = 0; i < a.owners.size(); ++i)
    if (a.owners[i] != b.owners[i]) return "owner of pfn " + std::to_string(i) + ": " + a.owners[i] + " vs " + b.owners[i];
  for (size_t i = 0; i < a.memory.size(); ++i)
    if (a.memory[i] != b.memory[i]) return "contents byte " + std::to_string(i);
  for (size_t i = 0; i < a.asan_poisoned.size(); ++i)
    if (a.asan_poisoned[i] != b.asan_poisoned[i]) return "ASan poisoning of contents byte " + std::to_string(i * 8);
  if (a.free_lists != b.free_lists) return "free lists";
  if (a.pcp_lists != b.pcp_lists) return "per-CPU lists";
  if (a.cpu != b.cpu) return "CPU state " + a.cpu + " vs " + b.cpu;
  if (std::memcmp(&a.stats, &b.stats, sizeof a.stats) != 0) return "statistics";
  if (a.op_index != b.op_index) return "operation index";
  if (a.page_cache_pages != b.page_cache_pages) return "page cache pages";
  if (a.lock_classes != b.lock_classes || a.lock_usage != b.lock_usage) return "lockdep classes or usage";
  return "";
}

// Everything a run returns, as text.
std::string result_text(const program& p, const run_result& r, const layout& l) {
  std::string text = format_reproduction(p, r, l) + format_steps(p, r);
  text += "halted " + std::to_string(r.halted) + " kind " + std::to_string(static_cast<int>(r.halt_kind)) +
          " first_bug_step " + std::to_string(r.first_bug_step) + " handler ops " + std::to_string(r.handler_ops_run) +
          "/" + std::to_string(r.handler_ops_skipped) + " packets " + std::to_string(r.packets_received) + "/" +
          std::to_string(r.packets_dropped) + " truncated " + std::to_string(r.steps_truncated) + "\n";
  for (size_t i : r.expected_reports) text += "expected report " + std::to_string(i) + "\n";
  for (const std::string& line : r.log) text += "log: " + line + "\n";
  return text;
}

struct observed {
  std::string text;
  world_image image;
  world_stats stats;
};

run_options observing_options(const harness& h, world_cache* worlds, std::function<void(world&, size_t)> damage,
                              observed& o) {
  run_options options = harness_options(h, sink_mode::collect);
  options.worlds = worlds;
  options.after_task_op_for_test_only = std::move(damage);
  options.at_end_for_test_only = [&o](const world& w) { o.image = image_of(w); };
  return options;
}

observed run_observed(const program& p, const harness& h, world_cache* worlds,
                      std::function<void(world&, size_t)> damage = {}) {
  observed o;
  run_result r = run(p, observing_options(h, worlds, std::move(damage), o));
  o.text = result_text(p, r, h.program_layout);
  o.stats = r.stats;
  return o;
}

// What fuzz_one keeps between inputs: the worlds, one program, one result.
struct kept_between_inputs {
  world_cache worlds;
  program p;
  run_result result;
};

// An input run as fuzz_one runs it: decoded into the kept program, run into
// the kept result on a kept world, the result cleared after.
observed run_as_fuzz_one(const std::vector<uint8_t>& input, const harness& h, kept_between_inputs& kept,
                         std::function<void(world&, size_t)> damage = {}) {
  observed o;
  decode_into(input, h.program_layout, kept.p);
  run(kept.p, observing_options(h, &kept.worlds, std::move(damage), o), kept.result);
  o.text = result_text(kept.p, kept.result, h.program_layout);
  o.stats = kept.result.stats;
  kept.result.clear();
  return o;
}

// Leaves the world as damaged as possible after the first task operation: a
// leaked allocation, a corrupted free page, a lock held, a bh section open.
void damage(world& w, size_t task_op) {
  if (task_op != 0) return;
  w.alloc_pages(GFP_KERNEL, 2);  // never freed
  for (uint32_t pfn = w.nr_pages() - 1; pfn > 0; --pfn) {
    if (!(w.pfn_to_page(pfn)->flags & PG_buddy)) continue;
    uint8_t* data = w.page_data(w.pfn_to_page(pfn));
    unpoison_memory_region(data, 1);
    data[0] = 0x42;
    break;
  }
  w.local_bh_disable();
  w.spin_lock(w.zone_at(0).lock);
}

void expect_same(const observed& reused, const observed& fresh, const std::string& what) {
  EXPECT_EQ(reused.text, fresh.text) << what << ": the run's result differs on a reused world";
  const std::string difference = image_difference(reused.image, fresh.image);
  EXPECT_EQ(difference, "") << what << ": the world at the end of the run differs on a reused world";
}

TEST(runtime_reuse, b_after_a_on_a_reused_world_runs_as_b_on_a_fresh_world) {
  kept_between_inputs kept;  // shared by every harness, as fuzz_one shares the worlds
  unsigned large = 0, irqsave = 0;
  for (const harness& h : harnesses()) {
    for (uint64_t seed = 1; seed <= 24; ++seed) {
      const std::vector<uint8_t> a = testing::random_input(seed * 2), b = testing::random_input(seed * 2 + 1);
      program b_program = decode(b, h.program_layout);
      large += b_program.large_world;
      irqsave += b_program.pcp_irqsave;
      const std::string what = std::string(h.name) + " seeds " + std::to_string(seed * 2) + ", " +
                               std::to_string(seed * 2 + 1);
      run_as_fuzz_one(a, h, kept, seed % 3 == 0 ? damage : std::function<void(world&, size_t)>{});
      observed reused = run_as_fuzz_one(b, h, kept);
      observed fresh = run_observed(b_program, h, nullptr);
      expect_same(reused, fresh, what);
      observed again = run_as_fuzz_one(b, h, kept);
      EXPECT_EQ(again.text, reused.text) << what << ": the same input gave another result on the reused world";
      EXPECT_EQ(image_difference(again.image, reused.image), "") << what << ": same input, another final world";
    }
  }
  EXPECT_GT(large, 0u) << "no input chose the large world";
  EXPECT_GT(irqsave, 0u) << "no input chose the irqsave discipline";
  EXPECT_LE(kept.worlds.configurations(), world_cache::max_configurations);
}

// The damage above must really be there (else the test proves little): a
// damaged run reports, and its world differs from a clean run's.
TEST(runtime_reuse, damaged_run_reports_and_leaves_a_different_world) {
  const harness& h = *find_harness("ops");
  program p = decode(testing::random_input(7), h.program_layout);
  ASSERT_FALSE(p.at(list_id::task).empty()) << "seed 7 should decode to at least one task operation";
  world_cache worlds;
  observed clean = run_observed(p, h, &worlds);
  observed damaged = run_observed(p, h, &worlds, damage);
  EXPECT_NE(clean.text, damaged.text) << "the damage should change the run's reports";
  EXPECT_NE(image_difference(clean.image, damaged.image), "") << "the damage should change the world";
  observed after = run_observed(p, h, &worlds);
  expect_same(after, clean, "ops seed 7 after a damaged run");
}

// Restoring from a world that has run is refused: only a pristine world is
// an exact picture of a fresh one.
TEST(runtime_reuse, restore_refuses_a_used_world) {
  world_config config;
  config.zones = {{ZONE_NORMAL, 1024}};
  report_sink sink;
  world used(config, sink);
  used.begin_operation();
  world target(config, sink);
  EXPECT_THROW(target.restore(used, sink, nullptr), std::invalid_argument)
      << "a world whose operation index moved is not pristine";
}

}  // namespace
}  // namespace labyrinth::fuzz
