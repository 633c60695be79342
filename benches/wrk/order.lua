-- POST /api/v1/orders/ as one customer: two random products, quantity 1 each.
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
local token = os.getenv("TOKEN")
math.randomseed(11)
request = function()
  local body = string.format('{"items": [{"product_id": %d, "quantity": 1}, {"product_id": %d, "quantity": 1}]}',
    math.random(1, max_id), math.random(1, max_id))
  return wrk.format("POST", "/api/v1/orders/",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
