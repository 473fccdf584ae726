# shellcheck shell=bash
# Redis from Debian, no persistence: tests create what they need.

redis_install() { apt_ensure redis-server; }

redis_start() {
  mkdir -p "$DATA_DIR/redis"
  start_daemon redis "--port $PORT_REDIS" redis-server --bind 127.0.0.1 --port "$PORT_REDIS" \
    --dir "$DATA_DIR/redis" --save '' --appendonly no --protected-mode yes --daemonize no --maxmemory 256mb
  wait_until redis 30 redis_check
  env_fragment redis "REDIS_URL=redis://127.0.0.1:$PORT_REDIS"
}

redis_stop() { stop_daemon redis; }
redis_address() { echo "redis://127.0.0.1:$PORT_REDIS"; }
redis_check() { [[ $(redis-cli -h 127.0.0.1 -p "$PORT_REDIS" ping 2>/dev/null) == PONG ]]; }
