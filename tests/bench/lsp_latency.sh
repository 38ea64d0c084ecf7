#!/usr/bin/env bash
# Editor latency, side by side with taplo: didChange -> publishDiagnostics,
# hover and completion, on a generated 10,000-line plan and a generated
# 10,000-line TOML file, measured in the same run with the shared probe.
#
#   tests/bench/lsp_latency.sh [RUNS]        # default 5 runs of 30 edits each
#
# Needs: python3, the measurement tools (SHARED, default ../shared), and
# taplo with its language server on PATH or in TAPLO (install it with
# `cargo install taplo-cli --locked --root /tmp/taplo`). With BASELINE set
# to another build of cadrage (say, of the commit before a change), that
# build is measured in the same runs, interleaved, as "baseline".
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
shared=${SHARED:-../shared}
taplo=${TAPLO:-$(command -v taplo || echo /tmp/taplo/bin/taplo)}
out=${OUT:-target/bench/lsp}
mkdir -p "$out"

cargo build --release -q
server="$PWD/target/release/cadrage lsp"

# A 10,000-line plan: one file of the benchmark corpus (findings included).
python3 "$shared/bench/gen_corpus.py" --scenarios 1290 --per-file 1290 --out "$out/corpus" --seed 7 > /dev/null
plan=$(ls "$out"/corpus/cadrage/*.cadrage | head -n 1)
python3 "$shared/tools/gen_toml.py" 10000 "$out/big.toml" > /dev/null
echo "plan: $(wc -l < "$plan") lines; toml: $(wc -l < "$out/big.toml") lines"
echo "start: $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

rm -f "$out"/*.json
for i in $(seq 1 "$runs"); do
  for mode in append-line toggle-char; do
    python3 "$shared/tools/lsp_probe.py" --server "$server" --file "$plan" --language-id cadrage \
      --edits 30 --edit-mode "$mode" --position 4:10 --json "$out/cadrage-$mode-$i.json" > /dev/null
    if [ -n "${BASELINE:-}" ]; then
      python3 "$shared/tools/lsp_probe.py" --server "$BASELINE lsp" --file "$plan" --language-id cadrage \
        --edits 30 --edit-mode "$mode" --position 4:10 --json "$out/baseline-$mode-$i.json" > /dev/null
    fi
    python3 "$shared/tools/lsp_probe.py" --server "$taplo lsp stdio" --file "$out/big.toml" --language-id toml \
      --edits 30 --edit-mode "$mode" --position 4:10 --json "$out/taplo-$mode-$i.json" > /dev/null
  done
done

echo "end: $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$runs" <<'PY'
import json, statistics, sys, glob
out, runs = sys.argv[1], int(sys.argv[2])
def fig(path, key):
    d = json.load(open(path))
    v = d.get(key)
    return v if isinstance(v, dict) else None
print(f"| server | edit | change→last publish p50 | p95 | hover p95 | completion p95 | peak RSS |")
print("|---|---|---|---|---|---|---|")
for server in ["cadrage", "baseline", "taplo"]:
    for mode in ["append-line", "toggle-char"]:
        files = sorted(glob.glob(f"{out}/{server}-{mode}-*.json"))
        if not files:
            continue
        rows = [json.load(open(f)) for f in files]
        def med(key, stat):
            vals = [r[key][stat] for r in rows if isinstance(r.get(key), dict) and stat in r[key]]
            return statistics.median(vals) if vals else float("nan")
        rss = statistics.median([r.get("peak_rss_kb", 0) for r in rows]) / 1024
        print(f"| {server} | {mode} | {med('change_to_last_diagnostics_ms','p50'):.1f} ms | {med('change_to_last_diagnostics_ms','p95'):.1f} ms "
              f"| {med('hover_ms','p95'):.1f} ms | {med('completion_ms','p95'):.1f} ms | {rss:.0f} MiB |")
print(f"\nmedians over {runs} runs of 30 edits each")
PY
