#!/usr/bin/env python3
"""Latency of typical product searches and of every analytics endpoint against a running
`shop serve`, one keep-alive connection, requests one after another. Prints a Markdown table
of p50/p99/mean per endpoint. Standard library only.

Usage: benches/latency.py --url http://127.0.0.1:8000 [--requests 200] [--label sqlite]
"""

import argparse
import http.client
import json
import random
import statistics
import time
import urllib.parse

API = "/api/v1"


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


class Client:
    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=600)

    def get(self, path):
        start = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r} after {elapsed:.0f} ms")
        return elapsed, json.loads(body)


def q(params):
    return urllib.parse.urlencode(params, doseq=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--analytics-requests", type=int, default=10)
    parser.add_argument("--label", default="")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--searches-only", action="store_true")
    parser.add_argument("--analytics-only", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    client = Client(args.url)

    _, first = client.get(f"{API}/products?limit=1&sort=-id")
    max_id = first["items"][0]["id"]
    _, cats = client.get(f"{API}/categories?limit=100")
    categories = [c["id"] for c in cats["items"]]

    def cursor_page():
        # The second page by price, through the first page's cursor: the keyset path.
        low = rng.randint(1, 3000)
        params = {"sort": "price", "min_price": low, "limit": 20}
        _, page = client.get(f"{API}/products?{q(params)}")
        params["cursor"] = page["next_cursor"]
        return f"{API}/products?{q(params)}"

    deep_cursors = []

    def deep_page():
        # A page of the paged report about 100,000 rows in, through the cursors of a walk
        # made once with large pages.
        if not deep_cursors:
            cursor, seen = None, 0
            while seen < 100_000:
                params = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
                _, page = client.get(f"{API}/analytics/above-category-average?{q(params)}")
                cursor, seen = page["next_cursor"], seen + len(page["data"])
                if cursor is None:
                    break
                if seen >= 50_000:
                    deep_cursors.append(cursor)
            if not deep_cursors:
                raise RuntimeError("the report has fewer than 50,000 rows")
        return f"{API}/analytics/above-category-average?" + q({"limit": 100, "cursor": rng.choice(deep_cursors)})

    searches = [
        ("product by id", lambda: f"{API}/products/{rng.randint(1, max_id)}"),
        ("first page (by id)", lambda: f"{API}/products?limit=20"),
        ("deep page by skip=5000", lambda: f"{API}/products?limit=20&skip=5000"),
        ("category, by price", lambda: f"{API}/products?" + q({"category_id": rng.choice(categories), "sort": "price", "limit": 20})),
        ("category + price range + in stock, by -price", lambda: f"{API}/products?" + q({
            "category_id": rng.choice(categories), "min_price": 10, "max_price": 200,
            "in_stock": "true", "sort": "-price", "limit": 20})),
        ("q (name contains)", lambda: f"{API}/products?" + q({"q": f"product {rng.randint(1, 99999)} ", "limit": 20})),
        ("q broad ('max', a fifth of all names)", lambda: f"{API}/products?" + q({"q": "max", "limit": 20})),
        ("filter expression", lambda: f"{API}/products?" + q({
            "filter": f"(category_id = {rng.choice(categories)} and price < 50) or "
                      f"(category_id = {rng.choice(categories)} and price > 1000)", "limit": 20})),
        ("newest first", lambda: f"{API}/products?sort=-created_at,-id&limit=20"),
        ("keyset page 2 by price", None),
        ("with include=category,supplier", lambda: f"{API}/products?limit=20&include=category,supplier"),
        ("above-category-average, first page (limit=100)", lambda: f"{API}/analytics/above-category-average?limit=100"),
        ("above-category-average, a page 50,000-100,000 rows in", deep_page),
    ]
    analytics = [
        ("analytics/summary", lambda: f"{API}/analytics/summary"),
        ("analytics/categories", lambda: f"{API}/analytics/categories"),
        ("analytics/suppliers", lambda: f"{API}/analytics/suppliers"),
        ("analytics/best-sellers", lambda: f"{API}/analytics/best-sellers"),
        ("analytics/top-product-per-category", lambda: f"{API}/analytics/top-product-per-category"),
        ("analytics/recent-activity", lambda: f"{API}/analytics/recent-activity?days=30"),
        ("analytics/sales/monthly", lambda: f"{API}/analytics/sales/monthly?months=12"),
    ]

    label = f" ({args.label})" if args.label else ""
    print(f"| endpoint{label} | requests | p50 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|", flush=True)
    chosen = ([] if args.analytics_only else searches) + ([] if args.searches_only else analytics)
    for name, make in chosen:
        n = args.analytics_requests if name.startswith("analytics/") else args.requests
        warmup = 1 if name.startswith("analytics/") else 3
        times = []
        try:
            for i in range(n + warmup):
                path = cursor_page() if make is None else make()
                elapsed, _ = client.get(path)
                if i >= warmup:  # the first requests warm caches and connections
                    times.append(elapsed)
        except RuntimeError as err:
            print(f"| {name} | failed: {err} | | | |", flush=True)
            client = Client(args.url)
            continue
        p50, p99, mean = statistics.median(times), percentile(times, 99), statistics.mean(times)
        print(f"| {name} | {n} | {p50:.1f} | {p99:.1f} | {mean:.1f} |", flush=True)


if __name__ == "__main__":
    main()
