//! `/analytics`: reports over the catalog and the orders (public reads).

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::Response;
use futures_util::TryStreamExt;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AdminUser;
use super::cached;
use super::extract::Params;
use super::prefixed::Prefixed;
use crate::analytics::Report;
use crate::analytics::above_average::{self, AbovePage, Export, PageQuery};
use crate::analytics::reports::{
    self, BestSeller, CategoryStats, MonthlySales, RecentActivity, Summary, SupplierStats, TopProduct,
};
use crate::api::AppState;
use crate::error::{ApiError, Detail, ValidationDetail};

pub fn routes(prefix: &str) -> OpenApiRouter<AppState> {
    Prefixed::new(prefix)
        .routes(routes!(summary))
        .routes(routes!(categories))
        .routes(routes!(suppliers))
        .routes(routes!(best_sellers))
        .routes(routes!(above_category_average))
        .routes(routes!(top_product_per_category))
        .routes(routes!(recent_activity))
        .routes(routes!(monthly_sales))
        .done()
}

/// Serves a report from the cache (same path and query, no write since) or computes it;
/// `?explain=true` always runs the statement.
async fn respond<T, F, Fut>(state: &AppState, uri: &Uri, explain: bool, run: F) -> Result<Response, ApiError>
where
    T: serde::Serialize + utoipa::ToSchema,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Report<T>, ApiError>>,
{
    if explain {
        let _pass = state.admission.enter().await?;
        Ok(cached::encode(run).await?.into_response())
    } else {
        cached::json(state, uri, run).await
    }
}

fn explain(params: &mut Params) -> bool {
    params.bool("explain").unwrap_or(false)
}

/// Refuses `?explain=true` to anyone but an admin (403): statements and plans describe the
/// schema and its indexes.
pub struct ExplainGuard;

impl FromRequestParts<AppState> for ExplainGuard {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Reports are hot and cached: most queries never name `explain`.
        if !parts.uri.query().is_some_and(|q| q.contains("explain")) {
            return Ok(Self);
        }
        let mut params = Params::from_request_parts(parts, state).await?;
        if !explain(&mut params) {
            return Ok(Self);
        }
        match AdminUser::from_request_parts(parts, state).await {
            Ok(_) => Ok(Self),
            Err(ApiError::Unauthorized(_) | ApiError::Forbidden(_)) => {
                Err(ApiError::Forbidden("Only admins may ask for the statement and plan (explain)".to_owned()))
            }
            Err(other) => Err(other),
        }
    }
}

/// One report endpoint: its own query parameters, then `explain`, then the report served
/// through the cache. `utoipa` documents each endpoint from its attributes, so each stays a
/// function of its own.
macro_rules! report {
    ($(#[$meta:meta])* fn $name:ident($params:ident) { $($read:stmt;)* } => |$db:ident, $explain:ident| $run:expr) => {
        $(#[$meta])*
        pub async fn $name(
            State(state): State<AppState>,
            uri: Uri,
            _: ExplainGuard,
            mut $params: Params,
        ) -> Result<Response, ApiError> {
            $($read;)*
            let $explain = explain(&mut $params);
            $params.finish()?;
            let $db = &state.read_db;
            respond(&state, &uri, $explain, || $run).await
        }
    };
}

report! {
    /// Count, price range, stock and inventory value of active products.
    #[utoipa::path(get, path = "/analytics/summary", tag = "analytics", operation_id = "analytics-summary",
        params(("explain" = Option<bool>, Query, description = "Also return the statement and the database's plan")),
        responses((status = 200, body = Report<Summary>), (status = 403, body = Detail, description = "explain=true without an admin token"),
            (status = 422, body = ValidationDetail)))]
    fn summary(params) {} => |db, explain| reports::summary(db, explain)
}

report! {
    /// Per category, empty ones included; filter groups with `min_products` / `min_avg_price`.
    #[utoipa::path(get, path = "/analytics/categories", tag = "analytics", operation_id = "analytics-categories",
        params(("min_products" = Option<i64>, Query, minimum = 0), ("min_avg_price" = Option<String>, Query, example = "100.00"),
            ("explain" = Option<bool>, Query)),
        responses((status = 200, body = Report<Vec<CategoryStats>>), (status = 403, body = Detail, description = "explain=true without an admin token"),
            (status = 422, body = ValidationDetail)))]
    fn categories(params) {
        let min_products = params.int("min_products", 0, i64::from(i32::MAX));
        let min_avg_price = params.decimal("min_avg_price");
    } => |db, explain| reports::categories(db, min_products, min_avg_price, explain)
}

report! {
    /// Per supplier: products, distinct orders, revenue (cancelled orders excluded).
    #[utoipa::path(get, path = "/analytics/suppliers", tag = "analytics", operation_id = "analytics-suppliers",
        params(("explain" = Option<bool>, Query)),
        responses((status = 200, body = Report<Vec<SupplierStats>>), (status = 403, body = Detail, description = "explain=true without an admin token"),
            (status = 422, body = ValidationDetail)))]
    fn suppliers(params) {} => |db, explain| reports::suppliers(db, explain)
}

report! {
    /// Products with orders, most units sold first.
    #[utoipa::path(get, path = "/analytics/best-sellers", tag = "analytics", operation_id = "analytics-best-sellers",
        params(("limit" = Option<u64>, Query, minimum = 1, maximum = 100), ("explain" = Option<bool>, Query)),
        responses((status = 200, body = Report<Vec<BestSeller>>), (status = 403, body = Detail, description = "explain=true without an admin token"),
            (status = 422, body = ValidationDetail)))]
    fn best_sellers(params) {
        let limit = params.int("limit", 1, 100).and_then(|v| u64::try_from(v).ok()).unwrap_or(10);
    } => |db, explain| reports::best_sellers(db, limit, explain)
}

/// Products priced above their category's average, the largest premium first (ties by id).
/// Paged with `limit` and `cursor`; with `Accept: application/x-ndjson` or `text/csv` the
/// whole report (after `cursor`, if sent) streams in the same order.
#[utoipa::path(get, path = "/analytics/above-category-average", tag = "analytics", operation_id = "analytics-above-category-average",
    params(("limit" = Option<u64>, Query, minimum = 1, maximum = 1000, description = "Rows per page (default 100)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ("track_total" = Option<bool>, Query, description = "Count every row: without it `total` is exact up to \
            10,000 rows, and past that 10000 with `total_relation` \"gte\""),
        ("explain" = Option<bool>, Query, description = "Also return the first statement and the database's plan"),
        ("Accept" = Option<String>, Header, description = "`application/x-ndjson` or `text/csv` for the whole report")),
    responses((status = 200, body = AbovePage, content_type = "application/json"),
        (status = 200, description = "The whole report, one JSON row a line", content_type = "application/x-ndjson"),
        (status = 200, description = "The whole report, a header row first", content_type = "text/csv"),
        (status = 403, body = Detail, description = "explain=true without an admin token"),
        (status = 422, body = ValidationDetail)))]
pub async fn above_category_average(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    _: ExplainGuard,
    mut params: Params,
) -> Result<Response, ApiError> {
    let limit = params.int("limit", 1, i64::try_from(above_average::MAX_LIMIT).unwrap_or(1000));
    let query = PageQuery {
        limit: limit.and_then(|v| u64::try_from(v).ok()).unwrap_or(above_average::DEFAULT_LIMIT),
        cursor: params.string("cursor", 2000),
        track_total: params.bool("track_total").unwrap_or(false),
        explain: explain(&mut params),
    };
    params.finish()?;
    let secret = state.settings.auth.secret_key.expose().as_bytes();
    let mut response = match export_format(&headers) {
        Some(format) => {
            let rows = {
                let _pass = state.admission.enter().await?;
                above_average::export(&state.read_db, format, query.cursor.as_deref(), secret).await?
            };
            let body = rows.map_ok(Bytes::from).map_err(|err| {
                tracing::error!(error = %err, "above-category-average export stopped");
                std::io::Error::other(err.to_string())
            });
            let mut response = Response::new(Body::from_stream(body));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
            let disposition = format!("attachment; filename=\"{}\"", format.file_name());
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        None if query.explain => {
            let _pass = state.admission.enter().await?;
            cached::encode(|| above_average::page(&state.read_db, &query, secret)).await?.into_response()
        }
        None => cached::json(&state, &uri, || above_average::page(&state.read_db, &query, secret)).await?,
    };
    // The same URL answers in three formats.
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept"));
    Ok(response)
}

/// The export format `Accept` asks for, if any; anything else gets the JSON page.
fn export_format(headers: &HeaderMap) -> Option<Export> {
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?.to_ascii_lowercase();
    if accept.contains("application/x-ndjson") {
        Some(Export::Ndjson)
    } else if accept.contains("text/csv") {
        Some(Export::Csv)
    } else {
        None
    }
}

report! {
    /// The most expensive product of each category (nulls for empty categories).
    #[utoipa::path(get, path = "/analytics/top-product-per-category", tag = "analytics", operation_id = "analytics-top-product-per-category",
        params(("explain" = Option<bool>, Query)),
        responses((status = 200, body = Report<Vec<TopProduct>>), (status = 403, body = Detail, description = "explain=true without an admin token"),
            (status = 422, body = ValidationDetail)))]
    fn top_product_per_category(params) {} => |db, explain| reports::top_product_per_category(db, explain)
}

report! {
    /// Categories with orders in the last `days` days.
    #[utoipa::path(get, path = "/analytics/recent-activity", tag = "analytics", operation_id = "analytics-recent-activity",
        params(("days" = Option<i64>, Query, minimum = 1, maximum = 3650), ("explain" = Option<bool>, Query)),
        responses((status = 200, body = Report<Vec<RecentActivity>>), (status = 403, body = Detail, description = "explain=true without an admin token"),
            (status = 422, body = ValidationDetail)))]
    fn recent_activity(params) {
        let days = params.int("days", 1, 3650).unwrap_or(30);
    } => |db, explain| reports::recent_activity(db, days, explain)
}

report! {
    /// Monthly sales, newest first, with month-over-month growth.
    #[utoipa::path(get, path = "/analytics/sales/monthly", tag = "analytics", operation_id = "analytics-sales-monthly",
        params(("months" = Option<u32>, Query, minimum = 1, maximum = 120), ("explain" = Option<bool>, Query)),
        responses((status = 200, body = Report<Vec<MonthlySales>>), (status = 403, body = Detail, description = "explain=true without an admin token"),
            (status = 422, body = ValidationDetail)))]
    fn monthly_sales(params) {
        let months = params.int("months", 1, 120).and_then(|v| u32::try_from(v).ok()).unwrap_or(12);
    } => |db, explain| reports::monthly_sales(db, months, explain)
}
