# bench/lib.sh — shared helpers for the benchmark scripts (sourced, not run).
#
# Provides: paths (BENCH_DIR, REPO_DIR, QBENCH_SRC, QBENCH), log helpers,
# build_qbench, ensure_packages, free_port, wait_port, start_server,
# stop_server, configure (the command lines of run.sh's configurations). Servers are started in the background by start_server and
# must be stopped with stop_server (the EXIT trap in each script also does it).

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
# In CI the repository is cloned beside shared/, so qbench's source is found
# relative to this file, not to the current directory. Overridable.
QBENCH_SRC="${QBENCH_SRC:-$BENCH_DIR/../../shared/bench/qbench.c}"
QBENCH="$BENCH_DIR/.build/qbench"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

# build_qbench: compile qbench into bench/.build/ unless an up-to-date binary is there.
build_qbench() {
  [[ -f "$QBENCH_SRC" ]] || die "qbench source not found at $QBENCH_SRC (set QBENCH_SRC)"
  if [[ ! -x "$QBENCH" || "$QBENCH_SRC" -nt "$QBENCH" ]]; then
    mkdir -p "$BENCH_DIR/.build"
    log "building qbench from $QBENCH_SRC"
    cc -O2 -o "$QBENCH" "$QBENCH_SRC" -lpthread
  fi
}

# ensure_packages PKG...: install missing Debian packages (needs root + apt-get).
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    log "cannot install ${missing[*]} (need root and apt-get)"; return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local port
  while :; do
    # 20000-29999: below Linux's ephemeral range (32768+), where client sockets
    # such as qbench's 50 connections take their local ports.
    port=$((20000 + RANDOM % 10000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# wait_port PORT PID [TIMEOUT_S]: wait until 127.0.0.1:PORT accepts a connection.
# Fails early if PID exits; bounded to TIMEOUT_S (default 10) seconds.
wait_port() {
  local port=$1 pid=$2 deadline=$((SECONDS + ${3:-10}))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# start_server LOGFILE PORT CMD...: run CMD in the background pinned to CPU 0
# (SERVER_CPU), wait for PORT. Sets SERVER_PID. Returns 1 (and stops the
# process, and says why in START_ERR) if it exits or does not listen within 10 s.
# taskset execs CMD, so SERVER_PID is the server process itself.
SERVER_PID="" START_ERR=""
start_server() {
  local logfile=$1 port=$2; shift 2
  taskset -c "${SERVER_CPU:-0}" "$@" >"$logfile" 2>&1 </dev/null &
  SERVER_PID=$!
  if ! wait_port "$port" "$SERVER_PID" 10; then
    if kill -0 "$SERVER_PID" 2>/dev/null; then START_ERR="did not listen on port $port within 10 s"
    else START_ERR="exited before listening on port $port"; fi
    stop_server
    return 1
  fi
}

# stop_server: TERM the server started last, KILL it after 5 s, reap it.
stop_server() {
  local pid=$SERVER_PID i
  [[ -n "$pid" ]] || return 0
  SERVER_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# host_busy_pct: busy CPU of the whole machine over the next second, in % of
# all CPUs (from /proc/stat; idle and iowait count as not busy).
host_busy_pct() {
  local c u1 n1 s1 i1 w1 q1 sq1 st1 u2 n2 s2 i2 w2 q2 sq2 st2 busy idle
  read -r c u1 n1 s1 i1 w1 q1 sq1 st1 _ </proc/stat
  sleep 1
  read -r c u2 n2 s2 i2 w2 q2 sq2 st2 _ </proc/stat
  busy=$(((u2 + n2 + s2 + q2 + sq2 + st2) - (u1 + n1 + s1 + q1 + sq1 + st1)))
  idle=$(((i2 + w2) - (i1 + w1)))
  echo $((100 * busy / (busy + idle + 1)))
}

# wait_idle MAX_S: on a shared machine, wait (at most MAX_S seconds) until
# other work leaves it: busy CPU below 15 % of all CPUs for one second.
# 15 %: a shell or an editor stays below it, a compiler or test run does not.
wait_idle() {
  local deadline=$((SECONDS + $1)) busy said=""
  while busy=$(host_busy_pct); ((busy >= 15)); do
    if ((SECONDS >= deadline)); then
      log "  machine still busy ($busy % CPU); running anyway"; return 0
    fi
    [[ -n $said ]] || log "  machine busy ($busy % CPU), waiting up to $1 s"
    said=1
  done
}

# bench_lock: one benchmark at a time on this machine (they would pin the same
# CPUs and measure each other). Waits up to 30 min for another run to end.
bench_lock() {
  exec {BENCH_LOCK_FD}>"${TMPDIR:-/tmp}/rq-bench.lock"
  if ! flock -n "$BENCH_LOCK_FD"; then
    log "another benchmark is running on this machine; waiting for it (at most 30 min)"
    flock -w 1800 "$BENCH_LOCK_FD" || die "gave up waiting for the other benchmark"
  fi
}

# process_cpu_s PID: user + system CPU seconds PID has used so far (0 if it is gone).
process_cpu_s() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  # Fields 14 and 15 (utime, stime) in clock ticks; the command name (field 2) may hold spaces.
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / tck }' <<<"$stat"
}

# gc_share LOG CPU_S: the share of CPU_S that a Node server run with --trace-gc spent in garbage
# collection on its main thread (pauses, and incremental marking steps), from its LOG; null when
# the log has no --trace-gc lines (not a Node server). Helper threads' GC work is not counted.
gc_share() {
  awk -v cpu="$2" '
    / ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark)/ {
      n++
      if (match($0, /MB, [0-9.]+ \//)) pause += substr($0, RSTART + 4, RLENGTH - 6)
      if (match($0, /\(\+ [0-9.]+ ms in/)) pause += substr($0, RSTART + 3, RLENGTH - 9)
    }
    END { if (n == 0 || cpu <= 0) print "null"; else printf "%.4f\n", pause / 1000 / cpu }' "$1"
}

# configure NAME DIR PORT: set SERVER_CMD, CLIENT_CMD and CLIENT_ARGS (and METRICS_PORT) for one of
# run.sh's configurations (b-NAME: the rq build RQ_BIN_B). Needs RQ_BIN (and RQ_BIN_B) set.
configure() {
  local name=$1 dir=$2 port=$3 bin=$RQ_BIN
  METRICS_PORT=""
  CLIENT_CMD=("$QBENCH")
  if [[ $name == b-* ]]; then name=${name#b-} bin=$RQ_BIN_B; fi
  local redis=(redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --daemonize no)
  # --trace-gc: one line per collection with its pause, summed into the GC share (gc_share).
  local rq=(node --trace-gc "$bin" serve --port "$port" --data-dir "$dir")
  local bs=(beanstalkd -l 127.0.0.1 -p "$port")
  case $name in
    # -U 0: no UDP; -t 1: one worker thread, like the single-threaded others.
    # memcached refuses to run as root without -u.
    memcached) SERVER_CMD=(memcached -p "$port" -l 127.0.0.1 -U 0 -t 1 -u "$(id -un)")
      CLIENT_ARGS=(--proto mckv) ;;
    redis) SERVER_CMD=("${redis[@]}" --appendonly no); CLIENT_ARGS=(--proto redis) ;;
    redis-reliable) SERVER_CMD=("${redis[@]}" --appendonly no); CLIENT_ARGS=(--proto redis --redis-reliable) ;;
    redis-aof-everysec) SERVER_CMD=("${redis[@]}" --appendonly yes --appendfsync everysec)
      CLIENT_ARGS=(--proto redis) ;;
    redis-aof-always) SERVER_CMD=("${redis[@]}" --appendonly yes --appendfsync always)
      CLIENT_ARGS=(--proto redis) ;;
    # BullMQ (bench/bullmq.mjs, bench-only dependencies in bench/package.json) on redis with AOF.
    bullmq-aof) SERVER_CMD=("${redis[@]}" --appendonly yes --appendfsync everysec)
      CLIENT_CMD=(node "$BENCH_DIR/bullmq.mjs"); CLIENT_ARGS=() ;;
    redis-aof-always-reliable) SERVER_CMD=("${redis[@]}" --appendonly yes --appendfsync always)
      CLIENT_ARGS=(--proto redis --redis-reliable) ;;
    # beanstalkd -b without -f fsyncs at most every 50 ms (man beanstalkd).
    beanstalkd) SERVER_CMD=("${bs[@]}" -b "$dir"); CLIENT_ARGS=(--proto beanstalk) ;;
    beanstalkd-f0) SERVER_CMD=("${bs[@]}" -b "$dir" -f 0); CLIENT_ARGS=(--proto beanstalk) ;;
    beanstalkd-mem) SERVER_CMD=("${bs[@]}"); CLIENT_ARGS=(--proto beanstalk) ;;
    rq-mem) SERVER_CMD=("${rq[@]}" --no-journal); CLIENT_ARGS=(--proto mcq) ;;
    rq-default) SERVER_CMD=("${rq[@]}"); CLIENT_ARGS=(--proto mcq) ;;
    rq-always) SERVER_CMD=("${rq[@]}" --fsync always); CLIENT_ARGS=(--proto mcq) ;;
    rq-never) SERVER_CMD=("${rq[@]}" --fsync never); CLIENT_ARGS=(--proto mcq) ;;
    # rq-default serving --metrics, scraped once a second while qbench runs (scrape_loop).
    # The Node floor: a minimal memcache-queue server with rq's I/O pattern (bench/node-floor.mjs).
    node-floor) SERVER_CMD=(node --trace-gc "$BENCH_DIR/node-floor.mjs" --port "$port"); CLIENT_ARGS=(--proto mcq) ;;
    rq-metrics) METRICS_PORT=$(free_port)
      while [[ $METRICS_PORT == "$port" ]]; do METRICS_PORT=$(free_port); done
      SERVER_CMD=("${rq[@]}" --metrics "127.0.0.1:$METRICS_PORT"); CLIENT_ARGS=(--proto mcq) ;;
  esac
}
