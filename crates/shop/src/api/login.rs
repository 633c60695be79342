//! `POST /login/access-token`: OAuth2 password flow (username or email), throttled.

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::login_form::Form;
use super::prefixed::Prefixed;
use crate::api::AppState;
use crate::error::{ApiError, Detail, ValidationDetail};
use crate::schema::user::{LoginForm, Token};

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix).routes(routes!(access_token)).done()
}

/// The client's address: the peer, or behind a proxy in `TRUSTED_PROXIES` the address it
/// forwarded for ([`crate::net::client_address`]). Tests through the router have no peer.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip()) else {
            return Ok(Self("unknown".to_owned()));
        };
        let trusted = &state.settings.server.trusted_proxies;
        if trusted.is_empty() {
            return Ok(Self(peer.to_canonical().to_string()));
        }
        let values = |name| parts.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        let chain = crate::net::forwarded_chain(&values("x-forwarded-for"), &values("forwarded"));
        Ok(Self(crate::net::client_address(peer, &chain, trusted).to_canonical().to_string()))
    }
}

/// Exchange a username (or email) and password for a bearer token.
#[utoipa::path(post, path = "/login/access-token", tag = "login", operation_id = "login-access-token",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = Token), (status = 400, body = Detail, description = "Wrong credentials or inactive user"),
        (status = 422, body = ValidationDetail), (status = 429, body = Detail, description = "Too many failed attempts")))]
pub async fn access_token(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Form(form): Form,
) -> Result<Json<Token>, ApiError> {
    let token =
        crate::service::login::access_token(&state.db, &state.login_throttle, &state.settings, &client, &form).await?;
    Ok(Json(token))
}
