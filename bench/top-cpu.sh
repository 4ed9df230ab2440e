#!/usr/bin/env bash
# CPU cost of the live `rq top` at its default interval (1 s) watching a server with 100 moving
# queues (issue 5: under 5 % of one core). Runs `rq top` in a real pseudo-terminal (tmux, 120×40),
# reads its utime+stime from /proc/<pid>/stat before and after a window, and prints the share of one
# core. The server and the load generator run in their own processes and are not counted.
#
#   bench/top-cpu.sh                    # 30 s window, 100 queues, 2000 ops/s of load
#   bench/top-cpu.sh --seconds 60 --queues 200 --ops 5000 --interval 1000
#
# Needs: node, tmux, a built rq (npm run build). RQ_BIN overrides bin/rq.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=30 queues=100 ops=2000 interval=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --queues) queues=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
rq=${RQ_BIN:-bin/rq}
sock="rq-top-cpu-$$"
data=$(mktemp -d)
log="$data/serve.log"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  [ -n "${load_pid:-}" ] && kill "$load_pid" 2>/dev/null || true
  [ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

node "$rq" serve --port 0 --data-dir "$data/journal" >"$log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -qs 'listening on' "$log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\) .*/\1/p' "$log")
[ -n "$port" ] || { echo "rq serve did not start:" >&2; cat "$log" >&2; exit 1; }

node bench/top-load.mjs "$port" "$queues" "$ops" &
load_pid=$!

tmux -L "$sock" new-session -d -x ${TOP_COLS:-120} -y ${TOP_ROWS:-40} -s top "exec node $rq top --server 127.0.0.1:$port --interval $interval"
top_pid=$(tmux -L "$sock" display-message -p -t top '#{pane_pid}')
# Let it start (module loading is not the steady state being measured).
for _ in $(seq 100); do tmux -L "$sock" capture-pane -p -t top | grep -q "queues" && break; sleep 0.1; done
tmux -L "$sock" capture-pane -p -t top | grep -q "queues" || { echo "rq top did not show $queues queues" >&2; tmux -L "$sock" capture-pane -p -t top >&2; exit 1; }

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks "$top_pid"); s0=$(date +%s.%N)
sleep "$seconds"
t1=$(ticks "$top_pid"); s1=$(date +%s.%N)
rss=$(awk '/VmRSS/ { print $2 " " $3 }' "/proc/$top_pid/status")

awk -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" -v q="$queues" -v iv="$interval" -v ops="$ops" -v rss="$rss" 'BEGIN {
  cpu = (t1 - t0) / hz; wall = s1 - s0
  printf "rq top, %d queues, interval %d ms, load %d ops/s: %.2f s CPU in %.1f s = %.2f %% of one core (RSS %s)\n", q, iv, ops, cpu, wall, 100 * cpu / wall, rss
}'
