#!/usr/bin/python3
"""ci/mutation_report.py: the tables of ci/mutation (run by it; /usr/bin/python3).

Reads OUT/plants/<plant>/{steps.tsv,first,build-seconds,compare.tsv,compare-harness}
and writes OUT/mutation.{md,json,xml}; with --compare also OUT/compare.{md,json,png}
(matplotlib). Prints the detection table (and the comparison) on stdout.
Exit status: 0 every plant caught, 1 some plant survived, 2 a build or step error.
"""
import argparse
import json
import os
import re
import statistics
import sys
import time
from xml.sax.saxutils import escape, quoteattr

# The categories (issue 8); a plant not listed here is "other".
CATEGORIES = {
    "atomic_direct_reclaim": "sleeping in atomic context",
    "zone_lock_across_reclaim": "sleeping in atomic context",
    "atomic_discount_wrong": "reserves",
    "kernel_into_reserve": "reserves",
    "nomemalloc_ignored": "reserves",
    "highatomic_never_released": "reserves",
    "merge_ignores_order": "buddy",
    "expand_loses_half": "buddy",
    "pcp_irq_unsafe": "per-CPU lists",
    "pcp_count_drift": "per-CPU lists",
    "drain_loses_pages": "per-CPU lists",
    "pcp_double_handout": "exclusivity",
    "exclusive_no_mapcount_check": "exclusivity",
    "free_mapped_accepted": "exclusivity",
    "leak_on_error_path": "leaks",
    "nofail_returns_null": "fault handling",
    "fail_nth_off_by_one": "fault handling",
    "times_not_decremented": "fault handling",
    "zone_lock_irq_unsafe": "locks",
    "pcp_remote_unlocked": "per-CPU lists (SMP)",
}
GENERIC = ("props", "fuzz")


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def read_text(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return default


def descriptions(plants_def):
    out = {}
    with open(plants_def, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'^X\(([a-z0-9_]+),\s*"(.*)"\)\s*$', line)
            if m:
                out[m.group(1)] = m.group(2).replace('\\"', '"')
    return out


def plant_result(out, plant, description):
    d = os.path.join(out, "plants", plant)
    steps = [{"step": r[0], "result": r[1], "seconds": float(r[2]), "detail": r[3] if len(r) > 3 else ""}
             for r in read_tsv(os.path.join(d, "steps.tsv"))]
    first = read_tsv(os.path.join(d, "first"))
    by_step = {s["step"]: s for s in steps}
    result = {
        "plant": plant,
        "category": CATEGORIES.get(plant, "other"),
        "description": description,
        "build_seconds": float(read_text(os.path.join(d, "build-seconds"), "0") or 0),
        "steps": steps,
        "first_step": first[0][0] if first else None,
        "seconds_to_detection": float(first[0][1]) if first else None,
        "error": any(s["result"] == "error" for s in steps),
        "own_scenario_shows_it": next((s["result"] == "shows" for s in steps if s["step"] == "plant-test"), None),
    }
    result["caught"] = result["first_step"] is not None
    result["generic"] = {g: by_step[g]["result"] == "caught" for g in GENERIC if g in by_step}
    result["caught_by_generic_step"] = any(result["generic"].values())
    return result


def step_cell(r, step):
    s = next((s for s in r["steps"] if s["step"] == step), None)
    if s is None:
        return "not run"
    if s["result"] == "caught":
        return f"**yes** {s['seconds']:.1f} s"
    if s["result"] == "missed":
        return f"no ({s['seconds']:.1f} s)"
    if s["result"] == "skipped":
        return "—"
    if s["result"] == "shows":
        return "yes"
    if s["result"] == "no-effect":
        return "**fails** (see its log)"
    return "ERROR"


def detail_of(r, step):
    s = next((s for s in r["steps"] if s["step"] == step and s["result"] == "caught"), None)
    return s["detail"] if s else ""


def short(text, n):
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def evidence(r):
    if not r["caught"]:
        return "SURVIVED"
    if r["caught_by_generic_step"]:
        return "generic"
    return "unit/corpus only"


def detection_markdown(results, meta):
    lines = [
        f"`{meta['command']}` at commit {meta['commit']}: {meta['caught']} of {meta['total']} plants caught, "
        f"{meta['survived']} survived; wall time {meta['wall']} s (builds included); load average "
        f"{meta['load']} (before / after); rapidcheck `RC_PARAMS=\"{meta['rc_params']}\"`; smoke fuzzing "
        f"{meta['fuzz_seconds']} s per harness.",
        "",
        "| plant | category | first caught by | time to detection | props | fuzz smoke | own scenario shows it "
        "| evidence | what caught it |",
        "| --- | --- | --- | ---: | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        first = r["first_step"] or "**none**"
        ttd = f"{r['seconds_to_detection']:.1f} s" if r["caught"] else "—"
        what = []
        for step in ("props", "corpus", "unit", "fuzz"):
            d = detail_of(r, step)
            if d:
                what.append(f"{step}: {short(d, 110)}")
        lines.append(
            f"| `{r['plant']}` | {r['category']} | {first} | {ttd} | {step_cell(r, 'props')} | "
            f"{step_cell(r, 'fuzz')} | {step_cell(r, 'plant-test')} | {evidence(r)} | "
            f"{'; '.join(what).replace('|', '/') or '—'} |"
        )
    lines += [
        "",
        "A step *catches* a plant when it fails, as it would fail the gate. Time to detection: the detection "
        "steps' own time (builds excluded) from the first step through the one that caught the plant, in the "
        "order props, corpus, unit, fuzz (each harness in turn, until one crashes); "
        "corpus and unit are skipped once a plant is caught, props and fuzz always run. *evidence*: `generic` = "
        "props or the smoke fuzzing caught it, not only a scenario test. *own scenario shows it*: "
        "`plant_detection.<plant>_is_caught` passes in the planted build (a check that the plant is live; "
        "those tests expect the plant's effect there, so they never fail the gate and are not a detection step); "
        "*fails*: the test saw something other than what it expects (another finding first, e.g. ASan, or nothing).",
    ]
    return "\n".join(lines) + "\n"


def junit(results, meta):
    failures = sum(1 for r in results if not r["caught"] or r["error"])
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>",
           f'  <testsuite name="mutation" tests="{len(results)}" failures="{failures}" errors="0" '
           f'time="{meta["wall"]}" timestamp="{time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())}">']
    for r in results:
        secs = r["seconds_to_detection"] or sum(s["seconds"] for s in r["steps"])
        out.append(f'    <testcase classname="mutation" name={quoteattr(r["plant"])} time="{secs:.1f}">')
        steps = "\n".join(f'{s["step"]}: {s["result"]} ({s["seconds"]:.1f} s) {s["detail"]}' for s in r["steps"])
        if r["error"]:
            out.append(f'      <failure message="step error">{escape(steps)}</failure>')
        elif not r["caught"]:
            out.append(f'      <failure message={quoteattr("survived: " + r["description"])}>{escape(steps)}</failure>')
        else:
            out.append(f"      <system-out>{escape(steps)}</system-out>")
        out.append("    </testcase>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


def text_table(results):
    rows = [("plant", "first step", "ttd s", "props", "fuzz", "own scenario", "evidence")]
    for r in results:
        rows.append((r["plant"], r["first_step"] or "NONE",
                     f"{r['seconds_to_detection']:.1f}" if r["caught"] else "-",
                     step_cell(r, "props").replace("**", ""), step_cell(r, "fuzz").replace("**", ""),
                     step_cell(r, "plant-test").replace("**", ""), evidence(r)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    fmt = " | ".join("{:<%d}" % w for w in widths)
    lines = [fmt.format(*rows[0]), " | ".join("-" * w for w in widths)]
    lines += [fmt.format(*row) for row in rows[1:]]
    return "\n".join(line.rstrip() for line in lines)


# ---- the comparison ----------------------------------------------------------------

def side_summary(trials, cap):
    """Median over trials; a trial that found nothing counts as the cap (a lower bound)."""
    if not trials:
        return None
    times = [t["seconds"] if t["found"] else float(cap) for t in trials]
    found = sum(1 for t in trials if t["found"])
    median = statistics.median(times)
    # The median is a lower bound as soon as half the trials or more hit the cap.
    capped = found * 2 <= len(trials) if len(trials) % 2 == 0 else found * 2 < len(trials)
    return {"median": median, "median_capped": capped, "found": found, "trials": len(trials),
            "min": min(times), "max": max(times), "times": times}


def fmt_seconds(x):
    return "< 0.1 s" if x < 0.05 else f"{x:.1f} s"


def fmt_side(s, cap):
    if s is None:
        return "—"
    if s["median_capped"]:
        return f"> {cap} s ({s['found']}/{s['trials']} found)"
    return f"{fmt_seconds(s['median'])} ({s['found']}/{s['trials']})"


def ratio(g, r, cap):
    """random median / guided median (> 1: guided is faster), with a readable text.
    Times are wall-clock to 0.1 s; a median under that counts as 0.05 s."""
    if g is None or r is None:
        return None, "—"
    if g["median_capped"] and r["median_capped"]:
        return None, "both > cap"
    gm, rm = max(g["median"], 0.05), max(r["median"], 0.05)
    value = rm / gm
    if g["median_capped"]:
        return value, f"random ≥ {gm / rm:.0f}x faster (guided > cap)"
    if r["median_capped"]:
        return value, f"guided ≥ {value:.0f}x faster (random > cap)"
    if value >= 1:
        return value, f"guided {value:.1f}x faster"
    return value, f"random {1 / value:.0f}x faster"


def compare_results(out, plants, cap):
    rows = []
    for plant in plants:
        d = os.path.join(out, "plants", plant)
        harness = read_text(os.path.join(d, "compare-harness"), "none")
        trials = [{"side": t[0], "trial": int(t[1]), "seconds": float(t[2]), "found": t[3] == "1",
                   "title": t[4] if len(t) > 4 else ""} for t in read_tsv(os.path.join(d, "compare.tsv"))]
        g = side_summary([t for t in trials if t["side"] == "guided"], cap)
        r = side_summary([t for t in trials if t["side"] == "random"], cap)
        value, text = ratio(g, r, cap)
        rows.append({"plant": plant, "harness": harness, "guided": g, "random": r, "ratio": value,
                     "ratio_text": text, "trials": trials})
    return rows


def compare_markdown(rows, meta):
    lines = [
        f"`{meta['command']}` at commit {meta['commit']}: per plant, the harness whose smoke run caught it, "
        f"{meta['trials']} trials per side, each capped at {meta['cap']} s (a capped trial counts as the cap, so a "
        f"median shown as \"> cap\" is a lower bound); load average {meta['load']} (before / after). *Guided*: "
        f"libFuzzer from the {meta['compare_corpus']} corpus with the harness's dictionary, `-seed=k`. *Random*: "
        "`labyrinth-random --seed k*1000003` (the same harness and model build: random programs, every fault "
        "and interrupt drawn from a seeded PRNG under the harness's probability settings, a loop over seeds).",
        "",
        "| plant | harness | guided, median (found) | random (seeded PRNG), median (found) | random / guided |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        if row["harness"] == "none":
            lines.append(f"| `{row['plant']}` | none | — | — | no harness caught it in the smoke run |")
            continue
        lines.append(f"| `{row['plant']}` | {row['harness']} | {fmt_side(row['guided'], meta['cap'])} | "
                     f"{fmt_side(row['random'], meta['cap'])} | {row['ratio_text']} |")
    return "\n".join(lines) + "\n"


def compare_plot(rows, meta, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    shown = [r for r in rows if r["guided"] and r["random"]]
    if not shown:
        return False
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(shown) + 2), 4.5))
    width = 0.38
    for offset, side, color, label in ((-width / 2, "guided", "tab:blue", "coverage-guided (libFuzzer)"),
                                       (width / 2, "random", "tab:orange", "seeded PRNG (labyrinth-random)")):
        xs = [i + offset for i in range(len(shown))]
        med = [max(r[side]["median"], 0.05) for r in shown]
        lo = [m - max(r[side]["min"], 0.05) for m, r in zip(med, shown)]
        hi = [max(r[side]["max"], 0.05) - m for m, r in zip(med, shown)]
        bars = ax.bar(xs, med, width, color=color, label=label, yerr=[lo, hi], capsize=2)
        for bar, r in zip(bars, shown):
            if r[side]["median_capped"]:
                bar.set_hatch("//")
                bar.set_alpha(0.55)
    ax.axhline(meta["cap"], color="gray", linestyle="--", linewidth=0.8)
    ax.text(len(shown) - 0.5, meta["cap"], f"cap {meta['cap']} s", ha="right", va="bottom", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("seconds to first report (median, min-max)")
    ax.set_xticks(range(len(shown)))
    ax.set_xticklabels([f"{r['plant']}\n({r['harness']})" for r in shown], rotation=60, ha="right", fontsize=7)
    ax.set_title(f"Time to detect each planted bug ({meta['trials']} trials per side;\n"
                 f"libFuzzer from the {meta['compare_corpus']} corpus; hatched: median at the cap)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def compare_text(rows, cap):
    lines = ["plant | harness | guided | random | random/guided"]
    for row in rows:
        lines.append(f"{row['plant']} | {row['harness']} | {fmt_side(row['guided'], cap)} | "
                     f"{fmt_side(row['random'], cap)} | {row['ratio_text']}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--plants", required=True)
    ap.add_argument("--steps", required=True)
    ap.add_argument("--plants-def", required=True)
    ap.add_argument("--fuzz-seconds", default="20")
    ap.add_argument("--wall", default="?")
    ap.add_argument("--load", default="?")
    ap.add_argument("--rc-params", default="")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--cap", type=int, default=60)
    ap.add_argument("--compare-corpus", default="empty")
    a = ap.parse_args()

    plants = [p for p in a.plants.split(",") if p]
    desc = descriptions(a.plants_def)
    results = [plant_result(a.out, p, desc.get(p, "")) for p in plants]
    caught = sum(1 for r in results if r["caught"])
    all_plants = len(desc) == len(plants)
    command = "ci/mutation" + ("" if all_plants else " --plants " + a.plants)
    if a.steps != "props,corpus,unit,fuzz,plant-test":
        command += " --steps " + a.steps
    if a.fuzz_seconds != "20":
        command += " --fuzz-seconds " + a.fuzz_seconds
    if a.compare:
        command += f" --compare --trials {a.trials} --cap {a.cap}"
        if a.compare_corpus != "empty":
            command += " --compare-corpus " + a.compare_corpus
    meta = {"command": command, "commit": a.commit, "total": len(results), "caught": caught,
            "survived": len(results) - caught, "wall": a.wall, "load": a.load, "rc_params": a.rc_params,
            "fuzz_seconds": a.fuzz_seconds, "steps": a.steps.split(","), "trials": a.trials, "cap": a.cap,
            "compare_corpus": a.compare_corpus}

    with open(os.path.join(a.out, "mutation.md"), "w") as f:
        f.write(detection_markdown(results, meta))
    doc = {"meta": meta, "plants": results}
    with open(os.path.join(a.out, "mutation.xml"), "w") as f:
        f.write(junit(results, meta))
    print()
    print(text_table(results))
    print()
    if a.compare:
        rows = compare_results(a.out, plants, a.cap)
        with open(os.path.join(a.out, "compare.md"), "w") as f:
            f.write(compare_markdown(rows, meta))
        with open(os.path.join(a.out, "compare.json"), "w") as f:
            json.dump({"meta": meta, "plants": rows}, f, indent=1)
        try:
            plotted = compare_plot(rows, meta, os.path.join(a.out, "compare.png"))
        except ImportError as e:
            print(f"[mutation] no plot: {e} (ci/install-deps installs python3-matplotlib)", file=sys.stderr)
            plotted = False
        doc["compare"] = rows
        print(compare_text(rows, a.cap))
        print()
        if not plotted:
            print("[mutation] compare.png not written", file=sys.stderr)
    with open(os.path.join(a.out, "mutation.json"), "w") as f:
        json.dump(doc, f, indent=1)
    errors = [r["plant"] for r in results if r["error"]]
    survivors = [r["plant"] for r in results if not r["caught"]]
    print(f"{caught} of {len(results)} plants caught; survived: {', '.join(survivors) or 'none'}"
          + (f"; errors: {', '.join(errors)}" if errors else ""))
    if errors:
        return 2
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
