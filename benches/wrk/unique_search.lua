-- Uncached searches: every request has a price range no other request has, so each one misses
-- the response cache and runs on the database. Counts the answers by status, and the 503s
-- that came without Retry-After.
local categories = tonumber(os.getenv("CATEGORIES") or "10")
local threads = {}
local id = 0

function setup(thread)
  id = id + 1
  thread:set("id", id)
  table.insert(threads, thread)
end

function init(args)
  ok, busy, busy_without_retry, other, n = 0, 0, 0, 0, 0
end

function request()
  n = n + 1
  -- Thread id and sequence number make the price range: unique across threads and requests.
  local k = n * 16 + id
  local path = string.format(
    "/api/v1/products?category_id=%d&min_price=%d.%02d&max_price=%d&in_stock=true&sort=price&limit=20",
    math.random(1, categories), math.floor((k % 10000) / 100), k % 100, 200 + math.floor(k / 10000))
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 503 then
    busy = busy + 1
    if headers["Retry-After"] == nil and headers["retry-after"] == nil then
      busy_without_retry = busy_without_retry + 1
    end
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, busy = 0, busy_without_retry = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + thread:get(k)
    end
  end
  io.write(string.format("STATUS ok=%d busy=%d busy_without_retry=%d other=%d max_ms=%.0f p99_ms=%.0f\n",
    t.ok, t.busy, t.busy_without_retry, t.other, latency.max / 1000, latency:percentile(99) / 1000))
end
