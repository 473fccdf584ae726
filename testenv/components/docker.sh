# shellcheck shell=bash
# Docker engine (Debian's docker.io) of the test environment: our OWN dockerd and containerd, on
# their own socket, data and state, so a developer's own Docker (if any) keeps working untouched.
#
# Flags and why (this kind of machine is a sandbox: cgroup v1, no systemd, a host network that
# must not be changed):
#   --containerd SOCKET      our own containerd; without it dockerd 20.10 would attach to a system
#                            containerd at /run/containerd/containerd.sock when one exists
#   --bridge=none            no docker0 bridge and no private-range addresses: containers and
#                            builds use `--network host` (loopback and the host's egress)
#   --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --userland-proxy=false
#                            leave the host's firewall rules and sysctls alone (nothing to NAT)
#   --exec-opt native.cgroupdriver=cgroupfs
#                            no systemd here; cgroup v1 hierarchies are mounted (no v2 delegation)
#   --storage-driver overlay2  the kernel has overlayfs and the data dir is on ext4 (d_type);
#                            DOCKER_STORAGE_DRIVER=vfs (or fuse-overlayfs) overrides it elsewhere
# The Debian CLI (/usr/bin/docker, same release as the daemon) is the one used here; its legacy
# builder and DOCKER_BUILDKIT=1 (the daemon's built-in BuildKit) both work without buildx.

DOCKER_DATA="$DATA_DIR/docker"
DOCKER_EXEC_ROOT="$RUN_DIR/docker-exec"
DOCKER_CONTAINERD_DIR="$RUN_DIR/docker-containerd"
DOCKER_CONTAINERD_SOCKET="$DOCKER_CONTAINERD_DIR/containerd.sock"
DOCKER_CONTAINERD_CONFIG="$RUN_DIR/docker-containerd.toml"
DOCKER_CLI=/usr/bin/docker

docker_cli() { "$DOCKER_CLI" -H "unix://$DOCKER_SOCKET" "$@"; }

docker_install() {
  # docker-registry: the build tests push to a loopback registry of their own (never started here).
  apt_ensure docker.io containerd runc docker-registry || die docker "cannot install docker.io containerd runc docker-registry"
  [[ -x /usr/sbin/dockerd && -x $DOCKER_CLI && -x /usr/bin/containerd ]] \
    || die docker "dockerd, docker or containerd missing after installing docker.io"
}

docker_storage_driver() {
  if [[ -n ${DOCKER_STORAGE_DRIVER:-} ]]; then
    echo "$DOCKER_STORAGE_DRIVER"
  elif grep -qw overlay /proc/filesystems; then
    echo overlay2
  else
    echo vfs
  fi
}

docker_write_containerd_config() {
  mkdir -p "$DOCKER_CONTAINERD_DIR" "$DOCKER_DATA/containerd"
  # The CRI plugin is not needed (and would try to set up CNI); everything else is default.
  cat >"$DOCKER_CONTAINERD_CONFIG.tmp" <<EOF
version = 2
root = "$DOCKER_DATA/containerd"
state = "$DOCKER_CONTAINERD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$DOCKER_CONTAINERD_SOCKET"

[ttrpc]
  address = "$DOCKER_CONTAINERD_DIR/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""
EOF
  mv "$DOCKER_CONTAINERD_CONFIG.tmp" "$DOCKER_CONTAINERD_CONFIG"
}

# docker_bound_disk: every test build adds images and BuildKit cache; without a bound they fill
# the disk over a few runs. Keeps the build cache under DOCKER_KEEP_BUILD_CACHE and drops unused
# images older than three days (the base image is re-imported from its cached tarball if needed).
docker_bound_disk() {
  DOCKER_HOST="unix://$DOCKER_SOCKET" "$DOCKER_CLI" builder prune -f --keep-storage "${DOCKER_KEEP_BUILD_CACHE:-8GB}" >>"$LOG_DIR/docker.log" 2>&1 || true
  DOCKER_HOST="unix://$DOCKER_SOCKET" "$DOCKER_CLI" image prune -a -f --filter until=72h >>"$LOG_DIR/docker.log" 2>&1 || true
}

docker_start() {
  if ! docker_check; then
    docker_write_containerd_config
    if ! pid_of docker-containerd >/dev/null; then
      rm -f "$DOCKER_CONTAINERD_SOCKET"
      start_daemon docker-containerd "$DOCKER_CONTAINERD_CONFIG" \
        /usr/bin/containerd --config "$DOCKER_CONTAINERD_CONFIG"
    fi
    wait_until docker-containerd 30 test -S "$DOCKER_CONTAINERD_SOCKET"

    mkdir -p "$DOCKER_DATA" "$DOCKER_EXEC_ROOT"
    if ! pid_of docker >/dev/null; then
      rm -f "$DOCKER_SOCKET"
      start_daemon docker "$DOCKER_SOCKET" /usr/sbin/dockerd \
        --host "unix://$DOCKER_SOCKET" \
        --data-root "$DOCKER_DATA" \
        --exec-root "$DOCKER_EXEC_ROOT" \
        --pidfile "$RUN_DIR/dockerd.own.pid" \
        --containerd "$DOCKER_CONTAINERD_SOCKET" \
        --storage-driver "$(docker_storage_driver)" \
        --exec-opt native.cgroupdriver=cgroupfs \
        --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        --userland-proxy=false
    fi
    wait_until docker 90 docker_check
  fi
  docker_bound_disk
  # DOCKER_CLI: the Debian client of the same release; a newer client found first on PATH may
  # lack the buildx plugin, and then cannot build with BuildKit (needed for build secrets).
  env_fragment docker "DOCKER_HOST=unix://$DOCKER_SOCKET" "DOCKER_CLI=$DOCKER_CLI"
}

docker_stop() {
  # Test containers are disposable: stopped with a short grace time, then dockerd (which would
  # also stop them on SIGTERM, no live-restore), then containerd. A shim of ours that outlived
  # them (its command line names our containerd socket) is ended by its pid.
  local running pid
  if docker_check; then
    running=$(docker_cli ps -q)
    # shellcheck disable=SC2086
    [[ -z $running ]] || docker_cli stop -t 3 $running >/dev/null 2>&1 || true
  fi
  stop_daemon docker
  stop_daemon docker-containerd
  for pid in $(pgrep -f -- "containerd-shim-runc-v2 .*-address $DOCKER_CONTAINERD_SOCKET" || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  # dockerd leaves two bind mounts behind: the host's network namespace, and its data root made a
  # private mount over itself (which makes `down --wipe` unable to remove the folder). Both come
  # back on start.
  if ! pid_of docker >/dev/null; then
    local mount
    for mount in "$DOCKER_EXEC_ROOT/netns/default" "$DOCKER_DATA"; do
      if mountpoint -q "$mount" 2>/dev/null; then umount "$mount" 2>/dev/null || true; fi
    done
  fi
  rm -f "$DOCKER_SOCKET" "$DOCKER_CONTAINERD_SOCKET"
}

docker_address() { echo "unix://$DOCKER_SOCKET"; }

docker_check() { [[ -S $DOCKER_SOCKET ]] && timeout 20 "$DOCKER_CLI" -H "unix://$DOCKER_SOCKET" info >/dev/null 2>&1; }
