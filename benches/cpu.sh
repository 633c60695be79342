#!/usr/bin/env bash
# CPU time and context switches per request of `shop serve` (cache off) or the baseline under
# wrk, read with `perf stat` from the server process: a steadier figure than req/s when wrk
# shares the machine's cores with the server.
# Usage: benches/cpu.sh [shop|baseline=shop] [database URL] [wrk script=product.lua]
# Needs: perf, wrk, cargo build --release -p shop -p baseline, and a catalog made by
#   benches/load.sh (the default URL is its SQLite file); MAX_ID is the largest product id.
set -euo pipefail
which=${1:-shop}
url=${2:-sqlite:///tmp/shop-bench/load-100000.db?mode=rwc}
script=${3:-product.lua}
root="$(cd "$(dirname "$0")/.." && pwd)"
port=18772
export DATABASE_URL=$url SECRET_KEY=bench-secret-key-0123456789abcdef0123 MAX_ID=${MAX_ID:-100000}
if [ "$which" = shop ]; then
  PORT=$port CACHE_ENABLED=false RUST_LOG=warn DB_POOL_SIZE=10 "$root/target/release/shop" serve >/dev/null 2>&1 &
else
  PORT=$port "$root/target/release/baseline" >/dev/null 2>&1 &
fi
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port/health" || curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/products/1"; do sleep 0.05; done
wrk -t2 -c32 -d2s -s "$root/benches/wrk/$script" "http://127.0.0.1:$port" >/dev/null
stat=$(mktemp)
for _ in 1 2 3; do
  perf stat -x, -e task-clock,context-switches -p $pid -- sleep 5 2>"$stat" &
  perf_pid=$!
  out=$(wrk -t2 -c32 -d5s -s "$root/benches/wrk/$script" "http://127.0.0.1:$port")
  wait $perf_pid
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  awk -F, -v n="$n" -v rps="$rps" -v who="$which" '{v[$3]=$1} END {
    printf "%s: %s req/s, %.1f us CPU per request, %.2f context switches per request\n",
      who, rps, v["task-clock"]*1000/n, v["context-switches"]/n}' "$stat"
done
rm -f "$stat"
