//! On PostgreSQL a worker need not wait for its next poll: each event's transaction sends
//! `NOTIFY shop_outbox`, which PostgreSQL delivers when (and only if) it commits, and every
//! worker LISTENs on a connection of its own and wakes at once. Notifications sent while the
//! connection was down are lost, so the poll stays as the safety net.

use std::time::Duration;

use sea_orm::DatabaseBackend;
use sqlx::postgres::PgListener;
use tokio::sync::watch;

use crate::events::outbox::{CHANNEL, wake};

/// Listens until `stop` turns true, on a connection to `url` of its own (not one of the
/// pool's, which it would hold for good); does nothing on other databases.
pub async fn run(backend: DatabaseBackend, url: String, mut stop: watch::Receiver<bool>) {
    if backend != DatabaseBackend::Postgres {
        return;
    }
    while !*stop.borrow() {
        tokio::select! {
            err = listen(&url) => {
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
async fn listen(url: &str) -> sqlx::Error {
    let mut listener = match PgListener::connect(url).await {
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
