//! What every request handler shares: the database connections, the settings, the cache,
//! the login throttle and the admission gate, built once per server.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::api::admission::Admission;
use crate::cache::ResponseCache;
use crate::cache::redis::RedisStore;
use crate::config::Settings;
use crate::events::Outbox;
use crate::pool::Probe;
use crate::redis_link::RedisLink;
use crate::service::throttle::LoginThrottle;

/// `/health` answers within this even when the database does not.
const HEALTH_PROBE_LIMIT: Duration = Duration::from_millis(900);

/// What every handler shares. Cloned for each request (axum's `State`), so it is one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Clone)]
pub struct Shared {
    pub db: DatabaseConnection,
    /// Where list and analytics reads go: the read replica (`DATABASE_READ_URL`) when there
    /// is one, else the primary.
    pub read_db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub login_throttle: Arc<LoginThrottle>,
    pub cache: Arc<ResponseCache>,
    /// Requests that may use the database queue here (see [`crate::api::admission`]).
    pub admission: Arc<Admission>,
    /// `/health`'s database probe.
    pub probe: Arc<Probe>,
    /// How order and stock changes write their events.
    pub outbox: Outbox,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>) -> Self {
        let mut login_throttle =
            LoginThrottle::new(settings.limits.login_max_failures, settings.limits.login_lockout_seconds);
        let mut cache = ResponseCache::new(settings.cache.enabled, settings.cache.ttl_seconds);
        if let Some(url) = &settings.cache.redis_url {
            // The URL's scheme was checked with the settings; nothing connects yet.
            match RedisLink::new(url.as_str()) {
                Ok(link) => {
                    let link = Arc::new(link);
                    cache = cache.with_shared(RedisStore::new(link.clone(), &settings.cache.namespace));
                    login_throttle = login_throttle.with_shared(link, &settings.cache.namespace);
                }
                Err(err) => tracing::error!(error = %err, "REDIS_URL unusable: cache and throttle stay in process"),
            }
        }
        let cache = Arc::new(cache.with_epoch(crate::cache::epoch::EpochLink::new(settings.clone())));
        if cache.is_enabled()
            && let Some((link, seen)) = cache.epoch_watching()
        {
            crate::cache::epoch::watch(Arc::downgrade(&cache), link, seen);
        }
        let login_throttle = Arc::new(login_throttle);
        let admission = Arc::new(Admission::new(
            settings.database.pool_size,
            Duration::from_millis(u64::from(settings.database.acquire_timeout_ms)),
        ));
        let probe = Arc::new(Probe::new(HEALTH_PROBE_LIMIT));
        let outbox = Outbox::new(&settings.events);
        Self(Arc::new(Shared { read_db: db.clone(), db, settings, login_throttle, cache, admission, probe, outbox }))
    }

    /// Sends list and analytics reads to `read_db`.
    #[must_use]
    pub fn with_read_replica(self, read_db: DatabaseConnection) -> Self {
        let mut shared = Arc::unwrap_or_clone(self.0);
        shared.read_db = read_db;
        Self(Arc::new(shared))
    }
}
