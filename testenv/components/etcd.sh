# shellcheck shell=bash
# etcd, one member on loopback, built from the Go module go.etcd.io/etcd/server/v3 at
# $ETCD_VERSION. Not Debian's etcd-server: bookworm ships 3.4.23, below what kube-apiserver 1.34
# expects (kubeadm's minimum external etcd is 3.5.24); with it, the apiserver disables
# RequestWatchProgress (needs >= 3.4.31 / 3.5.13), so streaming lists (WatchList) and consistent
# reads from the watch cache fall back, unlike any real cluster of that version.
# The kube component stores its objects here under its own prefix.

ETCD_BIN_DIR="$SHOPMESH_CACHE/etcd/$ETCD_VERSION/bin"
ETCD_DATA_DIR="$DATA_DIR/etcd/${ETCD_VERSION%.*}"

etcd_install() {
  [[ -x $ETCD_BIN_DIR/etcd ]] && return 0
  local go build="$SHOPMESH_CACHE/etcd/build-$ETCD_VERSION" logfile="$LOG_DIR/etcd-build.log"
  go=$(command -v go 2>/dev/null) || go=/usr/local/go/bin/go
  [[ -x $go ]] || die etcd "no Go toolchain found (put go on PATH) to build etcd $ETCD_VERSION"
  mkdir -p "$SHOPMESH_CACHE/etcd"
  exec 8>"$SHOPMESH_CACHE/etcd/.build.lock"
  flock 8
  if [[ ! -x $ETCD_BIN_DIR/etcd ]]; then
    log "etcd: building etcd $ETCD_VERSION (a few minutes; log $logfile)"
    rm -rf "$build" && mkdir -p "$build"
    # A throwaway module: go install refuses the server module, whose go.mod has replace directives.
    (
      cd "$build" || exit 1
      printf 'module shopmesh.local/etcd-build\n\ngo 1.24.0\n' >go.mod || exit 1
      "$go" get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" || exit 1
      echo "=== go build etcd ($(date -Is))"
      GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 \
        "$go" build -p 2 -ldflags="-s -w" -o "$build/bin/etcd" go.etcd.io/etcd/server/v3 || exit 1
      echo "=== done ($(date -Is))"
    ) >>"$logfile" 2>&1 || die etcd-build "building go.etcd.io/etcd/server/v3 $ETCD_VERSION failed"
    mkdir -p "$(dirname "$ETCD_BIN_DIR")" && rm -rf "$ETCD_BIN_DIR" && mv "$build/bin" "$ETCD_BIN_DIR" && rm -rf "$build"
  fi
  flock -u 8
  exec 8>&-
}

etcd_start() {
  # etcd upgrades its data one minor version at a time: data of another minor version (e.g. of
  # Debian's 3.4, or a later pin) is test data, and starts over.
  if ! pid_of etcd >/dev/null; then
    local old
    for old in "$DATA_DIR/etcd"/* "$DATA_DIR/etcd/.etcd-version"; do
      [[ -e $old && $old != "$ETCD_DATA_DIR" ]] || continue
      log "etcd: removing $old (data of another etcd version)"
      rm -rf "$old"
    done
  fi
  mkdir -p "$ETCD_DATA_DIR"
  chmod 700 "$DATA_DIR/etcd" "$ETCD_DATA_DIR"
  # env -i: etcd reads every ETCD_* variable as a flag, and the environment may hold ETCD_ENDPOINT.
  start_daemon etcd "$ETCD_BIN_DIR/etcd --name shopmesh-test" env -i PATH="$PATH" "$ETCD_BIN_DIR/etcd" \
    --name shopmesh-test --data-dir "$ETCD_DATA_DIR" \
    --listen-client-urls "http://127.0.0.1:$PORT_ETCD" --advertise-client-urls "http://127.0.0.1:$PORT_ETCD" \
    --listen-peer-urls "http://127.0.0.1:$PORT_ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$PORT_ETCD_PEER" \
    --initial-cluster "shopmesh-test=http://127.0.0.1:$PORT_ETCD_PEER" --initial-cluster-state new \
    --quota-backend-bytes $((2 * 1024 * 1024 * 1024)) \
    --auto-compaction-mode periodic --auto-compaction-retention 1h --log-outputs stderr --logger zap
  wait_until etcd 30 etcd_check
  env_fragment etcd "ETCD_ENDPOINT=$(etcd_address)"
}

etcd_stop() { stop_daemon etcd; }
etcd_address() { echo "http://127.0.0.1:$PORT_ETCD"; }
etcd_check() { curl -fsS --max-time 2 "$(etcd_address)/health" 2>/dev/null | grep -q '"health":"true"'; }
