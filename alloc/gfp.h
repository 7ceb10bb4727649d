// GFP flags with the kernel's bit values (include/linux/gfp_types.h, v6.10+)
// and composites.  One X-macro list gives the enum, printing, parsing and the
// fuzz decoder's table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace labyrinth {

using gfp_t = uint32_t;

// X(name, value)
#define LABYRINTH_GFP_BITS(X)     \
  X(__GFP_DMA, 0x01u)             \
  X(__GFP_HIGHMEM, 0x02u)         \
  X(__GFP_DMA32, 0x04u)           \
  X(__GFP_MOVABLE, 0x08u)         \
  X(__GFP_RECLAIMABLE, 0x10u)     \
  X(__GFP_HIGH, 0x20u)            \
  X(__GFP_IO, 0x40u)              \
  X(__GFP_FS, 0x80u)              \
  X(__GFP_ZERO, 0x100u)           \
  X(__GFP_DIRECT_RECLAIM, 0x400u) \
  X(__GFP_KSWAPD_RECLAIM, 0x800u) \
  X(__GFP_WRITE, 0x1000u)         \
  X(__GFP_NOWARN, 0x2000u)        \
  X(__GFP_RETRY_MAYFAIL, 0x4000u) \
  X(__GFP_NOFAIL, 0x8000u)        \
  X(__GFP_NORETRY, 0x10000u)      \
  X(__GFP_MEMALLOC, 0x20000u)     \
  X(__GFP_COMP, 0x40000u)         \
  X(__GFP_NOMEMALLOC, 0x80000u)   \
  X(__GFP_HARDWALL, 0x100000u)    \
  X(__GFP_THISNODE, 0x200000u)    \
  X(__GFP_ACCOUNT, 0x400000u)

#define LABYRINTH_X(name, value) inline constexpr gfp_t name = value;
LABYRINTH_GFP_BITS(LABYRINTH_X)
#undef LABYRINTH_X

inline constexpr gfp_t __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
inline constexpr gfp_t __GFP_BITS_MASK = 0x7fffffu & ~0x200u;  // 0x200 unused since 6.3

// Composites, in the order the printer prefers them (largest first, as the
// kernel's %pGg does).  X(name, value)
#define LABYRINTH_GFP_COMPOSITES(X)                                  \
  X(GFP_HIGHUSER_MOVABLE, GFP_USER_VALUE | __GFP_HIGHMEM | __GFP_MOVABLE) \
  X(GFP_HIGHUSER, GFP_USER_VALUE | __GFP_HIGHMEM)                    \
  X(GFP_USER, GFP_USER_VALUE)                                        \
  X(GFP_KERNEL_ACCOUNT, GFP_KERNEL_VALUE | __GFP_ACCOUNT)            \
  X(GFP_KERNEL, GFP_KERNEL_VALUE)                                    \
  X(GFP_NOFS, __GFP_RECLAIM | __GFP_IO)                              \
  X(GFP_NOIO, __GFP_RECLAIM)                                         \
  X(GFP_ATOMIC, __GFP_HIGH | __GFP_KSWAPD_RECLAIM)                   \
  X(GFP_NOWAIT, __GFP_KSWAPD_RECLAIM | __GFP_NOWARN)

inline constexpr gfp_t GFP_KERNEL_VALUE = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
inline constexpr gfp_t GFP_USER_VALUE = GFP_KERNEL_VALUE | __GFP_HARDWALL;

#define LABYRINTH_X(name, value) inline constexpr gfp_t name = value;
LABYRINTH_GFP_COMPOSITES(LABYRINTH_X)
#undef LABYRINTH_X

// include/linux/gfp.h
inline constexpr bool gfpflags_allow_blocking(gfp_t gfp) { return (gfp & __GFP_DIRECT_RECLAIM) != 0; }

// Kernel notation: "GFP_ATOMIC|__GFP_ZERO", or "0" for no flags.  Unknown bits
// print as a hex remainder ("GFP_KERNEL|0x200").
std::string format_gfp(gfp_t gfp);
// The same, appended to `out` (no string of its own).
void append_gfp(std::string& out, gfp_t gfp);
// Accepts what format_gfp prints: names joined by '|', hex or decimal numbers,
// optional spaces.  Returns nullopt on an unknown name or bad number.
std::optional<gfp_t> parse_gfp(std::string_view text);

}  // namespace labyrinth
