//! Orders: placement that never oversells, idempotent retries, and the status lifecycle.
//!
//! Stock is taken with conditional updates (`stock_quantity >= n`) inside the order's
//! transaction, which is correct on SQLite, PostgreSQL and MySQL alike: the row update is
//! the lock, and a failed condition rolls the whole order back.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use rand_core::RngCore;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use super::key;
use super::write;
use crate::analytics::rollup::{self, Change};
use crate::entity::orders::OrderStatus;
use crate::entity::{order_items, orders, product_variants, products, users};
use crate::error::{ApiError, FieldError, LocItem, unique_violation_column};
use crate::schema::common::{MAX_MONEY, Pagination};
use crate::schema::order::OrderCreate;

const WHAT: &str = "Order";

/// An order with its lines.
pub struct Placed {
    pub order: orders::Model,
    pub items: Vec<order_items::Model>,
}

/// Why one attempt failed: a final answer, or a database error that may be worth a retry.
enum Failure {
    Api(ApiError),
    Db(DbErr),
    /// Another request with the same idempotency key won the race.
    KeyTaken,
    /// The random order number is already in use: 32 random bits per day meet a repeat
    /// after about 77,000 orders in a day (birthday bound), so a new number is drawn.
    NumberTaken,
}

impl From<DbErr> for Failure {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

/// Deadlocks and serialization failures are the database asking for a retry.
fn transient(err: &DbErr) -> bool {
    let text = err.to_string().to_ascii_lowercase();
    ["deadlock", "40001", "40p01", "1213", "database is locked", "could not serialize", "lock wait timeout"]
        .iter()
        .any(|needle| text.contains(needle))
}

fn fingerprint(input: &OrderCreate) -> String {
    let canonical = serde_json::to_string(&input.items).unwrap_or_default();
    Sha256::digest(canonical.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn order_number() -> String {
    let mut bytes = [0u8; 4];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let suffix: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    format!("ORD-{}-{suffix}", Utc::now().format("%Y%m%d"))
}

fn item_error(index: usize, field: &str, msg: String, kind: &str) -> ApiError {
    ApiError::one(FieldError::new(vec!["body".into(), "items".into(), LocItem::Index(index), field.into()], msg, kind))
}

/// Places an order for `user`. With an idempotency key, a retry of the same request returns
/// the first order (`Ok((order, false))`).
///
/// # Errors
/// 422 for unknown or inactive products/variants, 409 for insufficient stock (nothing
/// changes) or a key reused with a different request.
pub async fn place(
    db: &DatabaseConnection,
    user: &users::Model,
    input: &OrderCreate,
    idempotency_key: Option<&str>,
) -> Result<(Placed, bool), ApiError> {
    place_numbered(db, user, input, idempotency_key, order_number).await
}

/// [`place`] with the order numbers drawn from `next_number`, so that a test can make them
/// collide.
///
/// # Errors
/// As [`place`].
#[doc(hidden)]
pub async fn place_numbered(
    db: &DatabaseConnection,
    user: &users::Model,
    input: &OrderCreate,
    idempotency_key: Option<&str>,
    mut next_number: impl FnMut() -> String,
) -> Result<(Placed, bool), ApiError> {
    let print = idempotency_key.map(|_| fingerprint(input));
    if let Some(found) = replay(db, user, idempotency_key, print.as_deref()).await? {
        return Ok((found, false));
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match place_once(db, user, input, idempotency_key, print.as_deref(), next_number()).await {
            Ok(placed) => return Ok((placed, true)),
            Err(Failure::Api(e)) => return Err(e),
            Err(Failure::NumberTaken) => {}
            Err(Failure::KeyTaken) => {
                if let Some(found) = replay(db, user, idempotency_key, print.as_deref()).await? {
                    return Ok((found, false));
                }
            }
            Err(Failure::Db(e)) if transient(&e) && attempt < 8 => {
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
            }
            Err(Failure::Db(e)) => return Err(e.into()),
        }
        if attempt >= 8 {
            return Err(ApiError::Unavailable("order placement kept conflicting".to_owned()));
        }
    }
}

async fn replay(
    db: &DatabaseConnection,
    user: &users::Model,
    idempotency_key: Option<&str>,
    print: Option<&str>,
) -> Result<Option<Placed>, ApiError> {
    let Some(k) = idempotency_key else { return Ok(None) };
    let Some(order) = orders::Entity::find()
        .filter(orders::Column::UserId.eq(user.id))
        .filter(orders::Column::IdempotencyKey.eq(k))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if order.request_fingerprint.as_deref() != print {
        return Err(ApiError::Conflict("This Idempotency-Key was already used with a different request".to_owned()));
    }
    let items = items_of(db, &[order.id]).await?.remove(&order.id).unwrap_or_default();
    Ok(Some(Placed { order, items }))
}

async fn place_once(
    db: &DatabaseConnection,
    user: &users::Model,
    input: &OrderCreate,
    idempotency_key: Option<&str>,
    print: Option<&str>,
    number: String,
) -> Result<Placed, Failure> {
    let txn = write::begin(db, None).await?;
    let filled = fill_order(&txn, user, input, idempotency_key, print, number).await;
    txn.finish(filled).await
}

async fn fill_order(
    txn: &DatabaseTransaction,
    user: &users::Model,
    input: &OrderCreate,
    idempotency_key: Option<&str>,
    print: Option<&str>,
    number: String,
) -> Result<Placed, Failure> {
    let now = Utc::now();
    // The order row first: a concurrent retry with the same key stops here, before stock.
    let order = orders::ActiveModel {
        order_number: Set(number),
        total_amount: Set(Decimal::ZERO),
        status: Set(OrderStatus::Pending.as_str().to_owned()),
        user_id: Set(user.id),
        idempotency_key: Set(idempotency_key.map(str::to_owned)),
        request_fingerprint: Set(print.map(str::to_owned)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match unique_violation_column(&e, "orders", &["order_number", "idempotency_key", "user_id"]) {
        Some(column) if column == "order_number" => Failure::NumberTaken,
        Some(_) if idempotency_key.is_some() => Failure::KeyTaken,
        _ => Failure::Db(e),
    })?;

    let lines = resolve_lines(txn, input).await?;
    take_stock(txn, input, &lines).await?;
    let attributes =
        rollup::lock_attributes(txn, input.items.iter().filter_map(|i| i32::try_from(i.product_id).ok())).await?;
    let mut items = Vec::with_capacity(input.items.len());
    let mut total = Decimal::ZERO;
    for (index, (item, (_, unit_price))) in input.items.iter().zip(&lines).enumerate() {
        total += *unit_price * Decimal::from(item.quantity);
        // The total is stored as NUMERIC(10, 2) like every amount.
        if total > MAX_MONEY {
            let msg = format!("The order's total would exceed {MAX_MONEY}");
            return Err(item_error(index, "quantity", msg, "value_error").into());
        }
        let row = order_items::ActiveModel {
            order_id: Set(order.id),
            product_id: Set(i32::try_from(item.product_id).unwrap_or_default()),
            variant_id: Set(item.variant_id.and_then(|v| i32::try_from(v).ok())),
            quantity: Set(item.quantity),
            unit_price: Set(*unit_price),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        items.push(row);
    }
    rollup::apply(txn, order.id, now, &rollup_lines(&items), &attributes, Change::Placed).await?;
    let mut order: orders::ActiveModel = order.into();
    order.total_amount = Set(total);
    let order = order.update(txn).await?;
    Ok(Placed { order, items })
}

fn rollup_lines(items: &[order_items::Model]) -> Vec<rollup::Line> {
    items
        .iter()
        .map(|i| rollup::Line { product_id: i.product_id, quantity: i.quantity, unit_price: i.unit_price })
        .collect()
}

/// Per item: the product name and the unit price (product price plus variant modifier).
async fn resolve_lines(txn: &DatabaseTransaction, input: &OrderCreate) -> Result<Vec<(String, Decimal)>, Failure> {
    let product_ids: Vec<i32> = input.items.iter().filter_map(|i| i32::try_from(i.product_id).ok()).collect();
    let variant_ids: Vec<i32> =
        input.items.iter().filter_map(|i| i.variant_id.and_then(|v| i32::try_from(v).ok())).collect();
    let products: HashMap<i32, products::Model> = products::Entity::find()
        .filter(products::Column::Id.is_in(product_ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let variants: HashMap<i32, product_variants::Model> = if variant_ids.is_empty() {
        HashMap::new()
    } else {
        product_variants::Entity::find()
            .filter(product_variants::Column::Id.is_in(variant_ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect()
    };
    let mut lines = Vec::with_capacity(input.items.len());
    for (index, item) in input.items.iter().enumerate() {
        let product =
            i32::try_from(item.product_id).ok().and_then(|id| products.get(&id)).filter(|p| p.is_active).ok_or_else(
                || {
                    item_error(
                        index,
                        "product_id",
                        format!("Product {} does not exist or is not for sale", item.product_id),
                        "value_error",
                    )
                },
            )?;
        let mut price = product.price;
        if let Some(variant_id) = item.variant_id {
            let variant = i32::try_from(variant_id)
                .ok()
                .and_then(|id| variants.get(&id))
                .filter(|v| v.product_id == product.id && v.is_active)
                .ok_or_else(|| {
                    item_error(
                        index,
                        "variant_id",
                        format!("Variant {variant_id} does not exist for product {}", product.id),
                        "value_error",
                    )
                })?;
            price += variant.price_modifier;
        }
        if price.is_sign_negative() {
            return Err(item_error(
                index,
                "variant_id",
                "The variant's price would be negative".to_owned(),
                "value_error",
            )
            .into());
        }
        if price > MAX_MONEY {
            let msg = format!("The variant's price would exceed {MAX_MONEY}");
            return Err(item_error(index, "variant_id", msg, "value_error").into());
        }
        lines.push((product.name.clone(), price));
    }
    Ok(lines)
}

/// Decrements stock for every product (or variant) of the order, or fails with 409.
async fn take_stock(
    txn: &DatabaseTransaction,
    input: &OrderCreate,
    lines: &[(String, Decimal)],
) -> Result<(), Failure> {
    // Sum per product/variant first, so two lines of one product are checked together.
    let mut by_product: BTreeMap<i32, (i32, String)> = BTreeMap::new();
    let mut by_variant: BTreeMap<i32, (i32, String)> = BTreeMap::new();
    for (item, (name, _)) in input.items.iter().zip(lines) {
        let target = match item.variant_id.and_then(|v| i32::try_from(v).ok()) {
            Some(v) => by_variant.entry(v),
            None => by_product.entry(i32::try_from(item.product_id).unwrap_or_default()),
        };
        let entry = target.or_insert((0, name.clone()));
        entry.0 = entry.0.saturating_add(item.quantity);
    }
    let now = Utc::now();
    for (id, (quantity, name)) in by_product {
        let updated = products::Entity::update_many()
            .col_expr(products::Column::StockQuantity, Expr::col(products::Column::StockQuantity).sub(quantity))
            .col_expr(products::Column::UpdatedAt, Expr::value(now))
            .filter(products::Column::Id.eq(id))
            .filter(products::Column::StockQuantity.gte(quantity))
            .exec(txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(ApiError::Conflict(format!("Insufficient stock for {name}: {quantity} requested")).into());
        }
    }
    for (id, (quantity, name)) in by_variant {
        let updated = product_variants::Entity::update_many()
            .col_expr(
                product_variants::Column::StockQuantity,
                Expr::col(product_variants::Column::StockQuantity).sub(quantity),
            )
            .col_expr(product_variants::Column::UpdatedAt, Expr::value(now))
            .filter(product_variants::Column::Id.eq(id))
            .filter(product_variants::Column::StockQuantity.gte(quantity))
            .exec(txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(ApiError::Conflict(format!(
                "Insufficient stock for {name} (variant {id}): {quantity} requested"
            ))
            .into());
        }
    }
    Ok(())
}

/// The lines of several orders in one query.
async fn items_of(
    db: &impl ConnectionTrait,
    order_ids: &[i32],
) -> Result<HashMap<i32, Vec<order_items::Model>>, DbErr> {
    let mut out: HashMap<i32, Vec<order_items::Model>> = HashMap::new();
    if order_ids.is_empty() {
        return Ok(out);
    }
    let rows = order_items::Entity::find()
        .filter(order_items::Column::OrderId.is_in(order_ids.to_vec()))
        .order_by_asc(order_items::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.order_id).or_default().push(row);
    }
    Ok(out)
}

/// One order as `viewer` may see it: their own, or any for an admin. Others' are 404.
///
/// # Errors
/// 404.
pub async fn get(db: &impl ConnectionTrait, viewer: &users::Model, id: i64) -> Result<Placed, ApiError> {
    let order = orders::Entity::find_by_id(key(id, WHAT)?)
        .one(db)
        .await?
        .filter(|o| viewer.role == "admin" || o.user_id == viewer.id)
        .ok_or_else(|| ApiError::not_found(WHAT))?;
    let items = items_of(db, &[order.id]).await?.remove(&order.id).unwrap_or_default();
    Ok(Placed { order, items })
}

/// Filters of the order list.
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub user_id: Option<i32>,
}

/// Orders newest first: one's own, or (admin) everyone's, optionally by user and status.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &users::Model,
    filter: OrderFilter,
    page: Pagination,
) -> Result<(Vec<Placed>, u64), ApiError> {
    let mut query = orders::Entity::find();
    if viewer.role != "admin" {
        query = query.filter(orders::Column::UserId.eq(viewer.id));
    } else if let Some(user_id) = filter.user_id {
        query = query.filter(orders::Column::UserId.eq(user_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(orders::Column::Status.eq(status.as_str()));
    }
    let total = query.clone().count(db).await?;
    let orders = query.order_by_desc(orders::Column::Id).offset(page.skip).limit(page.limit).all(db).await?;
    let ids: Vec<i32> = orders.iter().map(|o| o.id).collect();
    let mut items = items_of(db, &ids).await?;
    let placed =
        orders.into_iter().map(|order| Placed { items: items.remove(&order.id).unwrap_or_default(), order }).collect();
    Ok((placed, total))
}

/// The statuses an order may come from to reach `to`.
pub fn sources(to: OrderStatus) -> &'static [OrderStatus] {
    use OrderStatus as S;
    match to {
        S::Pending => &[],
        S::Processing => &[S::Pending],
        S::Shipped => &[S::Processing],
        S::Delivered => &[S::Shipped],
        S::Cancelled => &[S::Pending, S::Processing],
    }
}

/// Moves an order to `to` if the lifecycle allows it; cancelling restores the stock. The
/// status check and change are one conditional update, so a double cancel restores once.
///
/// # Errors
/// 404 when not visible to `viewer`, 409 for a transition the lifecycle forbids.
pub async fn transition(
    db: &DatabaseConnection,
    viewer: &users::Model,
    id: i64,
    to: OrderStatus,
) -> Result<Placed, ApiError> {
    let Placed { order, items } = get(db, viewer, id).await?;
    let allowed: Vec<&str> = sources(to).iter().map(|s| s.as_str()).collect();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = write::begin(db, None).await?;
        match apply_transition(&txn, &order, &allowed, to, &items).await {
            Ok(true) => {
                txn.commit().await?;
                break;
            }
            Ok(false) => {
                txn.rollback().await?;
                let current = super::by_id::<orders::Entity>(db, order.id).await?.map_or(order.status, |o| o.status);
                return Err(ApiError::Conflict(format!("An order cannot go from {current} to {}", to.as_str())));
            }
            Err(err) => {
                // Roll back now rather than leave it queued on the pooled connection.
                let _ = txn.rollback().await;
                if !(transient(&err) && attempt < 8) {
                    return Err(err.into());
                }
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
            }
        }
    }
    get(db, viewer, id).await
}

/// The conditional status change (and, for a cancel, the stock restore and the sales
/// rollups); `false` when the order was not in a status the lifecycle allows to move to `to`.
async fn apply_transition(
    txn: &DatabaseTransaction,
    order: &orders::Model,
    allowed: &[&str],
    to: OrderStatus,
    items: &[order_items::Model],
) -> Result<bool, DbErr> {
    let changed = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(to.as_str()))
        .col_expr(orders::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(orders::Column::Id.eq(order.id))
        .filter(orders::Column::Status.is_in(allowed.iter().copied()))
        .exec(txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(false);
    }
    if to == OrderStatus::Cancelled {
        restore_stock(txn, items).await?;
        let attributes = rollup::lock_attributes(txn, items.iter().map(|i| i.product_id)).await?;
        rollup::apply(txn, order.id, order.created_at, &rollup_lines(items), &attributes, Change::Cancelled).await?;
    }
    Ok(true)
}

/// Puts the order's quantities back, one update per product or variant in id order (the
/// order placement takes its row locks in), so a cancel and a placement never deadlock.
async fn restore_stock(txn: &DatabaseTransaction, items: &[order_items::Model]) -> Result<(), DbErr> {
    let mut by_product: BTreeMap<i32, i32> = BTreeMap::new();
    let mut by_variant: BTreeMap<i32, i32> = BTreeMap::new();
    for item in items {
        let entry = match item.variant_id {
            Some(variant) => by_variant.entry(variant),
            None => by_product.entry(item.product_id),
        };
        *entry.or_default() += item.quantity;
    }
    for (id, quantity) in by_product {
        products::Entity::update_many()
            .col_expr(products::Column::StockQuantity, Expr::col(products::Column::StockQuantity).add(quantity))
            .filter(products::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }
    for (id, quantity) in by_variant {
        product_variants::Entity::update_many()
            .col_expr(
                product_variants::Column::StockQuantity,
                Expr::col(product_variants::Column::StockQuantity).add(quantity),
            )
            .filter(product_variants::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }
    Ok(())
}
