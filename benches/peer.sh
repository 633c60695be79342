#!/usr/bin/env bash
# HTTP load on `shop serve` (release, cache off) next to the guide's own FastAPI app (the peer,
# benches/peer: uvicorn, 2 workers) and, for the two products endpoints, the minimal axum + sqlx
# binary (benches/baseline), all on the guide's sample data, on SQLite and PostgreSQL.
# Usage: benches/peer.sh [sqlite|postgres|both=both] [duration=10s] [connections=32]
# Each endpoint is measured once on each server, one server after the other, with
# wrk -t2 -c$connections -d$duration --latency; then a table of ratios: shop/peer req/s,
# peer p99 / shop p99 (both: above 1 means the shop is ahead), shop/baseline req/s.
# Needs: curl, bc, sqlite3, psql, python3 (the peer's venv is made on its first run, see
# benches/peer/README.md), wrk (installed with apt-get when missing), and
#   cargo build --release -p shop -p baseline
# The databases are kept in $BENCH_DIR (default /tmp/shop-bench: peer-shop.db, peer-guide.db)
# and on $BENCH_POSTGRES_URL (shop_peer, peer_guide), and reused by later runs.
set -euo pipefail
which=${1:-both}
duration=${2:-10s}
connections=${3:-32}
case $which in sqlite | postgres | both) ;; *)
  echo "usage: $0 [sqlite|postgres|both] [duration] [connections]" >&2
  exit 2
  ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
shop="$root/target/release/shop"
baseline="$root/target/release/baseline"
dir=${BENCH_DIR:-/tmp/shop-bench}
pg=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
secret=bench-secret-key-0123456789abcdef0123
shop_port=18780
baseline_port=18781
peer_port=18782
# The peer mounts its routes at the guide's settings.API_V1_STR.
shop_prefix=/api/v1
peer_prefix=/api/v1
mkdir -p "$dir"
# The peer's SQLite URL needs an absolute path.
dir=$(cd "$dir" && pwd)

for bin in "$shop" "$baseline"; do
  if [ ! -x "$bin" ]; then
    echo "missing $bin: run cargo build --release -p shop -p baseline" >&2
    exit 1
  fi
done
if ! command -v wrk >/dev/null; then
  apt-get update >&2
  apt-get install -y wrk >&2
fi

# Name, path under the prefix, and whether the baseline serves it. The products page is the
# guide's own request ("3. Get All Products").
endpoints=(
  "GET products/1|/products/1|yes"
  "GET products/?skip=0&limit=10|/products/?skip=0&limit=10|yes"
  "GET categories/?limit=10|/categories/?limit=10|no"
  "GET analytics/categories|/analytics/categories|no"
)

# The first column of `sql` on the database at URL $1 (sqlite:// or postgres(ql)://).
sql() {
  case $1 in
    sqlite*) local file=${1#sqlite://}; sqlite3 "${file%%\?*}" "$2" ;;
    postgres*) psql "$1" -Atqc "$2" ;;
  esac
}

# wrk's latency in microseconds ("812.00us", "1.52ms", "2.01s").
us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = u == "us" ? 1 : u == "ms" ? 1000 : u == "s" ? 1000000 : u == "m" ? 60000000 : 0
    if (!f) { print "cannot read the latency " v > "/dev/stderr"; exit 1 }
    printf "%.2f", n * f
  }'
}

# $1 / $2 to two places, or n/a when $2 is zero or missing.
ratio() {
  if [ -z "$1" ] || [ -z "$2" ] || [ "$(echo "$2 == 0" | bc)" = 1 ]; then
    echo n/a
  else
    printf '%.2f\n' "$(echo "scale=4; $1 / $2" | bc)"
  fi
}

# wrk's summary as one table row: req/s, p50, p99, non-2xx; sets RPS and P99 (microseconds).
wrk_row() {
  local name=$1 server=$2 url=$3
  local out
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$url")
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $5} /Socket errors/ {print "socket:" $4 $6 $8 $10}' | paste -sd' ')
  echo "| $name | $server | $rps | $p50 | $p99 | ${errors:-0} |"
  [ -z "$errors" ] || failed_requests=1
  RPS=$rps
  P99=$(us "$p99")
}

pids=()
stop_servers() {
  local pid
  for pid in "${pids[@]}"; do
    # The peer runs in its own process group (setsid): its uvicorn workers go with it.
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap stop_servers EXIT

# A port that already answers would be measured in place of the server started on it.
port_free() {
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; then
    echo "FAIL: something already serves 127.0.0.1:$1; stop it first" >&2
    exit 1
  fi
}

# Waits until $2 answers at all; fails when server $1 (pid $3, log $4) exits or is not up
# within $5 seconds.
wait_up() {
  local name=$1 url=$2 pid=$3 log=$4 deadline=$((SECONDS + $5))
  until curl -s -o /dev/null --max-time 5 "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL: $name exited before serving $url; the end of $log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "FAIL: $name does not answer $url after $5 s; the end of $log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
}

# Fails unless GET $2 answers 200 on server $1: a 404 or 500 is fast and would look like a win.
expect_200() {
  local code
  code=$(curl -s -o "$dir/peer-check.body" -w '%{http_code}' --max-time 30 "$2") || true
  if [ "$code" != 200 ]; then
    echo "FAIL: $1: GET $2 answered ${code:-nothing}, not 200:" >&2
    head -c 1000 "$dir/peer-check.body" >&2
    echo >&2
    exit 1
  fi
}

run() {
  local label=$1 shop_url=$2 peer_url=$3
  for port in $shop_port $baseline_port $peer_port; do port_free "$port"; done

  DATABASE_URL=$shop_url SECRET_KEY=$secret "$shop" db upgrade head >/dev/null
  DATABASE_URL=$shop_url SECRET_KEY=$secret "$shop" seed >/dev/null

  DATABASE_URL=$shop_url PORT=$shop_port CACHE_ENABLED=false RUST_LOG=warn SECRET_KEY=$secret DB_POOL_SIZE=10 \
    "$shop" serve >"$dir/peer-shop-$label.log" 2>&1 &
  pids+=($!)
  wait_up shop "http://127.0.0.1:$shop_port/health" $! "$dir/peer-shop-$label.log" 60
  DATABASE_URL=$shop_url PORT=$baseline_port "$baseline" >"$dir/peer-baseline-$label.log" 2>&1 &
  pids+=($!)
  wait_up baseline "http://127.0.0.1:$baseline_port/api/v1/products/1" $! "$dir/peer-baseline-$label.log" 60
  # The peer's first start builds its venv and installs its requirements.
  BENCH_DIR=$dir setsid "$root/benches/peer/run.sh" "$peer_url" $peer_port >"$dir/peer-guide-$label.log" 2>&1 &
  pids+=($!)
  wait_up peer "http://127.0.0.1:$peer_port/health" $! "$dir/peer-guide-$label.log" 900

  local shop_products peer_products shop_categories peer_categories
  shop_products=$(sql "$shop_url" "SELECT COUNT(*) FROM products")
  peer_products=$(sql "$peer_url" "SELECT COUNT(*) FROM products")
  shop_categories=$(sql "$shop_url" "SELECT COUNT(*) FROM categories")
  peer_categories=$(sql "$peer_url" "SELECT COUNT(*) FROM categories")
  if [ "$shop_products/$shop_categories" != "$peer_products/$peer_categories" ]; then
    echo "FAIL: the catalogs differ: shop $shop_products products, $shop_categories categories;" \
      "peer $peer_products products, $peer_categories categories" >&2
    exit 1
  fi

  local e name path with_baseline
  for e in "${endpoints[@]}"; do
    IFS='|' read -r name path with_baseline <<<"$e"
    expect_200 shop "http://127.0.0.1:$shop_port$shop_prefix$path"
    expect_200 peer "http://127.0.0.1:$peer_port$peer_prefix$path"
    if [ "$with_baseline" = yes ]; then
      expect_200 baseline "http://127.0.0.1:$baseline_port/api/v1$path"
    fi
  done

  echo
  echo "$label: $shop_products products, $shop_categories categories; wrk -t2 -c$connections -d$duration"
  echo
  echo "| endpoint | server | req/s | p50 | p99 | non-2xx |"
  echo "|---|---|---|---|---|---|"
  local ratios=() shop_rps shop_p99 peer_rps peer_p99 vs_baseline
  for e in "${endpoints[@]}"; do
    IFS='|' read -r name path with_baseline <<<"$e"
    wrk_row "$name" shop "http://127.0.0.1:$shop_port$shop_prefix$path"
    shop_rps=$RPS shop_p99=$P99
    wrk_row "$name" peer "http://127.0.0.1:$peer_port$peer_prefix$path"
    peer_rps=$RPS peer_p99=$P99
    vs_baseline=-
    if [ "$with_baseline" = yes ]; then
      wrk_row "$name" baseline "http://127.0.0.1:$baseline_port/api/v1$path"
      vs_baseline=$(ratio "$shop_rps" "$RPS")
    fi
    ratios+=("| $name | $(ratio "$shop_rps" "$peer_rps") | $(ratio "$peer_p99" "$shop_p99") | $vs_baseline |")
  done
  echo
  echo "| endpoint | shop/peer req/s | peer p99 / shop p99 | shop/baseline req/s |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ratios[@]}"
  stop_servers
}

failed_requests=0
if [ "$which" = sqlite ] || [ "$which" = both ]; then
  run sqlite "sqlite://$dir/peer-shop.db?mode=rwc" "sqlite:///$dir/peer-guide.db"
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  psql "$pg/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = 'shop_peer'" | grep -q 1 \
    || psql "$pg/postgres" -qc "CREATE DATABASE shop_peer"
  # Plain TCP: loopback needs no TLS, and the baseline binary is built without it. The peer
  # (SQLAlchemy) wants the postgresql:// spelling, and creates its database itself.
  run postgres "$pg/shop_peer?sslmode=disable" "postgresql://${pg#*://}/peer_guide"
fi
if [ "$failed_requests" = 1 ]; then
  echo
  echo "WARNING: some requests failed (non-2xx or socket errors above): those rows do not compare like with like" >&2
fi
