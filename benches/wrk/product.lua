-- GET /api/v1/products/{id} for random ids in 1..MAX_ID (environment variable).
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/v1/products/" .. math.random(1, max_id))
end
