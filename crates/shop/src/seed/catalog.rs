//! The catalog of `shop seed --scale`, generated as plain values before anything is written.
//! Drawing the random numbers takes well under a second for a million products; keeping them
//! apart from the rows lets the rows be built on a thread of their own while the database
//! stores the previous ones, and lets the sales rollups be counted with integer keys.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

/// splitmix64: small, fast and good enough for sample data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How many rows of each kind a catalog of `products` products has.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub categories: u64,
    pub suppliers: u64,
    pub products: u64,
    pub users: u64,
    pub orders: u64,
    pub avg_items: u64,
}

impl Shape {
    pub fn new(products: u64) -> Self {
        let orders = products * 3;
        Self {
            categories: (products / 10_000).clamp(5, 200),
            suppliers: (products / 20_000).clamp(5, 100),
            products,
            users: (products / 100).clamp(10, 50_000),
            orders,
            avg_items: 10 * products / orders.max(1),
        }
    }
}

/// The first id of each table's new rows.
#[derive(Debug, Clone, Copy)]
pub struct FirstIds {
    pub category: i64,
    pub supplier: i64,
    pub product: i64,
    pub user: i64,
    pub order: i64,
    pub line: i64,
}

pub const PRODUCT_KINDS: [&str; 5] = ["Pro", "Lite", "Max", "Mini", "Plus"];
const STATUSES: [&str; 7] = ["delivered", "delivered", "delivered", "shipped", "processing", "pending", "cancelled"];

pub struct Product {
    pub cents: i64,
    pub category: i64,
    pub supplier: i64,
    pub kind: &'static str,
    pub stock: i32,
    pub active: bool,
}

pub struct Order {
    pub when: DateTime<Utc>,
    pub total: i64,
    pub status: &'static str,
    pub user: i64,
}

/// One order line; its times are its order's.
pub struct Line {
    pub order: i64,
    pub product: i64,
    pub quantity: i32,
    pub cents: i64,
}

/// Everything generated, ids included.
pub struct Catalog {
    pub shape: Shape,
    pub ids: FirstIds,
    pub products: Vec<Product>,
    pub orders: Vec<Order>,
    pub lines: Vec<Line>,
}

impl Catalog {
    /// The catalog of `seed`. The random numbers are drawn in the order the generator has
    /// always drawn them, so a seed keeps giving the same rows.
    pub fn generate(shape: Shape, ids: FirstIds, seed: u64, now: DateTime<Utc>) -> Self {
        let n = usize::try_from(shape.products).unwrap_or(0);
        // Log-normal-ish prices between 1.00 and a few thousand.
        let mut rng = Rng(seed);
        let prices: Vec<i64> = (0..n).map(|_| (100.0 * (1.0 + 4000.0 * rng.unit().powi(3))).round() as i64).collect();
        let mut prng = Rng(seed ^ 0x5eed);
        let products = prices
            .iter()
            .map(|&cents| {
                let category = ids.category + prng.below(shape.categories) as i64;
                let supplier = ids.supplier + prng.below(shape.suppliers) as i64;
                let kind = PRODUCT_KINDS[prng.below(5) as usize];
                let stock = i32::try_from(prng.below(500)).unwrap_or(0);
                let active = prng.below(20) != 0;
                Product { cents, category, supplier, kind, stock, active }
            })
            .collect();

        // Orders over 24 months; popularity skewed with u^3 so low ids sell most.
        let mut orng = Rng(seed ^ 0x0dde);
        let mut orders = Vec::with_capacity(usize::try_from(shape.orders).unwrap_or(0));
        let mut lines = Vec::with_capacity(orders.capacity().saturating_mul(shape.avg_items as usize));
        for i in 0..shape.orders {
            let when = now - Duration::minutes(i64::try_from(orng.below(24 * 30 * 24 * 60)).unwrap_or(0));
            let order = ids.order + i as i64;
            let mut total = 0i64;
            for _ in 0..(1 + orng.below(2 * shape.avg_items.max(1))) {
                let product = ((shape.products as f64) * orng.unit().powi(3)) as i64;
                let quantity = i32::try_from(1 + orng.below(4)).unwrap_or(1);
                let cents = prices[usize::try_from(product).unwrap_or(0).min(prices.len() - 1)];
                total += cents * i64::from(quantity);
                lines.push(Line { order, product: ids.product + product, quantity, cents });
            }
            let status = STATUSES[orng.below(STATUSES.len() as u64) as usize];
            let user = ids.user + orng.below(shape.users) as i64;
            orders.push(Order { when, total, status, user });
        }
        Self { shape, ids, products, orders, lines }
    }

    pub fn order(&self, id: i64) -> Option<&Order> {
        self.orders.get(usize::try_from(id - self.ids.order).ok()?)
    }
}

/// Rows for the rollup tables: products and suppliers as `[id, orders, units, cents]` and
/// `[id, orders, cents]`, months as `(month, [orders, items, cents])`, days as
/// `(day, category, orders)`.
pub struct Rollups {
    pub products: Vec<[i64; 4]>,
    pub suppliers: Vec<[i64; 3]>,
    pub months: Vec<(String, [i64; 3])>,
    pub days: Vec<(String, i64, i64)>,
}

impl Rollups {
    pub fn rows(&self) -> usize {
        self.products.len() + self.suppliers.len() + self.months.len() + self.days.len()
    }
}

/// The sales rollups of the generated orders (see `analytics::rollup`), computed here rather
/// than by a GROUP BY over millions of lines afterwards. Lines come grouped by order, so
/// "the last order counted" per key gives distinct order counts. Every key is a small dense
/// range (suppliers and categories by id, months and days since the first order), so the
/// totals are arrays; the keys present come out in the order their names sort.
pub fn sales_rollups(catalog: &Catalog) -> Rollups {
    let Some(first) = catalog.orders.iter().map(|o| o.when.date_naive()).min() else {
        return Rollups { products: Vec::new(), suppliers: Vec::new(), months: Vec::new(), days: Vec::new() };
    };
    let month_of = |day: NaiveDate| (day.year() - first.year()) * 12 + day.month0() as i32 - first.month0() as i32;
    let last = catalog.orders.iter().map(|o| o.when.date_naive()).max().unwrap_or(first);
    let dense = |n: i64| usize::try_from(n).unwrap_or(0);
    let n_days = dense((last - first).num_days() + 1);
    let n_categories = dense(catalog.shape.categories as i64);
    let (p0, s0, c0) = (catalog.ids.product, catalog.ids.supplier, catalog.ids.category);
    // [last order, orders, units, cents]
    let mut by_product: Vec<[i64; 4]> = vec![[-1, 0, 0, 0]; catalog.products.len()];
    let mut by_supplier: Vec<[i64; 3]> = vec![[-1, 0, 0]; dense(catalog.shape.suppliers as i64)];
    let mut by_month: Vec<[i64; 4]> = vec![[-1, 0, 0, 0]; dense(i64::from(month_of(last)) + 1)];
    // (day, category) -> [last order, orders]
    let mut by_day: Vec<[i64; 2]> = vec![[-1, 0]; n_days * n_categories];
    // The line's order: (id, counted, day, month), worked out once per order.
    let mut current: (i64, bool, usize, usize) = (i64::MIN, false, 0, 0);
    for line in &catalog.lines {
        let id = line.order;
        if current.0 != id {
            current = match catalog.order(id) {
                Some(order) => {
                    let day = order.when.date_naive();
                    let (d, m) = (dense((day - first).num_days()), dense(month_of(day).into()));
                    (id, order.status != "cancelled", d, m)
                }
                None => (id, false, 0, 0),
            };
        }
        let (_, counted, day, month) = current;
        if !counted {
            continue;
        }
        let Some((p, product)) = usize::try_from(line.product - p0)
            .ok()
            .and_then(|i| Some((by_product.get_mut(i)?, catalog.products.get(i)?)))
        else {
            continue;
        };
        let cents = line.cents * i64::from(line.quantity);
        if p[0] != id {
            *p = [id, p[1] + 1, p[2], p[3]];
        }
        p[2] += i64::from(line.quantity);
        p[3] += cents;
        if let Some(s) = usize::try_from(product.supplier - s0).ok().and_then(|i| by_supplier.get_mut(i)) {
            if s[0] != id {
                *s = [id, s[1] + 1, s[2]];
            }
            s[2] += cents;
        }
        if let Some(m) = by_month.get_mut(month) {
            if m[0] != id {
                *m = [id, m[1] + 1, m[2], m[3]];
            }
            m[2] += i64::from(line.quantity);
            m[3] += cents;
        }
        let category = usize::try_from(product.category - c0).ok().filter(|&c| c < n_categories);
        if let Some(d) = category.and_then(|c| by_day.get_mut(day * n_categories + c))
            && d[0] != id
        {
            *d = [id, d[1] + 1];
        }
    }
    let products =
        by_product.iter().zip(p0..).filter(|(p, _)| p[1] > 0).map(|(p, id)| [id, p[1], p[2], p[3]]).collect();
    let suppliers = by_supplier.iter().zip(s0..).filter(|(s, _)| s[1] > 0).map(|(s, id)| [id, s[1], s[2]]).collect();
    let months = by_month
        .iter()
        .enumerate()
        .filter(|(_, m)| m[1] > 0)
        .map(|(i, m)| {
            let month = first.month0() as usize + i;
            let name = format!("{:04}-{:02}", first.year() + (month / 12) as i32, month % 12 + 1);
            (name, [m[1], m[2], m[3]])
        })
        .collect();
    let days = by_day
        .iter()
        .enumerate()
        .filter(|(_, d)| d[1] > 0)
        .map(|(i, d)| {
            let day = first + chrono::Days::new((i / n_categories) as u64);
            (day.format("%Y-%m-%d").to_string(), c0 + (i % n_categories) as i64, d[1])
        })
        .collect();
    Rollups { products, suppliers, months, days }
}
