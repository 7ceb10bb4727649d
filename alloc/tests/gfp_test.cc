// GFP flags (alloc/gfp.h) against include/linux/gfp_types.h v6.10
// (reference §1): bit values, composites, and the kernel-notation printer and
// parser.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "alloc/gfp.h"

namespace labyrinth {
namespace {

struct named_flag {
  const char* name;
  gfp_t value;
};

// Every bit, by its kernel name, as gfp_types.h numbers them (reference §1).
const std::vector<named_flag> kernel_bits = {
    {"__GFP_DMA", 0x01},           {"__GFP_HIGHMEM", 0x02},        {"__GFP_DMA32", 0x04},
    {"__GFP_MOVABLE", 0x08},       {"__GFP_RECLAIMABLE", 0x10},    {"__GFP_HIGH", 0x20},
    {"__GFP_IO", 0x40},            {"__GFP_FS", 0x80},             {"__GFP_ZERO", 0x100},
    {"__GFP_DIRECT_RECLAIM", 0x400}, {"__GFP_KSWAPD_RECLAIM", 0x800}, {"__GFP_WRITE", 0x1000},
    {"__GFP_NOWARN", 0x2000},      {"__GFP_RETRY_MAYFAIL", 0x4000}, {"__GFP_NOFAIL", 0x8000},
    {"__GFP_NORETRY", 0x10000},    {"__GFP_MEMALLOC", 0x20000},    {"__GFP_COMP", 0x40000},
    {"__GFP_NOMEMALLOC", 0x80000}, {"__GFP_HARDWALL", 0x100000},   {"__GFP_THISNODE", 0x200000},
    {"__GFP_ACCOUNT", 0x400000},
};

// Composites, with values worked out by hand from the bits:
//   GFP_KERNEL = RECLAIM(0x400|0x800) | IO 0x40 | FS 0x80           = 0xCC0
//   GFP_ATOMIC = HIGH 0x20 | KSWAPD_RECLAIM 0x800                   = 0x820
//   GFP_NOWAIT = KSWAPD_RECLAIM 0x800 | NOWARN 0x2000               = 0x2800
//   GFP_NOIO   = RECLAIM                                            = 0xC00
//   GFP_NOFS   = RECLAIM | IO                                       = 0xC40
//   GFP_USER   = GFP_KERNEL | HARDWALL 0x100000                     = 0x100CC0
//   GFP_HIGHUSER = GFP_USER | HIGHMEM 0x02                          = 0x100CC2
//   GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | MOVABLE 0x08              = 0x100CCA
//   GFP_KERNEL_ACCOUNT = GFP_KERNEL | ACCOUNT 0x400000              = 0x400CC0
const std::vector<named_flag> kernel_composites = {
    {"GFP_KERNEL", 0xCC0},      {"GFP_ATOMIC", 0x820},           {"GFP_NOWAIT", 0x2800},
    {"GFP_NOIO", 0xC00},        {"GFP_NOFS", 0xC40},             {"GFP_USER", 0x100CC0},
    {"GFP_HIGHUSER", 0x100CC2}, {"GFP_HIGHUSER_MOVABLE", 0x100CCA}, {"GFP_KERNEL_ACCOUNT", 0x400CC0},
};

TEST(gfp, bits_have_the_kernel_values) {
  // Goal: every __GFP_ bit equals gfp_types.h's.  Method: compare each constant
  // with the hex value from the reference, and its printed name with the kernel's.
  const std::vector<std::pair<gfp_t, gfp_t>> model_vs_kernel = {
      {__GFP_DMA, 0x01},           {__GFP_HIGHMEM, 0x02},        {__GFP_DMA32, 0x04},
      {__GFP_MOVABLE, 0x08},       {__GFP_RECLAIMABLE, 0x10},    {__GFP_HIGH, 0x20},
      {__GFP_IO, 0x40},            {__GFP_FS, 0x80},             {__GFP_ZERO, 0x100},
      {__GFP_DIRECT_RECLAIM, 0x400}, {__GFP_KSWAPD_RECLAIM, 0x800}, {__GFP_WRITE, 0x1000},
      {__GFP_NOWARN, 0x2000},      {__GFP_RETRY_MAYFAIL, 0x4000}, {__GFP_NOFAIL, 0x8000},
      {__GFP_NORETRY, 0x10000},    {__GFP_MEMALLOC, 0x20000},    {__GFP_COMP, 0x40000},
      {__GFP_NOMEMALLOC, 0x80000}, {__GFP_HARDWALL, 0x100000},   {__GFP_THISNODE, 0x200000},
      {__GFP_ACCOUNT, 0x400000},
  };
  for (size_t i = 0; i < model_vs_kernel.size(); ++i) {
    EXPECT_EQ(model_vs_kernel[i].first, model_vs_kernel[i].second) << kernel_bits[i].name;
    EXPECT_EQ(format_gfp(kernel_bits[i].value), kernel_bits[i].name);
  }
  EXPECT_EQ(__GFP_RECLAIM, 0xC00u);
  EXPECT_EQ(__GFP_BITS_MASK & 0x200u, 0u) << "0x200 (the old ___GFP_ATOMIC) is unused since 6.3";
}

TEST(gfp, composites_have_the_kernel_values) {
  // Goal: the composites equal the kernel's (the five the allocator's policy
  // turns on, and the user ones).  Method: hand-computed values above.
  EXPECT_EQ(GFP_ATOMIC, 0x820u);
  EXPECT_EQ(GFP_KERNEL, 0xCC0u);
  EXPECT_EQ(GFP_NOWAIT, 0x2800u);
  EXPECT_EQ(GFP_NOIO, 0xC00u);
  EXPECT_EQ(GFP_NOFS, 0xC40u);
  EXPECT_EQ(GFP_USER, 0x100CC0u);
  EXPECT_EQ(GFP_HIGHUSER, 0x100CC2u);
  EXPECT_EQ(GFP_HIGHUSER_MOVABLE, 0x100CCAu);
  EXPECT_EQ(GFP_KERNEL_ACCOUNT, 0x400CC0u);
  EXPECT_TRUE(gfpflags_allow_blocking(GFP_KERNEL));
  EXPECT_TRUE(gfpflags_allow_blocking(GFP_NOIO));
  EXPECT_FALSE(gfpflags_allow_blocking(GFP_ATOMIC));
  EXPECT_FALSE(gfpflags_allow_blocking(GFP_NOWAIT));
}

TEST(gfp, format_uses_kernel_notation) {
  // Goal: the printer writes one composite (the largest that fits) then the
  // remaining bits in bit order, "0" for nothing, a hex remainder for unknown bits.
  EXPECT_EQ(format_gfp(0), "0");
  for (const named_flag& composite : kernel_composites) EXPECT_EQ(format_gfp(composite.value), composite.name);
  EXPECT_EQ(format_gfp(GFP_ATOMIC | __GFP_ZERO), "GFP_ATOMIC|__GFP_ZERO");
  EXPECT_EQ(format_gfp(GFP_KERNEL | __GFP_NOWARN | __GFP_ZERO), "GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN");
  EXPECT_EQ(format_gfp(GFP_NOWAIT | __GFP_HIGH), "GFP_ATOMIC|__GFP_NOWARN")
      << "0x2820: GFP_ATOMIC comes before GFP_NOWAIT in the kernel's gfpflag_names table";
  EXPECT_EQ(format_gfp(__GFP_RECLAIM), "GFP_NOIO") << "__GFP_RECLAIM has the value of GFP_NOIO";
  EXPECT_EQ(format_gfp(GFP_KERNEL | 0x200u), "GFP_KERNEL|0x200");
  EXPECT_EQ(format_gfp(0x800000u), "0x800000");
}

TEST(gfp, append_writes_what_format_returns_after_the_text) {
  // Goal: append_gfp (the report lines' builder) adds exactly format_gfp's
  // text to what is already there, for every bit, composite and remainder.
  std::vector<gfp_t> masks = {0, GFP_ATOMIC | __GFP_ZERO, GFP_KERNEL | 0x200u, 0x800000u, GFP_NOWAIT | __GFP_HIGH};
  for (const named_flag& composite : kernel_composites) masks.push_back(composite.value);
  for (unsigned bit = 0; bit < 32; ++bit) masks.push_back(gfp_t(1) << bit);
  for (gfp_t gfp : masks) {
    std::string line = "mode:(";
    append_gfp(line, gfp);
    EXPECT_EQ(line, "mode:(" + format_gfp(gfp)) << std::hex << gfp;
  }
}

TEST(gfp, parse_round_trips_every_bit_pair_and_composite) {
  // Goal: parse_gfp(format_gfp(x)) == x.  Method: every single bit, every pair
  // of bits (231), every composite alone and with every bit added, and all
  // bits at once.
  std::vector<gfp_t> values = {0, __GFP_BITS_MASK};
  for (size_t i = 0; i < kernel_bits.size(); ++i) {
    values.push_back(kernel_bits[i].value);
    for (size_t j = i + 1; j < kernel_bits.size(); ++j) values.push_back(kernel_bits[i].value | kernel_bits[j].value);
  }
  for (const named_flag& composite : kernel_composites) {
    values.push_back(composite.value);
    for (const named_flag& bit : kernel_bits) values.push_back(composite.value | bit.value);
  }
  EXPECT_EQ(values.size(), 2u + 22u + 231u + 9u * 23u);
  for (gfp_t value : values) {
    std::string text = format_gfp(value);
    auto parsed = parse_gfp(text);
    ASSERT_TRUE(parsed.has_value()) << "format_gfp(" << value << ") = \"" << text << "\" did not parse";
    EXPECT_EQ(*parsed, value) << "\"" << text << "\"";
  }
}

TEST(gfp, parse_accepts_names_numbers_and_spaces) {
  // Goal: the parser reads every kernel name, __GFP_RECLAIM, hex and decimal
  // numbers, with spaces around '|'.
  for (const named_flag& bit : kernel_bits) EXPECT_EQ(parse_gfp(bit.name), bit.value) << bit.name;
  for (const named_flag& composite : kernel_composites) EXPECT_EQ(parse_gfp(composite.name), composite.value);
  EXPECT_EQ(parse_gfp("__GFP_RECLAIM"), 0xC00u);
  EXPECT_EQ(parse_gfp(" GFP_KERNEL | __GFP_ZERO "), 0xDC0u);
  EXPECT_EQ(parse_gfp("0xcc0"), 0xCC0u);
  EXPECT_EQ(parse_gfp("3264"), 0xCC0u) << "3264 = 0xCC0";
  EXPECT_EQ(parse_gfp("GFP_NOWAIT|0x20"), 0x2820u);
}

TEST(gfp, parse_rejects_bad_names_and_numbers) {
  // Goal: anything that is not a name or a number is rejected, never guessed.
  for (const char* bad : {"", " ", "|", "GFP_KERNEL|", "|GFP_KERNEL", "GFP_KERNAL", "gfp_kernel", "__GFP_ATOMIC",
                          "GFP_KERNEL||__GFP_ZERO", "0x", "0xZZ", "12ab", "-1", "GFP_KERNEL __GFP_ZERO"}) {
    EXPECT_FALSE(parse_gfp(bad).has_value()) << "\"" << bad << "\" parsed as " << parse_gfp(bad).value_or(0);
  }
}

}  // namespace
}  // namespace labyrinth
