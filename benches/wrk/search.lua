-- A filtered search: one category, a price range, in stock, by price.
local categories = tonumber(os.getenv("CATEGORIES") or "10")
math.randomseed(7)
request = function()
  local path = string.format(
    "/api/v1/products?category_id=%d&min_price=10&max_price=200&in_stock=true&sort=price&limit=20",
    math.random(1, categories))
  return wrk.format("GET", path)
end
