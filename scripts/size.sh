#!/usr/bin/env bash
# Prints the release bundle's size, raw and gzipped, as served from dist/.
set -euo pipefail
cd "$(dirname "$0")/../dist"
total=0
printf '%-34s %10s %10s\n' file bytes gzip
for file in *.wasm *.js *.css; do
  [ -f "$file" ] || continue
  raw=$(wc -c <"$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  total=$((total + gz))
  printf '%-34s %10d %10d\n' "$file" "$raw" "$gz"
done
printf 'bundle gzip total: %d bytes (%d KiB)\n' "$total" $((total / 1024))
