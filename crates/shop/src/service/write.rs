//! Write transactions. On SQLite, where one writer at a time holds the database, writers of
//! this process queue for their turn in order before they begin: waiting inside SQLite's busy
//! handler instead means sleeping and retrying, which leaves the lock idle between writers
//! and gave POST order a p99 near one second under load.

use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::OwnedMutexGuard;

/// One turn per SQLite database file.
static TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> = LazyLock::new(Default::default);

async fn turn(db: &DatabaseConnection) -> Option<OwnedMutexGuard<()>> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let file = db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf();
    let lock = {
        let mut turns = TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        turns.entry(file).or_default().clone()
    };
    Some(lock.lock_owned().await)
}

/// A write transaction, and on SQLite this process's turn to write, held until it ends.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    /// # Errors
    /// Database errors.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// # Errors
    /// Database errors.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }

    /// Commits when `result` is a success; otherwise rolls back at once (a dropped
    /// transaction only queues its rollback on the pooled connection) and returns the error.
    ///
    /// # Errors
    /// The error of `result`, or of the commit.
    pub async fn finish<T, E: From<DbErr>>(self, result: Result<T, E>) -> Result<T, E> {
        match result {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(err) => {
                let _ = self.rollback().await;
                Err(err)
            }
        }
    }
}

/// Starts a write transaction. On SQLite it waits for this process's turn, then takes the
/// write lock up front (`IMMEDIATE`), so a transaction that reads before it writes never
/// fails on upgrading its lock. `isolation` applies to PostgreSQL and MySQL.
///
/// # Errors
/// Database errors.
pub async fn begin(db: &DatabaseConnection, isolation: Option<IsolationLevel>) -> Result<WriteTxn, DbErr> {
    let turn = turn(db).await;
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        isolation_level: isolation,
        access_mode: None,
    };
    let txn = db.begin_with_options(options).await?;
    Ok(WriteTxn { txn, _turn: turn })
}
