# shellcheck shell=bash
# PostgreSQL from Debian, run as the unprivileged user `postgres` (the server refuses root).

postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
POSTGRES_DATA="$UNPRIVILEGED_DATA_DIR/postgres"

postgres_install() {
  apt_ensure postgresql
  id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
}

postgres_start() {
  local bin; bin=$(postgres_bin)
  [[ -n $bin ]] || die postgres "no PostgreSQL binaries under /usr/lib/postgresql"
  if [[ ! -s $POSTGRES_DATA/PG_VERSION ]]; then
    rm -rf "$POSTGRES_DATA"
    install -d "$(dirname "$POSTGRES_DATA")"
    install -d -o postgres -g postgres -m 700 "$POSTGRES_DATA"
    run_as_user postgres "$bin/initdb" -D "$POSTGRES_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >>"$LOG_DIR/postgres.log" 2>&1 \
      || die postgres "initdb failed"
  fi
  install -d -o postgres -g postgres "$POSTGRES_DATA.run"
  # A crash leaves postmaster.pid behind; the server removes it itself when its pid is gone.
  start_daemon postgres "$POSTGRES_DATA" runuser -u postgres -- "$bin/postgres" -D "$POSTGRES_DATA" \
    -c listen_addresses=127.0.0.1 -c port="$PORT_POSTGRES" -c unix_socket_directories="$POSTGRES_DATA.run" \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB
  wait_until postgres 60 postgres_check
  env_fragment postgres \
    "PGHOST=127.0.0.1" "PGPORT=$PORT_POSTGRES" "PGUSER=postgres" \
    "POSTGRES_URL=postgres://postgres@127.0.0.1:$PORT_POSTGRES/postgres"
}

postgres_stop() { stop_daemon postgres; }
postgres_address() { echo "postgres://127.0.0.1:$PORT_POSTGRES"; }
postgres_check() { psql -h 127.0.0.1 -p "$PORT_POSTGRES" -U postgres -d postgres -Atc 'select 1' 2>/dev/null | grep -qx 1; }
