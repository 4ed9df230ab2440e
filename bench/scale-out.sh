#!/usr/bin/env bash
# bench/scale-out.sh — one rq per core: cycles per second with 1, 2, … independent rq servers, as
# a client spreading over them with `--servers` would use them (docs/scale-out.md).
#
# For each count N (interleaved over the repetitions), starts N fresh `rq serve` (each its own data
# dir and port, server i pinned to CPU i mod nproc) and N qbench processes at once, qbench i
# driving server i with its share of the connections (the load of one client spread evenly, as
# rq's client spreads pushes round-robin and polls every server for pops). Prints the summed
# cycles/s, the servers' summed CPU and cycles per server CPU second, median of the repetitions.
# On a machine with as many cores as servers, the clients compete with the servers for CPU: the
# figure is then a lower bound of what N cores of servers give.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

COUNTS=1,2 REPS=3 DURATION=4 DEPTH=16 CONNS=50 RQ_ARGS=""
usage() {
  cat <<EOF2
usage: bench/scale-out.sh [--counts 1,2] [--reps 3] [--seconds 4] [--depth 16] [--conns 50] [--rq-args '--no-journal']
EOF2
}
while (($#)); do
  case $1 in
    --counts) COUNTS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --seconds) DURATION=$2; shift 2 ;;
    --depth) DEPTH=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --rq-args) RQ_ARGS=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
IFS=, read -ra COUNT_LIST <<<"$COUNTS"
RQ_BIN=${RQ_BIN:-$REPO_DIR/bin/rq}
build_qbench
bench_lock
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rq-scale.XXXXXX")
PIDS=()
stop_all() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done; PIDS=(); }
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
: >"$WORK/results"

# run_n N REP: N servers, N qbench at once; one line "N ops cpu_s load" in results.
run_n() {
  local n=$1 rep=$2 i ports=() outs=() qb=() cpu=0 ops=0 c
  for ((i = 0; i < n; i++)); do
    local port dir
    port=$(free_port); dir="$WORK/s$n-$rep-$i"; mkdir -p "$dir"
    # shellcheck disable=SC2086
    taskset -c $((i % $(nproc))) node "$RQ_BIN" serve --port "$port" --data-dir "$dir" $RQ_ARGS >"$dir.log" 2>&1 </dev/null &
    PIDS+=($!)
    wait_port "$port" "$!" 10 || die "rq did not start: $(tail -n 3 "$dir.log")"
    ports+=("$port")
  done
  for ((i = 0; i < n; i++)); do
    outs+=("$WORK/q$n-$rep-$i")
    "$QBENCH" --proto mcq --port "${ports[i]}" --conns $((CONNS / n)) --threads 1 --size 64 --depth "$DEPTH" \
      --seconds "$DURATION" --server-pid "${PIDS[i]}" --json >"${outs[i]}" 2>&1 &
    qb+=($!)
  done
  for p in "${qb[@]}"; do wait "$p" || true; done
  for o in "${outs[@]}"; do
    c=$(grep '^{' "$o" | tail -n 1)
    [[ -n $c ]] || die "qbench failed: $(tail -n 2 "$o")"
    ops=$(node -e 'const r=JSON.parse(process.argv[1]); console.log(process.argv[2]*1 + r.ops_per_s)' "$c" "$ops")
    cpu=$(node -e 'const r=JSON.parse(process.argv[1]); console.log(process.argv[2]*1 + r.srv_cpu_pct/100)' "$c" "$cpu")
  done
  stop_all
  echo "$n $ops $cpu $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/results"
  log "  $n server(s), rep $rep: $ops cycles/s, servers' CPU $cpu"
}

for ((rep = 1; rep <= REPS; rep++)); do
  for n in "${COUNT_LIST[@]}"; do run_n "$n" "$rep"; done
done

echo
echo "### $(date -u '+%Y-%m-%d %H:%M UTC') — $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo 'no commit')"
echo
echo "$(nproc) CPUs; qbench --conns $CONNS (split over the servers) --depth $DEPTH --size 64, ${DURATION}s; rq serve $RQ_ARGS; reps=$REPS"
echo
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const counts = [...new Set(rows.map((r) => r[0]))];
const base = med(rows.filter((r) => r[0] === counts[0]).map((r) => r[1]));
console.log("| servers | cycles/s (median) | × one | servers CPU | cycles/server-CPU-s | runs (cycles/s) | load |");
console.log("|--:|--:|--:|--:|--:|---|---|");
for (const n of counts) {
  const rs = rows.filter((r) => r[0] === n);
  const ops = med(rs.map((r) => r[1])), cpu = med(rs.map((r) => r[2]));
  console.log(`| ${n} | ${Math.round(ops).toLocaleString("en-US")} | ${(ops / base).toFixed(2)}× | ${(cpu * 100).toFixed(0)}% | ${Math.round(med(rs.map((r) => r[1] / r[2]))).toLocaleString("en-US")} | ${rs.map((r) => Math.round(r[1]).toLocaleString("en-US")).join(" / ")} | ${rs.map((r) => r[3]).join(", ")} |`);
}' "$WORK/results"
