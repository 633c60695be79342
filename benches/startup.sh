#!/usr/bin/env bash
# Time from process start to the first 200 from /health on an already migrated SQLite
# database. Usage: benches/startup.sh [runs]   (needs: cargo build --release -p shop, curl)
set -euo pipefail
runs=${1:-20}
bin="$(cd "$(dirname "$0")/.." && pwd)/target/release/shop"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
"$bin" db upgrade head >/dev/null
port=18765
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  PORT=$port SECRET_KEY=bench-secret-key-0123456789abcdef0123 "$bin" serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.001; done
  end=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  times+=($(( (end - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "runs=$runs min=$(echo "$sorted" | head -1)ms p50=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")ms max=$(echo "$sorted" | tail -1)ms"
