//! SQLite's query planner stability guarantee, turned on for every pooled connection.
//!
//! Without it, SQLite re-prepares a cached statement whenever a bound value that could change
//! its plan changes: a `LIMIT ?` (the page size plus one), an `OFFSET ?`, or, with STAT4, a
//! value compared with an indexed column. Every page of a list paid a full parse and plan
//! again: 190,000 of the 732,000 instructions a `products/?limit=10` took
//! (`benches/instructions.sh`). With the guarantee a statement is planned once per connection,
//! as on PostgreSQL and MySQL, and its plan no longer depends on the first values bound.

use std::ffi::c_int;

use sea_orm::sqlx::sqlite::SqliteConnection;

/// Turns on `SQLITE_DBCONFIG_ENABLE_QPSG` for `conn`.
///
/// # Errors
/// When the connection's worker is gone, or SQLite refuses the setting.
pub async fn enable(conn: &mut SqliteConnection) -> Result<(), sea_orm::sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let mut now: c_int = 0;
    // SAFETY: `db` is the open handle the lock guards for the duration of the call; the
    // option takes an int and an int out-pointer, which `now` outlives.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(db, libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG, 1 as c_int, &raw mut now)
    };
    if rc == libsqlite3_sys::SQLITE_OK && now == 1 {
        Ok(())
    } else {
        Err(sea_orm::sqlx::Error::Configuration(format!("SQLite refused the stable query plan setting ({rc})").into()))
    }
}
