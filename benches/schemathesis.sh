#!/usr/bin/env bash
# Fuzz the HTTP API with schemathesis (OpenAPI-driven) on SQLite, PostgreSQL and MariaDB, and
# report every server error (5xx).
# Usage: benches/schemathesis.sh [sqlite|postgres|mysql|all=all] [EXAMPLES=100]
# Per database: a fresh database, `shop db upgrade head`, `shop seed`, `shop serve` on a free
# loopback port with a FIRST_SUPERUSER admin, an admin token from login/access-token, then
# `schemathesis run` on /api/v1/openapi.json with that bearer token, EXAMPLES examples per
# operation (every phase: examples, coverage, fuzzing, stateful), a fixed seed and a time bound.
# The server and the database go away afterwards. Prints one summary line per database and exits
# non-zero when any 5xx was seen. Each 5xx is listed with its cause from the server log and a
# curl command that repeats it.
# Environment:
#   SHOP_BIN            the shop binary (default target/release/shop, else target/debug/shop;
#                       built with cargo only when neither exists)
#   FUZZ_SEED           schemathesis --seed (default 1)
#   FUZZ_TIMEOUT        seconds per database before schemathesis is interrupted (default 1800)
#   FUZZ_WORKERS        schemathesis --workers (default 1: with one worker a seed repeats a run)
#   FUZZ_CHECKS         schemathesis --checks (default not_a_server_error)
#   FUZZ_OUT            where logs and reports go (default target/schemathesis/<date>-<pid>)
#   FUZZ_POSTGRES_URL   server URL without a database (default postgres://postgres@127.0.0.1:5432)
#   FUZZ_MYSQL_HOST, FUZZ_MYSQL_PORT, FUZZ_MYSQL_USER   (default 127.0.0.1, 3306, root; no password)
#   LOGIN_MAX_FAILURES  passed to the server (default 1000000, so that fuzzing the login form
#                       reaches the handler instead of 429)
# Needs: python3 (venv), curl, and for the databases psql/createdb/dropdb and mysql.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

which=${1:-all}
examples=${2:-100}
case $which in sqlite | postgres | mysql) dbs=$which ;; all) dbs="sqlite postgres mysql" ;; *)
  echo "usage: $0 [sqlite|postgres|mysql|all] [EXAMPLES]" >&2
  exit 2
  ;;
esac
if ! [[ $examples =~ ^[1-9][0-9]*$ ]]; then
  echo "EXAMPLES must be a positive integer, got '$examples'" >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
seed=${FUZZ_SEED:-1}
max_time=${FUZZ_TIMEOUT:-1800}
workers=${FUZZ_WORKERS:-1}
checks=${FUZZ_CHECKS:-not_a_server_error}
out=${FUZZ_OUT:-$root/target/schemathesis/$(date -u +%Y%m%dT%H%M%SZ)-$$}
pg_url=${FUZZ_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
my_host=${FUZZ_MYSQL_HOST:-127.0.0.1}
my_port=${FUZZ_MYSQL_PORT:-3306}
my_user=${FUZZ_MYSQL_USER:-root}
dbname=shop_fuzz_$$
admin_email=fuzz-admin@example.com
admin_password=fuzz-admin-password-$$
secret_key=schemathesis-fuzz-secret-key-0123456789abcdef-$$

# The binary: never rebuilt under a running fuzz; cargo only when there is none at all.
if [ -n "${SHOP_BIN:-}" ]; then
  shop=$SHOP_BIN
elif [ -x "$root/target/release/shop" ]; then
  shop=$root/target/release/shop
elif [ -x "$root/target/debug/shop" ]; then
  shop=$root/target/debug/shop
else
  echo "no shop binary: building target/release/shop" >&2
  (cd "$root" && cargo build --release -p shop)
  shop=$root/target/release/shop
fi
[ -x "$shop" ] || {
  echo "SHOP_BIN=$shop is not an executable" >&2
  exit 2
}
shop=$(cd "$(dirname "$shop")" && pwd)/$(basename "$shop")

# schemathesis in its own venv, pinned.
venv=$root/target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ] ||
  [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
py=$venv/bin/python
st=$venv/bin/schemathesis

mkdir -p "$out"
echo "shop: $shop ($("$shop" --version)); schemathesis $SCHEMATHESIS_VERSION; seed $seed; $examples examples per operation; output in $out" >&2

# The server runs in a scratch directory under /tmp, where no .env of the repository is found.
scratch=$(mktemp -d /tmp/shop-fuzz.XXXXXX)
# State of the database being fuzzed, for the cleanup.
server_pid=
current_db=
sqlite_dir=

cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
  case $current_db in
    postgres) PGOPTIONS=--client-min-messages=warning psql -q -d "$pg_url/postgres" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true ;;
    mysql) mysql -u"$my_user" -h"$my_host" -P"$my_port" -e "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1 || true ;;
  esac
  current_db=
  if [ -n "$sqlite_dir" ]; then
    rm -rf "$sqlite_dir"
    sqlite_dir=
  fi
}
trap 'cleanup; rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Everything the server reads, set here so that a .env or the caller's environment cannot change it.
server_env() {
  local url=$1 port=$2
  unset DATABASE_READ_URL REDIS_URL DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME RUST_LOG
  export DATABASE_URL=$url AUTO_MIGRATE=false SECRET_KEY=$secret_key \
    FIRST_SUPERUSER=$admin_email FIRST_SUPERUSER_PASSWORD=$admin_password \
    HOST=127.0.0.1 PORT=$port API_V1_STR=/api/v1 LOG_FORMAT=json CACHE_ENABLED=true \
    LOGIN_MAX_FAILURES=${LOGIN_MAX_FAILURES:-1000000} LOGIN_LOCKOUT_SECONDS=300
}

status=0

fuzz() {
  local db=$1 url dir port base token started elapsed rc
  dir=$out/$db
  mkdir -p "$dir"
  case $db in
    sqlite)
      sqlite_dir=$(mktemp -d "$scratch/sqlite.XXXXXX")
      url="sqlite://$sqlite_dir/shop.db?mode=rwc"
      ;;
    postgres)
      current_db=postgres
      PGOPTIONS=--client-min-messages=warning psql -q -d "$pg_url/postgres" \
        -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname" >/dev/null
      url="$pg_url/$dbname"
      ;;
    mysql)
      current_db=mysql
      mysql -u"$my_user" -h"$my_host" -P"$my_port" \
        -e "DROP DATABASE IF EXISTS $dbname; CREATE DATABASE $dbname"
      url="mysql://$my_user@$my_host:$my_port/$dbname"
      ;;
  esac
  port=$(free_port)
  base=http://127.0.0.1:$port
  (
    cd "$scratch"
    server_env "$url" "$port"
    "$shop" db upgrade head >"$dir/setup.log" 2>&1
    "$shop" seed >>"$dir/setup.log" 2>&1
  ) || {
    echo "$db: setup failed, see $dir/setup.log" >&2
    tail -5 "$dir/setup.log" >&2
    cleanup
    status=1
    return
  }
  (
    cd "$scratch"
    server_env "$url" "$port"
    exec "$shop" serve >"$dir/server.log" 2>&1
  ) &
  server_pid=$!
  local tries=0
  until curl -sf -o /dev/null "$base/health"; do
    tries=$((tries + 1))
    if [ $tries -gt 600 ] || ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$db: the server did not start, see $dir/server.log" >&2
      tail -5 "$dir/server.log" >&2
      cleanup
      status=1
      return
    fi
    sleep 0.1
  done
  token=$(curl -sf -X POST "$base/api/v1/login/access-token" \
    --data-urlencode "username=$admin_email" --data-urlencode "password=$admin_password" |
    "$py" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

  started=$(date +%s)
  rc=0
  (
    cd "$dir"
    timeout -s INT -k 60 "$max_time" "$st" run "$base/api/v1/openapi.json" \
      --header "Authorization: Bearer $token" \
      --checks "$checks" \
      --max-examples "$examples" \
      --seed "$seed" \
      --workers "$workers" \
      --continue-on-failure \
      --generation-database none \
      --request-timeout 60 \
      --report json,har \
      --report-json-path "$dir/report.json" \
      --report-har-path "$dir/requests.har.json" \
      --no-color \
      >"$dir/schemathesis.out" 2>&1
  ) || rc=$?
  elapsed=$(($(date +%s) - started))
  cleanup

  # One line per database, then the 5xx grouped by cause.
  local summary
  summary=$("$py" - "$db" "$dir" "$elapsed" "$rc" "$base" <<'PY'
import json, os, re, shlex, sys
from collections import OrderedDict

db, d, elapsed, rc, base = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

report = {}
try:
    with open(os.path.join(d, "report.json")) as f:
        report = json.load(f)
except (OSError, ValueError):
    pass

# The server's log: every response line carries status and request id; error lines the cause.
responses, causes, panics = {}, {}, []
with open(os.path.join(d, "server.log"), errors="replace") as f:
    for line in f:
        try:
            ev = json.loads(line)
        except ValueError:
            # A panic is not a JSON line: the connection drops and schemathesis sees a network error.
            if "panicked at" in line:
                panics.append(line.strip())
            continue
        span = ev.get("span") or {}
        rid = str(span.get("request_id", "")).strip('"')
        if not rid:
            continue
        if "status" in ev and ev.get("level") == "INFO":
            responses[rid] = (ev["status"], span.get("method"), span.get("route"), ev.get("message"))
        elif ev.get("level") in ("ERROR", "WARN"):
            fields = {k: v for k, v in ev.items() if k not in ("timestamp", "span", "spans", "level")}
            causes.setdefault(rid, []).append(f'{ev["level"]} ' + json.dumps(fields, ensure_ascii=False))
server_5xx = {rid: r for rid, r in responses.items() if r[0] >= 500}

# The requests, from schemathesis' HAR file (it records the response's x-request-id).
requests = {}
try:
    with open(os.path.join(d, "requests.har.json")) as f:
        entries = json.load(f)["log"]["entries"]
except (OSError, ValueError, KeyError):
    entries = []
skip = {"user-agent", "accept-encoding", "accept", "connection", "content-length", "x-schemathesis-testcaseid"}
for e in entries:
    rid = next((h["value"] for h in e["response"]["headers"] if h["name"].lower() == "x-request-id"), None)
    if rid is None or e["response"]["status"] < 500:
        continue
    req = e["request"]
    path = req["url"][len(base):] if req["url"].startswith(base) else req["url"]
    parts = ["curl -s -X", req["method"], '"$BASE"' + shlex.quote(path)]
    for h in req["headers"]:
        name = h["name"]
        if name.lower() in skip:
            continue
        if name.lower() == "authorization":
            parts.append('-H "Authorization: Bearer $TOKEN"')
        else:
            parts.append("-H " + shlex.quote(f"{name}: {h['value']}"))
    body = (req.get("postData") or {}).get("text")
    if body is not None:
        parts.append("--data-binary " + shlex.quote(body))
    line = " ".join(parts)
    requests[rid] = (len(path) + len(body or ""), line)

def normalize(cause):
    # Group by cause with the request's own values taken out (numbers, quoted values).
    cause = re.sub(r"'[^']*'", "'…'", cause)
    cause = re.sub(r"\b\d+\b", "N", cause)
    return cause

groups = OrderedDict()
for rid, (status, method, route, message) in server_5xx.items():
    cause = " | ".join(causes.get(rid, ["(no error line)"]))
    key = (status, method, route, normalize(cause))
    g = groups.setdefault(key, {"count": 0, "cause": cause, "repro": None})
    g["count"] += 1
    if rid in requests and (g["repro"] is None or requests[rid][0] < g["repro"][0]):
        g["repro"] = requests[rid]
        g["cause"] = cause

ops = report.get("operations", {})
cases = report.get("test_cases", {})
distinct = len(report.get("failures", []))
st_errors = report.get("errors", [])
stop = report.get("stop_reason", "no report" if not report else "?")
if rc == 124 or (rc == 130):
    stop = f"interrupted after {elapsed}s (FUZZ_TIMEOUT)"
print(f"{db}: {ops.get('tested', '?')}/{ops.get('total', '?')} operations tested, "
      f"{cases.get('generated', '?')} examples, server errors: {len(groups)} distinct "
      f"({len(server_5xx)} 5xx responses, {distinct} schemathesis failures), "
      f"{len(panics)} panics, {len(st_errors)} schemathesis errors, {elapsed}s, {stop}")

with open(os.path.join(d, "5xx.txt"), "w") as f:
    for (status, method, route, _), g in groups.items():
        f.write(f"[{db}] {status} {method} {route} x{g['count']}\n  cause: {g['cause']}\n")
        f.write(f"  repro: {g['repro'][1] if g['repro'] else '(request not in the HAR file)'}\n")
    for p in panics:
        f.write(f"[{db}] PANIC (connection dropped): {p}\n")
    for e in st_errors:
        f.write(f"[{db}] schemathesis error: {json.dumps(e, ensure_ascii=False)[:500]}\n")
sys.exit(1 if server_5xx or distinct or panics else 0)
PY
  ) || status=1
  echo "$summary"
  if [ -s "$dir/5xx.txt" ]; then
    sed 's/^/    /' "$dir/5xx.txt"
  fi
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    echo "    schemathesis exited $rc, see $dir/schemathesis.out" >&2
    status=1
  fi
}

for db in $dbs; do
  fuzz "$db"
done
echo "repro: BASE=<server url>, TOKEN=<admin token from POST /api/v1/login/access-token>; logs and reports: $out" >&2
exit $status
