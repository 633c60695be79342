# Shared by the load benchmarks (sourced, not run): the catalog of $products products that
# `shop seed --scale` makes, kept in $dir (SQLite) and in the PostgreSQL database
# shop_load_<N> on $pg, and reused by later runs. Needs $shop, $dir, $pg, $products and $which.

# The first column of `sql` on the database at URL $1.
sql() {
  case $1 in
    sqlite*) local file=${1#sqlite://}; sqlite3 "${file%%\?*}" "$2" ;;
    postgres*) psql "$1" -Atqc "$2" ;;
  esac
}

count() {
  sql "$1" "SELECT COUNT(*) FROM products" 2>/dev/null || echo 0
}

# Migrates the database at $2 (labelled $1) and seeds it unless it already has products;
# exports DATABASE_URL and SECRET_KEY for the server that follows.
prepare_catalog() {
  local label=$1 url=$2
  export DATABASE_URL=$url SECRET_KEY=bench-secret-key-0123456789abcdef0123
  "$shop" db upgrade head >/dev/null
  if [ "$(count "$url")" = "0" ]; then
    echo "seeding $label with $products products..." >&2
    "$shop" seed --scale "$products" --seed 1 >&2
  fi
}

# Calls `run LABEL URL` for each database $which names (sqlite, postgres or both).
for_each_database() {
  if [ "$which" = sqlite ] || [ "$which" = both ]; then
    run sqlite "sqlite://$dir/load-$products.db?mode=rwc"
  fi
  if [ "$which" = postgres ] || [ "$which" = both ]; then
    local db="shop_load_$products"
    psql "$pg/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || psql "$pg/postgres" -qc "CREATE DATABASE $db"
    # Plain TCP: loopback needs no TLS, and the baseline binary is built without it.
    run postgres "$pg/$db?sslmode=disable"
  fi
}
