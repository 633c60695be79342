//! Placing an order: prices from the catalog, stock taken in the same transaction, the
//! sales rollups updated with it, and a retry with the same `Idempotency-Key` answered with
//! the first order.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use rand_core::RngCore;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use crate::entity::orders::OrderStatus;
use crate::entity::{order_items, orders, product_variants, products, users};
use crate::error::{ApiError, FieldError, LocItem, unique_violation_column};
use crate::events::{self, EventType, Outbox};
use crate::schema::common::MAX_MONEY;
use crate::schema::order::{OrderCreate, OrderPublic};
use crate::service::rollup::{self, Change};
use crate::service::write;

use super::{Placed, items_of, rollup_lines, transient};

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
    outbox: &Outbox,
    user: &users::Model,
    input: &OrderCreate,
    idempotency_key: Option<&str>,
) -> Result<(Placed, bool), ApiError> {
    place_numbered(db, outbox, user, input, idempotency_key, order_number).await
}

/// [`place`] with the order numbers drawn from `next_number`, so that a test can make them
/// collide.
///
/// # Errors
/// As [`place`].
#[doc(hidden)]
pub async fn place_numbered(
    db: &DatabaseConnection,
    outbox: &Outbox,
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
        match place_once(db, outbox, user, input, idempotency_key, print.as_deref(), next_number()).await {
            Ok(placed) => {
                events::wake();
                return Ok((placed, true));
            }
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
    outbox: &Outbox,
    user: &users::Model,
    input: &OrderCreate,
    idempotency_key: Option<&str>,
    print: Option<&str>,
    number: String,
) -> Result<Placed, Failure> {
    let txn = write::begin(db, None).await?;
    let filled = fill_order(&txn, outbox, user, input, idempotency_key, print, number).await;
    txn.finish(filled).await
}

async fn fill_order(
    txn: &DatabaseTransaction,
    outbox: &Outbox,
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
    let low = take_stock(txn, input, &lines, outbox.low_stock_threshold).await?;
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
    let data = serde_json::to_value(OrderPublic::new(order.clone(), items.clone())).unwrap_or_default();
    events::emit(txn, outbox, EventType::OrderCreated, data, Some(&user.email)).await?;
    for stock in low {
        events::emit(txn, outbox, EventType::ProductLowStock, stock, None).await?;
    }
    Ok(Placed { order, items })
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

/// Decrements stock for every product (or variant) of the order, or fails with 409. Returns
/// the `product.low_stock` data of each stock that fell below `threshold`.
async fn take_stock(
    txn: &DatabaseTransaction,
    input: &OrderCreate,
    lines: &[(String, Decimal)],
    threshold: i32,
) -> Result<Vec<serde_json::Value>, Failure> {
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
    let mut low = Vec::new();
    for (&id, (quantity, name)) in &by_product {
        let quantity = *quantity;
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
    for (&id, (quantity, name)) in &by_variant {
        let quantity = *quantity;
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
    let crossed = |after: i32, taken: i32| events::fell_below(after.saturating_add(taken), after, threshold);
    if !by_product.is_empty() {
        let rows = products::Entity::find()
            .filter(products::Column::Id.is_in(by_product.keys().copied()))
            .filter(products::Column::StockQuantity.lt(threshold))
            .all(txn)
            .await?;
        for p in rows.into_iter().filter(|p| by_product.get(&p.id).is_some_and(|(q, _)| crossed(p.stock_quantity, *q)))
        {
            low.push(events::low_stock(p.id, None, &p.name, p.sku.as_deref(), p.stock_quantity, threshold));
        }
    }
    if !by_variant.is_empty() {
        let rows = product_variants::Entity::find()
            .filter(product_variants::Column::Id.is_in(by_variant.keys().copied()))
            .filter(product_variants::Column::StockQuantity.lt(threshold))
            .all(txn)
            .await?;
        for v in rows.into_iter().filter(|v| by_variant.get(&v.id).is_some_and(|(q, _)| crossed(v.stock_quantity, *q)))
        {
            low.push(events::low_stock(v.product_id, Some(v.id), &v.name, Some(&v.sku), v.stock_quantity, threshold));
        }
    }
    Ok(low)
}
