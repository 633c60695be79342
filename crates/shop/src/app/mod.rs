//! The router with its middleware, and `serve`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer, MapResponse, MapResponseLayer};
use tower_http::cors::{Cors, CorsLayer};

pub use crate::api::AppState;

pub mod listen;
use crate::config::Settings;
use crate::{api, middleware};

/// The largest JSON body accepted (a product with a long description fits many times).
pub const BODY_LIMIT: usize = 64 * 1024;

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
    if settings.server.cors_origins.iter().any(|o| o == "*") {
        layer.allow_origin(tower_http::cors::Any)
    } else {
        layer
            .allow_origin(
                settings.server.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect::<Vec<_>>(),
            )
            .allow_credentials(true)
    }
}

/// The routes with their per-request middleware (see [`build`] for what is served).
pub fn router(state: AppState) -> Router {
    // The recorder must exist before the first request is counted.
    let _ = crate::metrics::handle();
    let frontline = middleware::FrontlineLayer::new(middleware::Frontline {
        time_limit: Duration::from_secs(u64::from(state.settings.limits.request_timeout_seconds)),
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
    let db = crate::db::connect(&settings).await?;
    if let (Some(login), Some(password)) = (&settings.auth.first_superuser, &settings.auth.first_superuser_password)
        && crate::service::users::ensure_first_superuser(&db, login, password.expose())
            .await
            .map_err(|e| anyhow::anyhow!("FIRST_SUPERUSER: {e}"))?
    {
        tracing::info!("created the first admin from FIRST_SUPERUSER");
    }
    let mut state = AppState::new(db.clone(), Arc::new(settings));
    if let Some(url) = &state.settings.database.read_url {
        let replica = crate::db::connect_to(&state.settings, url.as_str())
            .await
            .map_err(|e| anyhow::anyhow!("DATABASE_READ_URL: {}", e.naming("DATABASE_READ_URL")))?;
        tracing::info!("list and analytics reads go to the read replica");
        state = state.with_read_replica(replica);
    }
    // The cache stores nothing until it knows the database's cache epoch.
    state.cache.wait_ready(Duration::from_secs(5)).await;
    if state.cache.is_shared() {
        tracing::info!("cache shared through Redis (namespace {})", state.settings.cache.namespace);
    }
    let addr: SocketAddr = format!("{}:{}", state.settings.server.host, state.settings.server.port)
        .parse()
        .or_else(|_| {
            std::net::ToSocketAddrs::to_socket_addrs(&(state.settings.server.host.as_str(), state.settings.server.port))
                .ok()
                .and_then(|mut a| a.next())
                .ok_or(())
        })
        .map_err(|()| anyhow::anyhow!("HOST: cannot resolve {:?}", state.settings.server.host))?;
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    let shutdown = shutdown_signal();
    tracing::info!("serving on http://{local} (docs: http://{local}/docs)");
    let limits = listen::Limits {
        header_read: Duration::from_secs(u64::from(state.settings.limits.header_read_timeout_seconds)),
        max_connections: usize::try_from(state.settings.limits.max_connections).unwrap_or(usize::MAX),
        drain: Duration::from_secs(u64::from(state.settings.limits.request_timeout_seconds)),
    };
    // The worker is told to stop at the signal, so it finishes its attempts while the HTTP
    // side drains its requests, not after: the two waits overlap.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = if state.settings.events.worker_in_serve {
        let worker = crate::worker::Worker::new(db.clone(), &state.settings)?;
        let task = tokio::spawn(worker.run(stopped));
        // The API keeps serving without its worker (other replicas' or `shop worker`s may
        // deliver), but never silently.
        Some(tokio::spawn(async move {
            if let Err(err) = task.await {
                tracing::error!(error = %err, "the outbox worker stopped unexpectedly; deliveries wait for another worker");
            }
        }))
    } else {
        None
    };
    let drain_worker = crate::worker::stop_within(&state.settings.events);
    let shutdown = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    listen::serve(listener, build(state), limits, shutdown).await?;
    if let Some(task) = worker {
        // Attempts in flight finish (or time out); an unfinished one is claimed again later.
        let _ = tokio::time::timeout(drain_worker, task).await;
    }
    tracing::info!("shutting down: closing the database pool");
    db.close().await?;
    Ok(())
}

/// Resolves at SIGINT or SIGTERM. The handlers are installed by this call, not at the first
/// poll: a signal that arrives between the "serving on" line and the accept loop's first turn
/// (a loaded machine can take that long) still shuts down gracefully.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {},
                () = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
