//! User DTOs. No response type has a password field.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::common::{nullable, timestamp};
use crate::entity::users::{self, Role};

fn valid_username(value: &str) -> Result<(), ValidationError> {
    let ok = (3..=50).contains(&value.chars().count())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        let mut e = ValidationError::new("string_pattern_mismatch");
        e.message = Some("Username must be 3 to 50 characters of letters, digits, '_', '.' or '-'".into());
        Err(e)
    }
}

/// Dates every database stores and compares alike: years 1 to 9999 (MySQL's DATE range).
fn storable_date(value: &NaiveDate) -> Result<(), ValidationError> {
    if (1..=9999).contains(&chrono::Datelike::year(value)) {
        Ok(())
    } else {
        let mut e = ValidationError::new("date_range");
        e.message = Some("Date should be between 0001-01-01 and 9999-12-31".into());
        Err(e)
    }
}

/// `POST /users/signup`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSignup {
    #[validate(custom(function = "valid_username"))]
    #[schema(example = "johndoe", pattern = "^[A-Za-z0-9_.-]{3,50}$")]
    pub username: String,
    #[validate(email(message = "value is not a valid email address"), length(max = 100))]
    #[schema(example = "john@example.com", format = Email)]
    pub email: String,
    #[validate(length(min = 8, max = 128, message = "Password must have 8 to 128 characters"))]
    #[schema(example = "secretpassword123", min_length = 8, format = Password)]
    pub password: String,
    #[validate(length(max = 100))]
    #[schema(example = "John Doe")]
    pub full_name: Option<String>,
    #[validate(length(max = 100))]
    pub first_name: Option<String>,
    #[validate(length(max = 100))]
    pub last_name: Option<String>,
    #[validate(length(max = 20))]
    #[schema(example = "+1-555-0100")]
    pub phone: Option<String>,
    #[schema(example = "1990-05-17")]
    #[validate(custom(function = "storable_date"))]
    pub date_of_birth: Option<NaiveDate>,
}

/// `POST /users` (admin): the signup fields plus role and activity.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    #[validate(custom(function = "valid_username"))]
    #[schema(example = "janedoe")]
    pub username: String,
    #[validate(email(message = "value is not a valid email address"), length(max = 100))]
    #[schema(example = "jane@example.com", format = Email)]
    pub email: String,
    #[validate(length(min = 8, max = 128, message = "Password must have 8 to 128 characters"))]
    #[schema(format = Password, min_length = 8)]
    pub password: String,
    #[validate(length(max = 100))]
    pub full_name: Option<String>,
    #[validate(length(max = 100))]
    pub first_name: Option<String>,
    #[validate(length(max = 100))]
    pub last_name: Option<String>,
    #[validate(length(max = 20))]
    pub phone: Option<String>,
    #[validate(custom(function = "storable_date"))]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub role: Role,
    #[serde(default = "yes")]
    pub is_active: bool,
}

/// What the service needs to create a user, from either body.
#[derive(Debug)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub full_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub role: Role,
    pub is_active: bool,
}

impl From<UserSignup> for NewUser {
    fn from(s: UserSignup) -> Self {
        Self {
            username: s.username,
            email: s.email,
            password: s.password,
            full_name: s.full_name,
            first_name: s.first_name,
            last_name: s.last_name,
            phone: s.phone,
            date_of_birth: s.date_of_birth,
            role: Role::User,
            is_active: true,
        }
    }
}

impl From<UserCreate> for NewUser {
    fn from(s: UserCreate) -> Self {
        Self {
            username: s.username,
            email: s.email,
            password: s.password,
            full_name: s.full_name,
            first_name: s.first_name,
            last_name: s.last_name,
            phone: s.phone,
            date_of_birth: s.date_of_birth,
            role: s.role,
            is_active: s.is_active,
        }
    }
}

fn yes() -> bool {
    true
}

/// `PATCH /users/me`: own profile; a new password needs the current one.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdateMe {
    #[validate(email(message = "value is not a valid email address"), length(max = 100))]
    pub email: Option<String>,
    #[validate(length(max = 100))]
    pub full_name: Option<String>,
    #[validate(length(max = 100))]
    pub first_name: Option<String>,
    #[validate(length(max = 100))]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[validate(length(max = 20))]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    #[validate(custom(function = "storable_date"))]
    pub date_of_birth: Option<Option<NaiveDate>>,
    #[validate(length(min = 8, max = 128, message = "Password must have 8 to 128 characters"))]
    #[schema(format = Password)]
    pub password: Option<String>,
    #[schema(format = Password)]
    pub current_password: Option<String>,
}

/// `PATCH /users/{id}` (admin).
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[validate(custom(function = "valid_username"))]
    pub username: Option<String>,
    #[validate(email(message = "value is not a valid email address"), length(max = 100))]
    pub email: Option<String>,
    #[validate(length(max = 100))]
    pub full_name: Option<String>,
    #[validate(length(max = 100))]
    pub first_name: Option<String>,
    #[validate(length(max = 100))]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[validate(length(max = 20))]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    #[validate(custom(function = "storable_date"))]
    pub date_of_birth: Option<Option<NaiveDate>>,
    #[validate(length(min = 8, max = 128, message = "Password must have 8 to 128 characters"))]
    #[schema(format = Password)]
    pub password: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPublic {
    #[schema(example = 1)]
    pub id: i32,
    #[schema(example = "johndoe")]
    pub username: String,
    #[schema(example = "john@example.com")]
    pub email: String,
    #[schema(example = "John Doe")]
    pub full_name: String,
    #[schema(example = "John")]
    pub first_name: String,
    #[schema(example = "Doe")]
    pub last_name: String,
    // The stored text as it is: a newer release running beside this one may know more roles.
    #[schema(value_type = Role)]
    pub role: String,
    pub is_active: bool,
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl From<users::Model> for UserPublic {
    fn from(m: users::Model) -> Self {
        Self {
            id: m.id,
            username: m.username,
            email: m.email,
            full_name: m.full_name,
            first_name: m.first_name,
            last_name: m.last_name,
            role: m.role,
            is_active: m.is_active,
            phone: m.phone,
            date_of_birth: m.date_of_birth,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// The OAuth2 password form of `POST /login/access-token`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginForm {
    /// Username or email.
    #[schema(example = "johndoe")]
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub access_token: String,
    #[schema(example = "bearer")]
    pub token_type: String,
}
