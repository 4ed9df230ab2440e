#!/usr/bin/env bash
# bench/syscalls.sh — where a server's cycle goes outside its own code: system calls per queue
# cycle by kind, fsyncs per cycle, and user and system CPU per cycle, for run.sh's configurations
# under run.sh's load (qbench, 50 connections, 64 B, server on CPU 0, client on CPU 1). Counts, not
# times: they hardly move with the machine's load, so they compare servers on a shared machine.
#
# usage: bench/syscalls.sh [--only a,b] [--depth 1,16] [--seconds S] [--reps N] [--cpu-only]
#   e.g. bench/syscalls.sh --only redis-reliable,redis-aof-always,rq-default,rq-always,node-floor
# --cpu-only: no perf, user and system CPU per cycle alone (perf's tracepoints on every system call
# add to the system time they count, and slow a server at depth 1 by half).
# Needs perf with the syscalls tracepoints (root). Every run: a fresh server, qbench's warm-up
# second, then `perf stat -e 'syscalls:sys_enter_*' -p PID` over the measured window (all the
# server's threads: libuv's thread pool, where rq's fsyncs run, included). Prints one markdown row
# per configuration and depth (medians over reps); raw rows go to bench/.build/last-syscalls.jsonl.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ONLY=redis-reliable,redis-aof-always,rq-default,rq-always,node-floor DEPTHS=1,16 DURATION=4 REPS=1 PERF=1
while (($#)); do
  case $1 in
    --only) ONLY=$2; shift 2 ;;
    --depth) DEPTHS=$2; shift 2 ;;
    --seconds) DURATION=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --cpu-only) PERF=""; shift ;;
    *) die "unknown option $1" ;;
  esac
done
if [[ -n $PERF ]]; then
  command -v perf >/dev/null || die "perf is needed (linux-perf)"
  perf stat -e 'syscalls:sys_enter_write' -- true >/dev/null 2>&1 || die "perf cannot read the syscalls tracepoints (run as root)"
fi
RQ_BIN=${RQ_BIN:-$REPO_DIR/bin/rq}
build_qbench
bench_lock
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rq-syscalls.XXXXXX")
trap 'stop_server; rm -rf "$WORK"' EXIT
RAW="$BENCH_DIR/.build/last-syscalls.jsonl"
: >"$RAW"
IFS=, read -ra CONFIGS <<<"$ONLY"
IFS=, read -ra DEPTH_LIST <<<"$DEPTHS"

# cpu_ticks PID: "utime stime" in clock ticks.
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12, $13 }' "/proc/$1/stat"; }

for depth in "${DEPTH_LIST[@]}"; do
  for ((rep = 1; rep <= REPS; rep++)); do
    for name in "${CONFIGS[@]}"; do
      dir=$(mktemp -d "$WORK/$name.XXXX")
      port=$(free_port)
      configure "$name" "$dir" "$port"
      start_server "$dir.log" "$port" "${SERVER_CMD[@]}" || die "$name: $START_ERR"
      taskset -c 1 "${CLIENT_CMD[@]}" "${CLIENT_ARGS[@]}" --conns 50 --size 64 --threads 1 --warmup 1 \
        --seconds "$DURATION" --port "$port" --depth "$depth" >"$dir.out" 2>"$dir.err" &
      client=$!
      sleep 1.2
      before=$(cpu_ticks "$SERVER_PID")
      window=$(awk -v s="$DURATION" 'BEGIN { print s - 0.4 }')
      if [[ -n $PERF ]]; then
        perf stat -x, -e 'syscalls:sys_enter_*' -p "$SERVER_PID" -- sleep "$window" 2>"$dir.perf" >/dev/null
      else
        sleep "$window"; : >"$dir.perf"
      fi
      after=$(cpu_ticks "$SERVER_PID")
      wait "$client" || log "  $name depth $depth: qbench exited $?"
      stop_server
      ops=$(sed -n 's/.*ops\/s=\([0-9.]*\).*/\1/p' "$dir.out" | tail -n 1)
      node -e '
        const [name, depth, window, ops, before, after, tck] = process.argv.slice(1);
        const counts = {};
        for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
          const [n, , ev] = line.split(",");
          const m = /syscalls:sys_enter_(\w+)/.exec(ev ?? "");
          if (m && Number(n) > 0) counts[m[1]] = Number(n);
        }
        const [u0, s0] = before.split(" ").map(Number), [u1, s1] = after.split(" ").map(Number);
        const cycles = Number(ops) * Number(window);
        console.log(JSON.stringify({ name, depth: Number(depth), cycles, ops: Number(ops),
          user_us: ((u1 - u0) / tck) * 1e6 / cycles, sys_us: ((s1 - s0) / tck) * 1e6 / cycles, counts }));
      ' "$name" "$depth" "$window" "${ops:-0}" "$before" "$after" "$(getconf CLK_TCK)" <"$dir.perf" >>"$RAW"
      log "  $name depth $depth rep $rep: $(tail -n 1 "$RAW" | cut -c 1-160)"
      rm -rf "$dir"
    done
  done
done

node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const groups = new Map();
  for (const r of rows) { const k = `${r.name} ${r.depth}`; if (!groups.has(k)) groups.set(k, []); groups.get(k).push(r); }
  // The kinds a server of these makes on its hot path; the rest are summed as "other".
  const kinds = ["read", "write", "writev", "pwrite64", "epoll_wait", "epoll_pwait", "epoll_ctl", "fdatasync", "fsync", "futex"];
  const per = (rs, k) => median(rs.map((r) => (r.counts[k] ?? 0) / r.cycles));
  const f = (x) => (x === 0 ? "0" : x < 0.01 ? x.toExponential(1) : x.toFixed(3));
  console.log(`| config | depth | cycles/s | user µs/cycle | sys µs/cycle | ${kinds.join(" | ")} | other | all | cycles per fsync |`);
  console.log(`|---|--:|--:|--:|--:|${kinds.map(() => "--:|").join("")}--:|--:|--:|`);
  for (const [k, rs] of groups) {
    const all = median(rs.map((r) => Object.values(r.counts).reduce((a, b) => a + b, 0) / r.cycles));
    const known = kinds.reduce((a, x) => a + per(rs, x), 0);
    const syncs = per(rs, "fdatasync") + per(rs, "fsync");
    const [name, depth] = k.split(" ");
    console.log(`| ${name} | ${depth} | ${Math.round(median(rs.map((r) => r.ops))).toLocaleString("en")} | ${median(rs.map((r) => r.user_us)).toFixed(2)} | ${median(rs.map((r) => r.sys_us)).toFixed(2)} | ` +
      kinds.map((x) => f(per(rs, x))).join(" | ") + ` | ${f(all - known)} | ${f(all)} | ${syncs > 0 ? Math.round(1 / syncs).toLocaleString("en") : "–"} |`);
  }
' "$RAW"
