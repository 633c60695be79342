#!/usr/bin/env bash
# Search and analytics latency on a generated catalog, on SQLite and PostgreSQL.
# Usage: benches/search.sh [products=1000000] [sqlite|postgres|both=both] [requests=200] [analytics requests=5]
# Needs: cargo build --release -p shop, python3, psql (for PostgreSQL), a PostgreSQL server at
# $BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432). The generated databases are
# kept in $BENCH_DIR (default /tmp/shop-bench) and in the PostgreSQL database shop_bench_<N>,
# and reused by later runs with the same N. The analytics cache is off, so every analytics
# request runs its query. LATENCY_ARGS passes options to benches/latency.py (e.g.
# --analytics-only).
set -euo pipefail
n=${1:-1000000}
which=${2:-both}
requests=${3:-200}
analytics_requests=${4:-5}
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/target/release/shop"
dir=${BENCH_DIR:-/tmp/shop-bench}
pg=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
port=18766
mkdir -p "$dir"

run() {
  local label=$1 url=$2
  export DATABASE_URL=$url SECRET_KEY=bench-secret-key-0123456789abcdef0123 AUTO_MIGRATE=false
  "$bin" db upgrade head >/dev/null
  local count
  count=$(curl_count "$url")
  if [ "$count" = "0" ]; then
    echo "seeding $label with $n products..." >&2
    /usr/bin/time -f "seed: %e s wall, %M KB max RSS" "$bin" seed --scale "$n" --seed 1
  fi
  PORT=$port CACHE_ENABLED=false REQUEST_TIMEOUT_SECONDS=600 DB_STATEMENT_TIMEOUT_MS=600000 RUST_LOG=warn "$bin" serve >"$dir/serve-$label.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
  # The whole above-category-average report as NDJSON, on the fresh server: its peak RSS is
  # the export's.
  local exported
  exported=$(curl -sf -H 'Accept: application/x-ndjson' "http://127.0.0.1:$port/api/v1/analytics/above-category-average" \
    -w '%{time_total}' -o "$dir/export-$label.ndjson")
  echo "NDJSON export: $(wc -l <"$dir/export-$label.ndjson") rows, $(du -m "$dir/export-$label.ndjson" | cut -f1) MB in ${exported} s;" \
    "server peak RSS after it: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
  rm -f "$dir/export-$label.ndjson"
  python3 "$root/benches/latency.py" --url "http://127.0.0.1:$port" --requests "$requests" --analytics-requests "$analytics_requests" \
    --label "$label, $n products" ${LATENCY_ARGS:-}
  echo "server peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
}

# Products already in the database, so a second run reuses the generated data.
curl_count() {
  case $1 in
    sqlite*) local file=${1#sqlite://}; sqlite3 "${file%%\?*}" "SELECT COUNT(*) FROM products" 2>/dev/null || echo 0 ;;
    postgres*) psql "$1" -Atc "SELECT COUNT(*) FROM products" 2>/dev/null || echo 0 ;;
  esac
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
  run sqlite "sqlite://$dir/shop-$n.db?mode=rwc"
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  db="shop_bench_$n"
  psql "$pg/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
    || psql "$pg/postgres" -qc "CREATE DATABASE $db"
  run postgres "$pg/$db"
fi
