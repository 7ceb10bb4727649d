#!/usr/bin/python3
"""ci/coverage_summary.py OUT ROOT INPUTS FUZZ_SECONDS HARNESS...: the coverage
table of ci/coverage.  Reads OUT/summary.json (llvm-cov export -summary-only of
all harnesses together) and OUT/profiles/<h>.json (each harness alone), sums
lines, branches and functions per directory (alloc/, faultinject/), prints a
Markdown table, appends a line to OUT/history.tsv and plots the history into
OUT/coverage.png once it has two points."""
import json
import os
import sys
import time

KINDS = ("lines", "branches", "functions")


def per_directory(path, root):
    """{dir: {kind: [covered, count]}} for alloc/ and faultinject/, and 'total'."""
    with open(path) as f:
        data = json.load(f)["data"][0]
    sums = {}
    for entry in data["files"]:
        rel = os.path.relpath(entry["filename"], root)
        top = rel.split(os.sep)[0] + "/"
        if top not in ("alloc/", "faultinject/"):
            continue
        for key in (top, "total"):
            bucket = sums.setdefault(key, {k: [0, 0] for k in KINDS})
            for k in KINDS:
                bucket[k][0] += entry["summary"][k]["covered"]
                bucket[k][1] += entry["summary"][k]["count"]
    return sums


def cell(pair):
    covered, count = pair
    if count == 0:
        return "-"
    return "%.1f%% (%d/%d)" % (100.0 * covered / count, covered, count)


def percent(pair):
    return 100.0 * pair[0] / pair[1] if pair[1] else 0.0


def main():
    out, root, inputs, fuzz_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    harnesses = sys.argv[5:]
    rows = []
    everything = per_directory(os.path.join(out, "summary.json"), root)
    for key in ("alloc/", "faultinject/", "total"):
        if key in everything:
            rows.append(("all harnesses", key, everything[key]))
    for h in harnesses:
        path = os.path.join(out, "profiles", h + ".json")
        if os.path.exists(path):
            sums = per_directory(path, root)
            if "total" in sums:
                rows.append((h, "alloc/ + faultinject/", sums["total"]))
    print("Replay of %d corpus input(s) through the coverage build (clang -fprofile-instr-generate"
          " -fcoverage-mapping; llvm-profdata merge, llvm-cov export/report restricted to alloc/ and"
          " faultinject/; per file: `coverage/report.txt`)." % inputs)
    print()
    print("| corpus of | sources | lines | branches | functions |")
    print("| --- | --- | --- | --- | --- |")
    for who, key, sums in rows:
        print("| %s | %s | %s | %s | %s |" % (who, key, cell(sums["lines"]), cell(sums["branches"]), cell(sums["functions"])))
    print()
    total = everything.get("total")
    if total:
        history = os.path.join(out, "history.tsv")
        new = not os.path.exists(history)
        with open(history, "a") as f:
            if new:
                f.write("utc\tfuzz_seconds\tinputs\tline_percent\tbranch_percent\n")
            f.write("%s\t%d\t%d\t%.2f\t%.2f\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), fuzz_seconds,
                                                   inputs, percent(total["lines"]), percent(total["branches"])))
        plot(history, os.path.join(out, "coverage.png"))
        if os.path.exists(os.path.join(out, "coverage.png")):
            # Linked from DIR/report.md (out = DIR/coverage) or from OUT/summary.md itself.
            link = "coverage/coverage.png" if os.path.basename(os.path.normpath(out)) == "coverage" else "coverage.png"
            print("![line and branch coverage of alloc/ + faultinject/ after each session](%s)" % link)
            print()


def plot(history, png):
    with open(history) as f:
        lines = [l.rstrip("\n").split("\t") for l in f][1:]
    points = [(int(l[1]), float(l[3]), float(l[4])) for l in lines if len(l) >= 5]
    if len(points) < 2:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axis = plt.subplots(figsize=(8, 3.5))
    axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label="lines %")
    axis.plot([p[0] for p in points], [p[2] for p in points], marker="o", label="branches %")
    axis.set_xlabel("campaign fuzzing seconds (all harnesses) at the end of each session")
    axis.set_ylabel("alloc/ + faultinject/ coverage %")
    axis.grid(True, alpha=0.3)
    axis.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=80)


if __name__ == "__main__":
    main()
