#!/usr/bin/env bash
# Entrypoint of the postgres stand-in, with the public image's semantics:
# - arguments that start with `-` are options of `postgres`;
# - run as root, it prepares the directories and drops to the postgres user;
# - on first start (no PGDATA/PG_VERSION): POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)
#   is required; initdb with POSTGRES_USER (default postgres) as superuser, POSTGRES_INITDB_ARGS
#   and POSTGRES_INITDB_WALDIR; host connections authenticated with POSTGRES_HOST_AUTH_METHOD
#   (default scram-sha-256); a temporary server on the Unix socket only creates POSTGRES_DB
#   (default POSTGRES_USER) and runs /docker-entrypoint-initdb.d/*.sh, *.sql, *.sql.gz;
# - VAR_FILE variants of POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, POSTGRES_INITDB_ARGS;
# - then `exec postgres "$@"` (PGPORT, when set, is the port of both servers).
set -Eeo pipefail

fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# file_env VAR [DEFAULT]: VAR from itself or from the file named by VAR_FILE, never both.
file_env() {
  local var=$1 default=${2:-} file_var="${1}_FILE" value
  if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
    fail "both $var and $file_var are set (but are exclusive)"
  fi
  value=$default
  if [[ -n ${!var:-} ]]; then
    value=${!var}
  elif [[ -n ${!file_var:-} ]]; then
    [[ -r ${!file_var} ]] || fail "$file_var names ${!file_var}, which cannot be read"
    value=$(<"${!file_var}")
  fi
  export "$var=$value"
  unset "$file_var"
}

setup_env() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"
  : "${PGDATA:?PGDATA must be set}"
  DATABASE_ALREADY_EXISTS=
  [[ -s $PGDATA/PG_VERSION ]] && DATABASE_ALREADY_EXISTS=true
  return 0
}

create_directories() {
  local user
  user=$(id -u)
  mkdir -p "$PGDATA" || fail "cannot create PGDATA $PGDATA as uid $user"
  chmod 00700 "$PGDATA" 2>/dev/null || true
  mkdir -p /var/run/postgresql 2>/dev/null || true
  chmod 03775 /var/run/postgresql 2>/dev/null || true
  if [[ -n ${POSTGRES_INITDB_WALDIR:-} ]]; then
    mkdir -p "$POSTGRES_INITDB_WALDIR"
    [[ $user != 0 ]] || find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
    chmod 700 "$POSTGRES_INITDB_WALDIR"
  fi
  if [[ $user == 0 ]]; then
    find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
    find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
  fi
}

verify_minimum_env() {
  if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
    cat >&2 <<'MESSAGE'
error: the database is uninitialized and no superuser password is given.
       Set POSTGRES_PASSWORD to a non-empty value for the superuser (or POSTGRES_PASSWORD_FILE),
       or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password
       (not recommended).
MESSAGE
    exit 1
  fi
  if [[ ${#POSTGRES_PASSWORD} -gt 100 ]]; then
    printf 'warning: POSTGRES_PASSWORD is longer than 100 characters\n' >&2
  fi
}

init_database_dir() {
  # initdb looks its user up: an unknown uid (say, a securityContext other than 70) gets a clear
  # message instead of initdb's "could not look up effective user ID".
  getent passwd "$(id -u)" >/dev/null \
    || fail "uid $(id -u) has no entry in /etc/passwd: run this image as uid 70 (postgres) or as root"
  local args=(--username="$POSTGRES_USER")
  [[ -z ${POSTGRES_INITDB_WALDIR:-} ]] || args+=(--waldir="$POSTGRES_INITDB_WALDIR")
  # The password through a pipe (never a file); POSTGRES_INITDB_ARGS is split on blanks, like the
  # public image does.
  # shellcheck disable=SC2086
  initdb "${args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
}

setup_hba_conf() {
  local method=${POSTGRES_HOST_AUTH_METHOD:-}
  if [[ -z $method ]]; then
    method=$(postgres -C password_encryption $POSTGRES_INITDB_ARGS 2>/dev/null || echo scram-sha-256)
    [[ -n $method ]] || method=scram-sha-256
  fi
  if [[ $method == trust ]]; then
    printf 'warning: POSTGRES_HOST_AUTH_METHOD=trust: every host may connect without a password\n' >&2
  fi
  printf '\n%s\n' "host all all all $method" >>"$PGDATA/pg_hba.conf"
}

temp_server_start() {
  # Unix socket only: probes over TCP fail until the database exists.
  PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
}

temp_server_stop() { PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -m fast -w stop; }

psql_init() {
  PGHOST= PGHOSTADDR= PGPASSWORD=$POSTGRES_PASSWORD psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
    --no-password --no-psqlrc "$@"
}

setup_db() {
  local exists
  exists=$(psql_init --dbname postgres --set db="$POSTGRES_DB" --tuples-only \
    <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
  if [[ -z ${exists// /} ]]; then
    psql_init --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
    printf '\n'
  fi
}

process_init_files() {
  local file
  for file in "$@"; do
    case $file in
      *.sh)
        if [[ -x $file ]]; then
          printf '%s: running %s\n' "$0" "$file"
          "$file"
        else
          printf '%s: sourcing %s\n' "$0" "$file"
          # shellcheck source=/dev/null
          . "$file"
        fi
        ;;
      *.sql) printf '%s: running %s\n' "$0" "$file"; psql_init --dbname "$POSTGRES_DB" -f "$file"; printf '\n' ;;
      *.sql.gz) printf '%s: running %s\n' "$0" "$file"; gunzip -c "$file" | psql_init --dbname "$POSTGRES_DB"; printf '\n' ;;
      *) printf '%s: ignoring %s\n' "$0" "$file" ;;
    esac
  done
}

main() {
  if [[ ${1:0:1} == - ]]; then
    set -- postgres "$@"
  fi
  if [[ $1 == postgres ]] && ! has_help_arg "$@"; then
    setup_env
    create_directories
    if [[ $(id -u) == 0 ]]; then
      exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
    fi
    if [[ -z $DATABASE_ALREADY_EXISTS ]]; then
      verify_minimum_env
      ls /docker-entrypoint-initdb.d/ >/dev/null
      init_database_dir
      setup_hba_conf
      export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
      temp_server_start
      setup_db
      process_init_files /docker-entrypoint-initdb.d/*
      temp_server_stop
      unset PGPASSWORD
      printf '\nPostgreSQL init process complete; ready for start up.\n\n'
    else
      printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
    fi
  fi
  exec "$@"
}

has_help_arg() {
  local arg
  for arg in "$@"; do
    case $arg in -'?' | --help | --describe-config | -V | --version) return 0 ;; esac
  done
  return 1
}

shopt -s nullglob
main "$@"
