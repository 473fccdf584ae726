#!/bin/sh
# Entrypoint of the redis stand-in, with the public image's semantics: arguments that start with
# `-` or name a `.conf` file go to redis-server; run as root, it drops to the redis user; the
# umask becomes 0077 when it is the default 0022.
set -e

case "$1" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

um="$(umask)"
if [ "$um" = 0022 ]; then
  umask 0077
fi

if [ "$1" = redis-server ]; then
  # The public image builds Redis with protected mode off by default (it runs behind a container
  # network); Debian's binary has it on. Set the same default unless the command line or the
  # configuration file given says otherwise.
  explicit=false
  for arg in "$@"; do
    case "$arg" in
      --protected-mode) explicit=true ;;
      *.conf) [ -f "$arg" ] && grep -Eqi '^[[:space:]]*protected-mode[[:space:]]' "$arg" && explicit=true ;;
    esac
  done
  if [ "$explicit" = false ]; then
    set -- "$@" --protected-mode no
  fi
fi

exec "$@"
