#!/usr/bin/env bash
# Overload: uncached searches (each with a price range no other request has) at rising
# concurrency on a catalog of $PRODUCTS (default 50000), while /health and a cached product
# read are polled. For each concurrency: answers by status, 503s without Retry-After, the
# slowest answer, and what /health said (unreachable count, largest queue seen).
# Usage: benches/overload.sh [sqlite|postgres|both=both] [duration=20s] [concurrencies="25 50 100 200"]
# The server's settings come from the environment (DB_POOL_SIZE, DB_ACQUIRE_TIMEOUT_MS; the
# defaults are 10 and 2000).
# Needs: wrk, curl, jq, sqlite3, psql, cargo build --release -p shop.
set -euo pipefail
which=${1:-both}
duration=${2:-20s}
concurrencies=${3:-25 50 100 200}
products=${PRODUCTS:-50000}
root="$(cd "$(dirname "$0")/.." && pwd)"
shop="$root/target/release/shop"
dir=${BENCH_DIR:-/tmp/shop-bench}
pg=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
port=18780
mkdir -p "$dir"
. "$root/benches/catalog.sh"


# Polls /health every 200 ms (2 s limit each) until $dir/stop exists; one line per poll:
# "<http status> <database> <waiting>", or "000 - -" when no answer came.
poll_health() {
  while [ ! -e "$dir/stop" ]; do
    local body
    body=$(curl -s -m 2 -w ' %{http_code}' "http://127.0.0.1:$port/health" || echo ' 000')
    local status=${body##* }
    if [ "$status" = 200 ] || [ "$status" = 503 ]; then
      echo "$status $(echo "${body% *}" | jq -r '"\(.database) \(.pool.waiting)"')"
    else
      echo "000 - -"
    fi
    sleep 0.2
  done
}

# Times a cached product read every 200 ms until $dir/stop exists (milliseconds, status).
poll_cached() {
  while [ ! -e "$dir/stop" ]; do
    curl -s -o /dev/null -m 5 -w '%{time_total} %{http_code}\n' "http://127.0.0.1:$port/api/v1/products/1" \
      | awk '{printf "%.1f %s\n", $1 * 1000, $2}'
    sleep 0.2
  done
}

run() {
  local label=$1 url=$2
  prepare_catalog "$label" "$url"
  export CATEGORIES=$(sql "$url" "SELECT COUNT(*) FROM categories")
  PORT=$port RUST_LOG=warn "$shop" serve >"$dir/overload-$label.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true; trap - RETURN' RETURN
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
  curl -sf -o /dev/null "http://127.0.0.1:$port/api/v1/products/1"

  echo
  echo "$label, $products products, DB_POOL_SIZE=${DB_POOL_SIZE:-10} DB_ACQUIRE_TIMEOUT_MS=${DB_ACQUIRE_TIMEOUT_MS:-2000}, wrk -t2 -d$duration"
  echo
  echo "| connections | searches/s | 200 | 503 | 503 without Retry-After | other | p99 | slowest | /health polls | unreachable or no answer | largest queue | cached read p50 / max |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  local c
  for c in $concurrencies; do
    rm -f "$dir/stop"
    poll_health >"$dir/health-$label-$c.txt" &
    local hp=$!
    poll_cached >"$dir/cached-$label-$c.txt" &
    local cp=$!
    local out
    out=$(wrk -t2 -c"$c" -d"$duration" --timeout 30s -s "$root/benches/wrk/unique_search.lua" "http://127.0.0.1:$port")
    touch "$dir/stop"
    wait $hp $cp
    local rps status polls bad queue cached
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    status=$(echo "$out" | grep '^STATUS')
    polls=$(wc -l <"$dir/health-$label-$c.txt")
    bad=$(awk '$1 != 200 || $2 != "connected"' "$dir/health-$label-$c.txt" | wc -l)
    queue=$(awk '$3 ~ /^[0-9]+$/ && $3 > m {m = $3} END {print m + 0}' "$dir/health-$label-$c.txt")
    cached=$(sort -n "$dir/cached-$label-$c.txt" | awk '{a[NR] = $1} END {printf "%s / %s ms", a[int((NR + 1) / 2)], a[NR]}')
    echo "$status" | awk -v c="$c" -v rps="$rps" -v polls="$polls" -v bad="$bad" -v queue="$queue" -v cached="$cached" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "| %s | %s | %s | %s | %s | %s | %s ms | %s ms | %s | %s | %s | %s |\n", c, rps, v["ok"], v["busy"],
        v["busy_without_retry"], v["other"], v["p99_ms"], v["max_ms"], polls, bad, queue, cached }'
  done
  rm -f "$dir/stop"
}

for_each_database
