#!/usr/bin/env bash
# bench/ab-pairs.sh — two builds of rq on a loaded machine: cycles per server CPU second of this
# build (RQ_BIN) and another (RQ_BIN_B), run back to back as pairs (the order alternating), and
# the median of the per-pair ratios. When other work moves every figure by 2×, a pair's two runs
# still see about the same machine, so the ratio within pairs is steadier than a ratio of medians.
#
# usage: RQ_BIN_B=/path/to/other/bin/rq bench/ab-pairs.sh [--pairs N] [--depth D] [--seconds S] [-- rq serve flags...]
#   e.g. RQ_BIN_B=/tmp/rq-main/bin/rq bench/ab-pairs.sh --pairs 16 --depth 16 -- --no-journal
# Each run: a fresh `rq serve` pinned to CPU 0, qbench (mcq, 50 connections, 64 B, one thread) on
# CPU 1. Prints one line per pair, then the summary.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

pairs=10 depth=16 seconds=3
while (($#)); do
  case $1 in
    --pairs) pairs=$2; shift 2 ;;
    --depth) depth=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --) shift; break ;;
    *) die "unknown option $1" ;;
  esac
done
RQ_BIN=${RQ_BIN:-$REPO_DIR/bin/rq}
[[ -n ${RQ_BIN_B:-} ]] || die "set RQ_BIN_B to the other build's bin/rq"
build_qbench
tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT

# run BIN: prints cycles per server CPU second and p99 µs of one run.
run() {
  local port out
  port=$(free_port)
  start_server "$tmp/server.log" "$port" node "$1" serve --port "$port" --data-dir "$tmp/data-$port" "${serve_args[@]}" ||
    die "$1: $START_ERR"
  out=$(taskset -c 1 "$QBENCH" --proto mcq --port "$port" --conns 50 --depth "$depth" --size 64 --threads 1 \
    --seconds "$seconds" --warmup 1 --server-pid "$SERVER_PID")
  stop_server
  rm -rf "$tmp/data-$port"
  sed -n 's/.*p99_us=\([0-9.]*\).*ops_per_srv_cpu_s=\([0-9]*\).*/\2 \1/p' <<<"$out"
}

serve_args=("$@")
for ((i = 1; i <= pairs; i++)); do
  if ((i % 2)); then a=$(run "$RQ_BIN"); b=$(run "$RQ_BIN_B"); else b=$(run "$RQ_BIN_B"); a=$(run "$RQ_BIN"); fi
  echo "$a $b"
done | node -e '
  const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
  const median = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  for (const [a, pa, b, pb] of rows) console.log(`A ${a} (p99 ${pa} µs)  B ${b} (p99 ${pb} µs)  A/B ${(a / b).toFixed(3)}`);
  const ratios = rows.map(([a, , b]) => a / b);
  console.log(`cycles/server-CPU-s, medians: A ${median(rows.map((r) => r[0]))}, B ${median(rows.map((r) => r[2]))}; ` +
    `per-pair A/B median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}), ` +
    `A ahead in ${ratios.filter((r) => r > 1).length} of ${ratios.length}`);
'
