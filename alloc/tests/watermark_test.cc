// Watermarks and per-zone reserves (world.cc setup) against reference §3-4:
// min_free_kbytes, __setup_per_zone_wmarks, setup_per_zone_lowmem_reserve,
// zone_batchsize and zone_highsize, each worked out by hand for a given
// configuration and compared with the world's values.
#include <gtest/gtest.h>

#include "alloc/tests/test_support.h"
#include "alloc/world.h"

namespace labyrinth {
namespace {

using alloc_test::expect_silent;

struct zone_expectation {
  long min, low, high;
  long lowmem_reserve_normal;  // lowmem_reserve[ZONE_NORMAL]
  int batch, high_pcp;
};

void expect_zone(const world& w, unsigned index, const zone_expectation& e) {
  const zone& z = w.zone_at(index);
  SCOPED_TRACE(z.name());
  EXPECT_EQ(z.watermark[WMARK_MIN], e.min);
  EXPECT_EQ(z.watermark[WMARK_LOW], e.low);
  EXPECT_EQ(z.watermark[WMARK_HIGH], e.high);
  EXPECT_EQ(z.lowmem_reserve[z.type], 0) << "a zone keeps no reserve against its own requests";
  EXPECT_EQ(z.lowmem_reserve[ZONE_NORMAL], e.lowmem_reserve_normal);
  EXPECT_EQ(z.pcp_batch, e.batch);
  EXPECT_EQ(z.pcp_high, e.high_pcp);
  EXPECT_EQ(w.this_cpu().pcp[index].batch, e.batch);
  EXPECT_EQ(w.this_cpu().pcp[index].high, e.high_pcp);
}

TEST(watermarks, dma32_4096_normal_12288) {
  // Goal: the default configuration's figures.  By hand (PAGE_SHIFT 12, so a
  // page is 4 KiB and pages_min = min_free_kbytes >> 2):
  //   lowmem_kbytes = 16384 pages * 4 = 65536;  65536 * 16 = 1048576
  //   min_free_kbytes = int_sqrt(1048576) = 1024   (inside 128..262144)
  //   pages_min = 1024 >> 2 = 256
  //   DMA32 : min = 256 * 4096 / 16384 = 64
  //           tmp = max(64 >> 2 = 16, 4096 * 10 / 10000 = 4) = 16
  //           low = 80, high = 96
  //   NORMAL: min = 256 * 12288 / 16384 = 192
  //           tmp = max(192 >> 2 = 48, 12288 * 10 / 10000 = 12) = 48
  //           low = 240, high = 288
  //   lowmem_reserve: DMA32[NORMAL] = 12288 / 256 (DMA32's ratio) = 48;
  //                   NORMAL[NORMAL] = 0
  //   pcp batch: DMA32: min(4096 >> 10 = 4, 256) / 4 = 1 -> rounddown_pow2(1) - 1 = 0 -> max(1, 0) = 1
  //              NORMAL: min(12, 256) / 4 = 3 -> rounddown_pow2(3 + 1) - 1 = 3
  //   pcp high = max(low / nr_cpus, batch * 4): DMA32 max(80, 4) = 80, NORMAL max(240, 12) = 240
  report_sink sink;
  world_config config;
  config.zones = {{ZONE_DMA32, 4096}, {ZONE_NORMAL, 12288}};
  world w(config, sink);
  EXPECT_EQ(w.min_free_kbytes(), 1024);
  expect_zone(w, 0, {64, 80, 96, 48, 1, 80});
  expect_zone(w, 1, {192, 240, 288, 0, 3, 240});
  expect_silent(sink);
}

TEST(watermarks, dma32_4096_normal_61440_two_cpus) {
  // Goal: a larger NORMAL zone (batch 15) and two CPUs (pcp high halves).
  //   lowmem_kbytes = 65536 * 4 = 262144; * 16 = 4194304; int_sqrt = 2048
  //   pages_min = 512
  //   DMA32 : min = 512 * 4096 / 65536 = 32; tmp = max(8, 4) = 8; low 40, high 48
  //   NORMAL: min = 512 * 61440 / 65536 = 480;
  //           tmp = max(120, mult_frac(61440, 10, 10000) = 60 + 1 = 61) = 120; low 600, high 720
  //   lowmem_reserve: DMA32[NORMAL] = 61440 / 256 = 240
  //   batch: DMA32 1 (as above); NORMAL min(60, 256) / 4 = 15 -> rounddown_pow2(15 + 7 = 22) - 1 = 15
  //   pcp high: DMA32 max(40 / 2 = 20, 4) = 20; NORMAL max(600 / 2 = 300, 60) = 300
  report_sink sink;
  world_config config;
  config.zones = {{ZONE_DMA32, 4096}, {ZONE_NORMAL, 61440}};
  config.nr_cpus = 2;
  config.oom_victim_pages = 0;
  world w(config, sink);
  EXPECT_EQ(w.min_free_kbytes(), 2048);
  expect_zone(w, 0, {32, 40, 48, 240, 1, 20});
  expect_zone(w, 1, {480, 600, 720, 0, 15, 300});
  expect_silent(sink);
}

TEST(watermarks, dma32_1024_normal_2048_rounds_down) {
  // Goal: the integer roundings (int_sqrt of a non-square, the per-zone
  // share truncated).  By hand:
  //   lowmem_kbytes = 3072 * 4 = 12288; * 16 = 196608; int_sqrt = 443 (443^2 = 196249, 444^2 = 197136)
  //   pages_min = 443 >> 2 = 110
  //   DMA32 : min = 110 * 1024 / 3072 = 36 (36.67); tmp = max(9, 1) = 9; low 45, high 54
  //   NORMAL: min = 110 * 2048 / 3072 = 73 (73.33); tmp = max(18, 2) = 18; low 91, high 109
  //   lowmem_reserve: DMA32[NORMAL] = 2048 / 256 = 8
  //   batch: 1024 >> 10 = 1, / 4 = 0 -> 1 -> 0 -> 1;  2048 >> 10 = 2, / 4 = 0 -> 1
  //   pcp high: 45 and 91
  report_sink sink;
  world_config config;
  config.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 2048}};
  world w(config, sink);
  EXPECT_EQ(w.min_free_kbytes(), 443);
  expect_zone(w, 0, {36, 45, 54, 8, 1, 45});
  expect_zone(w, 1, {73, 91, 109, 0, 1, 91});
  expect_silent(sink);
}

TEST(watermarks, watermark_scale_factor_widens_the_gaps) {
  // Goal: the scale-factor term wins when it is the larger.  Default zones,
  // watermark_scale_factor 1000:
  //   DMA32 : tmp = max(16, mult_frac(4096, 1000, 10000) = 409) = 409; low 64 + 409 = 473, high 882
  //   NORMAL: tmp = max(48, mult_frac(12288, 1000, 10000) = 1000 + 228 = 1228) = 1228;
  //           low 192 + 1228 = 1420, high 2648
  //   pcp high follows low: 473 and 1420
  report_sink sink;
  world_config config;
  config.zones = {{ZONE_DMA32, 4096}, {ZONE_NORMAL, 12288}};
  config.watermark_scale_factor = 1000;
  world w(config, sink);
  expect_zone(w, 0, {64, 473, 882, 48, 1, 473});
  expect_zone(w, 1, {192, 1420, 2648, 0, 3, 1420});
  expect_silent(sink);
}

TEST(watermarks, explicit_min_free_kbytes_and_a_single_zone) {
  // Goal: a configured min_free_kbytes replaces the computed one, and a lone
  // NORMAL zone takes the whole pages_min.  NORMAL 1024, min_free_kbytes 4096:
  //   pages_min = 1024; min = 1024 * 1024 / 1024 = 1024; tmp = max(256, 1) = 256
  //   low 1280, high 1536; pcp high 1280; batch 1
  // And the computed value for the same zone: 1024 * 4 * 16 = 65536 -> 256
  // (min 64, low 80, high 96, the figures the other tests use).
  // The clamps 128..262144 cannot be reached by world sizes (1024 pages already
  // give 256, and the upper clamp needs ~10^9 pages); they are not tested.
  report_sink sink;
  world_config config;
  config.zones = {{ZONE_NORMAL, 1024}};
  config.min_free_kbytes = 4096;
  config.oom_victim_pages = 0;
  world w(config, sink);
  EXPECT_EQ(w.min_free_kbytes(), 4096);
  expect_zone(w, 0, {1024, 1280, 1536, 0, 1, 1280});
  config.min_free_kbytes = -1;
  world computed(config, sink);
  EXPECT_EQ(computed.min_free_kbytes(), 256);
  expect_zone(computed, 0, {64, 80, 96, 0, 1, 80});
  expect_silent(sink);
}

}  // namespace
}  // namespace labyrinth
