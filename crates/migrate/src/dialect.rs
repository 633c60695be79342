//! The three supported SQL dialects.

use std::fmt;

use sea_orm::DbBackend;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

    /// The dialect of a database URL, by its scheme.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split(':').next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            "mysql" | "mariadb" => Some(Self::Mysql),
            _ => None,
        }
    }

    pub fn backend(self) -> DbBackend {
        match self {
            Self::Sqlite => DbBackend::Sqlite,
            Self::Postgres => DbBackend::Postgres,
            Self::Mysql => DbBackend::MySql,
        }
    }

    pub fn from_backend(backend: DbBackend) -> Self {
        match backend {
            DbBackend::Postgres => Self::Postgres,
            DbBackend::MySql => Self::Mysql,
            _ => Self::Sqlite,
        }
    }

    /// Quotes an identifier.
    pub fn quote(self, ident: &str) -> String {
        match self {
            Self::Mysql => format!("`{}`", ident.replace('`', "``")),
            _ => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// Quotes a comma-separated list of identifiers.
    pub fn quote_list(self, idents: &[String]) -> String {
        idents.iter().map(|i| self.quote(i)).collect::<Vec<_>>().join(", ")
    }

    /// A string literal.
    pub fn string_literal(self, text: &str) -> String {
        let escaped = text.replace('\'', "''");
        match self {
            // MySQL treats a backslash in a literal as an escape by default.
            Self::Mysql => format!("'{}'", escaped.replace('\\', "\\\\")),
            _ => format!("'{escaped}'"),
        }
    }

    /// A statement from SQL written with `?` placeholders (rewritten to `$1, $2, ...` for
    /// PostgreSQL).
    pub fn statement(self, sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
        let sql = if self == Self::Postgres {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            out
        } else {
            sql.to_owned()
        };
        sea_orm::Statement::from_sql_and_values(self.backend(), sql, values)
    }

    /// Whether DDL runs inside a transaction that can be rolled back.
    pub fn transactional_ddl(self) -> bool {
        !matches!(self, Self::Mysql)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::Mysql => "mysql",
        })
    }
}
