#!/usr/bin/env bash
# Three `shop serve` replicas on one PostgreSQL database and one Redis, behind nginx on
# loopback. All three start at the same moment with AUTO_MIGRATE=true on an empty database:
# the migrator lock lets exactly one apply the revisions. Then wrk runs reads and orders
# through nginx, one replica is stopped (SIGTERM, graceful drain) halfway, and the failed
# requests are reported.
# Usage: scripts/cluster.sh [duration=20] [products=20000]
# Needs: cargo build --release -p shop; nginx, wrk, curl, jq, psql, redis-cli;
# PostgreSQL at $CLUSTER_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432) and Redis at
# $CLUSTER_REDIS_URL (default redis://127.0.0.1:6379/0).
set -euo pipefail
duration=${1:-20}
products=${2:-20000}
root="$(cd "$(dirname "$0")/.." && pwd)"
shop="$root/target/release/shop"
pg=${CLUSTER_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
redis=${CLUSTER_REDIS_URL:-redis://127.0.0.1:6379/0}
db=shop_cluster
lb=18080
ports=(18081 18082 18083)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export DATABASE_URL="$pg/$db" SECRET_KEY=cluster-secret-key-0123456789abcdef0123 REDIS_URL=$redis CACHE_NAMESPACE="cluster-$$" \
  AUTO_MIGRATE=true RUST_LOG=info

# The three replicas start together on the empty database.
for i in 0 1 2; do
  PORT=${ports[$i]} "$shop" serve >"$work/replica$i.log" 2>&1 &
  pids+=($!)
done
for port in "${ports[@]}"; do
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
done
applied=$(psql "$pg/$db" -Atc "SELECT COUNT(*) FROM migrate_history WHERE direction = 'upgrade'")
distinct=$(psql "$pg/$db" -Atc "SELECT COUNT(DISTINCT revision) FROM migrate_history WHERE direction = 'upgrade'")
runners=$( (grep -l "applied" "$work"/replica*.log || true) | wc -l)
echo "migrations: $applied upgrades applied ($distinct distinct revisions), by $runners replica(s)"

"$shop" seed --scale "$products" --seed 1 >/dev/null 2>&1
psql "$pg/$db" -qc "UPDATE products SET stock_quantity = 100000000, is_active = TRUE"

cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/nginx-error.log;
worker_processes 1;
events { worker_connections 1024; }
http {
  access_log off;
  upstream shop {
    server 127.0.0.1:${ports[0]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:${ports[1]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:${ports[2]} max_fails=1 fail_timeout=5s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$lb;
    location / {
      proxy_pass http://shop;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_503;
      proxy_connect_timeout 1s;
    }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
until curl -sf -o /dev/null "http://127.0.0.1:$lb/health"; do sleep 0.05; done

user="cluster_$RANDOM"
curl -sf -o /dev/null -X POST "http://127.0.0.1:$lb/api/v1/users/signup" -H 'Content-Type: application/json' \
  -d "{\"username\": \"$user\", \"email\": \"$user@example.com\", \"password\": \"cluster-password\"}"
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$lb/api/v1/login/access-token" \
  -d "username=$user&password=cluster-password" | jq -r .access_token)
export TOKEN MAX_ID=$products

wrk -t1 -c32 -d"${duration}s" --latency -s "$root/benches/wrk/product.lua" "http://127.0.0.1:$lb" >"$work/reads.txt" &
reads=$!
wrk -t1 -c4 -d"${duration}s" --latency -s "$root/benches/wrk/order.lua" "http://127.0.0.1:$lb" >"$work/orders.txt" &
orders=$!
sleep $((duration / 2))
echo "stopping replica 2 (SIGTERM) at $(date +%T)"
kill -TERM "${pids[2]}"
wait "${pids[2]}" || true
wait $reads $orders

for kind in reads orders; do
  total=$(awk '/requests in/ {print $1}' "$work/$kind.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$work/$kind.txt")
  socket=$(awk '/Socket errors/ {print $0}' "$work/$kind.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$kind.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$kind.txt")
  echo "$kind: $total requests, $rps req/s, p99 $p99, non-2xx: ${non2xx:-0}${socket:+, $socket}"
done
echo "orders in the database: $(psql "$pg/$db" -Atc "SELECT COUNT(*) FROM orders WHERE user_id = (SELECT id FROM users WHERE username = '$user')")"
grep -h "shutting down" "$work/replica2.log" || true
