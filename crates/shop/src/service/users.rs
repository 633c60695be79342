//! Users: sign-up, authentication, profiles, and the first admin.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{key, write};
use crate::entity::users::{self, Role};
use crate::error::{ApiError, FieldError, is_foreign_key_violation, unique_violation_column};
use crate::schema::common::Pagination;
use crate::schema::user::{NewUser, UserUpdate, UserUpdateMe};
use crate::security::{dummy_hash, hash_password_blocking, verify_password_blocking};

const WHAT: &str = "User";

fn clash(err: DbErr) -> ApiError {
    match unique_violation_column(&err, "users", &["username", "email"]).as_deref() {
        Some("username") => ApiError::Conflict("A user with this username already exists".to_owned()),
        Some("email") => ApiError::Conflict("A user with this email already exists".to_owned()),
        Some(_) => ApiError::Conflict("A user with this username or email already exists".to_owned()),
        None => err.into(),
    }
}

/// "Ada Lovelace Byron" -> ("Ada", "Lovelace Byron"), as the name-split migration did.
fn split_full_name(full_name: &str) -> (String, String) {
    let trimmed = full_name.trim();
    let (first, last) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
    (first.to_owned(), last.trim().to_owned())
}

/// The three name fields kept consistent: whichever side is given fills the other.
fn names(full: Option<String>, first: Option<String>, last: Option<String>) -> (String, String, String) {
    match (full, first, last) {
        (Some(full), None, None) => {
            let (first, last) = split_full_name(&full);
            (full.trim().to_owned(), first, last)
        }
        (full, first, last) => {
            let first = first.unwrap_or_default();
            let last = last.unwrap_or_default();
            let full = full.unwrap_or_else(|| format!("{first} {last}").trim().to_owned());
            (full, first, last)
        }
    }
}

/// # Errors
/// 409 on a taken username or email.
pub async fn create(db: &impl ConnectionTrait, input: NewUser) -> Result<users::Model, ApiError> {
    let hashed = hash_password_blocking(input.password).await?;
    let (full_name, first_name, last_name) = names(input.full_name, input.first_name, input.last_name);
    let now = Utc::now();
    users::ActiveModel {
        username_key: Set(users::username_key(&input.username)),
        username: Set(input.username),
        email: Set(input.email.to_lowercase()),
        full_name: Set(full_name),
        first_name: Set(first_name),
        last_name: Set(last_name),
        hashed_password: Set(hashed),
        is_superuser: Set(input.role == Role::Admin),
        role: Set(input.role.as_str().to_owned()),
        is_active: Set(input.is_active),
        phone: Set(input.phone),
        date_of_birth: Set(input.date_of_birth),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(clash)
}

/// The user whose username or email is `login`, ignoring case (as their uniqueness does).
///
/// # Errors
/// Database errors.
pub async fn find_login(db: &impl ConnectionTrait, login: &str) -> Result<Option<users::Model>, ApiError> {
    Ok(users::Entity::find().filter(same_login(login)).one(db).await?)
}

/// Usernames are keyed lowercased and emails stored lowercased, so both indexes serve this.
fn same_login(login: &str) -> Condition {
    Condition::any()
        .add(users::Column::UsernameKey.eq(users::username_key(login)))
        .add(users::Column::Email.eq(login.to_lowercase()))
}

/// Whether `password` is `user`'s. Takes as long when there is no such user, so timing does
/// not reveal which logins exist.
pub async fn password_matches(user: Option<&users::Model>, password: &str) -> bool {
    let hash = user.map_or_else(|| dummy_hash().to_owned(), |u| u.hashed_password.clone());
    verify_password_blocking(password.to_owned(), hash).await
}

/// # Errors
/// 404 when missing.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<users::Model, ApiError> {
    super::by_id::<users::Entity>(db, key(id, WHAT)?).await?.ok_or_else(|| ApiError::not_found(WHAT))
}

/// # Errors
/// Database errors.
pub async fn list(db: &DatabaseConnection, page: Pagination) -> Result<(Vec<users::Model>, u64), ApiError> {
    let listed = super::listing::page(db, users::Entity::find().order_by_asc(users::Column::Id), page, None).await?;
    Ok((listed.items, listed.total.value))
}

fn apply_names(
    model: &mut users::ActiveModel,
    current: &users::Model,
    full: Option<String>,
    first: Option<String>,
    last: Option<String>,
) {
    if full.is_none() && first.is_none() && last.is_none() {
        return;
    }
    let (full, first, last) = if full.is_some() && first.is_none() && last.is_none() {
        names(full, None, None)
    } else {
        let first = first.unwrap_or_else(|| current.first_name.clone());
        let last = last.unwrap_or_else(|| current.last_name.clone());
        names(full, Some(first), Some(last))
    };
    model.full_name = Set(full);
    model.first_name = Set(first);
    model.last_name = Set(last);
}

/// Own profile. A password change needs the current password.
///
/// # Errors
/// 400 on a wrong or missing current password, 409 on a taken email.
pub async fn update_me(
    db: &impl ConnectionTrait,
    me: users::Model,
    patch: UserUpdateMe,
) -> Result<users::Model, ApiError> {
    let mut model: users::ActiveModel = me.clone().into();
    if let Some(password) = patch.password {
        let Some(current) = patch.current_password else {
            return Err(ApiError::one(FieldError::body(
                &["current_password"],
                "The current password is required to set a new one",
                "missing",
            )));
        };
        if !verify_password_blocking(current, me.hashed_password.clone()).await {
            return Err(ApiError::BadRequest("Incorrect password".to_owned()));
        }
        model.hashed_password = Set(hash_password_blocking(password).await?);
    }
    if let Some(email) = patch.email {
        model.email = Set(email.to_lowercase());
    }
    apply_names(&mut model, &me, patch.full_name, patch.first_name, patch.last_name);
    if let Some(phone) = patch.phone {
        model.phone = Set(phone);
    }
    if let Some(date) = patch.date_of_birth {
        model.date_of_birth = Set(date);
    }
    model.updated_at = Set(Utc::now());
    model.update(db).await.map_err(clash)
}

/// Refuses to leave the shop without an active admin when `user` stops being one. Locks
/// every active admin's row first, in id order (PostgreSQL, MySQL; SQLite has one writer),
/// so two admins demoting each other at once cannot both pass, nor deadlock.
async fn keep_an_admin(txn: &DatabaseTransaction, user: &users::Model) -> Result<(), ApiError> {
    if !user.is_admin() || !user.is_active {
        return Ok(());
    }
    let admins = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin.as_str()))
        .filter(users::Column::IsActive.eq(true))
        .order_by_asc(users::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    if admins.iter().any(|a| a.id != user.id) {
        Ok(())
    } else {
        Err(ApiError::Conflict("The last active admin cannot be demoted, deactivated or deleted".to_owned()))
    }
}

/// Admin update of any user.
///
/// # Errors
/// 404 when missing, 409 on a taken username or email, or for the last active admin's role
/// or activity.
pub async fn update(db: &DatabaseConnection, id: i64, patch: UserUpdate) -> Result<users::Model, ApiError> {
    let txn = write::begin(db, None).await?;
    let updated = update_in(&txn, id, patch).await;
    txn.finish(updated).await
}

async fn update_in(db: &DatabaseTransaction, id: i64, patch: UserUpdate) -> Result<users::Model, ApiError> {
    let current = get(db, id).await?;
    let demoted = patch.role.is_some_and(|role| role != Role::Admin);
    if demoted || patch.is_active == Some(false) {
        keep_an_admin(db, &current).await?;
    }
    let mut model: users::ActiveModel = current.clone().into();
    if let Some(password) = patch.password {
        model.hashed_password = Set(hash_password_blocking(password).await?);
    }
    if let Some(username) = patch.username {
        model.username_key = Set(users::username_key(&username));
        model.username = Set(username);
    }
    if let Some(email) = patch.email {
        model.email = Set(email.to_lowercase());
    }
    apply_names(&mut model, &current, patch.full_name, patch.first_name, patch.last_name);
    if let Some(phone) = patch.phone {
        model.phone = Set(phone);
    }
    if let Some(date) = patch.date_of_birth {
        model.date_of_birth = Set(date);
    }
    if let Some(role) = patch.role {
        model.is_superuser = Set(role == Role::Admin);
        model.role = Set(role.as_str().to_owned());
    }
    if let Some(active) = patch.is_active {
        model.is_active = Set(active);
    }
    model.updated_at = Set(Utc::now());
    model.update(db).await.map_err(clash)
}

/// # Errors
/// 404 when missing, 403 for oneself, 409 while the user has orders or is the last active
/// admin.
pub async fn delete(db: &DatabaseConnection, me: &users::Model, id: i64) -> Result<(), ApiError> {
    let txn = write::begin(db, None).await?;
    let deleted = delete_in(&txn, me, id).await;
    txn.finish(deleted).await
}

async fn delete_in(db: &DatabaseTransaction, me: &users::Model, id: i64) -> Result<(), ApiError> {
    let user = get(db, id).await?;
    if user.id == me.id {
        return Err(ApiError::Forbidden("Admins cannot delete themselves".to_owned()));
    }
    keep_an_admin(db, &user).await?;
    users::Entity::delete_by_id(user.id).exec(db).await.map_err(|err| {
        if is_foreign_key_violation(&err) {
            ApiError::Conflict("The user has orders; deactivate the account instead".to_owned())
        } else {
            err.into()
        }
    })?;
    Ok(())
}

/// Creates `FIRST_SUPERUSER` as an admin when no user has that email or username.
///
/// # Errors
/// Database or hashing errors.
pub async fn ensure_first_superuser(db: &impl ConnectionTrait, login: &str, password: &str) -> Result<bool, ApiError> {
    let existing = users::Entity::find().filter(same_login(login)).one(db).await?;
    if existing.is_some() {
        return Ok(false);
    }
    let (username, email) = if login.contains('@') {
        let local: String = login
            .split('@')
            .next()
            .unwrap_or("admin")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .collect();
        (if local.len() >= 3 { local } else { "admin".to_owned() }, login.to_owned())
    } else {
        (login.to_owned(), format!("{login}@localhost"))
    };
    create_admin(db, username, email, password.to_owned(), Some("Administrator".to_owned())).await?;
    Ok(true)
}

/// The one way an admin is made outside the API (`shop createsuperuser`, `FIRST_SUPERUSER`):
/// the API's own rules for a new user apply, so a short password or a bad email is refused
/// with the same messages.
///
/// # Errors
/// 422-style validation errors, 409 for a name or email in use, database errors.
pub async fn create_admin(
    db: &impl ConnectionTrait,
    username: String,
    email: String,
    password: String,
    full_name: Option<String>,
) -> Result<users::Model, ApiError> {
    use validator::Validate as _;
    let input = crate::schema::user::UserCreate {
        username,
        email,
        password,
        full_name,
        first_name: None,
        last_name: None,
        phone: None,
        date_of_birth: None,
        role: Role::Admin,
        is_active: true,
    };
    input.validate().map_err(|errors| ApiError::Validation(crate::schema::validation::validation_errors(&errors)))?;
    create(db, input.into()).await
}
