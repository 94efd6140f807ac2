#!/usr/bin/env bash
# `make bench`: throughput and memory of `starvit deid` (release) on synthesized NDJSON.
#
# Every figure that matters is a ratio measured in the same run (the machine is shared and
# noisy): deid vs a plain serde_json parse+serialize of the same file with the same buffered
# I/O (`shared/deid/examples/serde_baseline.rs`), on one core; two files on two cores vs one
# file on one core; peak RSS of the child at two input sizes. Engine and baseline runs are
# interleaved, BENCH_ROUNDS times (default 3), and each figure is the median of its rounds.
# Times are on-CPU seconds of the child (user + system): on a shared machine, wall time also
# counts other people's processes on the same core.
#
# Data: `starvit synth --target-mb $BENCH_MB --seed 1 --out target/bench/export`, generated once
# and reused while the parameters (stamp file) are unchanged, then concatenated into one file.
# Prints a table and writes target/bench/deid.json; then the leak gate (target/bench/gate.json) and
# the chain benchmark (target/bench/chain.json) and the scale benchmark (target/bench/scale.json).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
MB=${BENCH_MB:-520}
SMALL_MB=${BENCH_SMALL_MB:-100}
SEED=1
OUT=$ROOT/target/bench
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target/h-bench}
BIN=$CARGO_TARGET_DIR/release
export STARVIT_DEID_KEY=${STARVIT_DEID_KEY:-62656e63682d6b65792d6e6f742d612d7365637265742d30313233}

echo "building (release)..."
cargo build --quiet --release -p starvit --bin starvit
cargo build --quiet --release -p starvit-deid --example serde_baseline --example gate_bench

mkdir -p "$OUT"
stamp="target-mb=$MB seed=$SEED"
if [[ ! -f $OUT/export/.bench-params || $(cat "$OUT/export/.bench-params") != "$stamp" ]]; then
    echo "synthesizing $MB MB (seed $SEED)..."
    rm -rf "$OUT/export" "$OUT/all.ndjson" "$OUT/small.ndjson"
    "$BIN/starvit" synth --target-mb "$MB" --seed "$SEED" --out "$OUT/export" >/dev/null
    echo "$stamp" >"$OUT/export/.bench-params"
fi
if [[ ! -f $OUT/all.ndjson || $OUT/export/.bench-params -nt $OUT/all.ndjson ]]; then
    cat "$OUT"/export/*.ndjson >"$OUT/all.ndjson"
fi
if [[ ! -f $OUT/small.ndjson || $OUT/all.ndjson -nt $OUT/small.ndjson ]]; then
    # The first SMALL_MB megabytes, cut at a line end.
    head -c $((SMALL_MB * 1000000)) "$OUT/all.ndjson" | head -n -1 >"$OUT/small.ndjson"
fi
mkdir -p "$OUT/two"
ln -f "$OUT/small.ndjson" "$OUT/two/a.ndjson"
ln -f "$OUT/small.ndjson" "$OUT/two/b.ndjson"

# Pin to cores when taskset exists (one core = core 0).
pin() {
    local cores=$1
    shift
    if command -v taskset >/dev/null; then taskset -c "$cores" "$@"; else "$@"; fi
}

# run NAME CORES CMD...: on-CPU seconds and peak RSS (KiB) of the child, via /usr/bin/time;
# each round appends to TIMES[NAME] and RSSES[NAME] (medians below).
declare -A TIMES WALLS RSSES WALL ELAPSED RSS
ROUNDS=${BENCH_ROUNDS:-3}
run() {
    local name=$1 cores=$2
    shift 2
    local tf=$OUT/time.$name cpu wall rss user sys
    rm -rf "$OUT/out.$name" && mkdir -p "$OUT/out.$name"
    if [[ -x /usr/bin/time ]]; then
        pin "$cores" /usr/bin/time -f "%e %U %S %M" -o "$tf" "$@" >/dev/null
        read -r wall user sys rss <"$tf"
        cpu=$(python3 -c "print($user + $sys)")
    else
        local t0 t1
        t0=$(date +%s.%N)
        pin "$cores" "$@" >/dev/null
        t1=$(date +%s.%N)
        wall=$(echo "$t1 - $t0" | bc)
        cpu=$wall
        rss=0
    fi
    TIMES[$name]+="$cpu "
    WALLS[$name]+="$wall "
    RSSES[$name]+="$rss "
}
median() { python3 -c "import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))" $1; }

deid() { # deid NAME CORES THREADS INPUT
    run "$1" "$2" "$BIN/starvit" deid --policy shifted --threads "$3" --input "$4" --output "$OUT/out.$1"
}

bytes_all=$(stat -c %s "$OUT/all.ndjson")
lines_all=$(wc -l <"$OUT/all.ndjson")
bytes_small=$(stat -c %s "$OUT/small.ndjson")

echo "running (one core unless noted; $ROUNDS rounds, interleaved)..."
# Interleave baseline and engine so both see the same machine noise.
for ((round = 0; round < ROUNDS; round++)); do
    run serde 0 "$BIN/examples/serde_baseline" "$OUT/all.ndjson" "$OUT/out.serde/all.ndjson"
    deid deid 0 1 "$OUT/all.ndjson"
    deid small 0 1 "$OUT/small.ndjson"
    run serde_small 0 "$BIN/examples/serde_baseline" "$OUT/small.ndjson" "$OUT/out.serde_small/all.ndjson"
    deid two 0,1 2 "$OUT/two"
    deid one 0 1 "$OUT/small.ndjson"
done
for name in "${!TIMES[@]}"; do
    WALL[$name]=$(median "${TIMES[$name]}")
    ELAPSED[$name]=$(median "${WALLS[$name]}")
    RSS[$name]=$(median "${RSSES[$name]}")
done

calc() { python3 -c "print(round($1, 3))"; }
mbps() { calc "$1 / 1e6 / ${WALL[$2]}"; }
deid_mbps=$(mbps "$bytes_all" deid)
serde_mbps=$(mbps "$bytes_all" serde)
deid_rps=$(calc "$lines_all / ${WALL[deid]}")
ratio=$(calc "$deid_mbps / $serde_mbps")
small_ratio=$(calc "(${WALL[serde_small]}) / (${WALL[small]})")
# Scaling is about wall time (two threads' CPU seconds add up).
one_mbps=$(calc "$bytes_small / 1e6 / ${ELAPSED[one]}")
two_mbps=$(calc "2 * $bytes_small / 1e6 / ${ELAPSED[two]}")
scale=$(calc "$two_mbps / $one_mbps")
rss_mib() { calc "${RSS[$1]} / 1024"; }

printf '\n%-44s %12s\n' "starvit deid (shifted), $(calc "$bytes_all/1e6") MB, $lines_all resources" ""
printf '%-44s %12s\n' "deid, 1 core: MB/s" "$deid_mbps"
printf '%-44s %12s\n' "deid, 1 core: resources/s" "$deid_rps"
printf '%-44s %12s\n' "serde_json Value parse+serialize: MB/s" "$serde_mbps"
printf '%-44s %12s   (target >= 1.0, aim 2)\n' "ratio deid / serde_json (full file)" "$ratio"
printf '%-44s %12s\n' "ratio deid / serde_json ($SMALL_MB MB slice)" "$small_ratio"
printf '%-44s %12s   (target < 64)\n' "peak RSS, $SMALL_MB MB input (MiB)" "$(rss_mib small)"
printf '%-44s %12s   (flat = about the same)\n' "peak RSS, $(calc "$bytes_all/1e6") MB input (MiB)" "$(rss_mib deid)"
printf '%-44s %12s\n' "serde baseline peak RSS (MiB)" "$(rss_mib serde)"
printf '%-44s %12s\n' "1 file / 1 core: MB/s" "$one_mbps"
printf '%-44s %12s\n' "2 files / 2 cores: MB/s" "$two_mbps"
printf '%-44s %12s   (aim near 2)\n' "scaling 2 cores / 1 core" "$scale"

cat >"$OUT/deid.json" <<EOF
{
  "input_bytes": $bytes_all,
  "resources": $lines_all,
  "deid_seconds": ${WALL[deid]},
  "deid_mb_per_s": $deid_mbps,
  "deid_resources_per_s": $deid_rps,
  "serde_seconds": ${WALL[serde]},
  "serde_mb_per_s": $serde_mbps,
  "ratio_deid_to_serde": $ratio,
  "ratio_deid_to_serde_small": $small_ratio,
  "peak_rss_kib": {"small": ${RSS[small]}, "full": ${RSS[deid]}, "serde": ${RSS[serde]}},
  "small_input_bytes": $bytes_small,
  "one_file_one_core_mb_per_s": $one_mbps,
  "two_files_two_cores_mb_per_s": $two_mbps,
  "two_core_scaling": $scale
}
EOF
rm -rf "$OUT"/out.* "$OUT"/time.*
echo "wrote $OUT/deid.json"

# The leak gate (shared/deid/examples/gate_bench.rs), one process per size so each peak RSS is
# that size's: time and memory against the number of identifying values in one line and in an
# export's people index; linear = time ratio ~ size ratio. Times are on-CPU seconds (the machine
# is shared). Then the 7.9 MB line of 180,000 values through the engine (the old gate: 354 s),
# the engine's throughput with and without the gate on ordinary data, and the false-positive
# figure on a population named after places, states, months and words
# (shared/deid/tests/gate_population.rs). BENCH_SKIP_GATE=1 leaves it out.
if [[ ${BENCH_SKIP_GATE:-0} != 1 ]]; then
    echo
    echo "leak gate..."
    : >"$OUT/gate.ndjson"
    for mode in line people; do
        for n in ${BENCH_GATE_SIZES:-1000 10000 100000 1000000}; do
            "$BIN/examples/gate_bench" "$mode" "$n" >>"$OUT/gate.ndjson"
        done
    done
    "$BIN/examples/gate_bench" engine >>"$OUT/gate.ndjson"
    "$BIN/examples/gate_bench" share 150 >>"$OUT/gate.ndjson"
    GATE_FP_PATIENTS=${BENCH_GATE_FP_PATIENTS:-60} cargo test --quiet --release -p starvit-deid \
        --test gate_population ambiguous -- --nocapture 2>/dev/null | grep '^GATE_FP' >>"$OUT/gate.ndjson" || true
    python3 - "$OUT/gate.ndjson" "$OUT/gate.json" <<'PY'
import json, sys
rows, fp = [], None
for line in open(sys.argv[1]):
    if line.startswith("GATE_FP"):
        fp = dict(kv.split("=") for kv in line.split()[1:])
        fp = {k: int(v) for k, v in fp.items()}
    elif line.strip():
        rows.append(json.loads(line))
print(f"{'gate':<8}{'values':>9}{'needles':>9}{'build us/v':>11}{'check us/v':>11}"
      f"{'x time':>8}{'x size':>8}{'bytes/v':>9}{'peak MiB':>9}")
for mode, build in (("line", "fill_s"), ("people", "build_s")):
    prev = None
    for r in (r for r in rows if r["mode"] == mode):
        n = r["values"]
        t = r[build] + (r["check_s"] if mode == "line" else 0)
        check = r["check_s"] / (n if mode == "line" else r["probes"])
        ratio = f"{t / prev[1]:.1f}" if prev else "-"
        size = f"{n / prev[0]:.0f}" if prev else "-"
        print(f"{mode:<8}{n:>9}{r['needles']:>9}{r[build] / n * 1e6:>11.3f}{check * 1e6:>11.3f}"
              f"{ratio:>8}{size:>8}{r['gate_bytes'] / n:>9.0f}{r['peak_rss_kib'] / 1024:>9.1f}")
        prev = (n, t)
print("(people: check us/v = per open value, against the whole index; should not grow)")
for r in (r for r in rows if r["mode"] == "engine"):
    print(f"engine, one {r['line_bytes'] / 1e6:.1f} MB line of {r['values']} values: "
          f"{r['gate_on_s']:.2f} s with the gate, {r['gate_off_s']:.2f} s without (old gate: 354 s)")
for r in (r for r in rows if r["mode"] == "share"):
    print(f"engine on a synthesized export ({r['bytes'] / 1e6:.0f} MB): {r['gate_on_mb_s']} MB/s with "
          f"the gate, {r['gate_off_mb_s']} MB/s without")
if fp:
    print(f"false positives ({fp['lines']} lines, {fp['carrying']} carrying a name): line values only "
          f"{fp['false_positives']} ({fp['quarantined']} quarantined, {fp['missed']} missed); with the "
          f"export's people {fp['people_false_positives']} ({fp['people_quarantined']} quarantined, "
          f"{fp['people_missed']} missed)")
json.dump({"rows": rows, "false_positives": fp}, open(sys.argv[2], "w"), indent=1)
PY
    echo "wrote $OUT/gate.json"
fi

# The chain on the local emulators: PHI upload -> rows queryable for a BENCH_CHAIN_MB export
# (default 100 MB), by stage, against in-process de-identification of the same files.
# BENCH_SKIP_CHAIN=1 leaves it out.
# The chain's binaries (release), built once for the chain and scale sections.
chain_bins() {
    if [[ -z ${CHAIN_BUILT:-} ]]; then
        echo "building the chain (release)..."
        cargo build --quiet --release -p starvit-e2e --bins
        CHAIN_BUILT=1
    fi
}
if [[ ${BENCH_SKIP_CHAIN:-0} != 1 ]]; then
    echo
    chain_bins
    "$BIN/bench-chain"
    echo "wrote $OUT/chain.json"
fi

# Scale (issue 12): synthesized exports of BENCH_SCALE_MB MB (default "500 2000") from
# bulk-export (a static Bulk Data server in the bench process serves the files) through parts
# of BENCH_SCALE_PART_BYTES (default 256 MiB), deidentify and bq-load: time per stage, peak RSS
# per function process, part count, and the bytes each raw-table MERGE reads
# (tests/src/bin/bench-scale/). Two growth series, BENCH_SCALE_GROWTH (default "people history"):
# "people" grows the export by adding patients (deidentify's people index grows with them; bytes
# per person printed), "history" keeps the smallest export's people and grows their histories
# (`starvit synth --patients P --target-mb N`). Per series and function: peak RSS smallest ->
# largest size and a verdict, flat (at most max(10%, 4 MiB) above) or grows. Both series share
# the smallest run (the same export), so the default is 3 runs: 500 MB, 2 GB by people, 2 GB by
# history (~4 + 7 + 7 minutes on 2 loaded cores, release; BENCH_SCALE_GROWTH=people saves the
# last). The local Eventarc delivers BENCH_SCALE_IN_FLIGHT (default 2, deidentify's Cloud Run
# concurrency) events per route at once, so a function process holds what one instance would.
# Exports are kept in target/bench/scale/. BENCH_SKIP_SCALE=1 leaves it out.
if [[ ${BENCH_SKIP_SCALE:-0} != 1 ]]; then
    echo
    chain_bins
    "$BIN/bench-scale"
    echo "wrote $OUT/scale.json"
fi
