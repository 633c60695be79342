//! The query of `GET /products`: list filters, the `filter` expression, `sort` and the keyset
//! `cursor`, read from the query string with every problem reported at once.

use rust_decimal::Decimal;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, NullOrdering, Query};
use sea_orm::{DbBackend, Order, QueryOrder, Select};

use super::cursor::{CursorCodec, CursorError, KeyValue, Position, fingerprint};
use super::field::{self, Field};
use super::parser::{self, CmpOp, Expr as Filter, Literal, Test};
use super::sql;
use crate::entity::{product_tags, products, tags};
use crate::error::{ApiError, FieldError};
use crate::schema::common::Total;
use crate::schema::params::Params;

/// One key of a `sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: Field,
    pub descending: bool,
}

/// Everything that selects and orders products, as parsed from the query string.
#[derive(Debug, Default)]
pub struct ProductSearch {
    q: Option<String>,
    category_ids: Vec<i64>,
    supplier_id: Option<i64>,
    tag: Option<String>,
    min_price: Option<Decimal>,
    max_price: Option<Decimal>,
    in_stock: Option<bool>,
    is_active: Option<bool>,
    has_description: Option<bool>,
    filter: Option<Filter>,
    /// The order, ending with `id` so that it is total.
    sort: Vec<SortKey>,
    pub cursor: Option<String>,
    /// Count every match instead of stopping past [`Total::TRACKED`].
    pub track_total: bool,
}

impl ProductSearch {
    /// Reads the search parameters, recording problems in `params`.
    pub fn read(params: &mut Params) -> Self {
        let mut search = Self {
            q: params.string("q", 200).filter(|q| !q.is_empty()),
            category_ids: params.ints("category_id"),
            supplier_id: params.int("supplier_id", i64::MIN, i64::MAX),
            tag: params.string("tag", 50),
            min_price: params.decimal("min_price"),
            max_price: params.decimal("max_price"),
            in_stock: params.bool("in_stock"),
            is_active: params.bool("is_active"),
            has_description: params.bool("has_description"),
            sort: read_sort(params),
            cursor: params.string("cursor", 2000),
            track_total: params.bool("track_total").unwrap_or(false),
            ..Self::default()
        };
        if let Some(raw) = params.string("filter", parser::MAX_LENGTH) {
            match parser::parse(&raw) {
                Ok(expr) => search.filter = Some(expr),
                Err(err) => params.fail("filter", err.to_string(), "filter_error"),
            }
        }
        if search.cursor.is_some() && params.has("skip") {
            params.fail("skip", "skip cannot be combined with cursor", "value_error");
        }
        search
    }

    /// The `q` text, if any.
    pub fn q(&self) -> Option<&str> {
        self.q.as_deref()
    }

    /// Whether how many rows match depends on text the search brings (`q`, `filter`), so
    /// that one plan cannot fit every value (see [`crate::service::product_read::scalar`]).
    pub fn plans_per_value(&self) -> bool {
        self.q.is_some() || self.filter.is_some()
    }

    /// The rows the filters select (without the cursor). `trigram`: answer `q` through
    /// SQLite's trigram table (see [`sql::trigram_selective`]). Every list parameter is built
    /// as the `filter` test it stands for, so both bind the same types.
    pub fn condition(&self, backend: DbBackend, trigram: bool) -> Condition {
        let test = |name: &str, test: Test| sql::test(backend, field::find(name).unwrap_or_else(field::id), &test);
        let int = |id: i64| i32::try_from(id).ok().map(Literal::Int);
        let mut all = Condition::all();
        if let Some(q) = &self.q {
            all = all.add(sql::name_contains(backend, q, trigram));
        }
        if !self.category_ids.is_empty() {
            // An id past the 32-bit key range names no category: it matches nothing.
            let values = self.category_ids.iter().copied().filter_map(int).collect();
            all = all.add(test("category_id", Test::In { values, negated: false }));
        }
        if let Some(id) = self.supplier_id {
            let values = int(id).into_iter().collect();
            all = all.add(test("supplier_id", Test::In { values, negated: false }));
        }
        if let Some(tag) = &self.tag {
            let tagged = Query::select()
                .column((product_tags::Entity, product_tags::Column::ProductId))
                .from(product_tags::Entity)
                .inner_join(
                    tags::Entity,
                    Expr::col((tags::Entity, tags::Column::Id))
                        .equals((product_tags::Entity, product_tags::Column::TagId)),
                )
                .and_where(Expr::col((tags::Entity, tags::Column::Name)).eq(tag.as_str()))
                .to_owned();
            all = all.add(sql::column(field::id()).in_subquery(tagged));
        }
        if let Some(min) = self.min_price {
            all = all.add(test("price", Test::Cmp(CmpOp::Ge, Literal::Money(min))));
        }
        if let Some(max) = self.max_price {
            all = all.add(test("price", Test::Cmp(CmpOp::Le, Literal::Money(max))));
        }
        if let Some(in_stock) = self.in_stock {
            let op = if in_stock { CmpOp::Gt } else { CmpOp::Le };
            all = all.add(test("stock_quantity", Test::Cmp(op, Literal::Int(0))));
        }
        if let Some(active) = self.is_active {
            all = all.add(test("is_active", Test::Cmp(CmpOp::Eq, Literal::Bool(active))));
        }
        if let Some(has) = self.has_description {
            let empty = || Test::Cmp(CmpOp::Eq, Literal::Text(String::new()));
            let missing = Condition::any()
                .add(test("description", Test::IsNull { negated: false }))
                .add(test("description", empty()));
            all = all.add(if has { missing.not() } else { missing });
        }
        if let Some(filter) = &self.filter {
            all = all.add(sql::condition(backend, filter));
        }
        all
    }

    /// Orders `select` by the sort keys. A nullable key puts missing values last ascending
    /// and first descending, on every database.
    pub fn order(&self, mut select: Select<products::Entity>) -> Select<products::Entity> {
        for key in &self.sort {
            let order = if key.descending { Order::Desc } else { Order::Asc };
            let expr = sql::column(key.field);
            select = if key.field.nullable {
                let nulls = if key.descending { NullOrdering::First } else { NullOrdering::Last };
                select.order_by_with_nulls(expr, order, nulls)
            } else {
                select.order_by(expr, order)
            };
        }
        select
    }

    /// The fields whose values a cursor carries.
    pub fn key_fields(&self) -> Vec<Field> {
        self.sort.iter().map(|k| k.field).collect()
    }

    /// Identifies the filters and sort, so a cursor is only accepted with the same ones.
    pub fn fingerprint(&self) -> String {
        let mut categories = self.category_ids.clone();
        categories.sort_unstable();
        categories.dedup();
        let canonical = format!(
            "{:?}|{categories:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.q,
            self.supplier_id,
            self.tag,
            self.min_price.map(|d| d.normalize()),
            self.max_price.map(|d| d.normalize()),
            self.in_stock,
            self.is_active,
            self.has_description,
            self.filter,
            self.sort.iter().map(|k| (k.field.name, k.descending)).collect::<Vec<_>>(),
        );
        fingerprint(&canonical)
    }

    /// The rows strictly after the row whose sort values are `values`, in the sort order.
    pub fn after(&self, backend: DbBackend, values: &[KeyValue]) -> Condition {
        let mut tail: Option<Condition> = None;
        for (key, value) in self.sort.iter().zip(values).rev() {
            let mut any = Condition::any();
            if let Some(strict) = strictly_after(backend, *key, value) {
                any = any.add(strict);
            }
            if let Some(rest) = tail {
                any = any.add(Condition::all().add(equal(backend, key.field, value)).add(rest));
            }
            tail = Some(any);
        }
        tail.unwrap_or_else(Condition::all)
    }

    /// Decodes the cursor, if any.
    ///
    /// # Errors
    /// 422 on `cursor` for a forged, altered or mismatched cursor.
    pub fn cursor_position(&self, codec: &CursorCodec<'_>) -> Result<Option<Position>, ApiError> {
        let Some(cursor) = &self.cursor else { return Ok(None) };
        codec
            .decode(cursor, &self.key_fields())
            .map(Some)
            .map_err(|err: CursorError| ApiError::one(FieldError::query("cursor", err.message(), "value_error")))
    }

    /// The cursor that continues after `row`, carrying the search's `total`.
    pub fn cursor_after(&self, codec: &CursorCodec<'_>, row: &products::Model, total: Total) -> String {
        let values: Vec<KeyValue> = self.sort.iter().map(|k| KeyValue::of(k.field, row)).collect();
        codec.encode(&values, total)
    }
}

fn bound(backend: DbBackend, value: &KeyValue) -> Option<sea_orm::Value> {
    let literal = match value {
        KeyValue::Int(v) => Literal::Int((*v)?),
        KeyValue::Money(v) => Literal::Money(*v),
        KeyValue::Text(v) => Literal::Text(v.clone()),
        KeyValue::Time(v) => Literal::Time(*v),
    };
    Some(sql::value(backend, &literal))
}

/// Rows whose `key` value comes strictly after `value`; `None` when none can.
fn strictly_after(backend: DbBackend, key: SortKey, value: &KeyValue) -> Option<Condition> {
    let col = sql::column(key.field);
    let cond = match (bound(backend, value), key.descending) {
        // Nulls come last ascending: after a value are the greater ones and the nulls.
        (Some(v), false) if key.field.nullable => Condition::any().add(col.gt(v)).add(sql::column(key.field).is_null()),
        (Some(v), false) => Condition::all().add(col.gt(v)),
        (Some(v), true) => Condition::all().add(col.lt(v)),
        // Nulls come first descending: after a null are all the values.
        (None, true) => Condition::all().add(sql::column(key.field).is_not_null()),
        (None, false) => return None,
    };
    Some(cond)
}

fn equal(backend: DbBackend, field: Field, value: &KeyValue) -> Condition {
    match bound(backend, value) {
        Some(v) => Condition::all().add(sql::column(field).eq(v)),
        None => Condition::all().add(sql::column(field).is_null()),
    }
}

/// Reads `sort` (`category_id,-price`), recording unknown fields in `params`. The result ends
/// with `id` (ascending unless sorted otherwise), and keys after `id` are dropped: they can
/// never decide an order.
pub fn read_sort(params: &mut Params) -> Vec<SortKey> {
    let raw = params.string("sort", 200).unwrap_or_default();
    let mut keys: Vec<SortKey> = Vec::new();
    // No sort at all is the default order; an empty element in a list is a mistake.
    let parts: Vec<&str> = if raw.trim().is_empty() { Vec::new() } else { raw.split(',').map(str::trim).collect() };
    for part in parts {
        let (name, descending) = part.strip_prefix('-').map_or((part, false), |rest| (rest.trim(), true));
        if name.is_empty() {
            params.fail("sort", "Sort field names cannot be empty (check for a stray comma or '-')", "value_error");
            continue;
        }
        match field::find(name).filter(|f| f.sortable) {
            Some(field) if keys.iter().any(|k| k.field == field) => {
                params.fail("sort", format!("Sort field '{name}' is given twice"), "value_error");
            }
            Some(field) => keys.push(SortKey { field, descending }),
            None => {
                let msg = format!("Unknown sort field '{name}'; allowed: {}", field::sort_names());
                params.fail("sort", msg, "enum");
            }
        }
    }
    if let Some(at) = keys.iter().position(|k| k.field == field::id()) {
        keys.truncate(at + 1);
    } else {
        keys.push(SortKey { field: field::id(), descending: false });
    }
    keys
}
