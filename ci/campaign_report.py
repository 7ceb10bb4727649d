#!/usr/bin/python3
"""ci/campaign_report.py DIR HARNESS...: plots each harness's coverage, features
and exec/s over campaign time from libFuzzer's progress lines in
DIR/<harness>/fuzz-*.log (sessions one after another) into DIR/progress.png,
and prints per-harness "harness cov ft exec_per_s seconds" lines (the last seen).
With --seconds-only: prints the fuzzing seconds of all harnesses together."""
import glob
import os
import re
import sys

# Fork mode: "#N: cov: X ft: Y corp: Z exec/s: E oom/timeout/crash: ... time: Ts job: J"
# Plain mode: "#N  NEW    cov: X ft: Y corp: ... exec/s: E rss: ..."
FORK = re.compile(r"^#(\d+): cov: (\d+) ft: (\d+) corp: \d+ exec/s:? (\d+) .* time: (\d+)s")
PLAIN = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) .*exec/s: (\d+)")


def series(directory):
    points, offset = [], 0.0
    for log in sorted(glob.glob(os.path.join(directory, "fuzz-*.log")), key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0)):
        last = 0.0
        with open(log, errors="replace") as f:
            for line in f:
                m = FORK.match(line)
                if m:
                    t = float(m.group(5))
                elif PLAIN.match(line):
                    m, t = PLAIN.match(line), last  # no time on plain lines: keep order
                else:
                    continue
                last = t
                points.append((offset + t, int(m.group(2)), int(m.group(3)), int(m.group(4))))
        offset += last
    return points


def main():
    args = sys.argv[1:]
    seconds_only = "--seconds-only" in args
    args = [a for a in args if a != "--seconds-only"]
    directory, harnesses = args[0], args[1:]
    data = {h: series(os.path.join(directory, h)) for h in harnesses}
    if seconds_only:  # the campaign's fuzzing seconds so far, all harnesses (ci/coverage)
        print(int(sum(pts[-1][0] for pts in data.values() if pts)))
        return
    for h, pts in data.items():
        if pts:
            t, cov, ft, rate = pts[-1]
            print(h, cov, ft, rate, int(t))
        else:
            print(h, "-", "-", "-", 0)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("campaign_report: no matplotlib for /usr/bin/python3: no plot", file=sys.stderr)
        return
    fig, axes = plt.subplots(3, 1, figsize=(8, 9), sharex=True)
    for h, pts in data.items():
        if not pts:
            continue
        t = [p[0] for p in pts]
        for axis, index in zip(axes, (1, 2, 3)):
            axis.plot(t, [p[index] for p in pts], label=h)
    for axis, name in zip(axes, ("coverage (edges)", "features", "exec/s")):
        axis.set_ylabel(name)
        axis.grid(True, alpha=0.3)
    axes[0].legend()
    axes[2].set_xlabel("campaign seconds (sessions one after another)")
    fig.tight_layout()
    fig.savefig(os.path.join(directory, "progress.png"), dpi=80)


if __name__ == "__main__":
    main()
