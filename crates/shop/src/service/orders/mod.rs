//! Orders: placement that never oversells, idempotent retries, and the status lifecycle.
//! Placement (`placement`) and the lifecycle (`lifecycle`) share the reading of an order
//! with its lines, here.
//!
//! Stock is taken with conditional updates (`stock_quantity >= n`) inside the order's
//! transaction, which is correct on SQLite, PostgreSQL and MySQL alike: the row update is
//! the lock, and a failed condition rolls the whole order back.

mod lifecycle;
mod placement;

pub use lifecycle::{expire, sources, transition};
pub use placement::{place, place_numbered};

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::orders::OrderStatus;
use crate::entity::{order_items, orders, users};
use crate::error::ApiError;
use crate::schema::common::{Pagination, Total};
use crate::service::key;
use crate::service::rollup::{self};

const WHAT: &str = "Order";

/// An order with its lines.
pub struct Placed {
    pub order: orders::Model,
    pub items: Vec<order_items::Model>,
}

fn rollup_lines(items: &[order_items::Model]) -> Vec<rollup::Line> {
    items
        .iter()
        .map(|i| rollup::Line { product_id: i.product_id, quantity: i.quantity, unit_price: i.unit_price })
        .collect()
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
        .filter(|o| viewer.is_admin() || o.user_id == viewer.id)
        .ok_or_else(|| ApiError::not_found(WHAT))?;
    let items = items_of(db, &[order.id]).await?.remove(&order.id).unwrap_or_default();
    Ok(Placed { order, items })
}

/// Filters of the order list.
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub user_id: Option<i32>,
    /// Count every match instead of stopping past [`Total::TRACKED`].
    pub track_total: bool,
}

/// Orders newest first: one's own, or (admin) everyone's, optionally by user and status. The
/// page is read first: a first page with room to spare, or any last page, settles the total;
/// otherwise the matches are counted, up to [`Total::TRACKED`] unless asked for all.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &users::Model,
    filter: OrderFilter,
    page: Pagination,
) -> Result<(Vec<Placed>, Total), ApiError> {
    let mut query = orders::Entity::find();
    if !viewer.is_admin() {
        query = query.filter(orders::Column::UserId.eq(viewer.id));
    } else if let Some(user_id) = filter.user_id {
        query = query.filter(orders::Column::UserId.eq(user_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(orders::Column::Status.eq(status.as_str()));
    }
    let listed = crate::service::listing::page(
        db,
        query.order_by_desc(orders::Column::Id),
        page,
        Total::count_limit(filter.track_total),
    )
    .await?;
    let (orders, total) = (listed.items, listed.total);
    let ids: Vec<i32> = orders.iter().map(|o| o.id).collect();
    let mut items = items_of(db, &ids).await?;
    let placed =
        orders.into_iter().map(|order| Placed { items: items.remove(&order.id).unwrap_or_default(), order }).collect();
    Ok((placed, total))
}

/// Deadlocks and serialization failures are the database asking for a retry.
pub(super) fn transient(err: &DbErr) -> bool {
    let text = err.to_string().to_ascii_lowercase();
    ["deadlock", "40001", "40p01", "1213", "database is locked", "could not serialize", "lock wait timeout"]
        .iter()
        .any(|needle| text.contains(needle))
}
