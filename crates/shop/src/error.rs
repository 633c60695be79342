//! One error type for the whole API, rendered in FastAPI's shapes: `{"detail": "..."}` for
//! single errors and `{"detail": [{"loc", "msg", "type"}]}` for validation. A 5xx cause is
//! logged once and never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

/// One element of a 422 `loc`: a field name or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LocItem {
    Key(String),
    Index(usize),
}

impl From<&str> for LocItem {
    fn from(s: &str) -> Self {
        Self::Key(s.to_owned())
    }
}

impl From<String> for LocItem {
    fn from(s: String) -> Self {
        Self::Key(s)
    }
}

impl From<usize> for LocItem {
    fn from(i: usize) -> Self {
        Self::Index(i)
    }
}

/// One entry of a 422 body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub loc: Vec<LocItem>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl FieldError {
    pub fn new(loc: Vec<LocItem>, msg: impl Into<String>, kind: &str) -> Self {
        Self { loc, msg: msg.into(), kind: kind.to_owned() }
    }

    pub fn query(name: &str, msg: impl Into<String>, kind: &str) -> Self {
        Self::new(vec!["query".into(), name.into()], msg, kind)
    }

    pub fn body(path: &[&str], msg: impl Into<String>, kind: &str) -> Self {
        let mut loc: Vec<LocItem> = vec!["body".into()];
        loc.extend(path.iter().map(|p| LocItem::from(*p)));
        Self::new(loc, msg, kind)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    /// The request body did not arrive in time, or arrived incomplete (408).
    #[error("{0}")]
    RequestTimeout(String),
    /// The request ran past the server's time limit (503, not a database outage).
    #[error("{0}")]
    Overrun(String),
    /// The database could not be reached (503).
    #[error("{0}")]
    Unavailable(String),
    /// Every database connection stayed busy for the acquire timeout (503).
    #[error("{0}")]
    Busy(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The body of single errors.
#[derive(Debug, Serialize, ToSchema)]
pub struct Detail {
    #[schema(example = "Product not found")]
    pub detail: String,
}

/// The body of validation errors.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationDetail {
    pub detail: Vec<FieldError>,
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::Validation(errors)
    }

    pub fn one(error: FieldError) -> Self {
        Self::Validation(vec![error])
    }

    /// A copy of this error (errors shared between waiters of one cache entry).
    pub fn duplicate(&self) -> ApiError {
        match self {
            Self::BadRequest(m) => Self::BadRequest(m.clone()),
            Self::Unauthorized(m) => Self::Unauthorized(m.clone()),
            Self::Forbidden(m) => Self::Forbidden(m.clone()),
            Self::NotFound(m) => Self::NotFound(m.clone()),
            Self::MethodNotAllowed => Self::MethodNotAllowed,
            Self::Conflict(m) => Self::Conflict(m.clone()),
            Self::PayloadTooLarge(m) => Self::PayloadTooLarge(m.clone()),
            Self::UnsupportedMediaType(m) => Self::UnsupportedMediaType(m.clone()),
            Self::Validation(v) => Self::Validation(v.clone()),
            Self::TooManyRequests { detail, retry_after } => {
                Self::TooManyRequests { detail: detail.clone(), retry_after: *retry_after }
            }
            Self::RequestTimeout(m) => Self::RequestTimeout(m.clone()),
            Self::Overrun(m) => Self::Overrun(m.clone()),
            Self::Unavailable(m) => Self::Unavailable(m.clone()),
            Self::Busy(m) => Self::Busy(m.clone()),
            Self::Internal(m) => Self::Internal(m.clone()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Overrun(_) | Self::Unavailable(_) | Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            Self::Validation(errors) => (status, Json(ValidationDetail { detail: errors })).into_response(),
            Self::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (status, Json(Detail { detail: "Internal Server Error".to_owned() })).into_response()
            }
            Self::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                retry_soon(
                    (status, Json(Detail { detail: "Service temporarily unavailable".to_owned() })).into_response(),
                )
            }
            Self::Busy(cause) => {
                // Debug: under overload a warning per turned-away request would flood the log;
                // `admission_rejected_total` counts them.
                tracing::debug!(%cause, "turned away");
                retry_soon(
                    (status, Json(Detail { detail: "The service is busy; try again shortly".to_owned() }))
                        .into_response(),
                )
            }
            Self::Overrun(cause) => {
                tracing::warn!(%cause, "request timed out");
                retry_soon(
                    (status, Json(Detail { detail: "The request took too long; try again".to_owned() }))
                        .into_response(),
                )
            }
            Self::TooManyRequests { detail, retry_after } => {
                let mut response = (status, Json(Detail { detail })).into_response();
                if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            Self::Unauthorized(detail) => {
                let mut response = (status, Json(Detail { detail })).into_response();
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            other => (status, Json(Detail { detail: other.to_string() })).into_response(),
        }
    }
}

/// A 503 tells the client when to come back.
fn retry_soon(mut response: Response) -> Response {
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Only the database being away is a 503 (a lost or refused connection, no connection within
/// the acquire timeout); anything else the database or the driver reports is a defect of ours
/// (500), counted by kind in `db_errors_total` and logged with its cause.
impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        let kind = db_error_kind(&err);
        crate::metrics::record_db_error(kind.label());
        if kind == DbErrorKind::Unavailable {
            Self::Unavailable(err.to_string())
        } else {
            Self::Internal(format!("database {} error: {err}", kind.label()))
        }
    }
}

/// Errors of statements run through sqlx directly (the hot product read, streamed reports),
/// classified as sea-orm's would be.
impl From<sea_orm::sqlx::Error> for ApiError {
    fn from(err: sea_orm::sqlx::Error) -> Self {
        Self::from(DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(err))))
    }
}

/// What kind of failure a database error is, as `db_errors_total{kind}` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbErrorKind {
    /// The database could not be reached: the only kind that is a 503.
    Unavailable,
    /// The driver and the server disagreed on the wire (a statement's binds, a message).
    Protocol,
    /// A value came back that the code cannot read.
    Decode,
    /// The server refused the statement (SQLSTATE error).
    Statement,
    Other,
}

impl DbErrorKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Unavailable => "unavailable",
            Self::Protocol => "protocol",
            Self::Decode => "decode",
            Self::Statement => "statement",
            Self::Other => "other",
        }
    }
}

/// Classifies `err`. Unavailable means no connection could be acquired or opened, or the
/// connection itself failed while a statement ran (I/O or TLS error, PostgreSQL's shutdown
/// and connection-exception codes) rather than the statement being wrong. Pooled connections
/// are only pinged when they have sat idle, so the first statement after the database stops
/// finds out mid-statement; sqlx then drops the connection when it fails its release ping.
pub fn db_error_kind(err: &DbErr) -> DbErrorKind {
    use sea_orm::sqlx::Error as Sqlx;
    let inner = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return DbErrorKind::Unavailable,
        DbErr::Query(RuntimeErr::SqlxError(inner)) | DbErr::Exec(RuntimeErr::SqlxError(inner)) => inner,
        DbErr::Type(_) | DbErr::TryIntoErr { .. } => return DbErrorKind::Decode,
        _ => return DbErrorKind::Other,
    };
    match inner.as_ref() {
        Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => {
            DbErrorKind::Unavailable
        }
        Sqlx::Protocol(_) => DbErrorKind::Protocol,
        Sqlx::Decode(_) | Sqlx::ColumnDecode { .. } | Sqlx::TypeNotFound { .. } => DbErrorKind::Decode,
        Sqlx::Database(db) => {
            let lost = db.code().is_some_and(|code| {
                // 08xxx: connection exception; 57P01..57P03: admin or crash shutdown, cannot
                // connect now (PostgreSQL).
                code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
            });
            if lost { DbErrorKind::Unavailable } else { DbErrorKind::Statement }
        }
        _ => DbErrorKind::Other,
    }
}

/// The column named by a unique-violation message of any of the three databases, given the
/// table: `UNIQUE constraint failed: t.c` (SQLite), `... "ix_t_c"` (PostgreSQL), `for key 'ix_t_c'`
/// / `'t.ix_t_c'` (MySQL).
pub fn unique_violation_column(err: &DbErr, table: &str, columns: &[&str]) -> Option<String> {
    let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() else { return None };
    columns
        .iter()
        .find(|c| {
            message.contains(&format!("{table}.{c}"))
                || message.contains(&format!("ix_{table}_{c}"))
                || message.contains(&format!("uq_{table}_{c}"))
        })
        .map(|c| (*c).to_owned())
        .or_else(|| Some(String::new()))
}

/// True when `err` is a foreign-key violation.
pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};

    use super::{ApiError, DbErrorKind, db_error_kind};

    fn query(err: Sqlx) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(err)))
    }

    #[test]
    fn only_an_unreachable_database_is_unavailable() {
        let io = || std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        for (err, kind) in [
            (query(Sqlx::PoolTimedOut), DbErrorKind::Unavailable),
            (query(Sqlx::Io(io())), DbErrorKind::Unavailable),
            (DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout), DbErrorKind::Unavailable),
            (query(Sqlx::Protocol("insufficient data left in message".to_owned())), DbErrorKind::Protocol),
            (query(Sqlx::Decode("bad".into())), DbErrorKind::Decode),
            (DbErr::Type("bad".to_owned()), DbErrorKind::Decode),
            (query(Sqlx::RowNotFound), DbErrorKind::Other),
        ] {
            assert_eq!(db_error_kind(&err), kind, "{err}");
            let status = ApiError::from(err).status().as_u16();
            assert_eq!(status, if kind == DbErrorKind::Unavailable { 503 } else { 500 });
        }
    }
}
