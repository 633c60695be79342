//! `/users`: sign-up, own profile, and admin user management.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{AdminUser, CurrentUser};
use super::body::ValidJson;
use super::extract::{Params, PathId};
use super::prefixed::Prefixed;
use crate::api::AppState;
use crate::error::{ApiError, Detail, ValidationDetail};
use crate::schema::common::{Page, Pagination};
use crate::schema::user::{UserCreate, UserPublic, UserSignup, UserUpdate, UserUpdateMe};
use crate::service::users as service;

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix)
        .routes(routes!(signup))
        .routes(routes!(me, update_me))
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
        .done()
}

/// Create an account (role `user`).
#[utoipa::path(post, path = "/users/signup", tag = "users", operation_id = "users-signup", request_body = UserSignup,
    responses((status = 201, body = UserPublic), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn signup(
    State(state): State<AppState>,
    ValidJson(input): ValidJson<UserSignup>,
) -> Result<(StatusCode, Json<UserPublic>), ApiError> {
    let user = service::create(&state.db, input.into()).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// The caller's own profile.
#[utoipa::path(get, path = "/users/me", tag = "users", operation_id = "users-me", security(("bearer" = [])),
    responses((status = 200, body = UserPublic), (status = 401, body = Detail)))]
pub async fn me(CurrentUser(user): CurrentUser) -> Json<UserPublic> {
    Json(user.into())
}

/// Update the caller's own profile; a new password needs `current_password`.
#[utoipa::path(patch, path = "/users/me", tag = "users", operation_id = "users-update-me", request_body = UserUpdateMe,
    security(("bearer" = [])),
    responses((status = 200, body = UserPublic), (status = 400, body = Detail), (status = 401, body = Detail),
        (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn update_me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(patch): ValidJson<UserUpdateMe>,
) -> Result<Json<UserPublic>, ApiError> {
    Ok(Json(service::update_me(&state.db, user, patch).await?.into()))
}

/// List users (admin).
#[utoipa::path(get, path = "/users", tag = "users", operation_id = "users-list", security(("bearer" = [])),
    params(("skip" = Option<u64>, Query, minimum = 0), ("limit" = Option<u64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = Page<UserPublic>), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 422, body = ValidationDetail)))]
pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    mut params: Params,
) -> Result<Json<Page<UserPublic>>, ApiError> {
    let page = Pagination::read(&mut params);
    params.finish()?;
    let (items, total) = service::list(&state.db, page).await?;
    Ok(Json(page.page(items.into_iter().map(UserPublic::from).collect(), total)))
}

/// Create a user with any role (admin).
#[utoipa::path(post, path = "/users", tag = "users", operation_id = "users-create", request_body = UserCreate,
    security(("bearer" = [])),
    responses((status = 201, body = UserPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: AdminUser,
    ValidJson(input): ValidJson<UserCreate>,
) -> Result<(StatusCode, Json<UserPublic>), ApiError> {
    let user = service::create(&state.db, input.into()).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// One user (admin).
#[utoipa::path(get, path = "/users/{id}", tag = "users", operation_id = "users-get", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = UserPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn get(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
) -> Result<Json<UserPublic>, ApiError> {
    Ok(Json(service::get(&state.db, id).await?.into()))
}

/// Update a user (admin): profile, password, role, activity.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", operation_id = "users-update", params(("id" = i64, Path)),
    request_body = UserUpdate, security(("bearer" = [])),
    responses((status = 200, body = UserPublic), (status = 401, body = Detail), (status = 403, body = Detail),
        (status = 404, body = Detail), (status = 409, body = Detail), (status = 422, body = ValidationDetail)))]
pub async fn update(
    State(state): State<AppState>,
    _admin: AdminUser,
    PathId(id): PathId,
    ValidJson(patch): ValidJson<UserUpdate>,
) -> Result<Json<UserPublic>, ApiError> {
    Ok(Json(service::update(&state.db, id, patch).await?.into()))
}

/// Delete a user without orders (admin; not oneself).
#[utoipa::path(delete, path = "/users/{id}", tag = "users", operation_id = "users-delete", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Detail), (status = 403, body = Detail), (status = 404, body = Detail),
        (status = 409, body = Detail)))]
pub async fn delete(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    service::delete(&state.db, &admin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
