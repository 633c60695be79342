#!/usr/bin/env bash
# Serves the guide's FastAPI app (the peer of the HTTP benchmarks) in the foreground:
# creates its venv if missing, creates the tables and loads the sample data, then runs
# uvicorn with 2 workers on 127.0.0.1:PORT. Background it and kill its pid to stop it.
# Usage: benches/peer/run.sh DATABASE_URL PORT
#   DATABASE_URL: sqlite:////abs/path.db or postgresql://postgres@127.0.0.1:5432/<db> (the
#   database is created when missing)
# Needs: python3 (3.11) with venv (installed with apt-get when missing), pip access to the
# package registry on the first run. The venv lives in ${BENCH_DIR:-/tmp/shop-bench}/peer-venv.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 DATABASE_URL PORT" >&2
  exit 2
fi
url=$1
port=$2
here="$(cd "$(dirname "$0")" && pwd)"
dir=${BENCH_DIR:-/tmp/shop-bench}
venv="$dir/peer-venv"
mkdir -p "$dir"

if [ ! -x "$venv/bin/python" ]; then
  # Debian's python3 leaves ensurepip out of the base package.
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update >&2
    apt-get install -y python3-venv >&2
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
# A copy of the requirements it was installed from, so an edit reinstalls and a re-run does
# not reach the registry.
if ! cmp -s "$here/requirements.txt" "$venv/requirements.installed"; then
  "$venv/bin/pip" install --disable-pip-version-check -q -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$venv/requirements.installed"
fi

cd "$here"
export DATABASE_URL=$url
"$venv/bin/python" -m app.db.init_db
# The shop runs with RUST_LOG=warn, which logs no request either: uvicorn's access log would
# time a line written per request.
exec "$venv/bin/uvicorn" app.main:app --host 127.0.0.1 --port "$port" --workers 2 \
  --no-access-log --log-level warning
