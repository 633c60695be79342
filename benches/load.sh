#!/usr/bin/env bash
# HTTP load on `shop serve` (release, cache off) and on the minimal axum + sqlx binary
# (benches/baseline) in the same run, on SQLite and PostgreSQL.
# Usage: benches/load.sh [sqlite|postgres|both=both] [duration=15s] [connections=32]
# Product by id alternates between the baseline and the shop for ROUNDS rounds (default 3) of
# the duration each, and the ratio is of the requests served in all of them: on a shared
# machine, back-to-back single runs of the same binary vary by 20% or more.
# Needs: wrk (apt-get install wrk), curl, jq, sqlite3, psql, and
#   cargo build --release -p shop -p baseline
# The catalog is `shop seed --scale $PRODUCTS` (default 100000), kept in $BENCH_DIR and in the
# PostgreSQL database shop_load_<N>, reused by later runs.
set -euo pipefail
which=${1:-both}
duration=${2:-15s}
connections=${3:-32}
products=${PRODUCTS:-100000}
root="$(cd "$(dirname "$0")/.." && pwd)"
shop="$root/target/release/shop"
baseline="$root/target/release/baseline"
dir=${BENCH_DIR:-/tmp/shop-bench}
pg=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
port=18770
mkdir -p "$dir"
. "$root/benches/catalog.sh"

# wrk's summary as one table row: req/s, p50, p99, errors.
wrk_row() {
  local name=$1 url=$2 script=$3
  local out
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency -s "$root/benches/wrk/$script" "$url")
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $5} /Socket errors/ {print "socket:" $4 $6 $8 $10}' | paste -sd' ')
  echo "| $name | $rps | $p50 | $p99 | ${errors:-0} |"
  RPS=$rps
}

wait_up() {
  until curl -sf -o /dev/null "$1"; do sleep 0.05; done
}

run() {
  local label=$1 url=$2
  prepare_catalog "$label" "$url"
  # Orders must not run out of stock during the run; rewrite only the rows that need it, and
  # on PostgreSQL vacuum so dead rows left by earlier runs do not slow the counts.
  sql "$url" "UPDATE products SET stock_quantity = 100000000, is_active = TRUE WHERE stock_quantity < 50000000 OR NOT is_active"
  case $url in postgres*) sql "$url" "VACUUM (ANALYZE) products" ;; esac
  local categories
  categories=$(sql "$url" "SELECT COUNT(*) FROM categories")
  export MAX_ID=$products CATEGORIES=$categories

  PORT=$port CACHE_ENABLED=false RUST_LOG=warn DB_POOL_SIZE=10 "$shop" serve >"$dir/load-$label.log" 2>&1 &
  local pid=$!
  PORT=$((port + 1)) "$baseline" >"$dir/baseline-$label.log" 2>&1 &
  local bpid=$!
  trap 'kill $pid $bpid 2>/dev/null || true; trap - RETURN' RETURN
  wait_up "http://127.0.0.1:$port/health"
  wait_up "http://127.0.0.1:$((port + 1))/api/v1/products/1"

  local user="load_$RANDOM$RANDOM"
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/users/signup" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$user\", \"email\": \"$user@example.com\", \"password\": \"load-password\"}"
  TOKEN=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/login/access-token" \
    -d "username=$user&password=load-password" | jq -r .access_token)
  export TOKEN

  echo
  echo "$label, $products products, wrk -t2 -c$connections -d$duration"
  echo
  echo "| endpoint | req/s | p50 | p99 | non-2xx |"
  echo "|---|---|---|---|---|"
  local base=0 ours=0 round
  for round in $(seq "${ROUNDS:-3}"); do
    wrk_row "baseline: GET product by id ($round)" "http://127.0.0.1:$((port + 1))" product.lua
    base=$(echo "$base + $RPS" | bc)
    wrk_row "shop: GET product by id ($round)" "http://127.0.0.1:$port" product.lua
    ours=$(echo "$ours + $RPS" | bc)
  done
  wrk_row "shop: list page" "http://127.0.0.1:$port/api/v1/products?limit=20" none.lua
  wrk_row "shop: filtered search" "http://127.0.0.1:$port" search.lua
  wrk_row "shop: analytics/categories" "http://127.0.0.1:$port/api/v1/analytics/categories" none.lua
  wrk_row "shop: POST order" "http://127.0.0.1:$port" order.lua
  echo
  echo "product by id: shop / baseline = $(echo "scale=3; $ours / $base" | bc)"
  echo "shop peak RSS (VmHWM): $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
  echo "baseline peak RSS (VmHWM): $(awk '/VmHWM/ {print $2, $3}' /proc/$bpid/status)"
}

for_each_database
