#!/usr/bin/env bash
# bench/cli-throughput.sh — items per second through the rq CLI, both ways:
#
#   seq N | rq push q                  (pipelined SETs)
#   rq pop q -n N > /dev/null          (pipelined q/close/open, acknowledged after each write)
#
# (the order and content of popped items are checked by the e2e tests, not here)
#
# against a private `rq serve` pinned to CPU 0, the CLI on CPU 1. Each rep
# times the whole command (start-up included) and checks the queue's figures
# afterwards, so a run that lost or duplicated items does not count. Prints
# the median of the reps and every rep, in items/s.
#
# usage: bench/cli-throughput.sh [--items N] [--reps R]
# environment: RQ_BIN (default bin/rq); RQ_SERVE_ARGS, more options for rq serve
#   (e.g. "--fsync always", "--no-journal"; default none: the journal with its
#   default fsync); WAIT_IDLE seconds to wait for an idle machine before each
#   rep (default 30; 0 turns it off).
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
[[ -e $RQ_BIN ]] || die "$RQ_BIN does not exist: run npm run build"
bench_lock

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rq-cli-throughput.XXXXXX")
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

port=$(free_port)
# shellcheck disable=SC2086 # RQ_SERVE_ARGS is a list of options
start_server "$WORK/server.log" "$port" node "$RQ_BIN" serve --port "$port" --data-dir "$WORK/data" ${RQ_SERVE_ARGS:-} ||
  die "rq server $START_ERR: $(tail -n 3 "$WORK/server.log")"
export RQ_SERVER=127.0.0.1:$port
rq() { taskset -c "${CLIENT_CPU:-1}" node "$RQ_BIN" "$@"; }

# ready_items: the queue's ready items, from rq inspect --json.
ready_items() {
  rq inspect q --json | node -e '
    let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
      const j = JSON.parse(s), q = (j.servers ?? j)[0].queues.find((x) => x.name === "q");
      console.log(q ? q.items + " " + q.open : "0 0");
    });'
}

# rate COUNT START_NS END_NS: items per second.
rate() { echo $(($1 * 1000000000 / ($3 - $2))); }

seq "$ITEMS" >"$WORK/items"
push_rates=() pop_rates=()
for ((r = 1; r <= REPS; r++)); do
  [[ ${WAIT_IDLE:-30} == 0 ]] || wait_idle "${WAIT_IDLE:-30}"
  t0=$(date +%s%N)
  rq push q <"$WORK/items"
  t1=$(date +%s%N)
  [[ $(ready_items) == "$ITEMS 0" ]] || die "rep $r: after the push the queue holds $(ready_items) (ready open), not $ITEMS 0"
  t2=$(date +%s%N)
  rq pop q -n "$ITEMS" >/dev/null
  t3=$(date +%s%N)
  [[ $(ready_items) == "0 0" ]] || die "rep $r: after the pop the queue holds $(ready_items) (ready open)"
  push_rates+=("$(rate "$ITEMS" "$t0" "$t1")")
  pop_rates+=("$(rate "$ITEMS" "$t2" "$t3")")
  log "rep $r: push ${push_rates[-1]} items/s, pop ${pop_rates[-1]} items/s"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
echo
echo "| command | items | median items/s | reps |"
echo "|---|--:|--:|---|"
echo "| \`seq $ITEMS \| rq push q\` | $ITEMS | $(median "${push_rates[@]}") | ${push_rates[*]} |"
echo "| \`rq pop q -n $ITEMS > /dev/null\` | $ITEMS | $(median "${pop_rates[@]}") | ${pop_rates[*]} |"
echo
echo "Whole commands, start-up included; rq serve ${RQ_SERVE_ARGS:-(defaults)} on CPU 0, CLI on CPU 1; every rep checked (all items pushed, all popped, none left open)."
