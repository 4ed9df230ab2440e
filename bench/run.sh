#!/usr/bin/env bash
# bench/run.sh — rq side by side with memcached, redis and beanstalkd, in one run.
#
# Every run starts a fresh server (new temp dir, new port) pinned to CPU 0,
# drives it with qbench pinned to CPU 1, and stops it. Repetitions are
# interleaved (rep 1 of every configuration, then rep 2, ...) so that drift of
# the machine affects all servers alike. Prints a markdown table of medians and
# ratios to a reference configuration. See bench/README.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ALL_CONFIGS=(memcached redis redis-reliable redis-aof-everysec redis-aof-always
  redis-aof-always-reliable beanstalkd beanstalkd-f0 beanstalkd-mem
  rq-mem rq-default rq-always rq-never rq-metrics node-floor bullmq-aof jetstream)

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --seconds S      measured window per run (default 5)
  --reps N         repetitions per configuration and depth (default 3)
  --depth LIST     comma-separated qbench --depth values (default 1,16)
  --only LIST      comma-separated configurations (default: all)
  --ref NAME       configuration the ratios refer to (default redis)
  --out FILE       also append the markdown table to FILE
  --wait-idle S    before each run wait up to S s for other load to go (default 60, 0: off)
configurations: ${ALL_CONFIGS[*]}
  (b-rq-…: the rq configuration of that name run by \$RQ_BIN_B, another build, in the
  same interleaved run: b-rq-mem, b-rq-default, ...)
  (jetstream: rq on a NATS JetStream store next to a plain nats.js client and the
  embedded rq, run by bench/jetstream.sh after the others, with its own table)
environment: RQ_BIN (rq entry point, default bin/rq), RQ_BIN_B (the b-rq-… build), TMPDIR (where data dirs
  go: put it on the disk you mean to measure), QBENCH_SRC (qbench.c)
EOF
}

DURATION=5 REPS=3 DEPTHS=1,16 ONLY="" REF=redis OUT="" WAIT_IDLE=60
while (($#)); do
  case $1 in
    --seconds) DURATION=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --depth) DEPTHS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --ref) REF=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --wait-idle) WAIT_IDLE=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

CONFIGS=("${ALL_CONFIGS[@]}")
if [[ -n $ONLY ]]; then
  IFS=, read -ra CONFIGS <<<"$ONLY"
  for c in "${CONFIGS[@]}"; do
    [[ " ${ALL_CONFIGS[*]} " == *" ${c#b-} "* && ($c != b-* || ${c#b-} == rq-*) ]] || die "unknown configuration: $c"
    [[ $c != b-* || -n ${RQ_BIN_B:-} ]] || die "$c needs RQ_BIN_B (the other rq build)"
  done
fi
IFS=, read -ra DEPTH_LIST <<<"$DEPTHS"
JETSTREAM=""
if [[ " ${CONFIGS[*]} " == *" jetstream "* ]]; then
  JETSTREAM=1
  for i in "${!CONFIGS[@]}"; do [[ ${CONFIGS[i]} != jetstream ]] || unset 'CONFIGS[i]'; done
  CONFIGS=("${CONFIGS[@]}")
  ((${#CONFIGS[@]} > 0)) || exec "$BENCH_DIR/jetstream.sh" --seconds "$DURATION" --reps "$REPS" ${OUT:+--out "$OUT"}
fi

# Same client load for every server: 50 connections, 64-byte payloads, one
# client thread (the client gets CPU 1 alone, the server CPU 0).
QBENCH_COMMON=(--conns 50 --size 64 --threads 1 --seconds "$DURATION")

# --- preparation -------------------------------------------------------------
command -v taskset >/dev/null || ensure_packages util-linux || die "taskset missing"
command -v node >/dev/null || die "node is needed (summary, rq)"
for c in "${CONFIGS[@]}"; do
  case $c in
    memcached) command -v memcached >/dev/null || ensure_packages memcached || die "memcached missing" ;;
    redis* | bullmq*) command -v redis-server >/dev/null || ensure_packages redis-server || die "redis-server missing" ;;&
    bullmq*) [[ -d $BENCH_DIR/node_modules/bullmq ]] || (cd "$BENCH_DIR" && npm ci --no-audit --no-fund >&2) || die "npm ci in bench/ failed" ;;
    beanstalkd*) command -v beanstalkd >/dev/null || ensure_packages beanstalkd || die "beanstalkd missing" ;;
  esac
done
if [[ " ${CONFIGS[*]} " == *" rq-metrics "* ]]; then command -v curl >/dev/null || ensure_packages curl || die "curl missing"; fi
build_qbench
bench_lock
(($(nproc) >= 2)) || log "warning: fewer than 2 CPUs; server and client will share one"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rq-bench.XXXXXX")
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
# fsync on tmpfs is free, which would flatter every durable configuration.
[[ $(stat -f -c %T "$WORK") == tmpfs ]] && log "warning: $WORK is on tmpfs: fsync costs nothing there (set TMPDIR)"

# RQ_BIN: the rq entry point to measure (another worktree's bin/rq, say).
RQ_BIN=${RQ_BIN:-$REPO_DIR/bin/rq}
declare -A SKIP=()   # configuration -> why it is skipped
if [[ ! -e $RQ_BIN ]]; then
  for c in "${CONFIGS[@]}"; do
    if [[ $c == rq-* ]]; then SKIP[$c]="$RQ_BIN does not exist"; fi
  done
  if [[ " ${CONFIGS[*]}" == *" rq-"* ]]; then log "skipping rq configurations: $RQ_BIN does not exist yet"; fi
elif [[ -n $(find "$REPO_DIR/src" -name '*.ts' -newer "$REPO_DIR/dist/cli/main.js" 2>/dev/null | head -n 1) ]]; then
  # bin/rq runs the compiled dist/, not src/; a build rewrites every file of dist/ (the directory's
  # own time changes only when a file is added), so its entry point says when it last ran
  log "warning: src/ has changes newer than dist/: run 'npm run build' to measure them"
fi

RESULTS="$WORK/results.jsonl"
: >"$RESULTS"

# scrape_loop PORT FILE: GET /metrics once a second (Prometheus' default is every 15 s) on the
# client's CPU, one status code per line in FILE, until killed.
scrape_loop() {
  while :; do
    curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$1/metrics" >>"$2" || echo 000 >>"$2"
    sleep 1
  done
}

# run_one NAME DEPTH REP: one fresh server, one qbench run, one line in $RESULTS.
run_one() {
  local name=$1 depth=$2 rep=$3 dir port rc=0 json
  if ((WAIT_IDLE > 0)); then wait_idle "$WAIT_IDLE"; fi
  dir=$(mktemp -d "$WORK/$name.XXXX")
  port=$(free_port)
  configure "$name" "$dir" "$port"
  if ! start_server "$dir.log" "$port" "${SERVER_CMD[@]}"; then
    SKIP[$name]="server $START_ERR"
    log "skipping $name from now on: '${SERVER_CMD[*]}' $START_ERR; its output:"
    tail -n 5 "$dir.log" | sed 's/^/    /' >&2
    return
  fi
  local scraper=""
  if [[ -n $METRICS_PORT ]]; then
    taskset -c 1 bash -c "$(declare -f scrape_loop); scrape_loop $METRICS_PORT $dir.scrapes" &
    scraper=$!
  fi
  taskset -c 1 "${CLIENT_CMD[@]}" "${CLIENT_ARGS[@]}" "${QBENCH_COMMON[@]}" --port "$port" --depth "$depth" \
    --server-pid "$SERVER_PID" --label "$name" --json >"$dir.out" 2>"$dir.err" || rc=$?
  if [[ -n $scraper ]]; then
    kill "$scraper" 2>/dev/null || true
    wait "$scraper" 2>/dev/null || true
    log "  scrapes answered 200: $(grep -c '^200$' "$dir.scrapes" || true) of $(wc -l <"$dir.scrapes")"
  fi
  local cpu_s gc
  cpu_s=$(process_cpu_s "$SERVER_PID")
  stop_server
  gc=$(gc_share "$dir.log" "$cpu_s")
  rm -rf "$dir"   # AOF / binlog / journal files can be large
  json=$(grep '^{' "$dir.out" | tail -n 1 || true)
  if [[ -z $json ]]; then
    log "  $name depth=$depth rep=$rep: qbench failed (exit $rc):"
    tail -n 5 "$dir.err" | sed 's/^/    /' >&2
    json=null
  elif ((rc != 0)); then
    log "  $name depth=$depth rep=$rep: qbench reported errors (exit $rc):"
    tail -n 3 "$dir.err" | sed 's/^/    /' >&2
  fi
  printf '{"config":"%s","depth":%d,"rep":%d,"rc":%d,"load":%s,"gc":%s,"r":%s}\n' \
    "$name" "$depth" "$rep" "$rc" "$(cut -d' ' -f1 /proc/loadavg)" "$gc" "$json" >>"$RESULTS"
  # progress: the key figures of qbench's text line
  grep -o -E '(ops/s|p99_us|srv_cpu|errors)=[^ ]+' "$dir.out" | paste -sd' ' | sed 's/^/  /' >&2 || true
}

# --- the runs ------------------------------------------------------------------
n=${#CONFIGS[@]}
log "configs: ${CONFIGS[*]}; depths: $DEPTHS; reps: $REPS; ${DURATION}s each"
for ((rep = 1; rep <= REPS; rep++)); do
  for depth in "${DEPTH_LIST[@]}"; do
    # Start each rep at a different configuration so none is always first.
    for ((i = 0; i < n; i++)); do
      name=${CONFIGS[(i + rep - 1) % n]}
      [[ -n ${SKIP[$name]:-} ]] && continue
      log "rep $rep/$REPS depth $depth: $name"
      run_one "$name" "$depth" "$rep"
    done
  done
done

# --- the table -----------------------------------------------------------------
{
  echo
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo 'no commit')
  [[ -z $(git -C "$REPO_DIR" status --porcelain -- src bin 2>/dev/null) ]] || rev+=" + uncommitted changes in src/ or bin/"
  echo "### $(date -u '+%Y-%m-%d %H:%M UTC') — $rev"
  echo
  echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), server on CPU 0, qbench on CPU 1;" \
    "qbench ${QBENCH_COMMON[*]}; reps=$REPS; data dirs on $(stat -f -c %T "$WORK")"
  echo
  # keep the raw qbench results of the last run for a closer look (git-ignored)
  cp "$RESULTS" "$BENCH_DIR/.build/last-results.jsonl"
  node "$BENCH_DIR/summarize.mjs" "$RESULTS" "$REF" "${CONFIGS[*]}"
  for c in "${!SKIP[@]}"; do echo "- skipped $c: ${SKIP[$c]}"; done
} | tee -a "${OUT:-/dev/null}"

# --- JetStream, in the same run --------------------------------------------------
if [[ -n $JETSTREAM ]]; then
  "$BENCH_DIR/jetstream.sh" --seconds "$DURATION" --reps "$REPS" ${OUT:+--out "$OUT"}
fi
