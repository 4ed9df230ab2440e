#!/usr/bin/env bash
# bench/cli-throughput.sh — items per second through the rq CLI, both ways:
#
#   seq N | rq push q                  (pipelined SETs)
#   rq pop q -n N > /dev/null          (pipelined q/close/open, acknowledged after each write)
#
# (the order and content of popped items are checked by the e2e tests, not here)
#
# against a private `rq serve` pinned to CPU 0, the CLI on CPU 1. Each rep
# starts a server on a new data directory, times the whole commands (start-up
# included) and checks the queue's figures afterwards, so a run that lost or
# duplicated items does not count. Prints, per build, the median of the reps
# and every rep: items/s, and the CPU seconds the server and the CLI used for
# each command (per million items, so runs of other sizes compare).
#
# With RQ_BIN_B, each rep runs the other build right after this one (its own
# server, the same commands): two builds compared in the same run, interleaved.
#
# usage: bench/cli-throughput.sh [--items N] [--reps R]
# environment: RQ_BIN (default bin/rq); RQ_BIN_B (another build, e.g. main's);
#   RQ_SERVE_ARGS, more options for rq serve (e.g. "--fsync always",
#   "--no-journal"; default none: the journal with its default fsync);
#   WAIT_IDLE seconds to wait for an idle machine before each rep (default 30;
#   0 turns it off).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ITEMS=1000000 # the issue's figure: a million one-line items
REPS=3
while (($#)); do
  case $1 in
    --items) ITEMS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    *) echo "usage: bench/cli-throughput.sh [--items N] [--reps R]" >&2; exit 2 ;;
  esac
done
RQ_BIN=${RQ_BIN:-$REPO_DIR/bin/rq}
BUILDS=("$RQ_BIN")
[[ -z ${RQ_BIN_B:-} ]] || BUILDS+=("$RQ_BIN_B")
for bin in "${BUILDS[@]}"; do
  [[ -e $bin ]] || die "$bin does not exist: run npm run build"
done
bench_lock

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rq-cli-throughput.XXXXXX")
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# rq BIN ARGS...: the CLI of build BIN on the client's CPU; its CPU seconds go to $WORK/client-cpu.
rq() {
  local bin=$1
  shift
  /usr/bin/time -f '%U %S' -o "$WORK/client-cpu" taskset -c "${CLIENT_CPU:-1}" node "$bin" "$@"
}
client_cpu_s() { awk '{ printf "%.2f\n", $1 + $2 }' "$WORK/client-cpu"; }

# ready_items BIN: the queue's ready and open items, from rq inspect --json.
ready_items() {
  taskset -c "${CLIENT_CPU:-1}" node "$1" inspect q --json | node -e '
    let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
      const j = JSON.parse(s), q = (j.servers ?? j)[0].queues.find((x) => x.name === "q");
      console.log(q ? q.items + " " + q.open : "0 0");
    });'
}

# rate COUNT START_NS END_NS: items per second.
rate() { echo $(($1 * 1000000000 / ($3 - $2))); }
# per_million CPU_S: CPU seconds per million items.
per_million() { awk -v s="$1" -v n="$ITEMS" 'BEGIN { printf "%.2f\n", s * 1000000 / n }'; }

# one_rep B REP: push then pop ITEMS items with build number B on a new server; appends to the figures.
declare -A push_rate pop_rate push_srv pop_srv push_cli pop_cli
one_rep() {
  local b=$1 r=$2 bin=${BUILDS[$1]} port c0 c1 c2 t0 t1 t2 t3
  port=$(free_port)
  # shellcheck disable=SC2086 # RQ_SERVE_ARGS is a list of options
  start_server "$WORK/server.log" "$port" node "$bin" serve --port "$port" --data-dir "$WORK/data-$b-$r" ${RQ_SERVE_ARGS:-} ||
    die "rq server $START_ERR: $(tail -n 3 "$WORK/server.log")"
  export RQ_SERVER=127.0.0.1:$port
  c0=$(process_cpu_s "$SERVER_PID")
  t0=$(date +%s%N)
  rq "$bin" push q <"$WORK/items"
  t1=$(date +%s%N)
  c1=$(process_cpu_s "$SERVER_PID")
  push_cli[$b]+=" $(per_million "$(client_cpu_s)")"
  [[ $(ready_items "$bin") == "$ITEMS 0" ]] || die "rep $r: after the push the queue holds $(ready_items "$bin") (ready open), not $ITEMS 0"
  c1=$(process_cpu_s "$SERVER_PID")
  t2=$(date +%s%N)
  rq "$bin" pop q -n "$ITEMS" >/dev/null
  t3=$(date +%s%N)
  c2=$(process_cpu_s "$SERVER_PID")
  pop_cli[$b]+=" $(per_million "$(client_cpu_s)")"
  [[ $(ready_items "$bin") == "0 0" ]] || die "rep $r: after the pop the queue holds $(ready_items "$bin") (ready open)"
  stop_server
  rm -rf "$WORK/data-$b-$r"
  push_rate[$b]+=" $(rate "$ITEMS" "$t0" "$t1")"
  pop_rate[$b]+=" $(rate "$ITEMS" "$t2" "$t3")"
  push_srv[$b]+=" $(per_million "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')")"
  pop_srv[$b]+=" $(per_million "$(awk -v a="$c1" -v b="$c2" 'BEGIN { print b - a }')")"
  log "rep $r, ${BUILDS[$b]}: push $(rate "$ITEMS" "$t0" "$t1") items/s, pop $(rate "$ITEMS" "$t2" "$t3") items/s; load $(cut -d' ' -f1 /proc/loadavg)"
}

seq "$ITEMS" >"$WORK/items"
for ((r = 1; r <= REPS; r++)); do
  for b in "${!BUILDS[@]}"; do
    [[ ${WAIT_IDLE:-30} == 0 ]] || wait_idle "${WAIT_IDLE:-30}"
    one_rep "$b" "$r"
  done
done

# median VALUES...: the median, integer or decimal as given.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# row COMMAND RATES SERVER_CPU CLIENT_CPU: one table row (each argument a list of reps).
row() {
  # shellcheck disable=SC2086 # each list is split into its reps
  echo "| $1 | $(median $2) | $2 | $(median $3) | $(median $4) |"
}
echo
echo "| build | command | median items/s | reps | server CPU s per 1M (median) | CLI CPU s per 1M (median) |"
echo "|---|---|--:|---|--:|--:|"
for b in "${!BUILDS[@]}"; do
  echo "| ${BUILDS[$b]} $(row "\`seq $ITEMS \| rq push q\`" "${push_rate[$b]# }" "${push_srv[$b]}" "${push_cli[$b]}")"
  echo "| ${BUILDS[$b]} $(row "\`rq pop q -n $ITEMS > /dev/null\`" "${pop_rate[$b]# }" "${pop_srv[$b]}" "${pop_cli[$b]}")"
done
echo
echo "Whole commands, start-up included; rq serve ${RQ_SERVE_ARGS:-(defaults)} on CPU 0 (a new one per rep), CLI on CPU 1; every rep checked (all items pushed, all popped, none left open)."
