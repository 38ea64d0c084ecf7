#!/usr/bin/env python3
"""Process-level throughput comparison of `cadrage check` with its peers.

Called by tests/bench/run.sh (which builds everything and generates the
corpora); see docs/performance.md. For each corpus size it runs, round-robin
so that machine noise hits every command alike, `cadrage check --format json`,
regorus' interpreter and bytecode VM (`peers regorus`) and the newline-count
floor (`peers scan`), one warm-up round then RUNS timed rounds. Every timed
cadrage run is checked with compare_cadrage.py and every regorus run against
expected_counts.json. Wall time is taken around fork/exec/wait, CPU time and
peak RSS from GNU time (the kernel's accounting of the reaped child).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_accounted(cmd, stdout_path, time_path):
    """Run cmd with stdout to a file; return (wall s, cpu s, peak RSS KiB, rc, stderr).

    CPU and peak RSS come from GNU time (`/usr/bin/time`), which reads them
    from wait4 on the command: a child forked from Python itself would report
    Python's own resident set as its peak (Linux carries the pre-exec peak
    over exec). Wall time is taken here, around time's fork/exec/wait.
    """
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", time_path] + cmd,
                              stdout=out, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
    try:
        rss, user, system = open(time_path).read().split()[-3:]
        cpu, rss = float(user) + float(system), int(rss)
    except ValueError:
        cpu, rss = float("nan"), 0
    return wall, cpu, rss, proc.returncode, proc.stderr


def fmt_time(s):
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench-dir", required=True)
    ap.add_argument("--cadrage", required=True)
    ap.add_argument("--peers", required=True)
    ap.add_argument("--corpus-root", required=True)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--today", default="2027-01-01")
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--json", required=True)
    a = ap.parse_args()

    policy = os.path.join(a.bench_dir, "rego", "management.rego")
    compare = os.path.join(a.bench_dir, "compare_cadrage.py")
    results = {}
    failures = []
    tmp = tempfile.mkdtemp(prefix="cadrage-bench-")
    for size in a.sizes:
        corpus = os.path.join(a.corpus_root, str(size))
        files = os.path.join(corpus, "cadrage")
        inp = os.path.join(corpus, "input.json")
        expected = json.load(open(os.path.join(corpus, "expected_counts.json")))
        nbytes = sum(os.path.getsize(os.path.join(files, f)) for f in os.listdir(files))
        commands = {
            "cadrage": [a.cadrage, "check", "--format", "json", "--fail-on", "never", "--today", a.today, files],
            "regorus-interp": [a.peers, "regorus", "--policy", policy, "--input", inp],
            "regorus-rvm": [a.peers, "regorus", "--engine", "rvm", "--policy", policy, "--input", inp],
            "scan": [a.peers, "scan", files],
        }
        samples = {k: [] for k in commands}
        for round_ in range(a.runs + 1):  # round 0 is the warm-up
            for name, cmd in commands.items():
                out = os.path.join(tmp, f"{name}-{size}.out")
                wall, cpu, rss, rc, err = run_accounted(cmd, out, os.path.join(tmp, "time.txt"))
                if rc != 0:
                    failures.append(f"{name} {size}: exit {rc}: {err.decode(errors='replace')[-500:]}")
                    continue
                if name == "cadrage":
                    cmp = subprocess.run([sys.executable, compare, corpus, out], capture_output=True, text=True)
                    if cmp.returncode != 0 or "rule findings AGREE" not in cmp.stdout:
                        failures.append(f"cadrage {size}: findings differ:\n{cmp.stdout[-2000:]}")
                elif name.startswith("regorus"):
                    got = json.load(open(out))
                    counts = got.get("counts", got) if isinstance(got, dict) else got
                    if counts != expected:
                        failures.append(f"{name} {size}: counts differ from expected_counts.json")
                if round_ > 0:
                    samples[name].append((wall, cpu, rss))
        results[size] = {"bytes": nbytes, "samples": samples}
        print(f"measured {size} scenarios", file=sys.stderr)

    def med(size, name, i=0):
        xs = [s[i] for s in results[size]["samples"][name]]
        return statistics.median(xs) if xs else float("nan")

    def rng(size, name):
        xs = [s[0] for s in results[size]["samples"][name]]
        return f"{fmt_time(min(xs))}–{fmt_time(max(xs))}" if xs else "n/a"

    lines = [
        f"Medians of {a.runs} runs (after one warm-up round), min–max of wall time in brackets; "
        "CPU = user + system; RSS = peak resident set of the process.",
        "",
        "| scenarios | files bytes | command | wall | CPU | peak RSS | wall / cadrage |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in a.sizes:
        base = med(size, "cadrage")
        for name in ["cadrage", "regorus-interp", "regorus-rvm", "scan"]:
            lines.append(
                f"| {size:,} | {results[size]['bytes']:,} | {name} | {fmt_time(med(size, name))} ({rng(size, name)}) "
                f"| {fmt_time(med(size, name, 1))} | {med(size, name, 2) / 1024:.1f} MiB | {med(size, name) / base:.2f}× |"
            )
    top = max(a.sizes)
    c = med(top, "cadrage")
    lines += [
        "",
        f"Targets at {top:,} scenarios (same run):",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        f"| ≥ 20× regorus interpreter | {med(top, 'regorus-interp') / c:.1f}× | {'yes' if med(top, 'regorus-interp') / c >= 20 else 'NO'} |",
        f"| ≥ 5× regorus VM | {med(top, 'regorus-rvm') / c:.1f}× | {'yes' if med(top, 'regorus-rvm') / c >= 5 else 'NO'} |",
        f"| within 10× of `peers scan` | {c / med(top, 'scan'):.1f}× | {'yes' if c / med(top, 'scan') <= 10 else 'NO'} |",
        f"| peak RSS < 200 MB | {med(top, 'cadrage', 2) / 1024:.1f} MiB | {'yes' if med(top, 'cadrage', 2) * 1024 < 200e6 else 'NO'} |",
        "",
        "Scale (cadrage): " + ", ".join(
            f"{s:,} → {fmt_time(med(s, 'cadrage'))} ({med(s, 'cadrage') / s * 1e6:.2f} µs/scenario, "
            f"{med(s, 'cadrage', 2) / 1024:.1f} MiB)" for s in a.sizes),
        "",
        "Correctness: " + ("every timed cadrage run AGREES with compare_cadrage.py, every regorus run "
                           "matches expected_counts.json" if not failures else "FAILURES, see below"),
    ]
    for f in failures:
        lines.append(f"- {f}")
    with open(a.markdown, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(a.json, "w") as f:
        json.dump({str(k): v for k, v in results.items()}, f, indent=1)
    print("\n".join(lines))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
