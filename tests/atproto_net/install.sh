#!/usr/bin/env bash
# Installs the local atproto test network (@atproto/dev-env, pinned by package-lock.json) into
# tests/atproto_net/node_modules. Idempotent: when installed it only checks a stamp and exits (0.1 s).
#
#   bash tests/atproto_net/install.sh           # install, or verify and exit when up to date
#   bash tests/atproto_net/install.sh --check   # verify only: exit 0 if installed, 3 if not
#   FERRY_ATPROTO_FORCE_INSTALL=1 bash ...       # reinstall from scratch
#
# Needs: npm (any Node >= 18 runs npm; the network itself runs on the Node 22 that the npm package
# node-linux-<arch> ships), g++, make, python3 (better-sqlite3 is compiled from source: its prebuilt
# binary would come from GitHub, which is unreachable here). PostgreSQL is needed at test time only,
# not here (see tests/support/atproto.py).
#
# Measured on a 2-core x86_64 machine (Debian 12, npm 11): cold install 97-117 s (npm ci 26-37 s, of
# which downloads ~10 s with an empty npm cache; better-sqlite3 compile 71-80 s); 665 MB node_modules,
# ~200 MB npm cache; already installed: 0.1 s. Network start 7-10 s, shutdown 0.4-0.7 s.
#
# Pitfalls handled here:
#  - dev-env 0.6.x needs Node >= 22 (undici 8 uses zlib.createZstdDecompress): we use the Node 22 from
#    the node-linux-<arch> package, listed in optionalDependencies (npm installs only the matching one).
#  - `npm ci --ignore-scripts`, then rebuild only better-sqlite3 against Node 22's headers; the other
#    install scripts (sharp: binaries come from @img/* packages; core-js, protobufjs: banners/checks) are
#    not needed.
#  - /root/.npmrc may set `nodedir=/usr` (Node 20 headers): npm_config_nodedir overrides it, or the
#    addon gets the wrong ABI (NODE_MODULE_VERSION mismatch at run time).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

check_only=0
case "${1:-}" in
  "") ;;
  --check) check_only=1 ;;
  *) printf 'usage: %s [--check]\n' "$0" >&2; exit 2 ;;
esac

log() { printf 'atproto_net/install.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported machine $(uname -m): only x86_64 and aarch64 have a node-linux-* package" ;;
esac
[ "$(uname -s)" = Linux ] || die "only Linux is supported"

node_pkg="$here/node_modules/node-linux-$arch"
node22="$node_pkg/bin/node"
stamp="$here/node_modules/.ferry-install-stamp"

# The stamp covers everything that decides the result of an install. Bump RECIPE when the steps
# below change in a way that needs a reinstall.
RECIPE=1
want_stamp="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1) $arch recipe-$RECIPE"

verify() {
  # Loads the compiled addon under Node 22 and opens a database: catches a wrong ABI or a missing build.
  [ -x "$node22" ] || return 1
  "$node22" -e '
    const major = Number(process.versions.node.split(".")[0]);
    if (major < 22) { console.error("node " + process.version + " < 22"); process.exit(1); }
    const Database = require("better-sqlite3");
    const db = new Database(":memory:");
    if (db.prepare("select 41 + 1 as x").get().x !== 42) process.exit(1);
    require.resolve("@atproto/dev-env");
  ' >/dev/null
}

if [ "$check_only" = 1 ]; then
  problem=""
  if [ ! -f "$stamp" ]; then
    problem="not installed"
  elif [ "$(cat "$stamp")" != "$want_stamp" ]; then
    problem="out of date: package.json, package-lock.json or the install recipe changed"
  elif ! verify; then
    problem="broken: Node 22 or better-sqlite3 does not load"
  fi
  if [ -n "$problem" ]; then
    log "$problem"
    log "to install: bash tests/atproto_net/install.sh"
    exit 3
  fi
  exit 0
fi

# One install at a time (say CI and a developer's shell): lock this script's own file.
exec 9<"$here/install.sh"
if command -v flock >/dev/null 2>&1; then flock 9; fi

if [ "${FERRY_ATPROTO_FORCE_INSTALL:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
  if verify; then
    log "up to date ($("$node22" --version), $node_pkg)"
    exit 0
  fi
  log "stamp matches but the check failed: reinstalling"
fi

command -v npm >/dev/null 2>&1 || die "npm not found (Debian: apt-get install nodejs npm)"
t0=$(date +%s)
for tool in g++ make python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (needed to compile better-sqlite3; Debian: apt-get install build-essential python3)"
done

rm -f "$stamp"
log "npm ci (no install scripts) ..."
# npm ci deletes node_modules first, so a half-finished earlier run cannot leak into this one.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
t1=$(date +%s)

[ -x "$node22" ] || die "$node22 missing after npm ci (was node-linux-$arch skipped as optional?)"
log "compiling better-sqlite3 for $("$node22" --version) (about a minute) ..."
# Node 22 first on PATH, so npm, node-gyp and the build all run under it and use its headers.
PATH="$node_pkg/bin:$PATH" \
  npm_config_nodedir="$node_pkg" \
  npm_config_build_from_source=better-sqlite3 \
  JOBS=max \
  npm rebuild better-sqlite3 --no-audit --no-fund --loglevel=warn
t2=$(date +%s)

verify || die "better-sqlite3 does not load under Node 22 after the rebuild"
printf '%s' "$want_stamp" >"$stamp"
log "installed in $((t2 - t0)) s (npm ci $((t1 - t0)) s, better-sqlite3 $((t2 - t1)) s)"
