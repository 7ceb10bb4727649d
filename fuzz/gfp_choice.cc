#include "fuzz/gfp_choice.h"

#include <bit>

namespace labyrinth::fuzz {
namespace {

// Raw family index -> flags; the order is the raw encoding.
constexpr gfp_t families[8] = {GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_USER,
                               GFP_HIGHUSER_MOVABLE, GFP_KERNEL_ACCOUNT, GFP_ATOMIC, GFP_NOWAIT};
// The atomic counterpart of each family.
constexpr unsigned atomic_family[8] = {6, 7, 7, 6, 6, 6, 6, 7};
// Families tried when taking flags apart: most bits first, GFP_ATOMIC before
// GFP_NOWAIT (GFP_NOWAIT|__GFP_HIGH is GFP_ATOMIC|__GFP_NOWARN).
constexpr unsigned decompose_order[8] = {4, 3, 5, 0, 1, 2, 6, 7};

constexpr gfp_t common_bits[4] = {__GFP_ZERO, __GFP_NOWARN, __GFP_NORETRY, __GFP_HIGH};
constexpr gfp_t rare_bits[4] = {__GFP_NOFAIL, __GFP_RETRY_MAYFAIL, __GFP_MEMALLOC, __GFP_NOMEMALLOC};
constexpr gfp_t common_mask = __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY | __GFP_HIGH;

}  // namespace

gfp_t gfp_from_raw(uint16_t raw, unsigned order, bool atomic) {
  unsigned family = raw & 7u;
  bool dma32 = (raw >> 3) & 1u;
  gfp_t modifiers = 0;
  for (unsigned bit = 0; bit < 4; ++bit)
    if ((raw >> (4 + bit)) & 1u) modifiers |= common_bits[bit];
  unsigned rare = (raw >> 8) % 8;
  if (rare >= 4) modifiers |= rare_bits[rare - 4];
  if (atomic) {
    family = atomic_family[family];
    modifiers &= __GFP_ZERO | __GFP_NOWARN | __GFP_MEMALLOC | __GFP_NOMEMALLOC;
  }
  gfp_t gfp = families[family];
  if (gfp & __GFP_HIGHMEM) dma32 = false;
  if (modifiers & __GFP_NOFAIL) {
    if (!gfpflags_allow_blocking(gfp) || order > 1)
      modifiers &= ~__GFP_NOFAIL;
    else
      modifiers &= ~__GFP_NORETRY;
  }
  return gfp | (dma32 ? __GFP_DMA32 : 0) | modifiers;
}

std::optional<uint16_t> gfp_to_raw(gfp_t gfp, unsigned order, bool atomic) {
  for (unsigned family : decompose_order) {
    gfp_t base = families[family];
    if ((gfp & base) != base) continue;
    gfp_t rest = gfp & ~base;
    uint16_t raw = static_cast<uint16_t>(family);
    if (rest & __GFP_DMA32) raw |= 1u << 3;
    rest &= ~__GFP_DMA32;
    for (unsigned bit = 0; bit < 4; ++bit)
      if (rest & common_bits[bit]) raw |= static_cast<uint16_t>(1u << (4 + bit));
    rest &= ~common_mask;
    if (std::popcount(rest) > 1) continue;
    for (unsigned bit = 0; bit < 4 && rest; ++bit)
      if (rest == rare_bits[bit]) {
        raw |= static_cast<uint16_t>((4 + bit) << 8);
        rest = 0;
      }
    if (rest) continue;
    // An atomic context only takes atomic families as they are: the raw
    // family must be the one printed (its counterpart is itself).
    if (gfp_from_raw(raw, order, atomic) == gfp) return raw;
  }
  return std::nullopt;
}

const char* gfp_problem(gfp_t gfp, unsigned order, bool atomic) {
  if (gfp_to_raw(gfp, order, atomic)) return "";
  if (atomic && gfpflags_allow_blocking(gfp)) return "a blocking allocation in atomic context (use GFP_ATOMIC or GFP_NOWAIT)";
  if (gfp & __GFP_NOFAIL) {
    if (!gfpflags_allow_blocking(gfp)) return "__GFP_NOFAIL without __GFP_DIRECT_RECLAIM";
    if (order > 1) return "__GFP_NOFAIL with order > 1";
    if (gfp & __GFP_NORETRY) return "__GFP_NOFAIL with __GFP_NORETRY";
  }
  if ((gfp & __GFP_DMA32) && (gfp & __GFP_HIGHMEM)) return "__GFP_DMA32 with __GFP_HIGHMEM (GFP_ZONE_BAD)";
  if (atomic) return "flags a correct client does not pass in atomic context";
  return "flags outside the fuzz client's vocabulary (a GFP_* family, __GFP_DMA32, __GFP_ZERO, __GFP_NOWARN, "
         "__GFP_NORETRY, __GFP_HIGH, and one of __GFP_NOFAIL, __GFP_RETRY_MAYFAIL, __GFP_MEMALLOC, __GFP_NOMEMALLOC)";
}

}  // namespace labyrinth::fuzz
