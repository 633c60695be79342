#!/usr/bin/env bash
# Memory held after large responses: resident memory of `shop serve` (cache off) before, during
# and after a burst of `GET /analytics/above-category-average` (every product above its
# category's average: about 37% of the catalog in one response), then each few seconds of
# $IDLE (default 30) seconds of idleness.
# Usage: benches/rss_burst.sh [sqlite|postgres|both=both] [burst=20s] [connections=8]
# Needs: wrk, curl, sqlite3, psql, cargo build --release -p shop; the catalog of
# benches/load.sh ($PRODUCTS, default 100000), seeded here when missing.
set -euo pipefail
which=${1:-both}
burst=${2:-20s}
connections=${3:-8}
idle=${IDLE:-30}
products=${PRODUCTS:-100000}
root="$(cd "$(dirname "$0")/.." && pwd)"
shop="$root/target/release/shop"
dir=${BENCH_DIR:-/tmp/shop-bench}
pg=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
port=18790
mkdir -p "$dir"
. "$root/benches/catalog.sh"


rss_mb() {
  awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"
}

run() {
  local label=$1 url=$2
  prepare_catalog "$label" "$url"
  PORT=$port CACHE_ENABLED=false RUST_LOG=warn DB_POOL_SIZE=10 "$shop" serve >"$dir/rss-burst-$label.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true; trap - RETURN' RETURN
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
  local url_report="http://127.0.0.1:$port/api/v1/analytics/above-category-average"
  local size
  size=$(curl -sf -o /dev/null -w '%{size_download}' "$url_report")
  sleep 2
  local before
  before=$(rss_mb "$pid")
  wrk -t2 -c"$connections" -d"$burst" --timeout 60s -s "$root/benches/wrk/none.lua" "$url_report" >"$dir/rss-burst-$label-wrk.txt" &
  local wp=$!
  local peak=0 sample
  while kill -0 $wp 2>/dev/null; do
    sample=$(rss_mb "$pid")
    peak=$(echo "$sample $peak" | awk '{print ($1 > $2) ? $1 : $2}')
    sleep 0.5
  done
  wait $wp || true
  local rps
  rps=$(awk '/Requests\/sec/ {print $2}' "$dir/rss-burst-$label-wrk.txt")
  local after="" t=0
  for t in 0 5 10 20 "$idle"; do
    sleep "$(( t - ${last:-0} ))"
    last=$t
    after="$after | $(rss_mb "$pid")"
  done
  unset last
  local hwm
  hwm=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
  echo "| $label | $(( size / 1024 )) KiB | $rps | $before | $peak | $hwm $after |"
}

echo
echo "above-category-average on $products products, wrk -t2 -c$connections -d$burst; resident memory in MB"
echo
echo "| database | response | req/s | before | during (max of samples) | VmHWM | at end | +5 s | +10 s | +20 s | +${idle} s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for_each_database
