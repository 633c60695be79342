//! The status lifecycle: pending, processing, shipped, delivered, and cancellation, which
//! gives the stock back and takes the order out of the sales rollups.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter};

use crate::entity::orders::OrderStatus;
use crate::entity::{order_items, orders, product_variants, products, users};
use crate::error::ApiError;
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
                let current =
                    crate::service::by_id::<orders::Entity>(db, order.id).await?.map_or(order.status, |o| o.status);
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
