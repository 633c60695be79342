use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::choice::Choice;

/// What a user may do: an admin manages the catalog, the orders' lifecycle and the users.
// The `role` column stays a string, so adding a role needs no schema change; code compares
// roles through this type, never through literals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    User,
    /// May manage the catalog, the orders' lifecycle and the users.
    Admin,
}

impl Choice for Role {
    const ALL: &'static [Self] = &[Role::User, Role::Admin];

    fn as_str(self) -> &'static str {
        Role::as_str(self)
    }
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    /// The role a column or request value names, if any.
    pub fn parse(value: &str) -> Option<Self> {
        <Self as Choice>::parse(value)
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::choice::deserialize(deserializer)
    }
}

/// What `username_key` holds for `username`. Usernames are ASCII, so every database's `LOWER`
/// agrees with it.
pub fn username_key(username: &str) -> String {
    username.to_ascii_lowercase()
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(50))", unique)]
    pub username: String,
    #[sea_orm(column_type = "String(StringLen::N(100))", unique)]
    pub email: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub full_name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))", indexed)]
    pub first_name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))", indexed)]
    pub last_name: String,
    // Never serialized, so a model accidentally returned from an API handler
    // cannot leak the hash. Deserializing still requires it, so a model rebuilt
    // from JSON cannot silently carry an empty hash back into the database.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    #[serde(skip_serializing)]
    pub hashed_password: String,
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub role: String,
    pub is_active: bool,
    pub is_superuser: bool,
    #[sea_orm(column_type = "String(StringLen::N(20))", nullable)]
    pub phone: Option<String>,
    #[sea_orm(nullable)]
    pub date_of_birth: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The username lowercased: usernames are unique ignoring case, and keep the case their
    /// owner chose for display.
    #[sea_orm(column_type = "String(StringLen::N(50))", unique)]
    pub username_key: String,
    #[sea_orm(has_many)]
    pub orders: HasMany<super::orders::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The user's role; an unknown value in the column counts as the least privileged.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::User)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_user_omits_password_hash() {
        let now = chrono::Utc::now();
        let user = Model {
            id: 1,
            username: "ada".to_owned(),
            email: "ada@example.com".to_owned(),
            full_name: "Ada Lovelace".to_owned(),
            first_name: "Ada".to_owned(),
            last_name: "Lovelace".to_owned(),
            hashed_password: "$argon2id$secret-hash".to_owned(),
            role: Role::User.as_str().to_owned(),
            is_active: true,
            is_superuser: false,
            phone: None,
            date_of_birth: None,
            created_at: now,
            updated_at: now,
            username_key: "ada".to_owned(),
        };
        let json = serde_json::to_string(&user).unwrap();
        assert!(!json.contains("secret-hash"), "{json}");
        assert!(!json.contains("hashed_password"), "{json}");
        let json = serde_json::to_string(&user.into_ex()).unwrap();
        assert!(!json.contains("secret-hash"), "{json}");
    }
}
