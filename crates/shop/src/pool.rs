//! What `/health` and `/metrics` say of a connection pool: its size and idle connections, and
//! whether its database answers even when every pooled connection is busy.

use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use sea_orm::DatabaseConnectionType as Kind;
use sea_orm::sqlx::{self, Connection as _};
use tokio::sync::Mutex;

#[derive(Clone, Copy, Debug)]
pub struct PoolState {
    /// Open connections.
    pub size: u32,
    /// Open connections no request holds.
    pub idle: u32,
}

pub fn state(db: &DatabaseConnection) -> PoolState {
    let (size, idle) = match &db.inner {
        Kind::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        Kind::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        Kind::SqlxMySqlPoolConnection(_) => {
            let pool = db.get_mysql_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    PoolState { size, idle: u32::try_from(idle).unwrap_or(u32::MAX) }
}

/// Asks the database whether it answers. A busy pool must not read as a dead database (an
/// orchestrator would restart a healthy replica), so when no pooled connection is idle the
/// probe opens one of its own. Those are rate-limited: one at a time, and a result is reused
/// for a second, so a flood of health checks opens at most one connection a second.
pub struct Probe {
    limit: Duration,
    direct: Mutex<Option<(Instant, bool)>>,
}

const REUSE: Duration = Duration::from_secs(1);

impl Probe {
    /// Each probe answers within `limit`.
    pub fn new(limit: Duration) -> Self {
        Self { limit, direct: Mutex::new(None) }
    }

    pub async fn answers(&self, db: &DatabaseConnection) -> bool {
        tokio::time::timeout(self.limit, self.ask(db)).await.unwrap_or(false)
    }

    async fn ask(&self, db: &DatabaseConnection) -> bool {
        match &db.inner {
            Kind::SqlxSqlitePoolConnection(_) => self.ping(db.get_sqlite_connection_pool()).await,
            Kind::SqlxPostgresPoolConnection(_) => self.ping(db.get_postgres_connection_pool()).await,
            Kind::SqlxMySqlPoolConnection(_) => self.ping(db.get_mysql_connection_pool()).await,
            _ => false,
        }
    }

    async fn ping<DB: sqlx::Database>(&self, pool: &sqlx::Pool<DB>) -> bool {
        // A closed pool serves nothing, whatever the database says.
        if pool.is_closed() {
            return false;
        }
        if let Some(mut pooled) = pool.try_acquire() {
            return pooled.ping().await.is_ok();
        }
        let mut last = self.direct.lock().await;
        if let Some((at, answered)) = *last
            && at.elapsed() < REUSE
        {
            return answered;
        }
        let answered = match DB::Connection::connect_with(&pool.connect_options()).await {
            Ok(mut own) => {
                let answered = own.ping().await.is_ok();
                let _ = own.close().await;
                answered
            }
            Err(_) => false,
        };
        *last = Some((Instant::now(), answered));
        answered
    }
}
