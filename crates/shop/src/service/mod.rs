//! Business rules over a database connection; nothing here knows about HTTP beyond `ApiError`.

pub mod categories;
pub mod orders;
pub mod product_read;
pub mod products;
pub mod suppliers;
pub mod tags;
pub mod throttle;
pub mod users;
pub mod variants;
pub mod write;

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, PrimaryKeyTrait, QueryTrait, Statement, Value,
};

use crate::error::ApiError;

/// The row whose primary key is `id`. Unlike `.one()`, this sends no `LIMIT ?`: SQLite (3.51)
/// inspects a bound LIMIT while planning and then re-prepares the statement every time the
/// value is bound again, which made a product read cost twice what it should. It still asks
/// the driver for one row, which on SQLite saves a round trip to the connection's thread.
///
/// The statement's text depends only on the entity and the backend, so it is built once and
/// reused: building it through sea-query was about a twelfth of a product read's CPU time.
///
/// # Errors
/// Database errors.
pub async fn by_id<E>(db: &impl ConnectionTrait, id: i32) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    i32: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let backend = db.get_database_backend();
    let sql = by_id_sql::<E>(backend);
    let statement = Statement::from_sql_and_values(backend, sql.as_ref(), [Value::Int(Some(id))]);
    match db.query_one_raw(statement).await? {
        Some(row) => E::Model::from_query_result(&row, "").map(Some),
        None => Ok(None),
    }
}

/// The text of `E`'s select-by-primary-key statement on `backend`, built on first use.
fn by_id_sql<E>(backend: DbBackend) -> Arc<str>
where
    E: EntityTrait,
    i32: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    type Texts = RwLock<HashMap<(TypeId, &'static str), Arc<str>>>;
    static TEXTS: LazyLock<Texts> = LazyLock::new(Texts::default);
    let key = (TypeId::of::<E>(), backend.as_str());
    if let Some(sql) = TEXTS.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Arc::clone(sql);
    }
    let sql: Arc<str> = E::find_by_id(0).build(backend).sql.into();
    TEXTS.write().unwrap_or_else(PoisonError::into_inner).entry(key).or_insert(sql).clone()
}

/// An id that cannot name a row (below 1 or past the 32-bit key range) is simply not found.
pub fn key(id: i64, what: &str) -> Result<i32, ApiError> {
    i32::try_from(id).ok().filter(|id| *id > 0).ok_or_else(|| ApiError::not_found(what))
}
