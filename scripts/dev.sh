#!/usr/bin/env bash
# The reference relay on port 3000 and `trunk serve` on port 8080, which
# proxies /ws to the relay. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"

mkdir -p dist
node e2e/servers/relay.js --port 3000 --static dist &
relay=$!
trap 'kill $relay 2>/dev/null; wait $relay 2>/dev/null' EXIT INT TERM
echo "relay on ws://127.0.0.1:3000/ws; open http://127.0.0.1:8080 in two tabs"
# Its own dist dir, so that the release build in dist/ never gets the dev
# server's live-reload script.
trunk serve --dist target/trunk-serve
