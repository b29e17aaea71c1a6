#!/usr/bin/env bash
# Installs what building and testing wschat needs, skipping what is there.
# Safe to run again and again; a fresh machine pays about 15 minutes once.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"

say() { printf '[tools] %s\n' "$*"; }

# The version Cargo.lock pins; trunk and the browser tests need exactly it.
lock_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian's chromium and chromium-driver"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-liberation >/dev/null
fi

# Installs Debian packages whose scripts would start a system service: a
# policy-rc.d that answers 101 forbids that during the install, and is removed
# afterwards only if this function put it there. The tests start their own
# servers on free ports (e2e/lib/servers.js, e2e/lib/brokers.js).
apt_install_without_service() {
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  local policy_created=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
    $sudo_cmd chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
  local status=0
  { $sudo_cmd apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
      "$@" >/dev/null; } || status=$?
  [ -n "$policy_created" ] && $sudo_cmd rm -f /usr/sbin/policy-rc.d
  return "$status"
}

# redis-server for the failover test (e2e/tests/failover.test.js); the three
# brokers of issue 17 for e2e/tests/brokers*.test.js: RabbitMQ (its
# rabbitmq_web_stomp plugin ships with it), mosquitto (websockets listeners
# built in, mosquitto_passwd beside it) and nats-server (a websocket block).
# Each binary the tests start is checked, so only what is missing installs.
missing_services=()
[ -x /usr/bin/redis-server ] || missing_services+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing_services+=(rabbitmq-server)
{ [ -x /usr/sbin/mosquitto ] && [ -x /usr/bin/mosquitto_passwd ]; } || missing_services+=(mosquitto)
[ -x /usr/sbin/nats-server ] || missing_services+=(nats-server)
if [ ${#missing_services[@]} -gt 0 ]; then
  say "installing Debian's ${missing_services[*]} (no service is started)"
  apt_install_without_service "${missing_services[@]}"
fi

if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
  say "installing trunk 0.21 (about 8 minutes on 2 cores)"
  cargo install trunk --version '^0.21' --locked
fi

bindgen=$(lock_version wasm-bindgen)
if [ -z "$bindgen" ]; then
  echo "Cargo.lock names no wasm-bindgen version" >&2
  exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $bindgen"; then
  say "installing wasm-bindgen-cli $bindgen (about 5 minutes)"
  # No --locked: its lock file names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "=$bindgen" --force
fi

if ! wasm-opt --version 2>/dev/null | grep -q 'version 132' ||
  [ ! -d tools/node_modules/terser ] ||
  [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
  say "installing the build tools from npm into tools/: wasm-opt (binaryen 132) and terser"
  npm ci --prefix tools --no-audit --no-fund --silent
fi

if [ ! -d e2e/node_modules ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  say "installing the e2e node packages"
  npm ci --prefix e2e --no-audit --no-fund --silent
fi

say "ready: $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version | head -1), $(/usr/bin/chromium --version 2>/dev/null)"
