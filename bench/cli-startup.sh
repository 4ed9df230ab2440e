#!/usr/bin/env bash
# bench/cli-startup.sh — wall time of one rq CLI invocation, next to bare `node -e 0`.
#
# Measures `node -e 0` (the floor any Node CLI pays), `bin/rq --version`
# (module loading), and `bin/rq push q hello` / `bin/rq pop q` against a
# private rq server without a journal (connect + one request; pop makes two
# round trips). Uses hyperfine when available (installs it if it can), a plain
# timed loop otherwise. Prints medians in ms and the ratio to `node -e 0`.
#
# usage: bench/cli-startup.sh [--runs N]
# environment: RQ_BIN (default bin/rq); RQ_BIN_B, another build's bin/rq whose
#   push and pop are timed in the same run ("b: …" rows); RQ_CONNECT_ARGS, the
#   CLI options that point it at the server, with PORT replaced by the port
#   (default "--server 127.0.0.1:PORT"); RQ_SERVER=127.0.0.1:PORT is exported too.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=30   # enough for a stable median of ~50 ms commands; ~10 s in all
WARMUP=3  # first runs pay for a cold page cache
case ${1:-} in
  --runs) RUNS=$2 ;;
  "") ;;
  *) echo "usage: bench/cli-startup.sh [--runs N]" >&2; exit 2 ;;
esac
RQ_BIN=${RQ_BIN:-$REPO_DIR/bin/rq}
bench_lock

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rq-cli-bench.XXXXXX")
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

NAMES=("node -e 0") CMDS=("node -e 0")
# bin/rq passes over a bundle older than main.js (a bare tsc): say so, as it would time the slow path.
bundle_check() {
  local dist
  [[ -e $(dirname "$1")/package.json ]] || return 0 # a build from before the bundle
  dist="$(dirname "$1")/../dist/cli"
  [[ -e $dist/fast-entry.cjs && ! $dist/fast-entry.cjs -ot $dist/main.js ]] ||
    log "warning: $dist/fast-entry.cjs is missing or older than main.js: run \`npm run build\` there"
}

if [[ -e $RQ_BIN ]]; then
  bundle_check "$RQ_BIN"
  rq=$RQ_BIN; [[ -x $rq ]] || rq="node $RQ_BIN"
  NAMES+=("rq --version"); CMDS+=("$rq --version")
  port=$(free_port)
  if start_server "$WORK/server.log" "$port" node "$RQ_BIN" serve --port "$port" --no-journal; then
    export RQ_SERVER=127.0.0.1:$port
    connect=${RQ_CONNECT_ARGS:-"--server 127.0.0.1:PORT"}
    connect=${connect//PORT/$port}
    if $rq push q hello $connect >"$WORK/check.log" 2>&1; then
      NAMES+=("rq push q hello" "rq pop q"); CMDS+=("$rq push q hello $connect" "$rq pop q $connect")
      if [[ -n ${RQ_BIN_B:-} ]]; then
        bundle_check "$RQ_BIN_B"
        b=$RQ_BIN_B; [[ -x $b ]] || b="node $RQ_BIN_B"
        NAMES+=("b: rq push q hello" "b: rq pop q"); CMDS+=("$b push q hello $connect" "$b pop q $connect")
      fi
    else
      log "skipping push/pop: '$rq push q hello $connect' failed (set RQ_CONNECT_ARGS?):"
      tail -n 5 "$WORK/check.log" | sed 's/^/    /' >&2
    fi
  else
    log "skipping push/pop: rq server $START_ERR:"
    tail -n 5 "$WORK/server.log" | sed 's/^/    /' >&2
  fi
else
  log "skipping rq commands: $RQ_BIN does not exist yet"
fi

# prefill PORT QUEUE N: enqueue N items with memcache `set`, so every `pop` finds one.
prefill() {
  local port=$1 q=$2 n=$3 i line fd
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  for ((i = 0; i < n; i++)); do printf 'set %s 0 0 5\r\nhello\r\n' "$q"; done >&"$fd"
  for ((i = 0; i < n; i++)); do
    read -r -t 5 line <&"$fd" && [[ $line == STORED* ]] || { exec {fd}>&-; return 1; }
  done
  exec {fd}>&-
}
if [[ " ${NAMES[*]} " == *"rq pop q"* ]]; then
  prefill "$port" q $((2 * (WARMUP + RUNS) + 10)) || log "warning: prefill of queue q failed; pop may find it empty"
fi

# The CLI runs on CPU 1, the server on CPU 0 (as in run.sh).
MEDIANS=()
if command -v hyperfine >/dev/null || ensure_packages hyperfine; then
  args=()
  for i in "${!CMDS[@]}"; do args+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
  # -N: no intermediate shell, so its startup is not part of the figure.
  taskset -c 1 hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic \
    --export-json "$WORK/h.json" "${args[@]}" >&2
  mapfile -t MEDIANS < <(node -e '
    for (const r of JSON.parse(require("fs").readFileSync(process.argv[1])).results) console.log(r.median * 1000)' "$WORK/h.json")
else
  log "hyperfine unavailable: timing with a plain loop"
  for cmd in "${CMDS[@]}"; do
    times=()
    for ((i = 0; i < WARMUP + RUNS; i++)); do
      t0=$(date +%s%N); taskset -c 1 $cmd >/dev/null 2>&1 || true; t1=$(date +%s%N)
      ((i >= WARMUP)) && times+=($(((t1 - t0) / 1000)))   # µs
    done
    MEDIANS+=("$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) / 1000}')")
  done
fi

echo
echo "| command | median ms | × node -e 0 |"
echo "|---|--:|--:|"
for i in "${!NAMES[@]}"; do
  awk -v n="${NAMES[$i]}" -v m="${MEDIANS[$i]}" -v b="${MEDIANS[0]}" \
    'BEGIN { printf "| `%s` | %.1f | %.2f× |\n", n, m, m / b }'
done
echo
echo "$RUNS runs each after $WARMUP warm-up runs; CLI on CPU 1, server on CPU 0."
