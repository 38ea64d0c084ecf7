#!/usr/bin/env bash
# Throughput and scale of `cadrage check`, side by side with its peers, in one
# go (docs/performance.md, "Throughput and scale"):
#
#   tests/bench/run.sh                    # sizes 1000 10000 100000, 5 runs each
#   RUNS=7 SIZES="1000 10000" tests/bench/run.sh
#
# Environment:
#   CADRAGE_BENCH_DIR  the peer benchmark (gen_corpus.py, compare_cadrage.py,
#                      rego/, peers/); default: ../shared/bench from the repo root
#   RUNS               timed runs per command and size (default 5, at least 5
#                      for the documented figures)
#   SIZES              corpus sizes in scenarios (default "1000 10000 100000")
#   OUT                output directory (default target/bench); the corpora go
#                      to $OUT/corpus/N (regenerated when missing), the table to
#                      $OUT/throughput.md and every sample to $OUT/throughput.json
#
# It builds `cadrage` (release) and the peers (`peers regorus`, `peers scan`,
# into target/peers so that the shared directory stays untouched), generates
# the corpora with seed 1 and 100 scenarios per file, checks them with the
# independent check_corpus.py, then runs tests/bench/measure.py: cadrage,
# regorus interpreter, regorus VM and the newline-count floor, round-robin,
# medians of RUNS runs, correctness checked on every run (exit 1 otherwise).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench="${CADRAGE_BENCH_DIR:-$repo/../shared/bench}"
runs="${RUNS:-5}"
sizes="${SIZES:-1000 10000 100000}"
out="${OUT:-$repo/target/bench}"

if [[ ! -f "$bench/gen_corpus.py" || ! -d "$bench/peers" ]]; then
    echo "error: no peer benchmark at \`$bench\`" >&2
    echo "help: set CADRAGE_BENCH_DIR to the directory holding gen_corpus.py and peers/" >&2
    exit 2
fi
bench="$(cd "$bench" && pwd)"
mkdir -p "$out/corpus"

echo "== building cadrage (release)" >&2
(cd "$repo" && cargo build --release --quiet -p cadrage-cli)
echo "== building the peers (regorus $(grep -A1 'name = "regorus"' "$bench/peers/Cargo.lock" | sed -n 's/version = //p' | tr -d '"'))" >&2
CARGO_TARGET_DIR="$repo/target/peers" cargo build --release --quiet --manifest-path "$bench/peers/Cargo.toml"
peers="$repo/target/peers/release/peers"

for n in $sizes; do
    dir="$out/corpus/$n"
    if [[ ! -f "$dir/expected_counts.json" ]]; then
        echo "== generating $n scenarios" >&2
        rm -rf "$dir"
        python3 "$bench/gen_corpus.py" --scenarios "$n" --per-file 100 --out "$dir" --seed 1 >/dev/null
        python3 "$bench/check_corpus.py" "$dir" >/dev/null
    fi
done

{
    echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), \
$(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $(rustc --version | cut -d' ' -f1-2); \
load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
} > "$out/machine.md"

echo "== measuring ($runs runs each)" >&2
status=0
# shellcheck disable=SC2086
python3 "$repo/tests/bench/measure.py" --bench-dir "$bench" --cadrage "$repo/target/release/cadrage" \
    --peers "$peers" --corpus-root "$out/corpus" --sizes $sizes --runs "$runs" \
    --markdown "$out/throughput.md" --json "$out/throughput.json" > /dev/null || status=$?
cat "$out/machine.md" "$out/throughput.md"

# ---- HOOK: editor latency (issue 6, lsp branch) --------------------------
# The editor-latency comparison (shared/tools/lsp_probe.py on a generated
# 10,000-line plan vs taplo on gen_toml.py's file) is tests/bench/lsp_latency.sh
# on the lsp branch; once both are merged it runs here, in the same session,
# with its output under $out/lsp. Skip it with LATENCY=0.
if [[ "${LATENCY:-1}" != 0 && -x "$repo/tests/bench/lsp_latency.sh" ]]; then
    echo
    (cd "$repo" && OUT="$out/lsp" tests/bench/lsp_latency.sh "$runs") || status=$?
fi
# ---- end of hook -------------------------------------------------------

exit "$status"
