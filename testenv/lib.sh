# shellcheck shell=bash
# Shared helpers of the test environment: paths, ports, daemons, waiting, env fragments.
# Sourced by testenv/up, down, status and every testenv/components/*.sh.

TESTENV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_ROOT="$(cd "$TESTENV_ROOT/.." && pwd)"
# shellcheck source=versions.env
source "$TESTENV_ROOT/versions.env"

# Built artefacts (Go binaries, jars, base image tarball) are cached across clones and runs.
SHOPMESH_CACHE="${SHOPMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shopmesh}"
# Runtime state (data, logs, pid files, the env file) of this machine's one test environment.
TESTENV_HOME="${SHOPMESH_TESTENV_HOME:-$SHOPMESH_CACHE/testenv}"
RUN_DIR="$TESTENV_HOME/run"
LOG_DIR="$TESTENV_HOME/log"
DATA_DIR="$TESTENV_HOME/data"
ENV_DIR="$TESTENV_HOME/env.d"
ENV_FILE="$TESTENV_HOME/testenv.env"
# Data of servers that run as an unprivileged user, who cannot enter root's home.
if [[ $(id -u) -eq 0 && $DATA_DIR == /root/* ]]; then
  UNPRIVILEGED_DATA_DIR="/var/lib/shopmesh-testenv"
else
  UNPRIVILEGED_DATA_DIR="$DATA_DIR"
fi
mkdir -p "$SHOPMESH_CACHE" "$RUN_DIR" "$LOG_DIR" "$DATA_DIR" "$ENV_DIR"

# Loopback ports: none is a standard port, so a developer's own servers keep working.
TESTENV_HOST=127.0.0.1
PORT_POSTGRES=15432
PORT_REDIS=16379
PORT_PROMETHEUS=19090
PORT_ZOOKEEPER=12181
PORT_ZOOKEEPER_ADMIN=18080
PORT_ETCD=12379
PORT_ETCD_PEER=12380
PORT_KAFKA=19092
PORT_KAFKA_CONTROLLER=19093
PORT_ELASTICSEARCH=19200
PORT_ELASTICSEARCH_TRANSPORT=19300
PORT_KUBE_APISERVER=16443
PORT_KUBE_CONTROLLER_MANAGER=20257
PORT_KUBE_SCHEDULER=20259
PORT_KWOK=20247
DOCKER_SOCKET="$RUN_DIR/docker.sock"

log() { printf '[testenv] %s\n' "$*" >&2; }

# testenv_lock: one `up` or `down` at a time on this machine. Test runs from several checkouts
# call `up` together; unserialised, they raced on the certificates and the env file. The lock is
# held until the calling script exits; a second caller waits, then finds everything running.
testenv_lock() {
  exec 7>"$TESTENV_HOME/.lifecycle.lock"
  if ! flock -n 7; then
    log "another testenv up/down is running; waiting for it"
    flock 7
  fi
}

# die COMPONENT MESSAGE: stop with the component named and, when it has one, its log file.
die() {
  local component=$1; shift
  local logfile="$LOG_DIR/$component.log"
  if [[ -f $logfile ]]; then
    printf '[testenv] %s: %s (read %s)\n' "$component" "$*" "$logfile" >&2
    tail -n 15 "$logfile" | sed 's/^/    /' >&2
  else
    printf '[testenv] %s: %s\n' "$component" "$*" >&2
  fi
  exit 1
}

# apt_ensure PKG...: installs the Debian packages that are missing, in one apt-get call.
apt_ensure() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  # A lock keeps parallel component installs from fighting over dpkg.
  (
    flock 9
    local known=true
    for pkg in "${missing[@]}"; do apt-cache show "$pkg" >/dev/null 2>&1 || known=false; done
    if [[ ! -f /var/lib/apt/periodic/shopmesh-updated ]] || ! $known; then
      "${sudo[@]}" apt-get update -qq && "${sudo[@]}" mkdir -p /var/lib/apt/periodic && "${sudo[@]}" touch /var/lib/apt/periodic/shopmesh-updated
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  ) 9>"$SHOPMESH_CACHE/.apt.lock" >>"$LOG_DIR/apt.log" 2>&1 || { log "apt-get install failed, read $LOG_DIR/apt.log"; return 1; }
}

# proc_start_time PID: the kernel's start time of a process (field 22 of /proc/PID/stat), which
# tells a live daemon from an unrelated process that reused its pid after a crash.
proc_start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

# pid_of NAME: prints the pid of a daemon this environment started, if it still runs.
# A pid file left by a crash (process gone, or pid reused by another program) is removed.
pid_of() {
  local pidfile="$RUN_DIR/$1.pid" pid started
  [[ -f $pidfile ]] || return 1
  { read -r pid; read -r started; } <"$pidfile"
  if [[ -n $pid && -n $started && $(proc_start_time "$pid") == "$started" ]]; then
    echo "$pid"
    return 0
  fi
  rm -f "$pidfile"
  return 1
}

# start_daemon NAME LABEL CMD...: runs CMD in its own session, logs to $LOG_DIR/NAME.log.
# LABEL is a short description kept in the pid file for people reading it.
start_daemon() {
  local name=$1 label=$2; shift 2
  pid_of "$name" >/dev/null && return 0
  : >>"$LOG_DIR/$name.log"
  printf '\n=== %s start %s\n' "$(date -Is)" "$*" >>"$LOG_DIR/$name.log"
  setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 7>&- &
  local pid=$!
  printf '%s\n%s\n%s\n' "$pid" "$(proc_start_time "$pid")" "$label" >"$RUN_DIR/$name.pid"
}

# stop_daemon NAME: stops only the process group this environment started under NAME.
stop_daemon() {
  local name=$1 pid i
  pid=$(pid_of "$name") || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  [[ -d /proc/$pid ]] && kill -KILL -- "-$pid" 2>/dev/null
  rm -f "$RUN_DIR/$name.pid"
}

# tcp_open HOST PORT: true when something accepts connections there.
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_until COMPONENT SECONDS CMD...: retries CMD until it succeeds, else dies naming COMPONENT.
# Dies early when the component's daemon (pid file named COMPONENT) has exited.
wait_until() {
  local component=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [[ -f $RUN_DIR/$component.pid ]] && ! pid_of "$component" >/dev/null; then
      die "$component" "exited while starting"
    fi
    ((SECONDS < deadline)) || die "$component" "not ready after ${seconds}s"
    sleep 0.5
  done
}

# env_fragment COMPONENT KEY=VALUE...: records the connection details of one component.
# testenv/up joins the fragments into $ENV_FILE.
env_fragment() {
  local component=$1; shift
  printf '%s\n' "$@" >"$ENV_DIR/$component.env"
}

# run_as_user USER CMD...: for servers that refuse to run as root.
run_as_user() {
  local user=$1; shift
  if [[ $(id -un) == "$user" ]]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# Components in start order. A component is testenv/components/NAME.sh defining
# NAME_install (fetch or build what is missing; idempotent, cached), NAME_start (start if not
# running, wait until it answers, write its env fragment), NAME_stop, NAME_address (prints where it
# listens) and NAME_check (true when it answers).
# Stage 1 components start in parallel; stage 2 need stage 1 (kube needs etcd, baseimage docker);
# stage 3 needs stage 2 (the real node joins kube's API server and takes images from docker).
# A component may also define NAME_state: what `testenv/status` shows instead of up/down.
TESTENV_STAGE1=(postgres redis prometheus zookeeper etcd kafka elasticsearch docker)
TESTENV_STAGE2=(kube baseimage)
TESTENV_STAGE3=(node)
TESTENV_COMPONENTS=("${TESTENV_STAGE1[@]}" "${TESTENV_STAGE2[@]}" "${TESTENV_STAGE3[@]}")

load_component() {
  # shellcheck source=/dev/null
  source "$TESTENV_ROOT/components/$1.sh"
}
