#!/usr/bin/env bash
# bench/gc-survival.sh — how much of V8's young generation survives each scavenge in rq serve
# under run.sh's qbench load (50 connections, 64 B, set/get/delete cycles), and how often the
# collector runs. High survival means objects that live just long enough to be copied (a Map that
# churns per request did this): scavenges get slow and feed the old generation.
#
#   bench/gc-survival.sh [--seconds S] [--reps N] [--depth D] [SERVE_ARG...]
#   RQ_BIN_B=/other/bin/rq bench/gc-survival.sh --no-journal    # two builds, interleaved
#
# Per run: scavenges and mark-compacts counted, the median and mean of survival per scavenge
# (promotion_ratio + new_space_survive_rate_ of --trace-gc-nvp: the share of the young generation
# copied or promoted), cycles/s and cycles per server-CPU-second. Server on CPU 0, qbench on CPU 1, a fresh server each run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_=5 REPS=2 DEPTH=16 SERVE_ARGS=()
while (($#)); do
  case $1 in
    --seconds) SECONDS_=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --depth) DEPTH=$2; shift 2 ;;
    *) SERVE_ARGS+=("$1"); shift ;;
  esac
done
BUILDS=("${RQ_BIN:-$REPO_DIR/bin/rq}")
[[ -z ${RQ_BIN_B:-} ]] || BUILDS+=("$RQ_BIN_B")

build_qbench
bench_lock
WORK=$(mktemp -d)
trap 'stop_server; rm -rf "$WORK"' EXIT

for ((rep = 1; rep <= REPS; rep++)); do
  for bin in "${BUILDS[@]}"; do
    port=$(free_port) dir="$WORK/data-$rep-${#bin}"
    mkdir -p "$dir"
    start_server "$WORK/gc.log" "$port" node --trace-gc-nvp "$bin" serve --port "$port" --data-dir "$dir" \
      "${SERVE_ARGS[@]}" || die "$bin: $START_ERR"
    ops=$(taskset -c 1 "$QBENCH" --proto mcq --conns 50 --size 64 --threads 1 --seconds "$SECONDS_" \
      --depth "$DEPTH" --port "$port" --server-pid "$SERVER_PID" --json | tail -n 1 |
      node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
        console.log(`${Math.round(r.ops_per_s)} (${Math.round(r.ops_per_srv_cpu_s)}/srv-CPU-s)`)')
    stop_server
    node - "$WORK/gc.log" "$bin" "$ops" <<'JS'
const [log, bin, ops] = process.argv.slice(2);
const lines = require('fs').readFileSync(log, 'utf8').split('\n');
const field = (line, name) => Number(new RegExp(` ${name}=([0-9.]+)`).exec(line)?.[1] ?? 0);
const survival = lines.filter((l) => / gc=s /.test(l)).map((l) => field(l, 'promotion_ratio') + field(l, 'new_space_survive_rate_'));
const marks = lines.filter((l) => / gc=(mc|ms) /.test(l)).length;
survival.sort((a, b) => a - b);
const median = survival.length ? survival[(survival.length - 1) >> 1] : 0;
const mean = survival.length ? survival.reduce((a, b) => a + b, 0) / survival.length : 0;
const load = require('fs').readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
console.log(`${bin}  cycles/s ${ops}  scavenges ${survival.length}  mark-compacts ${marks}  ` +
  `survival median ${median.toFixed(1)}% mean ${mean.toFixed(1)}%  load ${load}`);
JS
  done
done
