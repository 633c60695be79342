//! Business rules over a database connection; nothing here knows about HTTP beyond `ApiError`.

pub mod categories;
pub mod listing;
pub mod login;
pub mod orders;
pub mod product_read;
pub mod products;
pub mod rollup;
pub mod suppliers;
pub mod tags;
pub mod throttle;
pub mod users;
pub mod variants;
pub mod webhooks;
pub mod write;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PrimaryKeyTrait, QueryTrait};

use crate::error::ApiError;

/// The row whose primary key is `id`. Unlike `.one()`, this sends no `LIMIT ?`: SQLite (3.51)
/// inspects a bound LIMIT while planning and then re-prepares the statement every time the
/// value is bound again, which made a product read cost twice what it should. It still asks
/// the driver for one row, which on SQLite saves a round trip to the connection's thread.
///
/// # Errors
/// Database errors.
pub async fn by_id<E>(db: &impl ConnectionTrait, id: i32) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    i32: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let statement = E::find_by_id(id).build(db.get_database_backend());
    match db.query_one_raw(statement).await? {
        Some(row) => E::Model::from_query_result(&row, "").map(Some),
        None => Ok(None),
    }
}

/// An id that cannot name a row (below 1 or past the 32-bit key range) is simply not found.
pub fn key(id: i64, what: &str) -> Result<i32, ApiError> {
    i32::try_from(id).ok().filter(|id| *id > 0).ok_or_else(|| ApiError::not_found(what))
}
