#!/usr/bin/env bash
# Source this file: puts a Node.js >= 22 first on PATH. wrangler 4 and vitest need
# Node 22; machines that only have an older Node get one from the npm registry
# (the `node` package), cached in $CRONDO_NODE_CACHE (default ~/.cache/crondo-node).
need_major=22
have_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$have_major" -lt "$need_major" ]; then
  cache="${CRONDO_NODE_CACHE:-$HOME/.cache/crondo-node}"
  if ! "$cache/node_modules/.bin/node" -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)' 2>/dev/null; then
    echo "ensure-node: Node $(node --version 2>/dev/null || echo none) found; installing node@${need_major} into $cache" >&2
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --no-save "node@${need_major}" >&2
  fi
  export PATH="$cache/node_modules/.bin:$PATH"
fi
echo "ensure-node: using Node $(node --version) at $(command -v node)" >&2
