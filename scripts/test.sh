#!/usr/bin/env bash
# Every test level, in order: format, lints (host and wasm32), the core's
# purity, host unit tests, browser component tests, the release build,
# end-to-end tests.
# Runs every step even after a failure, then sums up and exits non-zero if
# anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
export WSCHAT_TRUNK_SERVE=1

log_dir=$(mktemp -d)
failed_steps=()
passed=0
failed=0

step() {
  local name=$1
  shift
  local log="$log_dir/$name.log"
  local start=$SECONDS
  printf '\n=== %s: %s\n' "$name" "$*"
  if "$@" 2>&1 | tee "$log"; then
    printf '=== %s: ok (%ss)\n' "$name" $((SECONDS - start))
  else
    printf '=== %s: FAILED (%ss)\n' "$name" $((SECONDS - start))
    failed_steps+=("$name")
  fi
  # Sum what the test runners said: cargo's and wasm-bindgen's result lines,
  # and node's closing counts.
  read -r p f < <(awk '
    /test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed/ {
      for (i = 1; i <= NF; i++) {
        if ($(i + 1) ~ /^passed/) p += $i
        if ($(i + 1) ~ /^failed/) f += $i
      }
    }
    /^# pass [0-9]+$/ { p += $3 }
    /^# fail [0-9]+$/ { f += $3 }
    END { print p + 0, f + 0 }' "$log")
  passed=$((passed + p))
  failed=$((failed + f))
}

step fmt cargo fmt --all --check
step clippy-host cargo clippy --workspace --all-targets --locked -- -D warnings
step clippy-wasm cargo clippy --workspace --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
step core-is-pure bash scripts/core-is-pure.sh
# The core alone: host tests never build the app's browser dependencies.
step unit cargo test --locked -p wschat-core
step browser cargo test --locked -p wschat --target wasm32-unknown-unknown
step build trunk build --release
step size bash scripts/size.sh
step e2e npm test --prefix e2e

rm -rf "$log_dir"
echo
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "failed steps: ${failed_steps[*]}"
  failed=$((failed > 0 ? failed : ${#failed_steps[@]}))
fi
echo "tests: $passed passed, $failed failed"
[ ${#failed_steps[@]} -eq 0 ] && [ "$failed" -eq 0 ]
