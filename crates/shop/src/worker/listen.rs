//! On PostgreSQL a worker need not wait for its next poll: each event's transaction sends
//! `NOTIFY shop_outbox`, which PostgreSQL delivers when (and only if) it commits, and every
//! worker LISTENs on a connection of its own and wakes at once. Notifications sent while the
//! connection was down are lost, so the poll stays as the safety net.

use std::time::Duration;

use sea_orm::{DatabaseBackend, DatabaseConnection};
use sqlx::postgres::PgListener;
use tokio::sync::watch;

use crate::events::outbox::{CHANNEL, wake};

/// Listens until `stop` turns true; does nothing on other databases.
pub async fn run(db: DatabaseConnection, mut stop: watch::Receiver<bool>) {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    while !*stop.borrow() {
        tokio::select! {
            err = listen(&db) => {
                tracing::warn!(error = %err, "outbox listener lost its connection; polling until it is back");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.changed() => {}
                }
            }
            _ = stop.changed() => {}
        }
    }
}

/// Wakes the worker at every notification; returns only with the error that ended it.
async fn listen(db: &DatabaseConnection) -> sqlx::Error {
    let mut listener = match PgListener::connect_with(db.get_postgres_connection_pool()).await {
        Ok(listener) => listener,
        Err(err) => return err,
    };
    if let Err(err) = listener.listen(CHANNEL).await {
        return err;
    }
    // Whatever committed while no connection was listening.
    wake();
    loop {
        match listener.recv().await {
            Ok(_) => wake(),
            Err(err) => return err,
        }
    }
}
