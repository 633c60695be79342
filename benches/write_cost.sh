#!/usr/bin/env bash
# POST /orders throughput of two builds of `shop serve`, in alternating rounds on the same
# fresh catalog, to measure what a change to the write path costs.
# Usage: benches/write_cost.sh OLD_BINARY NEW_BINARY [sqlite|postgres=sqlite] [duration=10s] [rounds=3]
# Needs wrk, curl, jq, and psql for PostgreSQL. Each build gets its own database (an older
# build refuses a schema ahead of it), loaded with the same `shop seed --scale 2000` (about 500
# units of stock per product, so the orders do not run out).
set -euo pipefail
old=$1 new=$2 db=${3:-sqlite} duration=${4:-10s} rounds=${5:-3}
root="$(cd "$(dirname "$0")/.." && pwd)"
port=18790
work=$(mktemp -d)
pg=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
name="shop_write_cost_$$"
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  if [ "$db" = postgres ]; then
    for which in old new; do
      psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS ${name}_$which WITH (FORCE)" >/dev/null 2>&1 || true
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
url_of() { # old|new
  if [ "$db" = postgres ]; then echo "$pg/${name}_$1"; else echo "sqlite://$work/$1.db?mode=rwc"; fi
}
export SECRET_KEY=write-cost-bench-secret-0123456789abcdef AUTO_MIGRATE=true
for which in old new; do
  [ "$db" = postgres ] && psql -q "$pg/postgres" -c "CREATE DATABASE ${name}_$which" >/dev/null
  bin=$old; [ "$which" = new ] && bin=$new
  DATABASE_URL=$(url_of "$which") "$bin" seed --scale 2000 >/dev/null
done

serve() { # binary, old|new
  DATABASE_URL=$(url_of "$2") PORT=$port "$1" serve >"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && return 0; sleep 0.1; done
  echo "the server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}

# The same customer in both databases: the token of one works on the other (same key).
user="bench$RANDOM$RANDOM"
for which in old new; do
  bin=$old; [ "$which" = new ] && bin=$new
  serve "$bin" "$which"
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/users/signup" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$user\", \"email\": \"$user@example.com\", \"password\": \"bench-password\"}"
  token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/login/access-token" \
    -d "username=$user&password=bench-password" | jq -r .access_token)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [ "$which" = old ] && TOKEN_OLD=$token || TOKEN_NEW=$token
done
export MAX_ID=2000

echo "| round | build | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
total_old=0 total_new=0
for round in $(seq "$rounds"); do
  for which in old new; do
    bin=$old; [ "$which" = new ] && bin=$new
    serve "$bin" "$which"
    token=$TOKEN_OLD; [ "$which" = new ] && token=$TOKEN_NEW
    out=$(TOKEN=$token wrk -t2 -c32 -d"$duration" --latency -s "$root/benches/wrk/order.lua" "http://127.0.0.1:$port")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    echo "| $round | $which | $rps | $p50 | $p99 | ${errors:-0} |"
    if [ "$which" = old ]; then total_old=$(echo "$total_old + $rps" | bc); else total_new=$(echo "$total_new + $rps" | bc); fi
  done
done
echo
echo "$db: new / old = $(echo "scale=3; $total_new / $total_old" | bc)"
