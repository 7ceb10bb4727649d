// Compiler attributes the model uses (the kernel's include/linux/compiler*.h
// in miniature).
#pragma once

// __always_inline: for the accessors on every path of the model.  The
// sanitizer builds compile at -O1, where even one-line member functions are
// called, and every call pays the instrumentation of a function of its own
// (a coverage counter, libFuzzer's stack-depth probe, the checks) on top of
// the call.
#if defined(__GNUC__) || defined(__clang__)
#define LABYRINTH_INLINE __attribute__((always_inline))
#else
#define LABYRINTH_INLINE
#endif
