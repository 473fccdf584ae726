# shellcheck shell=bash
# etcd from Debian (etcd-server), one member on loopback; the kube component stores its objects
# in it under its own prefix.

etcd_install() {
  apt_ensure etcd-server || die etcd "cannot install the Debian package etcd-server"
}

etcd_start() {
  mkdir -p "$DATA_DIR/etcd"
  chmod 700 "$DATA_DIR/etcd"
  # env -i: etcd reads every ETCD_* variable as a flag, and the environment may hold ETCD_ENDPOINT.
  start_daemon etcd "--listen-client-urls http://127.0.0.1:$PORT_ETCD" env -i PATH="$PATH" etcd \
    --name shopmesh-test --data-dir "$DATA_DIR/etcd" \
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
