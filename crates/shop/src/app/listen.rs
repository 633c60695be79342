//! The accept loop: HTTP/1.1 connections served by hyper with a header-read timeout (which
//! also closes connections idle between requests), a cap on open connections, and graceful
//! shutdown. `axum::serve` sets neither timer nor cap, so a thousand idle connections could
//! take every file descriptor and leave `/health` unanswered.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use super::App;

/// What a connection may do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To send a request's headers, and to sit idle between requests.
    pub header_read: Duration,
    /// Open connections at once; the next ones are answered 503 and closed.
    pub max_connections: usize,
    /// How long in-flight requests get to finish at shutdown.
    pub drain: Duration,
}

/// The body of the answer to a connection past the cap.
const OVERLOADED: &str = r#"{"detail":"Too many open connections; try again"}"#;

/// Serves `app` on `listener` until `shutdown` completes, then lets open requests finish
/// (for at most `limits.drain`).
///
/// # Errors
/// None so far: accept errors (such as running out of file descriptors) are logged and
/// retried after a pause.
pub async fn serve(
    listener: TcpListener,
    app: App,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopped) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed; pausing");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            metrics::counter!("http_connections_shed_total").increment(1);
            tokio::spawn(shed(stream));
            continue;
        };
        let (app, stopped) = (app.clone(), stopped.clone());
        tokio::spawn(async move {
            connection(stream, peer, app, limits.header_read, stopped).await;
            drop(permit);
        });
    }
    let _ = stop.send(true);
    // Every connection gives its permit back when it ends.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.drain, permits.acquire_many(all)).await;
    Ok(())
}

/// Answers 503 without reading the request, and closes.
async fn shed(mut stream: TcpStream) {
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{OVERLOADED}",
        OVERLOADED.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(answer.as_bytes())).await;
    let _ = stream.shutdown().await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: App,
    header_read: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move { app.oneshot(request).await.map_err(|never: Infallible| match never {}) }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(error = %err, "connection ended");
            }
        }
        () = async { drop(stopped.wait_for(|stop| *stop).await) } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
