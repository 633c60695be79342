#!/usr/bin/env bash
# Resident memory of `shop serve` (cache off) after each load phase: product by id, list page,
# filtered search, analytics/categories, POST order, each under `wrk -t2 -c32` for $DURATION.
# Prints VmHWM (peak) and VmRSS (now) after every phase, to see which one drives the peak.
# Usage: benches/rss.sh [database URL] [duration=10s]
# Needs: wrk, curl, jq, cargo build --release -p shop, and a catalog made by benches/load.sh
#   (the default URL is its SQLite file); MAX_ID is the largest product id.
set -euo pipefail
url=${1:-sqlite:///tmp/shop-bench/load-100000.db?mode=rwc}
duration=${2:-10s}
root="$(cd "$(dirname "$0")/.." && pwd)"
port=18775
export DATABASE_URL=$url SECRET_KEY=bench-secret-key-0123456789abcdef0123 MAX_ID=${MAX_ID:-100000}
PORT=$port CACHE_ENABLED=false RUST_LOG=warn DB_POOL_SIZE=10 "$root/target/release/shop" serve >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
export CATEGORIES=$(curl -sf "http://127.0.0.1:$port/api/v1/categories?limit=100" | jq .total)
user="rss_$RANDOM$RANDOM"
curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/users/signup" -H 'Content-Type: application/json' \
  -d "{\"username\": \"$user\", \"email\": \"$user@example.com\", \"password\": \"load-password\"}"
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/login/access-token" \
  -d "username=$user&password=load-password" | jq -r .access_token)
export TOKEN
memory() { awk '/VmHWM|VmRSS/ {printf "%s %s kB  ", $1, $2}' "/proc/$pid/status"; }
echo "after start-up and a login: $(memory)"
for phase in "product.lua /" "none.lua /api/v1/products?limit=20" "search.lua /" \
  "none.lua /api/v1/analytics/categories" "order.lua /"; do
  set -- $phase
  rps=$(wrk -t2 -c32 -d"$duration" -s "$root/benches/wrk/$1" "http://127.0.0.1:$port$2" | awk '/Requests\/sec/ {print $2}')
  echo "$1 $2: $rps req/s; $(memory)"
done
