#!/usr/bin/env bash
# bench/jetstream.sh — rq on a NATS JetStream store, next to what JetStream does for a plain
# nats.js client, and next to the embedded rq, in one run (bench/run.sh --only jetstream runs it).
#
# Configurations (each run starts fresh nats-servers and front ends in a temp dir, then stops them):
#   rq-embedded      rq serve with its journal (default fsync), qbench mcq
#   direct-r1        bench/nats-direct.mjs on one nats-server: publish, next, ackAck per cycle
#   direct-del-r1    the same acknowledging as rq does: a delete by sequence instead of ackAck
#   rq-js-r1         one rq front end on that server, qbench mcq
#   rq-js-r1-2fe     two front ends, qbench with half the connections on each (ops/s summed)
#   direct-r3, direct-del-r3, rq-js-r3, rq-js-r3-2fe: the same on a three-node cluster, R3 streams
#   b-rq-js-…        an rq-js configuration run by $RQ_BIN_B, another build, in the same interleaved run
# Every client runs the same cycle (enqueue, reserve, acknowledge) with the same number of
# connections (or workers) and payload size. Nothing is pinned: the nats-servers, front ends and
# client share the machine's CPUs, as they would on one host.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ALL=(rq-embedded direct-r1 direct-del-r1 rq-js-r1 rq-js-r1-2fe direct-r3 direct-del-r3 rq-js-r3 rq-js-r3-2fe)
DURATION=5 REPS=3 CONNS=50 ONLY="" OUT=""
while (($#)); do
  case $1 in
    --seconds) DURATION=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) echo "usage: [RQ_BIN_B=other/bin/rq] bench/jetstream.sh [--seconds S] [--reps N] [--conns N] [--only LIST] [--out FILE]; configurations: ${ALL[*]}, b-rq-js-…"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
CONFIGS=("${ALL[@]}")
[[ -z $ONLY ]] || IFS=, read -ra CONFIGS <<<"$ONLY"
for c in "${CONFIGS[@]}"; do
  [[ " ${ALL[*]} " == *" ${c#b-} "* && ($c != b-* || ${c#b-} == rq-js-*) ]] || die "unknown configuration: $c"
  [[ $c != b-* || -n ${RQ_BIN_B:-} ]] || die "$c needs RQ_BIN_B (the other rq build)"
done

command -v nats-server >/dev/null || ensure_packages nats-server || die "nats-server missing"
build_qbench
RQ_BIN=${RQ_BIN:-$REPO_DIR/bin/rq}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rq-bench-js.XXXXXX")
PIDS=()
stop_all() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"

# start_nats DIR NODES: one nats-server (NODES=1) or a cluster of three; sets NATS_URLS. A cluster
# whose nodes do not all see a metadata leader in time (a route lost at start on a loaded machine)
# is stopped and started again on new ports, up to three times.
start_nats() {
  local attempt
  for attempt in 1 2 3; do
    try_start_nats "$@" "$attempt" && return 0
    log "  nats-server did not start (attempt $attempt): $NATS_PROBLEM"
    stop_all
  done
  die "nats-server not ready: $NATS_PROBLEM"
}

# try_start_nats DIR NODES ATTEMPT: one try of start_nats; sets NATS_PROBLEM and fails when a node is not ready.
try_start_nats() {
  local dir=$1/a$3 nodes=$2 i routes="" cports=() rports=()
  mkdir -p "$dir"
  for ((i = 0; i < nodes; i++)); do cports+=("$(free_port)"); rports+=("$(free_port)"); done
  for ((i = 0; i < nodes; i++)); do routes+="nats-route://127.0.0.1:${rports[i]},"; done
  NATS_URLS=""
  for ((i = 0; i < nodes; i++)); do
    {
      echo "server_name: n$i"
      echo "listen: 127.0.0.1:${cports[i]}"
      echo "jetstream { store_dir: \"$dir/n$i\" }"
      ((nodes == 1)) || echo "cluster { name: bench, listen: 127.0.0.1:${rports[i]}, routes: [${routes%,}] }"
    } >"$dir/n$i.conf"
    nats-server -c "$dir/n$i.conf" >"$dir/n$i.log" 2>&1 &
    PIDS+=($!)
    NATS_URLS+="nats://127.0.0.1:${cports[i]},"
  done
  NATS_URLS=${NATS_URLS%,}
  local ready='Server is ready' deadline=$((SECONDS + 30))
  ((nodes == 1)) || ready='metadata leader'
  for ((i = 0; i < nodes; i++)); do
    until grep -q "$ready" "$dir/n$i.log"; do
      if ((SECONDS >= deadline)); then
        NATS_PROBLEM="n$i: $(tail -n 1 "$dir/n$i.log")"
        return 1
      fi
      sleep 0.1
    done
  done
}

# start_rq DIR ARGS...: one rq serve (the build $BIN) on a free port; sets RQ_PORT.
start_rq() {
  local dir=$1; shift
  RQ_PORT=$(free_port)
  node "$BIN" serve --port "$RQ_PORT" "$@" >"$dir/rq-$RQ_PORT.log" 2>&1 &
  PIDS+=($!)
  wait_port "$RQ_PORT" "$!" 20 || die "rq serve did not start: $(tail -n 3 "$dir/rq-$RQ_PORT.log")"
}

# make_queue PORT: makes qbench's queue through the rq on PORT (an item set, reserved and
# acknowledged) before the measured run: making a queue's stream and consumer is a once-in-its-life
# cost (about a second on R3 under load, when each of the 50 connections' first set waits for it),
# not the cycle's.
make_queue() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'set qbench0 0 0 1\r\nx\r\nget qbench0\r\ndelete qbench0\r\n' >&3
  until [[ ${reply:-} == DELETED* ]]; do
    IFS= read -r -t 30 reply <&3 || die "making the queue through port $1: no answer"
    [[ $reply != *ERROR* ]] || die "making the queue through port $1: $reply"
  done
  exec 3<&-
}

# qbench_on PORT... : qbench mcq over the ports, the connections split evenly; prints one JSON (summed).
qbench_on() {
  local ports=("$@") n=${#ports[@]} p outs=()
  for p in "${ports[@]}"; do make_queue "$p"; done
  for p in "${ports[@]}"; do
    "$QBENCH" --proto mcq --conns $((CONNS / n)) --size 64 --threads 1 --seconds "$DURATION" --depth 1 \
      --port "$p" --label x --json >"$WORK/q-$p.out" 2>"$WORK/q-$p.err" &
    outs+=("$WORK/q-$p.out")
  done
  wait
  node -e '
    const rs = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8").split("\n").filter((l) => l.startsWith("{")).pop()));
    const sum = (k) => rs.reduce((s, r) => s + (r[k] ?? 0), 0);
    console.log(JSON.stringify({ ...rs[0], ops: sum("ops"), ops_per_s: sum("ops_per_s"), errors: sum("errors"),
      p99_us: Math.max(...rs.map((r) => r.p99_us)), srv_cpu_pct: null, ops_per_srv_cpu_s: null }));' "${outs[@]}"
}

run_one() {
  local config=$1 rep=$2 name=$1 dir json
  BIN=$RQ_BIN
  if [[ $name == b-* ]]; then name=${name#b-} BIN=$RQ_BIN_B; fi
  dir=$(mktemp -d "$WORK/$config.XXXX")
  case $name in
    rq-embedded) start_rq "$dir" --data-dir "$dir/data"; json=$(qbench_on "$RQ_PORT") ;;
    direct-r1 | direct-r3 | direct-del-r1 | direct-del-r3)
      local ack=ack
      [[ $name != direct-del-* ]] || ack=delete
      start_nats "$dir" "${name: -1}"
      json=$(node "$BENCH_DIR/nats-direct.mjs" --servers "$NATS_URLS" --replicas "${name: -1}" --conns "$CONNS" --seconds "$DURATION" --ack "$ack" --label "$name" | tail -n 1) ;;
    rq-js-r1 | rq-js-r3)
      start_nats "$dir" "${name: -1}"
      start_rq "$dir" --store "$NATS_URLS" --store-replicas "${name: -1}"
      json=$(qbench_on "$RQ_PORT") ;;
    rq-js-r1-2fe | rq-js-r3-2fe)
      local r=${name:7:1} a
      start_nats "$dir" "$r"
      start_rq "$dir" --store "$NATS_URLS" --store-replicas "$r"; a=$RQ_PORT
      start_rq "$dir" --store "$NATS_URLS" --store-replicas "$r"
      json=$(qbench_on "$a" "$RQ_PORT") ;;
    *) die "unknown configuration $name" ;;
  esac
  stop_all
  rm -rf "$dir"
  printf '{"config":"%s","depth":1,"rep":%d,"rc":0,"r":%s}\n' "$config" "$rep" "$json" >>"$RESULTS"
  log "  $config rep $rep: $(node -e 'const r = JSON.parse(process.argv[1]); console.log(Math.round(r.ops_per_s), "cycles/s, p99", r.p99_us, "us, errors", r.errors)' "$json")"
}

log "configs: ${CONFIGS[*]}; reps: $REPS; ${DURATION}s each; $CONNS connections; load: $(cut -d' ' -f1-3 /proc/loadavg)"
n=${#CONFIGS[@]}
for ((rep = 1; rep <= REPS; rep++)); do
  for ((i = 0; i < n; i++)); do run_one "${CONFIGS[(i + rep - 1) % n]}" "$rep"; done
done

{
  echo
  echo "### JetStream — $(date -u '+%Y-%m-%d %H:%M UTC') — $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null)"
  echo
  echo "$(nproc) CPUs, nothing pinned; $CONNS connections, 64-byte items, one cycle (enqueue, reserve, acknowledge) per op, depth 1;" \
    "reps=$REPS of ${DURATION}s; nats-server $(nats-server --version | grep -o 'v[0-9.]*'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "Against the direct client on one server:"
  node "$BENCH_DIR/summarize.mjs" "$RESULTS" direct-r1 "$(printf '%s ' "${CONFIGS[@]}" | xargs -n1 | grep -v r3 | xargs)"
  echo
  echo "Against the direct client on three servers (R3):"
  node "$BENCH_DIR/summarize.mjs" "$RESULTS" direct-r3 "$(printf '%s ' "${CONFIGS[@]}" | xargs -n1 | grep -E 'r3|embedded' | xargs)"
} | tee -a "${OUT:-/dev/null}"
