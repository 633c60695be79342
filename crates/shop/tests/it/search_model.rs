//! The reference the search tests compare the API with: a random catalog, random searches
//! (list parameters and `filter` trees), and a plain Rust evaluation of them with SQL's
//! three-valued logic and the documented ordering.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, Set, Statement};
use shop::entity::{categories, product_tags, products, suppliers, tags};

/// Stored times outside the usual range.
const OLD_TIMES: [&str; 2] = ["1969-12-31T23:59:59.500000Z", "1000-01-01T00:00:00Z"];

/// Filter times at the ends of what the API takes, and around the epoch.
const EDGE_TIMES: [&str; 6] = [
    "0001-01-01T00:00:00Z",
    "1000-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "2038-01-19T03:14:08Z",
    "9999-12-31T23:59:59.999999Z",
];

pub const SORTABLE: [&str; 8] =
    ["id", "name", "price", "stock_quantity", "category_id", "supplier_id", "created_at", "updated_at"];

/// `SHOP_PROPTEST_SEED` when set, so a failure can be replayed; a fixed seed otherwise.
pub fn seed() -> u64 {
    std::env::var("SHOP_PROPTEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5107_2026)
}

/// SplitMix64: small, fast and reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with `percent` % probability.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }

    pub fn text(&mut self, alphabet: &str, max_len: u64) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..self.below(max_len + 1)).map(|_| self.pick(&chars)).collect()
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    pub sku: Option<String>,
    pub price: Decimal,
    pub stock_quantity: i32,
    pub is_active: bool,
    pub category_id: i32,
    pub supplier_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tags: Vec<i32>,
}

/// A field's value in a row, comparable the way the databases compare it.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum V {
    Int(i64),
    Money(Decimal),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl V {
    fn render(&self) -> String {
        match self {
            Self::Int(v) => v.to_string(),
            Self::Money(v) => v.normalize().to_string(),
            Self::Text(v) => format!("'{}'", v.replace('\'', "''")),
            Self::Bool(v) => v.to_string(),
            Self::Time(v) => format!("'{}'", v.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }
}

impl Row {
    pub fn get(&self, field: &str) -> Option<V> {
        match field {
            "id" => Some(V::Int(self.id.into())),
            "name" => Some(V::Text(self.name.clone())),
            "description" => self.description.clone().map(V::Text),
            "sku" => self.sku.clone().map(V::Text),
            "price" => Some(V::Money(self.price)),
            "stock_quantity" => Some(V::Int(self.stock_quantity.into())),
            "is_active" => Some(V::Bool(self.is_active)),
            "category_id" => Some(V::Int(self.category_id.into())),
            "supplier_id" => self.supplier_id.map(|v| V::Int(v.into())),
            "created_at" => Some(V::Time(self.created_at)),
            "updated_at" => Some(V::Time(self.updated_at)),
            other => panic!("no field {other}"),
        }
    }
}

/// A `filter` expression tree.
#[derive(Debug, Clone)]
pub enum F {
    And(Vec<F>),
    Or(Vec<F>),
    Not(Box<F>),
    Cmp(&'static str, &'static str, V),
    In(&'static str, Vec<V>, bool),
    Between(&'static str, V, V, bool),
    Like(&'static str, String, bool, bool),
    IsNull(&'static str, bool),
}

const FIELDS: [&str; 11] = [
    "id",
    "name",
    "description",
    "sku",
    "price",
    "stock_quantity",
    "is_active",
    "category_id",
    "supplier_id",
    "created_at",
    "updated_at",
];

impl F {
    pub fn render(&self) -> String {
        let not = |negated: bool| if negated { "not " } else { "" };
        match self {
            Self::And(terms) => terms
                .iter()
                .map(|t| if matches!(t, Self::Or(_)) { format!("({})", t.render()) } else { t.render() })
                .collect::<Vec<_>>()
                .join(" and "),
            // `and` binds tighter, so its terms need no parentheses here.
            Self::Or(terms) => terms.iter().map(Self::render).collect::<Vec<_>>().join(" or "),
            Self::Not(inner) => match **inner {
                Self::And(_) | Self::Or(_) | Self::Not(_) => format!("not ({})", inner.render()),
                _ => format!("NOT {}", inner.render()),
            },
            Self::Cmp(field, op, v) => format!("{field} {op} {}", v.render()),
            Self::In(field, values, negated) => {
                format!("{field} {}IN ({})", not(*negated), values.iter().map(V::render).collect::<Vec<_>>().join(", "))
            }
            Self::Between(field, low, high, negated) => {
                format!("{field} {}between {} AND {}", not(*negated), low.render(), high.render())
            }
            Self::Like(field, pattern, ci, negated) => format!(
                "{field} {}{} {}",
                not(*negated),
                if *ci { "ILIKE" } else { "like" },
                V::Text(pattern.clone()).render()
            ),
            Self::IsNull(field, negated) => format!("{field} is {}null", not(*negated)),
        }
    }

    /// SQL's three-valued result: `None` is unknown.
    pub fn eval(&self, row: &Row) -> Option<bool> {
        match self {
            Self::And(terms) => {
                let results: Vec<Option<bool>> = terms.iter().map(|t| t.eval(row)).collect();
                if results.contains(&Some(false)) {
                    Some(false)
                } else if results.contains(&None) {
                    None
                } else {
                    Some(true)
                }
            }
            Self::Or(terms) => {
                let results: Vec<Option<bool>> = terms.iter().map(|t| t.eval(row)).collect();
                if results.contains(&Some(true)) {
                    Some(true)
                } else if results.contains(&None) {
                    None
                } else {
                    Some(false)
                }
            }
            Self::Not(inner) => inner.eval(row).map(|b| !b),
            Self::Cmp(field, op, v) => {
                let value = row.get(field)?;
                let ord = value.partial_cmp(v)?;
                Some(match *op {
                    "=" => ord == Ordering::Equal,
                    "!=" => ord != Ordering::Equal,
                    "<" => ord == Ordering::Less,
                    "<=" => ord != Ordering::Greater,
                    ">" => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                })
            }
            Self::In(field, values, negated) => {
                let value = row.get(field)?;
                Some(values.contains(&value) != *negated)
            }
            Self::Between(field, low, high, negated) => {
                let value = row.get(field)?;
                Some((value >= *low && value <= *high) != *negated)
            }
            Self::Like(field, pattern, ci, negated) => {
                let Some(V::Text(value)) = row.get(field) else { return None };
                let (value, pattern) = if *ci {
                    (value.to_ascii_lowercase(), pattern.to_ascii_lowercase())
                } else {
                    (value, pattern.clone())
                };
                let value: Vec<char> = value.chars().collect();
                let pattern: Vec<char> = pattern.chars().collect();
                Some(like(&value, &pattern) != *negated)
            }
            Self::IsNull(field, negated) => Some(row.get(field).is_none() != *negated),
        }
    }
}

/// SQL LIKE with `%` and `_` and no escape character.
fn like(value: &[char], pattern: &[char]) -> bool {
    match pattern.split_first() {
        None => value.is_empty(),
        Some(('%', rest)) => (0..=value.len()).any(|i| like(&value[i..], rest)),
        Some(('_', rest)) => !value.is_empty() && like(&value[1..], rest),
        Some((c, rest)) => value.first() == Some(c) && like(&value[1..], rest),
    }
}

/// The parameters of one `GET /products`.
#[derive(Debug, Default)]
pub struct Search {
    pub q: Option<String>,
    pub category_ids: Vec<i32>,
    pub supplier_id: Option<i32>,
    pub tag: Option<i32>,
    pub min_price: Option<Decimal>,
    pub max_price: Option<Decimal>,
    pub in_stock: Option<bool>,
    pub is_active: Option<bool>,
    pub has_description: Option<bool>,
    pub filter: Option<F>,
    pub sort: String,
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

impl Search {
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(q) = &self.q {
            parts.push(format!("q={}", encode(q)));
        }
        parts.extend(self.category_ids.iter().map(|c| format!("category_id={c}")));
        if let Some(s) = self.supplier_id {
            parts.push(format!("supplier_id={s}"));
        }
        if let Some(t) = self.tag {
            parts.push(format!("tag=tag{t}"));
        }
        if let Some(p) = self.min_price {
            parts.push(format!("min_price={p}"));
        }
        if let Some(p) = self.max_price {
            parts.push(format!("max_price={p}"));
        }
        for (name, value) in
            [("in_stock", self.in_stock), ("is_active", self.is_active), ("has_description", self.has_description)]
        {
            if let Some(v) = value {
                parts.push(format!("{name}={v}"));
            }
        }
        if let Some(f) = &self.filter {
            parts.push(format!("filter={}", encode(&f.render())));
        }
        parts.push(format!("sort={}", encode(&self.sort)));
        parts.join("&")
    }

    fn matches(&self, row: &Row) -> bool {
        if let Some(q) = &self.q
            && !row.name.to_ascii_lowercase().contains(&q.to_ascii_lowercase())
        {
            return false;
        }
        let description = row.description.as_deref().is_some_and(|d| !d.is_empty());
        (self.category_ids.is_empty() || self.category_ids.contains(&row.category_id))
            && self.supplier_id.is_none_or(|s| row.supplier_id == Some(s))
            && self.tag.is_none_or(|t| row.tags.contains(&t))
            && self.min_price.is_none_or(|p| row.price >= p)
            && self.max_price.is_none_or(|p| row.price <= p)
            && self.in_stock.is_none_or(|s| (row.stock_quantity > 0) == s)
            && self.is_active.is_none_or(|a| row.is_active == a)
            && self.has_description.is_none_or(|d| description == d)
            && self.filter.as_ref().is_none_or(|f| f.eval(row) == Some(true))
    }

    /// The documented order: the sort keys, missing values last ascending and first
    /// descending, then id.
    fn compare(&self, a: &Row, b: &Row) -> Ordering {
        for part in self.sort.split(',').filter(|p| !p.is_empty()) {
            let (field, descending) = part.strip_prefix('-').map_or((part, false), |f| (f, true));
            let ord = match (a.get(field), b.get(field)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            };
            let ord = if descending { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.id.cmp(&b.id)
    }
}

pub struct Catalog {
    pub rows: Vec<Row>,
}

impl Catalog {
    pub fn random(rng: &mut Rng, n: usize) -> Self {
        let base = Utc.with_ymd_and_hms(2024, 3, 1, 9, 30, 0).single().unwrap();
        let mut prices: Vec<Decimal> = (0..8).map(|_| Decimal::new(rng.below(20_000) as i64, 2)).collect();
        // The largest price the API takes.
        prices.push(Decimal::new(9_999_999_999, 2));
        let mut times: Vec<DateTime<Utc>> =
            (0..6).map(|_| base + Duration::seconds(rng.below(100_000) as i64)).collect();
        // Before 1970, where MySQL's TIMESTAMP ends, and at the start of its DATETIME range.
        times.extend(OLD_TIMES.iter().filter_map(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.to_utc()));
        let rows = (0..n)
            .map(|i| Row {
                id: 0,
                // Lower case only, so every database's collation sorts names by code point.
                // Mixed case: every database must sort by code point.
                name: {
                    let mut name = rng.text("abcAB", 3);
                    if name.is_empty() {
                        name.push('a');
                    }
                    name
                },
                description: match rng.below(10) {
                    0 | 1 => None,
                    2 => Some(String::new()),
                    _ => Some(rng.text("aAbB%_'\\*?[ ", 6)),
                },
                sku: rng.chance(70).then(|| format!("{}-{i}", rng.text("aAbB", 3))),
                price: rng.pick(&prices),
                stock_quantity: rng.below(4) as i32,
                is_active: rng.chance(80),
                category_id: rng.below(3) as i32 + 1,
                supplier_id: rng.chance(75).then(|| rng.below(3) as i32 + 1),
                created_at: rng.pick(&times),
                updated_at: rng.pick(&times),
                tags: (1..=3).filter(|_| rng.chance(40)).collect(),
            })
            .collect();
        Self { rows }
    }

    /// The ids `search` selects, in its order.
    pub fn expected(&self, search: &Search) -> Vec<i64> {
        let mut rows: Vec<&Row> = self.rows.iter().filter(|r| search.matches(r)).collect();
        rows.sort_by(|a, b| search.compare(a, b));
        rows.iter().map(|r| i64::from(r.id)).collect()
    }

    /// A value of `field` that often occurs in the catalog.
    fn value(&self, rng: &mut Rng, field: &'static str) -> V {
        let row = &self.rows[rng.below(self.rows.len() as u64) as usize];
        if rng.chance(70)
            && let Some(v) = row.get(field)
        {
            return v;
        }
        match field {
            "id" => V::Int(rng.below(self.rows.len() as u64 + 2) as i64),
            "stock_quantity" | "category_id" | "supplier_id" => V::Int(rng.below(6) as i64 - 1),
            "price" => V::Money(Decimal::new(rng.below(20_000) as i64, 2)),
            "is_active" => V::Bool(rng.chance(50)),
            "created_at" | "updated_at" if rng.chance(30) => {
                let edge = rng.pick(&EDGE_TIMES);
                V::Time(DateTime::parse_from_rfc3339(edge).map(|t| t.to_utc()).unwrap_or(row.created_at))
            }
            "created_at" | "updated_at" => V::Time(row.created_at + Duration::seconds(rng.below(200) as i64 - 100)),
            _ => V::Text(rng.text("aAbB'%", 3)),
        }
    }

    fn predicate(&self, rng: &mut Rng) -> F {
        let field = rng.pick(&FIELDS);
        let text = matches!(field, "name" | "description" | "sku");
        match rng.below(if text { 6 } else { 5 }) {
            0 | 1 if field == "is_active" => F::Cmp(field, rng.pick(&["=", "!="]), self.value(rng, field)),
            0 | 1 => F::Cmp(field, rng.pick(&["=", "!=", "<", "<=", ">", ">="]), self.value(rng, field)),
            2 if field != "is_active" => {
                let values = (0..rng.below(4) + 1).map(|_| self.value(rng, field)).collect();
                F::In(field, values, rng.chance(30))
            }
            3 if field != "is_active" => {
                F::Between(field, self.value(rng, field), self.value(rng, field), rng.chance(30))
            }
            5 => {
                let mut pattern = String::new();
                for _ in 0..rng.below(4) + 1 {
                    match rng.below(4) {
                        0 => pattern.push('%'),
                        1 => pattern.push('_'),
                        _ => pattern.push_str(&rng.text("aAbB\\*?[", 2)),
                    }
                }
                F::Like(field, pattern, rng.chance(50), rng.chance(20))
            }
            _ => F::IsNull(field, rng.chance(50)),
        }
    }

    fn filter(&self, rng: &mut Rng, depth: u32) -> F {
        if depth == 0 || rng.chance(40) {
            return self.predicate(rng);
        }
        match rng.below(5) {
            0 => F::Not(Box::new(self.filter(rng, depth - 1))),
            1 | 2 => F::And((0..rng.below(2) + 2).map(|_| self.filter(rng, depth - 1)).collect()),
            _ => F::Or((0..rng.below(2) + 2).map(|_| self.filter(rng, depth - 1)).collect()),
        }
    }

    pub fn random_search(&self, rng: &mut Rng) -> Search {
        let mut search = Search::default();
        if rng.chance(20) {
            // Three characters or more, without wildcards, take the trigram index on SQLite.
            search.q = Some(rng.pick(&["A", "b", "ab", "C", "%", "_", "bca", "ABC", "cAb", "a%c", "aab"]).to_owned());
        }
        if rng.chance(25) {
            search.category_ids = (0..rng.below(2) + 1).map(|_| rng.below(4) as i32 + 1).collect();
        }
        if rng.chance(15) {
            search.supplier_id = Some(rng.below(3) as i32 + 1);
        }
        if rng.chance(20) {
            search.tag = Some(rng.below(3) as i32 + 1);
        }
        if rng.chance(20) {
            search.min_price = Some(Decimal::new(rng.below(10_000) as i64, 2));
        }
        if rng.chance(20) {
            search.max_price = Some(Decimal::new(rng.below(20_000) as i64, 2));
        }
        for slot in [&mut search.in_stock, &mut search.is_active, &mut search.has_description] {
            if rng.chance(15) {
                *slot = Some(rng.chance(50));
            }
        }
        if rng.chance(75) {
            search.filter = Some(self.filter(rng, 3));
        }
        let mut fields: Vec<&str> = Vec::new();
        for _ in 0..rng.below(4) {
            let field = rng.pick(&SORTABLE);
            if !fields.contains(&field) && !fields.contains(&"id") {
                fields.push(field);
            }
        }
        search.sort = fields
            .iter()
            .map(|f| format!("{}{f}", if rng.chance(50) { "-" } else { "" }))
            .collect::<Vec<_>>()
            .join(",");
        search
    }
}

/// Inserts `catalog` with three categories, suppliers and tags (`tag1`..`tag3`); rows come
/// back with their ids.
pub async fn insert(conn: &DatabaseConnection, catalog: &mut Catalog) {
    let now = Utc::now();
    for c in 1..=3 {
        let category = categories::ActiveModel {
            name: Set(format!("Category {c}")),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        category.insert(conn).await.unwrap();
        let supplier = suppliers::ActiveModel {
            name: Set(format!("Supplier {c}")),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        supplier.insert(conn).await.unwrap();
        let tag = tags::ActiveModel {
            name: Set(format!("tag{c}")),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        tag.insert(conn).await.unwrap();
    }
    let mysql = conn.get_database_backend() == DbBackend::MySql;
    for row in &mut catalog.rows {
        let model = products::ActiveModel {
            name: Set(row.name.clone()),
            description: Set(row.description.clone()),
            sku: Set(row.sku.clone()),
            price: Set(row.price),
            stock_quantity: Set(row.stock_quantity),
            is_active: Set(row.is_active),
            category_id: Set(row.category_id),
            supplier_id: Set(row.supplier_id),
            created_at: Set(if mysql { now } else { row.created_at }),
            updated_at: Set(if mysql { now } else { row.updated_at }),
            ..Default::default()
        };
        row.id = model.insert(conn).await.unwrap().id;
        if mysql {
            // sea-orm binds a UTC time as MySQL TIMESTAMP, which ends before 1970: the
            // DATETIME(6) column takes the older times as DATETIME.
            let update = Statement::from_sql_and_values(
                DbBackend::MySql,
                "UPDATE products SET created_at = ?, updated_at = ? WHERE id = ?",
                [row.created_at.naive_utc().into(), row.updated_at.naive_utc().into(), row.id.into()],
            );
            conn.execute_raw(update).await.unwrap();
        }
        for tag in &row.tags {
            let link = product_tags::ActiveModel { product_id: Set(row.id), tag_id: Set(*tag) };
            link.insert(conn).await.unwrap();
        }
    }
}
