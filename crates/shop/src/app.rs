//! Application state, the router with its middleware, and `serve`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer, MapResponse, MapResponseLayer};
use tower_http::cors::{Cors, CorsLayer};

use crate::admission::Admission;
use crate::cache::ResponseCache;
use crate::cache::redis::RedisStore;
use crate::config::{DatabaseKind, Settings};
use crate::pool::Probe;
use crate::redis_link::RedisLink;
use crate::service::throttle::LoginThrottle;
use crate::{api, middleware};

/// The largest JSON body accepted (a product with a long description fits many times).
pub const BODY_LIMIT: usize = 64 * 1024;

/// `/health` answers within this even when the database does not.
const HEALTH_PROBE_LIMIT: Duration = Duration::from_millis(900);

/// Rows a SQLite connection's worker thread may read ahead of the task that takes them.
const ROW_BUFFER: usize = 4096;

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
    /// Requests that may use the database queue here (see [`crate::admission`]).
    pub admission: Arc<Admission>,
    /// `/health`'s database probe.
    pub probe: Arc<Probe>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>) -> Self {
        let mut login_throttle = LoginThrottle::new(settings.login_max_failures, settings.login_lockout_seconds);
        let mut cache = ResponseCache::new(settings.cache_enabled, settings.cache_ttl_seconds);
        if let Some(url) = &settings.redis_url {
            // The URL's scheme was checked with the settings; nothing connects yet.
            match RedisLink::new(url) {
                Ok(link) => {
                    let link = Arc::new(link);
                    cache = cache.with_shared(RedisStore::new(link.clone(), &settings.cache_namespace));
                    login_throttle = login_throttle.with_shared(link, &settings.cache_namespace);
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
            settings.db_pool_size,
            Duration::from_millis(u64::from(settings.db_acquire_timeout_ms)),
        ));
        let probe = Arc::new(Probe::new(HEALTH_PROBE_LIMIT));
        Self(Arc::new(Shared { read_db: db.clone(), db, settings, login_throttle, cache, admission, probe }))
    }

    /// Sends list and analytics reads to `read_db`.
    #[must_use]
    pub fn with_read_replica(self, read_db: DatabaseConnection) -> Self {
        let mut shared = Arc::unwrap_or_clone(self.0);
        shared.read_db = read_db;
        Self(Arc::new(shared))
    }
}

/// Opens the connection pool with the settings' size and timeouts.
///
/// # Errors
/// When the database cannot be reached.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, migrate::Unreachable> {
    connect_to(settings, settings.database_url()).await
}

/// Opens a pool to `url` (the primary or the read replica) with the settings' size and
/// timeouts.
///
/// # Errors
/// When the database cannot be reached.
pub async fn connect_to(settings: &Settings, url: &str) -> Result<DatabaseConnection, migrate::Unreachable> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(settings.db_pool_size)
        .min_connections(1)
        .acquire_timeout(Duration::from_millis(u64::from(settings.db_acquire_timeout_ms)))
        .connect_timeout(migrate::connect::CONNECT_TIMEOUT)
        // sqlx already pings every connection when it is released, and closes it if that
        // fails; a second ping on every acquire is a round trip per query. Only connections
        // idle long enough for the server or a firewall to have dropped them are pinged.
        .test_before_acquire_if_idle_for(Duration::from_secs(10))
        .sqlx_logging(false);
    if settings.database_kind() == DatabaseKind::Sqlite {
        // WAL lets readers run beside the single writer; busy_timeout makes writers queue
        // instead of failing with SQLITE_BUSY.
        options.map_sqlx_sqlite_opts(|o| {
            // NORMAL is durable across application crashes in WAL mode and saves an fsync per
            // commit.
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                // The worker thread hands rows over through this buffer; at sqlx's 50 it
                // filled on large results and woke the two threads in turn for every row.
                .row_buffer_size(ROW_BUFFER)
        });
    }
    if settings.database_kind() == DatabaseKind::Postgres {
        // A runaway query is cancelled by the server instead of holding a connection.
        let timeout = settings.db_statement_timeout_ms.to_string();
        options.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", timeout.as_str())]));
    }
    match Database::connect(options).await {
        Ok(conn) => Ok(conn),
        Err(err) => Err(migrate::connect::explain(url, &err).await),
    }
}

/// The whole HTTP application, as served.
pub type App = MapResponse<MapRequest<Cors<Router>, fn(Request) -> Request>, fn(Response) -> Response>;

/// The whole HTTP application. Collection paths answer with and without a trailing slash,
/// without a redirect, so the slash is trimmed before routing (except under `/docs/`, which
/// Swagger UI serves as a folder). CORS wraps the router once instead of every route, so its
/// configuration is not cloned per request.
pub fn build(state: AppState) -> App {
    let cors = cors(&state.settings);
    let app = MapRequestLayer::new(trim_trailing_slash as fn(Request) -> Request).layer(cors.layer(router(state)));
    MapResponseLayer::new(harden as fn(Response) -> Response).layer(app)
}

/// Every response, whatever answered it: browsers must not guess a content type.
fn harden(mut response: Response) -> Response {
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn trim_trailing_slash(mut request: Request) -> Request {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') && !path.starts_with("/docs") {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let rebuilt = match request.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if let Ok(uri) = rebuilt.parse() {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// `CORS_ORIGINS` lists the origins allowed with credentials; `*` allows any origin without
/// them (browsers refuse credentials with a wildcard, and tower-http panics on the pair).
fn cors(settings: &Settings) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id"), HeaderName::from_static("x-process-time")]);
    if settings.cors_origins.iter().any(|o| o == "*") {
        layer.allow_origin(tower_http::cors::Any)
    } else {
        layer
            .allow_origin(
                settings.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect::<Vec<_>>(),
            )
            .allow_credentials(true)
    }
}

/// The routes with their per-request middleware (see [`build`] for what is served).
pub fn router(state: AppState) -> Router {
    // The recorder must exist before the first request is counted.
    let _ = crate::metrics::handle();
    let frontline = middleware::FrontlineLayer::new(middleware::Frontline {
        time_limit: Duration::from_secs(u64::from(state.settings.request_timeout_seconds)),
        cache: state.cache.clone(),
    });
    api::routes(state).layer(DefaultBodyLimit::max(BODY_LIMIT)).layer(frontline)
}

/// Migrates (or checks) the schema, then serves until SIGINT/SIGTERM; in-flight requests
/// finish and the pool is closed.
///
/// # Errors
/// Start-up failures: schema, database, or binding the address.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    crate::db::prepare_schema(&settings).await?;
    let db = connect(&settings).await?;
    if let (Some(login), Some(password)) = (&settings.first_superuser, &settings.first_superuser_password)
        && crate::service::users::ensure_first_superuser(&db, login, password.expose())
            .await
            .map_err(|e| anyhow::anyhow!("FIRST_SUPERUSER: {e}"))?
    {
        tracing::info!("created the first admin from FIRST_SUPERUSER");
    }
    let mut state = AppState::new(db.clone(), Arc::new(settings));
    if let Some(url) = &state.settings.database_read_url {
        let replica = connect_to(&state.settings, url)
            .await
            .map_err(|e| anyhow::anyhow!("DATABASE_READ_URL: {}", e.naming("DATABASE_READ_URL")))?;
        tracing::info!("list and analytics reads go to the read replica");
        state = state.with_read_replica(replica);
    }
    // The cache stores nothing until it knows the database's cache epoch.
    state.cache.wait_ready(Duration::from_secs(5)).await;
    if state.cache.is_shared() {
        tracing::info!("cache shared through Redis (namespace {})", state.settings.cache_namespace);
    }
    let addr: SocketAddr = format!("{}:{}", state.settings.host, state.settings.port)
        .parse()
        .or_else(|_| {
            std::net::ToSocketAddrs::to_socket_addrs(&(state.settings.host.as_str(), state.settings.port))
                .ok()
                .and_then(|mut a| a.next())
                .ok_or(())
        })
        .map_err(|()| anyhow::anyhow!("HOST: cannot resolve {:?}", state.settings.host))?;
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    tracing::info!("serving on http://{local} (docs: http://{local}/docs)");
    let limits = crate::listen::Limits {
        header_read: Duration::from_secs(u64::from(state.settings.header_read_timeout_seconds)),
        max_connections: usize::try_from(state.settings.max_connections).unwrap_or(usize::MAX),
        drain: Duration::from_secs(u64::from(state.settings.request_timeout_seconds)),
    };
    crate::listen::serve(listener, build(state), limits, shutdown_signal()).await?;
    tracing::info!("shutting down: closing the database pool");
    db.close().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
