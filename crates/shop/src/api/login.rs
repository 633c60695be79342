//! `POST /login/access-token`: OAuth2 password flow (username or email), throttled.

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::body::RawBody;
use super::json_input::NUL_MESSAGE;
use super::prefixed::Prefixed;
use crate::api::AppState;
use crate::error::{ApiError, Detail, FieldError, ValidationDetail};
use crate::schema::user::{LoginForm, Token};
use crate::security::create_access_token;
use crate::service::users;

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

fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<LoginForm, ApiError> {
    let form_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(ApiError::UnsupportedMediaType(
            "Content-Type must be application/x-www-form-urlencoded".to_owned(),
        ));
    }
    let mut username = None;
    let mut password = None;
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "username" => username = Some(value.into_owned()),
            "password" => password = Some(value.into_owned()),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    for (name, value) in [("username", &username), ("password", &password)] {
        match value.as_deref() {
            None | Some("") => errors.push(FieldError::body(&[name], "Field required", "missing")),
            Some(text) if text.contains('\0') => errors.push(FieldError::body(&[name], NUL_MESSAGE, "string_type")),
            Some(_) => {}
        }
    }
    match (username, password) {
        (Some(username), Some(password)) if errors.is_empty() => Ok(LoginForm { username, password }),
        _ => Err(ApiError::validation(errors)),
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
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Token>, ApiError> {
    let form = parse_form(&headers, &body)?;
    let throttle = &state.login_throttle;
    let found = users::find_login(&state.db, &form.username).await?;
    // One account, one count, whether it is tried by username or by email.
    let account =
        found.as_ref().map_or_else(|| format!("login:{}", form.username.to_lowercase()), |u| u.id.to_string());
    if let Some(wait) = throttle.retry_after(&account, &client).await {
        return Err(ApiError::TooManyRequests {
            detail: format!(
                "Too many failed login attempts; try again in {wait} second{}",
                if wait == 1 { "" } else { "s" }
            ),
            retry_after: wait,
        });
    }
    let matches = users::password_matches(found.as_ref(), &form.password).await;
    let Some(user) = found.filter(|_| matches) else {
        throttle.record_failure(&account, &client).await;
        return Err(ApiError::BadRequest("Incorrect username or password".to_owned()));
    };
    if !user.is_active {
        return Err(ApiError::BadRequest("Inactive user".to_owned()));
    }
    throttle.record_success(&account).await;
    let token = create_access_token(&state.settings, &user).map_err(|e| ApiError::Internal(format!("signing: {e}")))?;
    Ok(Json(Token { access_token: token, token_type: "bearer".to_owned() }))
}
