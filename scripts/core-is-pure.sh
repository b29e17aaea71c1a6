#!/usr/bin/env bash
# Issue 14: the core crate holds every rule and no browser. Fails if
# leptos, web-sys, js-sys, wasm-bindgen or gloo (or anything named after
# them) appears anywhere in wschat-core's normal dependency tree, for any
# target, or if its source names one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
browser='^(leptos|tachys|web-sys|js-sys|wasm-bindgen|gloo|send_wrapper)'
tree=$(cargo tree --locked -p wschat-core -e normal --target all --prefix none --format '{p}' | sort -u)
printf 'wschat-core depends on: %s\n' "$(awk '{print $1}' <<<"$tree" | sort -u | grep -vx wschat-core | tr '\n' ' ')"
if found=$(grep -E "$browser" <<<"$tree"); then
  printf 'FAIL: browser crates in the core'"'"'s tree:\n%s\n' "$found" >&2
  exit 1
fi
if found=$(grep -rnE '\b(web_sys|js_sys|wasm_bindgen|leptos|gloo[a-z_]*)::' core/src core/tests); then
  printf 'FAIL: the core'"'"'s source names a browser crate:\n%s\n' "$found" >&2
  exit 1
fi
echo "ok: no browser crate in wschat-core"
