# shellcheck shell=bash
# Prometheus from Debian. It scrapes itself, plus any target a test drops as a JSON file into
# PROMETHEUS_TARGETS_DIR (file service discovery), every second.

PROMETHEUS_DIR="$DATA_DIR/prometheus"

prometheus_install() { apt_ensure prometheus; }

prometheus_start() {
  mkdir -p "$PROMETHEUS_DIR/targets" "$PROMETHEUS_DIR/tsdb"
  cat >"$PROMETHEUS_DIR/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$PORT_PROMETHEUS']
  - job_name: testenv-targets
    file_sd_configs:
      - files: ['$PROMETHEUS_DIR/targets/*.json']
        refresh_interval: 1s
YAML
  start_daemon prometheus "$PROMETHEUS_DIR/prometheus.yml" prometheus \
    --config.file="$PROMETHEUS_DIR/prometheus.yml" --storage.tsdb.path="$PROMETHEUS_DIR/tsdb" \
    --storage.tsdb.retention.time=2h --web.listen-address="127.0.0.1:$PORT_PROMETHEUS" --web.enable-lifecycle
  wait_until prometheus 60 prometheus_check
  env_fragment prometheus \
    "PROMETHEUS_URL=http://127.0.0.1:$PORT_PROMETHEUS" \
    "PROMETHEUS_TARGETS_DIR=$PROMETHEUS_DIR/targets"
}

prometheus_stop() { stop_daemon prometheus; }
prometheus_address() { echo "http://127.0.0.1:$PORT_PROMETHEUS"; }
prometheus_check() { curl -fsS "http://127.0.0.1:$PORT_PROMETHEUS/-/ready" >/dev/null 2>&1; }
