//! A real HTTP webhook receiver on a loopback port: answers each request with the next reply
//! of its plan (then 200), and records what it received.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

#[derive(Clone, Copy, Debug)]
pub enum Reply {
    Status(u16),
    /// Never answers (the sender's timeout or death ends the request).
    Hang,
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    pub at: Instant,
    pub answered: Option<u16>,
}

#[derive(Default)]
struct Inner {
    plan: VecDeque<Reply>,
    hits: Vec<Hit>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    pub async fn start(plan: Vec<Reply>) -> Self {
        let inner = Arc::new(Mutex::new(Inner { plan: plan.into(), hits: Vec::new() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, inner }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.inner.lock().unwrap().hits.clone()
    }

    /// Waits until `n` requests arrived (at most `seconds`).
    pub async fn wait_for(&self, n: usize, seconds: u64) -> Vec<Hit> {
        super::eventually(seconds, &format!("{n} webhook requests"), || async {
            let hits = self.hits();
            (hits.len() >= n).then_some(hits)
        })
        .await
    }
}

async fn receive(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let reply = {
        let mut inner = inner.lock().unwrap();
        let reply = inner.plan.pop_front().unwrap_or(Reply::Status(200));
        inner.hits.push(Hit {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
            answered: match reply {
                Reply::Status(code) => Some(code),
                Reply::Hang => None,
            },
        });
        reply
    };
    match reply {
        Reply::Status(code) => StatusCode::from_u16(code).unwrap(),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK
        }
    }
}
