//! The status lifecycle: pending, processing, shipped, delivered, and cancellation, which
//! gives the stock back and takes the order out of the sales rollups.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::entity::orders::OrderStatus;
use crate::entity::{order_items, orders, product_variants, products, users};
use crate::error::ApiError;
use crate::events::{self, EventType, Outbox};
use crate::schema::order::OrderPublic;
use crate::service::rollup::{self, Change};
use crate::service::write;

use super::{Placed, get, rollup_lines, transient};

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
    outbox: &Outbox,
    viewer: &users::Model,
    id: i64,
    to: OrderStatus,
) -> Result<Placed, ApiError> {
    let placed = get(db, viewer, id).await?;
    let allowed: Vec<&str> = sources(to).iter().map(|s| s.as_str()).collect();
    if let Err(current) = move_order(db, outbox, &placed, &allowed, to, None).await? {
        return Err(ApiError::Conflict(format!("An order cannot go from {current} to {}", to.as_str())));
    }
    get(db, viewer, id).await
}

/// Cancels order `id` if it is still pending (its payment window passed): the stock comes
/// back and `order.status_changed` says why. `false` when it was no longer pending.
///
/// # Errors
/// Database errors.
pub async fn expire(db: &DatabaseConnection, outbox: &Outbox, id: i32) -> Result<bool, ApiError> {
    let Some(order) = crate::service::by_id::<orders::Entity>(db, id).await? else { return Ok(false) };
    let items = super::items_of(db, &[order.id]).await?.remove(&order.id).unwrap_or_default();
    let placed = Placed { order, items };
    let moved =
        move_order(db, outbox, &placed, &[OrderStatus::Pending.as_str()], OrderStatus::Cancelled, Some("expired"))
            .await?;
    Ok(moved.is_ok())
}

/// The transition in a transaction, retried on deadlocks; `Err(current status)` when the order
/// is not in one of the `allowed` statuses.
async fn move_order(
    db: &DatabaseConnection,
    outbox: &Outbox,
    placed: &Placed,
    allowed: &[&str],
    to: OrderStatus,
    reason: Option<&str>,
) -> Result<Result<(), String>, ApiError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = write::begin(db, None).await?;
        match apply_transition(&txn, outbox, placed, allowed, to, reason).await {
            Ok(Ok(())) => {
                txn.commit().await?;
                events::wake();
                return Ok(Ok(()));
            }
            Ok(Err(current)) => {
                txn.rollback().await?;
                return Ok(Err(current));
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
}

/// The conditional status change (and, for a cancel, the stock restore and the sales
/// rollups) with its `order.status_changed` event; `Err(current status)` when the order was
/// not in a status that may move to `to`.
async fn apply_transition(
    txn: &DatabaseTransaction,
    outbox: &Outbox,
    placed: &Placed,
    allowed: &[&str],
    to: OrderStatus,
    reason: Option<&str>,
) -> Result<Result<(), String>, DbErr> {
    let order = &placed.order;
    // The status as this transaction sees it, so the event names the status really left.
    let Some(current) = orders::Entity::find_by_id(order.id).lock_exclusive().one(txn).await? else {
        return Ok(Err(order.status.clone()));
    };
    if !allowed.contains(&current.status.as_str()) {
        return Ok(Err(current.status));
    }
    let now = Utc::now();
    let changed = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(to.as_str()))
        .col_expr(orders::Column::UpdatedAt, Expr::value(now))
        .filter(orders::Column::Id.eq(order.id))
        .filter(orders::Column::Status.eq(current.status.as_str()))
        .exec(txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(Err(current.status));
    }
    let items = &placed.items;
    if to == OrderStatus::Cancelled {
        restore_stock(txn, items).await?;
        let attributes = rollup::lock_attributes(txn, items.iter().map(|i| i.product_id)).await?;
        rollup::apply(txn, order.id, order.created_at, &rollup_lines(items), &attributes, Change::Cancelled).await?;
    }
    let mut after = current.clone();
    after.status = to.as_str().to_owned();
    after.updated_at = now;
    let mut data = serde_json::to_value(OrderPublic::new(after, items.clone())).unwrap_or_default();
    if let Some(fields) = data.as_object_mut() {
        fields.insert("previous_status".to_owned(), current.status.clone().into());
        fields.insert("reason".to_owned(), reason.map_or(serde_json::Value::Null, Into::into));
    }
    // The customer's address is read only when it will be used.
    let email =
        if outbox.email { users::Entity::find_by_id(order.user_id).one(txn).await?.map(|u| u.email) } else { None };
    events::emit(txn, outbox, EventType::OrderStatusChanged, data, email.as_deref()).await?;
    Ok(Ok(()))
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
