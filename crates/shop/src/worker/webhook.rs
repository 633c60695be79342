//! One webhook attempt: the event's body POSTed with the Standard Webhooks headers. Any 2xx
//! within the timeout is success; redirects are not followed (a receiver answers itself).

use std::time::Duration;

use chrono::Utc;

use crate::entity::webhooks;

use super::Outcome;
use crate::events::signature::sign;

/// The client every webhook attempt of a worker shares (one connection pool).
///
/// # Errors
/// When the TLS backend cannot start.
pub fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("shop-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// POSTs `payload` (the event `event_id`) to `endpoint`, signed with its secret.
pub async fn send(client: &reqwest::Client, endpoint: &webhooks::Model, event_id: &str, payload: &str) -> Outcome {
    let timestamp = Utc::now().timestamp();
    let signature = sign(&endpoint.secret, event_id, timestamp, payload);
    let result = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(payload.to_owned())
        .send()
        .await;
    match result {
        Ok(response) if response.status().is_success() => Outcome::delivered(Some(response.status().as_u16())),
        Ok(response) => {
            let status = response.status();
            Outcome::failed(Some(status.as_u16()), format!("the receiver answered {status}"))
        }
        Err(err) if err.is_timeout() => Outcome::failed(None, "no answer within the timeout".to_owned()),
        Err(err) if err.is_connect() => Outcome::failed(None, format!("cannot connect: {}", root_cause(&err))),
        Err(err) => Outcome::failed(None, root_cause(&err)),
    }
}

/// The innermost error's text: reqwest's own says only "error sending request".
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
