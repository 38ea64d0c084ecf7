#!/usr/bin/env python3
"""Every output format of `cadrage check`, timed, optionally against another build.

    tests/bench/formats.py --cadrage target/release/cadrage \
        --corpus target/bench/corpus/100000/cadrage [--baseline OTHER_BUILD] [--runs 7]

For each format, the builds alternate (one warm-up round, then RUNS timed
rounds, so that machine noise hits both alike) with the output to a file;
the table gives the median wall time (min-max), CPU and peak RSS (GNU
time). With --baseline, the two builds' outputs are compared byte for byte
on every format and the script exits 1 when they differ. The corpus is the
one tests/bench/run.sh generates (see docs/performance.md, "Every output
format").
"""

import argparse
import filecmp
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import fmt_time, run_accounted  # noqa: E402

FORMATS = ["human", "json", "sarif", "junit", "github"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cadrage", required=True, help="the build to time")
    ap.add_argument("--baseline", help="another build, timed alternately with the first")
    ap.add_argument("--corpus", required=True, help="a folder of .cadrage files")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--formats", nargs="+", default=FORMATS, choices=FORMATS)
    ap.add_argument("--today", default="2026-11-22")
    a = ap.parse_args()

    builds = [("baseline", a.baseline)] if a.baseline else []
    builds.append(("cadrage", a.cadrage))
    samples = {}
    differ = []
    with tempfile.TemporaryDirectory(prefix="cadrage-formats-") as tmp:
        for fmt in a.formats:
            for rnd in range(a.runs + 1):
                order = builds if rnd % 2 == 0 else list(reversed(builds))
                for name, binary in order:
                    out = os.path.join(tmp, f"{fmt}.{name}")
                    cmd = [binary, "check", "--format", fmt, "--fail-on", "never", "--today", a.today, a.corpus]
                    wall, cpu, rss, rc, err = run_accounted(cmd, out, os.path.join(tmp, "time"))
                    if rc != 0:
                        sys.exit(f"{name} --format {fmt} exited {rc}: {err.decode(errors='replace')[-2000:]}")
                    if rnd > 0:
                        samples.setdefault((fmt, name), []).append((wall, cpu, rss))
            if a.baseline and not filecmp.cmp(os.path.join(tmp, f"{fmt}.baseline"),
                                              os.path.join(tmp, f"{fmt}.cadrage"), shallow=False):
                differ.append(fmt)

    head = "| format | " + " | ".join(f"{name}: wall | CPU | peak RSS" for name, _ in builds) + " |"
    print(head)
    print("|---|" + "---|---|---|" * len(builds))
    for fmt in a.formats:
        cells = []
        for name, _ in builds:
            v = samples[(fmt, name)]
            walls = [x[0] for x in v]
            cells.append(f"{fmt_time(statistics.median(walls))} ({fmt_time(min(walls))}–{fmt_time(max(walls))}) "
                         f"| {fmt_time(statistics.median(x[1] for x in v))} "
                         f"| {statistics.median(x[2] for x in v) / 1024:.1f} MiB")
        print(f"| `{fmt}` | " + " | ".join(cells) + " |")
    print(f"\nmedians of {a.runs} runs after one warm-up round; corpus {a.corpus}")
    if a.baseline:
        if differ:
            print(f"OUTPUTS DIFFER between the builds: {', '.join(differ)}")
            sys.exit(1)
        print("outputs: the same byte for byte in every format")


if __name__ == "__main__":
    main()
