#!/usr/bin/env bash
# Entrypoint of the opensearch stand-in, with the public image's conventions:
# - `opensearchwrapper` (the default command) starts the node; anything else is run as given;
# - every environment variable named like a setting (`discovery.type`, `cluster.name`, ...:
#   lower case with a dot, or `processors`) becomes `-Ename=value`;
# - OPENSEARCH_JAVA_OPTS is appended to config/jvm.options;
# - DISABLE_INSTALL_DEMO_CONFIG / OPENSEARCH_INITIAL_ADMIN_PASSWORD and DISABLE_SECURITY_PLUGIN
#   are checked as the public image does. This stand-in has no security plugin: it refuses to
#   start unless DISABLE_SECURITY_PLUGIN=true, rather than serve without the security asked for.
set -euo pipefail
cd /usr/share/opensearch

fail() { printf 'opensearch stand-in: %s\n' "$*" >&2; exit 1; }

if [[ $# -gt 0 && $1 != opensearchwrapper ]]; then
  exec "$@"
fi
shift $(($# > 0 ? 1 : 0))

settings=()
# Names with a dot are not shell variables: read the environment itself.
while IFS= read -r -d '' entry; do
  name=${entry%%=*}
  value=${entry#*=}
  if [[ $name =~ ^[a-z0-9_]+\.[a-z0-9_]+ || $name == processors ]]; then
    case $name in
      plugins.security.disabled)
        [[ $value == true ]] || fail "$name=$value: this stand-in has no security plugin; set DISABLE_SECURITY_PLUGIN=true"
        continue
        ;;
      plugins.security.*) fail "$name is set: this stand-in has no security plugin (set DISABLE_SECURITY_PLUGIN=true and remove it)" ;;
    esac
    settings+=("-E$name=$value")
  fi
done < <(env -0 | LC_ALL=C sort -z)

if [[ ${DISABLE_INSTALL_DEMO_CONFIG:-} != true && -z ${OPENSEARCH_INITIAL_ADMIN_PASSWORD:-} ]]; then
  fail "the security demo configuration would be installed, which needs OPENSEARCH_INITIAL_ADMIN_PASSWORD; set DISABLE_INSTALL_DEMO_CONFIG=true (or that password)"
fi
case ${DISABLE_SECURITY_PLUGIN:-} in
  true) echo "Disabling OpenSearch Security Plugin" ;;
  '') fail "DISABLE_SECURITY_PLUGIN is not set: this stand-in has no security plugin; set DISABLE_SECURITY_PLUGIN=true" ;;
  *) fail "DISABLE_SECURITY_PLUGIN=${DISABLE_SECURITY_PLUGIN}: this stand-in has no security plugin; set DISABLE_SECURITY_PLUGIN=true" ;;
esac

for dir in data logs config; do
  [[ -w $dir ]] || fail "/usr/share/opensearch/$dir is not writable for uid $(id -u) (the image's user is uid 1000, group 1000)"
done

mapfile -t jvm < <(grep -Ev '^\s*(#|$)' config/jvm.options)
read -r -a extra <<<"${OPENSEARCH_JAVA_OPTS:-}"
exec java "${jvm[@]}" "${extra[@]}" -Dopensearch.path.home=/usr/share/opensearch \
  -Dopensearch.path.conf=/usr/share/opensearch/config -Dopensearch.distribution.type=docker \
  -cp '/usr/share/opensearch/classes:/usr/share/opensearch/lib/*' OpenSearchStandIn "${settings[@]}" "$@"
