//! The requests a differential run sends, each built from a (kind, seed) pair so that a
//! shrunk sequence can be replayed from its printed form, and the checks of their answers:
//! reads against the reference computed from the catalog, writes against the other
//! databases' answers.

use std::fmt;

use rust_decimal::Decimal;

use super::node::{Answer, Node, form};
use crate::search_model::{Catalog, F, Rng, Search, V};

const PRODUCTS: &str = "/api/v1/products";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A random search, read by offset or paged through with cursors to the end.
    Search,
    /// The same question asked with list parameters and with `filter`.
    Twin,
    /// One product by id, existing or not.
    Read,
    /// A write with odd strings, numbers and dates.
    Write,
    /// An analytics report: the same data from every database.
    Report,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Search, Kind::Twin, Kind::Read, Kind::Write, Kind::Report];

    fn name(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Twin => "twin",
            Self::Read => "read",
            Self::Write => "write",
            Self::Report => "report",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One step of a sequence.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Op {
    pub kind: Kind,
    pub seed: u64,
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.name(), self.seed)
    }
}

/// A sequence as `kind:seed,kind:seed` (what a failure prints and `SHOP_DIFF_REPLAY` takes).
pub fn render(ops: &[Op]) -> String {
    ops.iter().map(|op| format!("{op:?}")).collect::<Vec<_>>().join(",")
}

pub fn parse(text: &str) -> Vec<Op> {
    text.split(',')
        .filter_map(|part| {
            let (kind, seed) = part.trim().split_once(':')?;
            Some(Op { kind: Kind::parse(kind)?, seed: seed.parse().ok()? })
        })
        .collect()
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Runs `op` on every node and checks the answers. Returns the number of requests sent.
pub fn run(op: Op, catalog: &Catalog, nodes: &[Node], generation: u64) -> Result<usize, String> {
    let mut rng = Rng::new(op.seed);
    match op.kind {
        Kind::Search => {
            let search = catalog.random_search(&mut rng);
            let limit = rng.below(8) + 1;
            let by_offset = rng.chance(30).then(|| rng.below(catalog.rows.len() as u64 + 3));
            nodes.iter().map(|node| check_search(node, catalog, &search, limit, by_offset)).sum()
        }
        Kind::Twin => {
            let (plain, filtered) = twins(&mut rng);
            let limit = rng.below(8) + 1;
            let mut sent = 0;
            for node in nodes {
                sent += check_search(node, catalog, &plain, limit, None)?;
                sent += check_search(node, catalog, &filtered, limit, None)?;
            }
            Ok(sent)
        }
        Kind::Read => {
            let id = rng.below(catalog.rows.len() as u64 + 3);
            nodes.iter().map(|node| check_read(node, catalog, id)).sum()
        }
        Kind::Write => {
            let mut write = Write::random(&mut rng, catalog);
            write.stamp(generation);
            check_write(&write, nodes)
        }
        Kind::Report => check_report(&report(&mut rng), nodes),
    }
}

/// A report with random parameters.
fn report(rng: &mut Rng) -> String {
    let base = "/api/v1/analytics";
    match rng.below(7) {
        0 => format!("{base}/summary"),
        1 => {
            let mut url = format!("{base}/categories?min_products={}", rng.below(4));
            if rng.chance(50) {
                url.push_str(&format!("&min_avg_price={}", Decimal::new(rng.below(20_000) as i64, 2)));
            }
            url
        }
        2 => format!("{base}/suppliers"),
        3 => format!("{base}/best-sellers?limit={}", rng.below(5) + 1),
        4 => format!("{base}/above-category-average?limit={}", rng.below(20) + 1),
        5 => format!("{base}/top-product-per-category"),
        _ => format!("{base}/sales/monthly?months={}", rng.below(12) + 1),
    }
}

/// `value` without its ids: rows made during a run get other ids on each database (a
/// sequence keeps the values of failed inserts, SQLite does not), in the same order.
fn without_ids(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Array(items) => items.iter().map(without_ids).collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(key, _)| *key != "id" && !key.ends_with("_id"))
            .map(|(key, v)| (key.clone(), without_ids(v)))
            .collect(),
        other => other.clone(),
    }
}

/// The report's data is the same from every database.
fn check_report(url: &str, nodes: &[Node]) -> Result<usize, String> {
    let answers: Vec<Answer> = nodes.iter().map(|node| node.get(url)).collect();
    let first = without_ids(&answers[0].body["data"]);
    for (node, answer) in nodes.iter().zip(&answers) {
        if answer.status != 200 || without_ids(&answer.body["data"]) != first {
            let all = nodes
                .iter()
                .zip(&answers)
                .map(|(n, a)| format!("  {}: {} {}", n.dialect, a.status, a.body["data"]))
                .collect::<Vec<_>>()
                .join("\n");
            return Err(format!("GET {url} differs on {}:\n{all}", node.dialect));
        }
    }
    Ok(nodes.len())
}

/// A question asked two ways: list parameters, and the `filter` that means the same.
fn twins(rng: &mut Rng) -> (Search, Search) {
    let mut plain = Search::default();
    let mut filtered = Search::default();
    match rng.below(5) {
        0 => {
            let ids: Vec<i32> = (0..rng.below(3) + 1).map(|_| rng.below(4) as i32 + 1).collect();
            filtered.filter = Some(F::In("category_id", ids.iter().map(|i| V::Int((*i).into())).collect(), false));
            plain.category_ids = ids;
        }
        1 => {
            let id = rng.below(4) as i32 + 1;
            plain.supplier_id = Some(id);
            filtered.filter = Some(F::Cmp("supplier_id", "=", V::Int(id.into())));
        }
        2 => {
            let price = Decimal::new(rng.below(20_000) as i64, 2);
            plain.min_price = Some(price);
            filtered.filter = Some(F::Cmp("price", ">=", V::Money(price)));
        }
        3 => {
            let active = rng.chance(50);
            plain.is_active = Some(active);
            filtered.filter = Some(F::Cmp("is_active", "=", V::Bool(active)));
        }
        _ => {
            let in_stock = rng.chance(50);
            plain.in_stock = Some(in_stock);
            filtered.filter = Some(F::Cmp("stock_quantity", if in_stock { ">" } else { "<=" }, V::Int(0)));
        }
    }
    (plain, filtered)
}

fn ids(answer: &Answer) -> Option<Vec<i64>> {
    answer.body["items"].as_array().map(|items| items.iter().filter_map(|p| p["id"].as_i64()).collect())
}

/// Reads `search` from `node` (one page at `skip`, or every page by cursor) and compares
/// the ids and totals with the reference.
fn check_search(
    node: &Node,
    catalog: &Catalog,
    search: &Search,
    limit: u64,
    skip: Option<u64>,
) -> Result<usize, String> {
    let expected = catalog.expected(search);
    let query = search.query();
    let context =
        |url: &str, answer: &Answer| format!("{}: GET {url} -> {} {}", node.dialect, answer.status, answer.body);
    if let Some(skip) = skip {
        let url = format!("{PRODUCTS}?{query}&limit={limit}&skip={skip}");
        let answer = node.get(&url);
        let want: Vec<i64> = expected.iter().skip(skip as usize).take(limit as usize).copied().collect();
        if answer.status != 200 || ids(&answer) != Some(want.clone()) || answer.body["total"] != expected.len() {
            return Err(format!("{}\n  expected ids {want:?} of total {}", context(&url, &answer), expected.len()));
        }
        return Ok(1);
    }
    let mut got = Vec::new();
    let mut url = format!("{PRODUCTS}?{query}&limit={limit}");
    for page in 1..=200 {
        let answer = node.get(&url);
        let Some(items) = ids(&answer).filter(|_| answer.status == 200) else {
            return Err(context(&url, &answer));
        };
        got.extend(items);
        if answer.body["total"] != expected.len() {
            return Err(format!("{}\n  expected total {}", context(&url, &answer), expected.len()));
        }
        match answer.body["next_cursor"].as_str() {
            Some(cursor) => url = format!("{PRODUCTS}?{query}&limit={limit}&cursor={}", encode(cursor)),
            None if got == expected => return Ok(page),
            None => {
                return Err(format!(
                    "{}: GET {PRODUCTS}?{query}&limit={limit} paged to {got:?}\n  expected {expected:?}",
                    node.dialect
                ));
            }
        }
    }
    Err(format!("{}: {query}: paging does not end", node.dialect))
}

/// One product by id against the catalog row.
fn check_read(node: &Node, catalog: &Catalog, id: u64) -> Result<usize, String> {
    let url = format!("{PRODUCTS}/{id}");
    let answer = node.get(&url);
    let row = catalog.rows.iter().find(|r| u64::try_from(r.id).ok() == Some(id));
    let fine = match row {
        None => answer.status == 404,
        Some(row) => {
            answer.status == 200
                && answer.body["name"] == row.name.as_str()
                && answer.body["price"] == format!("{:.2}", row.price)
                && answer.body["description"] == serde_json::json!(row.description)
                && answer.body["sku"] == serde_json::json!(row.sku)
                && answer.body["stock_quantity"] == row.stock_quantity
                && answer.body["supplier_id"] == serde_json::json!(row.supplier_id)
                && answer.body["created_at"]
                    == row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true).as_str()
        }
    };
    if fine {
        Ok(1)
    } else {
        Err(format!("{}: GET {url} -> {} {}\n  expected {row:?}", node.dialect, answer.status, answer.body))
    }
}

/// Strings as JSON text (escaped as a client would send them): empty, U+0000 alone and
/// inside, a lone surrogate escape, a 4-byte emoji, a right-to-left mark, combining
/// accents, case twins, padding, quotes and wildcards, the longest allowed and one past it.
/// `{G}` becomes the sequence's generation, so that a sequence run again (as shrinking does)
/// meets no names left by earlier runs, while names within it still meet each other.
const STRINGS: [&str; 19] = [
    r#""""#,
    r#""\u0000""#,
    r#""a\u0000b""#,
    r#""\ud800""#,
    r#""x\udc00y""#,
    r#""😀 party{G}""#,
    r#""\u202eabc{G}""#,
    r#""café{G}""#,
    r#""cafe\u0301{G}""#,
    r#""Widget{G}""#,
    r#""widget{G}""#,
    r#""  widget{G}  ""#,
    r#""widget{G} ""#,
    r#""it's 50% off_{G}""#,
    r#""back\\slash{G}""#,
    r#""ÄÖÜ straße{G}""#,
    r#""\t\n""#,
    "LONG50",
    "LONG201",
];

fn string(rng: &mut Rng) -> String {
    match rng.pick(&STRINGS) {
        "LONG50" => format!("\"{}\"", "é".repeat(50)),
        "LONG201" => format!("\"{}\"", "z".repeat(201)),
        other => other.to_owned(),
    }
}

/// Amounts as JSON: numbers and strings, at and past the bounds.
const AMOUNTS: [&str; 12] = [
    "0",
    r#""0.00""#,
    "1199.99",
    r#""99999999.99""#,
    "99999999.99",
    r#""100000000.00""#,
    r#""-1""#,
    "1.005",
    "1e3",
    r#""abc""#,
    "null",
    r#""-0.00""#,
];

const DATES: [&str; 9] = [
    r#""1990-05-17""#,
    r#""-0001-01-01""#,
    r#""0000-01-01""#,
    r#""0001-01-01""#,
    r#""9999-12-31""#,
    r#""+10000-01-01""#,
    r#""1969-12-31""#,
    r#""2024-02-30""#,
    "null",
];

/// A write request, as raw text.
pub struct Write {
    method: &'static str,
    path: String,
    body: Option<(String, String)>,
    admin: bool,
    /// Remove what a 201 created (product writes would change what searches find).
    undo: bool,
}

impl Write {
    fn json(method: &'static str, path: &str, fields: &[(&str, String)]) -> Self {
        let body = fields.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect::<Vec<_>>().join(", ");
        Self {
            method,
            path: path.to_owned(),
            body: Some(("application/json".to_owned(), format!("{{{body}}}"))),
            admin: true,
            undo: false,
        }
    }

    pub fn random(rng: &mut Rng, catalog: &Catalog) -> Self {
        let product = catalog.rows[rng.below(catalog.rows.len() as u64) as usize].id;
        match rng.below(8) {
            0 => Self::json("POST", "/api/v1/tags/", &[("name", string(rng))]),
            1 => Self::json("POST", "/api/v1/categories/", &[("name", string(rng)), ("description", string(rng))]),
            2 => Self::json("POST", "/api/v1/suppliers/", &[("name", string(rng))]),
            3 => {
                let mut write = Self::json(
                    "POST",
                    "/api/v1/products/",
                    &[
                        ("name", string(rng)),
                        ("price", rng.pick(&AMOUNTS).to_owned()),
                        ("stock_quantity", rng.pick(&["0", "5", "-5", "2147483648"]).to_owned()),
                        // Ids that exist or never can: those made during the run differ
                        // between databases (a sequence keeps the ids of failed inserts).
                        ("category_id", rng.pick(&["1", "2147483647", "0", "1.5"]).to_owned()),
                        ("sku", string(rng)),
                    ],
                );
                write.undo = true;
                write
            }
            4 => Self::json(
                "POST",
                &format!("/api/v1/products/{product}/variants/"),
                &[
                    ("sku", string(rng)),
                    ("name", string(rng)),
                    ("price_modifier", rng.pick(&AMOUNTS).to_owned()),
                    ("attributes", format!("[{{\"name\": {}, \"value\": {}}}]", string(rng), string(rng))),
                ],
            ),
            5 => {
                let user = format!("\"user{}{{G}}\"", rng.below(1_000_000));
                let mut write = Self::json(
                    "POST",
                    "/api/v1/users/signup",
                    &[
                        ("username", if rng.chance(70) { user.clone() } else { string(rng) }),
                        ("email", format!("\"{}@example.com\"", user.trim_matches('"'))),
                        ("password", "\"long-enough-password\"".to_owned()),
                        ("full_name", string(rng)),
                        ("phone", string(rng)),
                        ("date_of_birth", rng.pick(&DATES).to_owned()),
                    ],
                );
                write.admin = false;
                write
            }
            6 => {
                // A login form: the username decoded from one of the JSON strings.
                let text = string(rng);
                let username: String = serde_json::from_str(&text).unwrap_or(text);
                Self {
                    method: "POST",
                    path: "/api/v1/login/access-token".to_owned(),
                    body: Some(form(&username, "wrong-password")),
                    admin: false,
                    undo: false,
                }
            }
            _ => {
                // Searches with odd text: the same answer everywhere (no name holds it).
                let text = string(rng);
                let text: String = serde_json::from_str(&text).unwrap_or(text);
                let name = rng.pick(&["q", "tag", "filter", "sort", "cursor"]);
                let value = if name == "filter" { format!("name = '{}'", text.replace('\'', "''")) } else { text };
                Self {
                    method: "GET",
                    path: format!("{PRODUCTS}?{name}={}", encode(&value)),
                    body: None,
                    admin: false,
                    undo: false,
                }
            }
        }
    }

    /// Puts the generation into the names.
    fn stamp(&mut self, generation: u64) {
        let mark = format!("-{generation}");
        self.path = self.path.replace("%7BG%7D", &mark).replace("{G}", &mark);
        if let Some((_, raw)) = &mut self.body {
            *raw = raw.replace("%7BG%7D", &mark).replace("{G}", &mark);
        }
    }

    fn describe(&self) -> String {
        match &self.body {
            Some((_, raw)) => format!("{} {} {raw}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

/// What must agree between databases: the status, and for a 422 the fields it names.
fn essence(answer: &Answer) -> (u16, Vec<String>) {
    let mut locs: Vec<String> =
        answer.body["detail"].as_array().map(|d| d.iter().map(|e| e["loc"].to_string()).collect()).unwrap_or_default();
    locs.sort();
    (answer.status, locs)
}

/// Sends `write` to every node: no server error anywhere, the same status everywhere, and
/// U+0000 always a 422.
fn check_write(write: &Write, nodes: &[Node]) -> Result<usize, String> {
    let mut answers = Vec::new();
    for node in nodes {
        let token = write.admin.then_some(node.token.as_str());
        let answer = node.send(write.method, &write.path, write.body.as_ref(), token);
        if write.undo
            && answer.status == 201
            && let Some(id) = answer.body["id"].as_i64()
        {
            let undone = node.send("DELETE", &format!("{PRODUCTS}/{id}"), None, Some(&node.token));
            if undone.status != 204 {
                return Err(format!("{}: undoing {} -> {}", node.dialect, write.describe(), undone.status));
            }
        }
        answers.push((node, answer));
    }
    let nul = write.body.as_ref().is_some_and(|(_, raw)| raw.contains("\\u0000") || raw.contains("%00"))
        || write.path.contains("%00");
    let report = || {
        answers
            .iter()
            .map(|(node, a)| format!("  {}: {} {}", node.dialect, a.status, a.body))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let first = essence(&answers[0].1);
    for (_, answer) in &answers {
        if answer.status >= 500 || essence(answer) != first || (nul && answer.status != 422) {
            return Err(format!("{}\n{}", write.describe(), report()));
        }
    }
    Ok(nodes.len())
}
