#!/usr/bin/env python3
"""Renders bench/run's Markdown table from Google Benchmark's JSON output.

Usage: bench/table.py BENCH_JSON COMMAND_LINE

Every figure is the median of the repetitions (aggregate "median"), in CPU
nanoseconds per iteration (cpu_time: time the process was descheduled by the
other users of the machine does not count); a paired ratio is the median of
the repetitions' "ratio" counter (bench/paired.h).  Exits 1 if a benchmark
failed.
"""
import json
import sys

SIZES = [1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18]


def load(path):
    with open(path) as f:
        data = json.load(f)
    medians, errors = {}, []
    for entry in data["benchmarks"]:
        if entry.get("error_occurred"):
            errors.append(f'{entry["run_name"]}: {entry.get("error_message", "?")}')
        elif entry.get("aggregate_name") == "median":
            medians[entry["run_name"]] = entry
    return data["context"], medians, errors


def ns(entry):
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[entry["time_unit"]]
    return entry["cpu_time"] * scale


def fmt_ns(value):
    if value is None:
        return "—"
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    if value >= 1e4:
        return f"{value / 1e3:.1f} µs"
    return f"{value:.1f} ns"


def fmt_ratio(numerator, denominator):
    if numerator is None or denominator is None or denominator == 0:
        return "—"
    ratio = numerator / denominator
    return f"{ratio:.0f}x" if ratio >= 20 else f"{ratio:.2f}x"


def fmt_counter_ratio(ratio):
    return "—" if ratio is None else f"{ratio:.2f}x"


def main():
    bench_json, command = sys.argv[1], sys.argv[2]
    context, medians, errors = load(bench_json)

    def median_ns(name):
        entry = medians.get(name)
        return ns(entry) if entry else None

    def counter(name, key):
        entry = medians.get(name)
        return entry.get(key) if entry else None

    out = []
    repetitions = max((e.get("repetitions", 0) for e in medians.values()), default=0)
    with open("/proc/loadavg") as f:
        load_end = ", ".join(f.read().split()[:3])
    out.append(f"Medians of {repetitions} repetitions (interleaved in random order), CPU time per iteration. "
               f'Machine: {context.get("num_cpus", "?")} CPUs at {context.get("mhz_per_cpu", "?")} MHz, '
               f'shared with other users (noisy); load average at start '
               f'{", ".join(f"{x:.2f}" for x in context.get("load_avg", []))}, at the end {load_end}.')
    out.append("")
    out.append(f"Command: `{command}`")
    out.append("")

    out.append("**1. Order-0 alloc+free on the per-CPU fast path vs a bare intrusive free list** "
               "(2^14 pages, checks off, steady state: no refill, no drain, no slow path; the baseline is a "
               "singly linked LIFO list of 2^14 page-sized (4096-byte) nodes, the hardware floor)")
    out.append("")
    out.append("| what | ns per alloc+free | model / baseline |")
    out.append("| --- | ---: | ---: |")
    baseline = median_ns("bare_free_list_pop_push")
    out.append(f"| bare intrusive free list, pop+push (baseline) | {fmt_ns(baseline)} | 1.00x |")
    for discipline in ("trylock", "irqsave"):
        value = median_ns(f"fast_path_order0/{discipline}")
        out.append(f"| model, pcp discipline `{discipline}` | {fmt_ns(value)} | {fmt_ratio(value, baseline)} |")
    out.append("")

    out.append("**2. Cost against memory size** (order-0 alloc+free pair, trylock; checked series: "
               "begin_operation/end_operation around each call, so two checks per pair)")
    out.append("")
    out.append("| pages | fast path (checks off) | incremental check | full check (`check_full`) |")
    out.append("| ---: | ---: | ---: | ---: |")
    series = ("fast_path_by_pages", "incremental_check_by_pages", "full_check_by_pages")
    for pages in SIZES:
        cells = [fmt_ns(median_ns(f"{s}/pages:{pages}")) for s in series]
        out.append(f"| 2^{pages.bit_length() - 1} = {pages} | " + " | ".join(cells) + " |")
    ratios = [fmt_ratio(median_ns(f"{s}/pages:{SIZES[-1]}"), median_ns(f"{s}/pages:{SIZES[0]}")) for s in series]
    out.append("| **2^18 / 2^10** (ratio of the medians) | " + " | ".join(f"**{r}**" for r in ratios) + " |")
    paired = [fmt_counter_ratio(counter(f"paired_by_pages/{s}", "ratio"))
              for s in ("fast_path", "incremental_check")]
    out.append("| **2^18 / 2^10** (paired: alternating batches in one run) | " +
               " | ".join(f"**{r}**" for r in paired) + " | — |")
    out.append("")
    out.append("(2^10 pages is a DMA32 zone alone; every larger world has DMA32 of 1024 pages plus NORMAL.)")
    out.append("")

    out.append("**3. Slow-path costs** (checks off, trylock; each compared with its baseline from the same run)")
    out.append("")
    out.append("A call timed alone between PauseTiming/ResumeTiming (its set-up untimed) includes the pause's "
               "clock reads: its baseline is the empty paused region, and *net* is the difference.")
    out.append("")
    out.append("| what | ns per call | baseline | net / ratio | notes |")
    out.append("| --- | ---: | ---: | ---: | --- |")
    paused = median_ns("paused_empty_region")
    fast = median_ns("fast_path_order0/trylock")

    def net(value):
        return "—" if value is None or paused is None else fmt_ns(value - paused)

    def paused_row(what, name, notes):
        value = median_ns(name)
        out.append(f"| {what} | {fmt_ns(value)} | {fmt_ns(paused)} (empty paused region) | {net(value)} | {notes} |")

    def fast_row(what, name, notes):
        value = median_ns(name)
        out.append(f"| {what} | {fmt_ns(value)} | {fmt_ns(fast)} (fast path, trylock) | {fmt_ratio(value, fast)} | {notes} |")

    def per(name, key, fmt="{:.0f}"):
        value = counter(name, key)
        return "?" if value is None else fmt.format(value)

    paused_row("order-0 alloc refilling the empty per-CPU list from the buddy (`rmqueue_bulk`)", "pcp_refill_order0",
               f"2^14 pages; {per('pcp_refill_order0', 'pages_per_refill')} pages per refill")
    fast_row("order-0 alloc+free falling back from NORMAL (below its low mark) to DMA32", "zone_fallback_order0",
             "no compaction, no slow path: the first pass of `get_page_from_freelist`")
    fast_row("order-4 alloc+free on the buddy lists (no pcp)", "buddy_order4",
             "2^14 pages; split 10→4 and merge back each time")
    paused_row("order-0 GFP_KERNEL below the low marks: slow path, kswapd woken, success at min", "slowpath_kswapd_wake",
               "4096 pages; no reclaim in the call")
    reclaimed = counter("kswapd_balance", "pages_reclaimed_per_run")
    balance = median_ns("kswapd_balance")
    per_page = "" if reclaimed is None or balance is None or paused is None or reclaimed == 0 else \
        f", {(balance - paused) / reclaimed:.0f} ns per page"
    paused_row("kswapd run after that wake-up (balance to the high mark)", "kswapd_balance",
               f"{per('kswapd_balance', 'pages_reclaimed_per_run')} pages reclaimed per run{per_page}")
    paused_row("order-0 GFP_KERNEL at the min marks: slow path and direct reclaim", "slowpath_direct_reclaim",
               f"4096 pages; {per('slowpath_direct_reclaim', 'pages_reclaimed_per_alloc')} pages reclaimed per call "
               f"(direct reclaim and the kswapd run at its cond_resched, "
               f"{per('slowpath_direct_reclaim', 'kswapd_runs_per_alloc', '{:.2f}')} runs)")
    oom = "slowpath_oom_kill/iterations:2000"
    paused_row("order-0 GFP_KERNEL with nothing reclaimable: direct reclaim fails, OOM kill, retry", oom,
               f"1024 pages, a fresh world per call; {per(oom, 'oom_kills_per_alloc', '{:.1f}')} OOM kills and "
               f"{per(oom, 'direct_reclaims_per_alloc', '{:.1f}')} direct reclaims per call (see bench/reclaim_bench.cc)")
    out.append("")

    out.append("**4. Oracle overhead** (order-0 alloc+free pair, 2^14 pages, trylock, "
               "begin_operation/end_operation around each call)")
    out.append("")
    out.append("| check level | ns per alloc+free | ratio to none |")
    out.append("| --- | ---: | ---: |")
    none = median_ns("oracle_overhead/none")
    for level in ("none", "incremental", "full"):
        value = median_ns(f"oracle_overhead/{level}")
        out.append(f"| `check_level::{level}` | {fmt_ns(value)} | {fmt_ratio(value, none)} |")
    paired_oracle = fmt_counter_ratio(counter("paired_oracle/incremental_vs_none", "ratio"))
    out.append(f"| incremental / none, paired (alternating batches in one run) | | {paired_oracle} |")

    if errors:
        out.append("")
        out.append("**Failed benchmarks:**")
        out.extend(f"- {e}" for e in errors)
    print("\n".join(out))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
