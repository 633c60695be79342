#!/usr/bin/env bash
# Instructions per product read, counted by valgrind's callgrind in `shop serve` (cache off) or
# in the axum + sqlx baseline. Unlike req/s or CPU time, the count repeats from run to run
# whatever else the machine is doing, so it shows what a change to the hot path saves.
# Usage: benches/instructions.sh [shop|baseline=shop] [database URL] [requests=4000]
# PATH_TEMPLATE is the request (default /api/v1/products/{id}); `{id}` becomes a random
# product id, e.g. PATH_TEMPLATE='/api/v1/products/?limit=10' profiles the list.
# Needs: valgrind, python3, cargo build --release -p shop -p baseline, and a catalog made by
#   benches/load.sh (the default URL is its SQLite file); MAX_ID is the largest product id.
# Prints the instructions per request, and the profile's path for callgrind_annotate.
set -euo pipefail
which=${1:-shop}
url=${2:-sqlite:///tmp/shop-bench/load-100000.db?mode=rwc}
requests=${3:-4000}
root="$(cd "$(dirname "$0")/.." && pwd)"
port=18775
out=${OUT:-/tmp/callgrind-$which.out}
export DATABASE_URL=$url SECRET_KEY=bench-secret-key-0123456789abcdef0123 PORT=$port
rm -f "$out" "$out".*
if [ "$which" = shop ]; then
  CACHE_ENABLED=false RUST_LOG=warn DB_POOL_SIZE=10 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$root/target/release/shop" serve >/dev/null 2>&1 &
else
  valgrind --tool=callgrind --callgrind-out-file="$out" "$root/target/release/baseline" >/dev/null 2>&1 &
fi
pid=$!
trap 'kill -9 $pid 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/products/1"; do sleep 0.2; done

# Four keep-alive connections, each reading random products, exactly $requests in all.
load() {
  python3 - "$port" "$1" "${MAX_ID:-100000}" "${PATH_TEMPLATE:-/api/v1/products/{id\}}" <<'PY'
import http.client, random, sys, threading
port, total, max_id, template = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def client(n, seed):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(n):
        conn.request("GET", template.replace("{id}", str(rng.randint(1, max_id))))
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
threads = [threading.Thread(target=client, args=(total // 4, seed)) for seed in range(4)]
for t in threads: t.start()
for t in threads: t.join()
PY
}
load 400
callgrind_control -z "$pid" >/dev/null 2>&1
load "$requests"
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 1
total=$(awk '/^(summary|totals):/ {print $2}' "$out".1 | head -1)
echo "$which ${PATH_TEMPLATE:-/api/v1/products/{id\}}: $((total / requests)) instructions per request ($requests requests; profile $out.1)"
