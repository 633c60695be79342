//! The cache epoch: a counter in the database (`cache_epoch`, one row) that every process
//! moves after its writes and every serving process watches. A write made elsewhere (a
//! replica without Redis, `shop seed`, `shop rollups rebuild`) thereby ends this process's
//! cached responses within [`WATCH_INTERVAL`] plus a query, where before it waited for the
//! TTL. Within one process, and across replicas that share Redis, writes end them at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use super::ResponseCache;
use crate::config::Settings;

/// How often a serving process reads the epoch: writes elsewhere show within a second.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// How long a queued move waits for more writes to share it.
const BUMP_GAP: Duration = Duration::from_millis(50);

/// The statement that moves the epoch; writers that hold a transaction run it inside it, so
/// the move is seen exactly when their rows are.
pub const BUMP_SQL: &str = "UPDATE cache_epoch SET generation = generation + 1 WHERE id = 1";

/// Moves the epoch.
///
/// # Errors
/// Database errors.
pub async fn bump(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared(BUMP_SQL).await.map(drop)
}

/// The current epoch.
///
/// # Errors
/// Database errors, or no row (a schema before revision 167de2226c4d).
pub async fn read(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let sql = crate::analytics::Sql(migrate::Dialect::from_backend(backend));
    let stmt = sea_orm::Statement::from_string(
        backend,
        format!("SELECT {} FROM cache_epoch WHERE id = 1", sql.int("generation")),
    );
    let row = db.query_one_raw(stmt).await?.ok_or_else(|| DbErr::RecordNotFound("cache_epoch row 1".to_owned()))?;
    row.try_get_by_index::<i64>(0)
}

/// The epoch this process last accounted for, shared by its writer and its watcher: a move
/// the process made itself (its cache already ended at the write) is not taken for another
/// process's write, which would end the entries filled since.
pub type Seen = Arc<Mutex<Option<i64>>>;

/// A connection of the epoch's own, opened on first use (and again after a failure): its
/// reads and moves stay off the request pool, so a saturated pool neither delays them nor
/// waits on them, and they never count as a request's statements.
pub struct EpochLink {
    settings: Arc<Settings>,
    conn: tokio::sync::OnceCell<DatabaseConnection>,
}

impl EpochLink {
    pub fn new(settings: Arc<Settings>) -> Arc<Self> {
        Arc::new(Self { settings, conn: tokio::sync::OnceCell::new() })
    }

    async fn conn(&self) -> Result<&DatabaseConnection, DbErr> {
        self.conn
            .get_or_try_init(|| async {
                let mut single = (*self.settings).clone();
                single.database.pool_size = 1;
                crate::db::connect(&single).await.map_err(|e| DbErr::Custom(e.to_string()))
            })
            .await
    }
}

/// Moves the epoch and returns its new value, in one statement: no transaction stays open
/// across an await, so a stalled task never holds the row (or SQLite's write lock) while
/// other writers wait. MySQL has no `UPDATE ... RETURNING`; `LAST_INSERT_ID(expr)` hands the
/// new value to the same connection (the link's pool holds one).
async fn bump_and_read(link: &EpochLink) -> Result<i64, DbErr> {
    let db = link.conn().await?;
    let backend = db.get_database_backend();
    let row = if backend == sea_orm::DbBackend::MySql {
        db.execute_unprepared("UPDATE cache_epoch SET generation = LAST_INSERT_ID(generation + 1) WHERE id = 1")
            .await?;
        db.query_one_raw(sea_orm::Statement::from_string(backend, "SELECT CAST(LAST_INSERT_ID() AS SIGNED)")).await?
    } else {
        let sql = "UPDATE cache_epoch SET generation = generation + 1 WHERE id = 1 RETURNING generation";
        db.query_one_raw(sea_orm::Statement::from_string(backend, sql)).await?
    };
    let row = row.ok_or_else(|| DbErr::RecordNotFound("cache_epoch row 1".to_owned()))?;
    row.try_get_by_index::<i64>(0)
}

/// Moves the epoch after a process's own writes, off the request path, one move at a time:
/// writes that arrive while a move is queued (for [`BUMP_GAP`]) share it.
pub struct EpochWriter {
    link: Arc<EpochLink>,
    queued: Arc<AtomicBool>,
    seen: Seen,
}

impl EpochWriter {
    pub fn new(link: Arc<EpochLink>) -> Self {
        Self { link, queued: Arc::new(AtomicBool::new(false)), seen: Arc::new(Mutex::new(None)) }
    }

    /// What the watcher shares with this writer: the link and the epoch last accounted for.
    pub fn watching(&self) -> (Arc<EpochLink>, Seen) {
        (self.link.clone(), self.seen.clone())
    }

    /// Queues a move unless one is queued and not yet started.
    pub fn bump_soon(&self) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let (link, queued, seen) = (self.link.clone(), self.queued.clone(), self.seen.clone());
        tokio::spawn(async move {
            // Writes within the next moment share this move: readers look twice a second, so
            // more than one move per BUMP_GAP buys nothing, and each is a commit (on
            // PostgreSQL a move per order cost a tenth of the order rate).
            tokio::time::sleep(BUMP_GAP).await;
            // Cleared before the update: a write that lands during it queues another move.
            queued.store(false, Ordering::Release);
            match bump_and_read(&link).await {
                Ok(epoch) => {
                    if let Ok(mut seen) = seen.lock()
                        && *seen == Some(epoch - 1)
                    {
                        *seen = Some(epoch);
                    }
                }
                Err(err) => tracing::warn!(
                    error = %err,
                    "could not move the cache epoch: other processes see this write at their TTL"
                ),
            }
        });
    }
}

/// Reads the epoch every [`WATCH_INTERVAL`] and ends `cache`'s entries when another process
/// moved it. Stops when the cache is gone.
pub fn watch(cache: Weak<ResponseCache>, link: Arc<EpochLink>, seen: Seen) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        let mut ticks = tokio::time::interval(WATCH_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(cache) = cache.upgrade() else { return };
            let epoch = match link.conn().await {
                Ok(db) => read(db).await,
                Err(err) => Err(err),
            };
            match epoch {
                // The first reading is the starting point: nothing was stored before it.
                Ok(epoch) => {
                    let moved = match seen.lock() {
                        Ok(mut seen) if *seen != Some(epoch) => seen.replace(epoch).is_some(),
                        _ => false,
                    };
                    if moved {
                        cache.invalidate_here().await;
                    }
                    cache.mark_ready();
                }
                Err(err) => tracing::debug!(error = %err, "cache epoch unreadable"),
            }
        }
    });
}
