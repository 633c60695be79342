//! Every rule of the settings, through `Settings::from_map`.

use std::collections::HashMap;

use url::Url;

use super::auth::DEV_SECRET_KEY;
use super::database::DEFAULT_DATABASE_URL;
use super::dotenv::dotenv_error;
use super::secret::redact_url;
use super::*;

fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    Settings::from_map(|var| map.get(var).cloned())
}

fn ok(vars: &[(&str, &str)]) -> Settings {
    match settings(vars) {
        Ok(settings) => settings,
        Err(err) => panic!("unexpected error: {err}"),
    }
}

/// Asserts the error names `var` and `value` on a single line, and returns it.
fn err(vars: &[(&str, &str)], var: &str, value: &str) -> String {
    let error = match settings(vars) {
        Ok(settings) => panic!("expected an error for {var}, got {settings:?}"),
        Err(err) => err,
    };
    assert_eq!(error.var(), Some(var).filter(|v| !v.is_empty()));
    let message = error.to_string();
    assert!(message.starts_with(&format!("{var}: ")), "{message}");
    assert!(message.contains(&format!("{value:?}")), "{message}");
    assert!(!message.contains('\n'), "{message}");
    message
}

#[test]
fn defaults() {
    let s = ok(&[]);
    assert_eq!(s.database_url(), "sqlite://shop.db?mode=rwc");
    assert_eq!(s.database_kind(), DatabaseKind::Sqlite);
    assert_eq!(s.database.read_url, None);
    assert_eq!(s.database.pool_size, 10);
    assert!(s.auth.secret_is_default);
    assert_eq!(s.auth.secret_key.expose(), DEV_SECRET_KEY);
    assert_eq!(s.auth.algorithm, Algorithm::Hs256);
    assert_eq!(s.auth.access_token_expire_minutes, 30);
    assert_eq!(s.server.api_v1_str, "/api/v1");
    assert_eq!(s.server.project_name, "E-commerce API");
    assert_eq!(s.server.cors_origins, vec!["http://localhost:3000"]);
    assert_eq!(s.server.host, "127.0.0.1");
    assert_eq!(s.server.port, 8000);
    assert_eq!(s.logging.format, LogFormat::Text);
    assert_eq!(s.cache.redis_url, None);
    assert_eq!(s.auth.first_superuser, None);
    assert_eq!(s.auth.first_superuser_password, None);
    assert!(s.database.auto_migrate);
}

#[test]
fn blank_values_count_as_unset() {
    let s = ok(&[("DATABASE_URL", ""), ("PORT", "  "), ("SECRET_KEY", " "), ("REDIS_URL", "")]);
    assert_eq!(s.database_url(), DEFAULT_DATABASE_URL);
    assert_eq!(s.server.port, 8000);
    assert!(s.auth.secret_is_default);
    assert_eq!(s.cache.redis_url, None);
}

#[test]
fn explicit_values() {
    let s = ok(&[
        ("DATABASE_URL", "postgres://app:pw@db:5432/shop"),
        ("DATABASE_READ_URL", "postgresql://ro:pw@replica/shop"),
        ("DB_POOL_SIZE", "25"),
        ("SECRET_KEY", "s3cr3t"),
        ("ALGORITHM", "HS512"),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "90"),
        ("API_V1_STR", "/api/v2"),
        ("PROJECT_NAME", "Shop"),
        ("CORS_ORIGINS", " https://a.example , ,https://b.example,"),
        ("HOST", "0.0.0.0"),
        ("PORT", "9000"),
        ("LOG_FORMAT", "JSON"),
        ("REDIS_URL", "redis://cache:6379/0"),
        ("FIRST_SUPERUSER", "admin@example.com"),
        ("FIRST_SUPERUSER_PASSWORD", " pass word "),
    ]);
    assert_eq!(s.database_url(), "postgres://app:pw@db:5432/shop");
    assert_eq!(s.database_kind(), DatabaseKind::Postgres);
    assert_eq!(s.database.read_url.as_deref(), Some("postgresql://ro:pw@replica/shop"));
    assert_eq!(s.database.pool_size, 25);
    assert_eq!(s.auth.secret_key.expose(), "s3cr3t");
    assert!(!s.auth.secret_is_default);
    assert_eq!(s.auth.algorithm, Algorithm::Hs512);
    assert_eq!(s.auth.access_token_expire_minutes, 90);
    assert_eq!(s.server.api_v1_str, "/api/v2");
    assert_eq!(s.server.project_name, "Shop");
    assert_eq!(s.server.cors_origins, vec!["https://a.example", "https://b.example"]);
    assert_eq!(s.server.host, "0.0.0.0");
    assert_eq!(s.server.port, 9000);
    assert_eq!(s.logging.format, LogFormat::Json);
    assert_eq!(s.cache.redis_url.as_deref(), Some("redis://cache:6379/0"));
    assert_eq!(s.auth.first_superuser.as_deref(), Some("admin@example.com"));
    assert_eq!(s.auth.first_superuser_password.as_ref().map(Secret::expose), Some(" pass word "));
    assert!(!s.database.auto_migrate);
}

#[test]
fn every_algorithm_parses() {
    for alg in Algorithm::ALL {
        assert_eq!(ok(&[("ALGORITHM", alg.as_str())]).auth.algorithm, alg);
    }
}

#[test]
fn host_accepts_ips_and_hostnames() {
    for host in ["::", "::1", "10.0.0.1", "localhost", "api.example.com", "db-1"] {
        assert_eq!(ok(&[("HOST", host)]).server.host, host);
    }
}

#[test]
fn database_schemes_and_kinds() {
    let cases = [
        ("sqlite::memory:", DatabaseKind::Sqlite),
        ("sqlite:///var/lib/shop.db", DatabaseKind::Sqlite),
        ("postgres://u@h/d", DatabaseKind::Postgres),
        ("postgresql://u@h/d", DatabaseKind::Postgres),
        ("mysql://u@h/d", DatabaseKind::MySql),
        ("MySQL://u@h/d", DatabaseKind::MySql),
    ];
    for (url, kind) in cases {
        assert_eq!(ok(&[("DATABASE_URL", url)]).database_kind(), kind, "{url}");
    }
}

#[test]
fn mariadb_is_normalized_to_mysql() {
    let s = ok(&[("DATABASE_URL", "mariadb://u:p@db:3306/shop")]);
    assert_eq!(s.database_url(), "mysql://u:p@db:3306/shop");
    assert_eq!(s.database_kind(), DatabaseKind::MySql);

    let s = ok(&[("DATABASE_URL", "mysql://u@db/shop"), ("DATABASE_READ_URL", "MariaDB://u@replica/shop")]);
    assert_eq!(s.database.read_url.as_deref(), Some("mysql://u@replica/shop"));
}

#[test]
fn auto_migrate_defaults_follow_the_database() {
    assert!(ok(&[("DATABASE_URL", "sqlite::memory:")]).database.auto_migrate);
    assert!(!ok(&[("DATABASE_URL", "postgres://u@h/d")]).database.auto_migrate);
    assert!(!ok(&[("DATABASE_URL", "mysql://u@h/d")]).database.auto_migrate);
    assert!(!ok(&[("DATABASE_URL", "mariadb://u@h/d")]).database.auto_migrate);
    assert!(!ok(&[("DB_HOST", "db")]).database.auto_migrate);
}

#[test]
fn auto_migrate_explicit_values() {
    for (raw, expected) in [
        ("true", true),
        ("TRUE", true),
        ("1", true),
        ("Yes", true),
        ("false", false),
        ("False", false),
        ("0", false),
        ("NO", false),
    ] {
        assert_eq!(ok(&[("AUTO_MIGRATE", raw)]).database.auto_migrate, expected, "{raw}");
        assert_eq!(
            ok(&[("DATABASE_URL", "postgres://u@h/d"), ("AUTO_MIGRATE", raw)]).database.auto_migrate,
            expected,
            "{raw}"
        );
    }
}

#[test]
fn db_parts_assemble_a_postgres_url_with_defaults() {
    let s = ok(&[("DB_HOST", "db.internal")]);
    assert_eq!(s.database_url(), "postgres://postgres@db.internal:5432/shop");
    assert_eq!(s.database_kind(), DatabaseKind::Postgres);
}

#[test]
fn db_parts_are_percent_encoded() {
    let s = ok(&[
        ("DB_HOST", "10.1.2.3"),
        ("DB_PORT", "6543"),
        ("DB_USER", "app@corp"),
        ("DB_PASSWORD", "p@ss:w/rd #1+%"),
        ("DB_NAME", "shop db"),
    ]);
    assert_eq!(s.database_url(), "postgres://app%40corp:p%40ss%3Aw%2Frd%20%231%2B%25@10.1.2.3:6543/shop%20db");
    let url = match Url::parse(s.database_url()) {
        Ok(url) => url,
        Err(err) => panic!("{err}"),
    };
    assert_eq!(url.host_str(), Some("10.1.2.3"));
    assert_eq!(url.port(), Some(6543));
}

#[test]
fn db_parts_bracket_ipv6_hosts() {
    let s = ok(&[("DB_HOST", "::1"), ("DB_USER", "u")]);
    assert_eq!(s.database_url(), "postgres://u@[::1]:5432/shop");
}

#[test]
fn database_url_wins_over_db_parts() {
    let s = ok(&[("DATABASE_URL", "mysql://u@h/d"), ("DB_HOST", "ignored")]);
    assert_eq!(s.database_url(), "mysql://u@h/d");
}

#[test]
fn db_parts_without_host_are_ignored() {
    let s = ok(&[("DB_USER", "someone"), ("DB_PORT", "bogus")]);
    assert_eq!(s.database_url(), DEFAULT_DATABASE_URL);
}

#[test]
fn parse_errors_name_the_variable_and_value() {
    let m = err(&[("PORT", "80x")], "PORT", "80x");
    assert_eq!(m, "PORT: \"80x\" is not a valid port number (0-65535)");
    err(&[("PORT", "65536")], "PORT", "65536");
    err(&[("PORT", "-1")], "PORT", "-1");
    err(&[("DB_POOL_SIZE", "ten")], "DB_POOL_SIZE", "ten");
    err(&[("DB_POOL_SIZE", "0")], "DB_POOL_SIZE", "0");
    err(&[("DB_POOL_SIZE", "-3")], "DB_POOL_SIZE", "-3");
    err(&[("ALGORITHM", "RS256")], "ALGORITHM", "RS256");
    err(&[("ALGORITHM", "hs256")], "ALGORITHM", "hs256");
    let m = err(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "0")], "ACCESS_TOKEN_EXPIRE_MINUTES", "0");
    assert!(m.contains("greater than 0"), "{m}");
    err(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "-5")], "ACCESS_TOKEN_EXPIRE_MINUTES", "-5");
    err(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "soon")], "ACCESS_TOKEN_EXPIRE_MINUTES", "soon");
    err(&[("API_V1_STR", "api/v1")], "API_V1_STR", "api/v1");
    err(&[("HOST", "not a host")], "HOST", "not a host");
    err(&[("HOST", "256.1.1.1")], "HOST", "256.1.1.1");
    err(&[("HOST", "-bad.example")], "HOST", "-bad.example");
    err(&[("LOG_FORMAT", "xml")], "LOG_FORMAT", "xml");
    err(&[("AUTO_MIGRATE", "maybe")], "AUTO_MIGRATE", "maybe");
    err(&[("REDIS_URL", "not a url")], "REDIS_URL", "not a url");
    let m = err(&[("DATABASE_URL", "oracle://h/d")], "DATABASE_URL", "oracle://h/d");
    assert!(m.contains("unsupported scheme \"oracle\""), "{m}");
    err(&[("DATABASE_URL", "shop.db")], "DATABASE_URL", "shop.db");
    err(&[("DATABASE_URL", "postgres://h:notaport/d")], "DATABASE_URL", "postgres://h:notaport/d");
    err(&[("DATABASE_READ_URL", "redis://h")], "DATABASE_READ_URL", "redis://h");
    let m = err(&[("DATABASE_READ_URL", "postgres://h/d")], "DATABASE_READ_URL", "postgres://h/d");
    assert!(m.contains("primary database is sqlite"), "{m}");
    err(&[("DB_HOST", "bad host")], "DB_HOST", "bad host");
    let m = err(&[("DB_HOST", "db"), ("DB_PORT", "x1")], "DB_PORT", "x1");
    assert_eq!(m, "DB_PORT: \"x1\" is not a valid port number (0-65535)");
}

#[test]
fn errors_never_show_database_passwords() {
    for (var, url) in [
        ("DATABASE_URL", "oracle://user:hunter2@h/d"),
        ("DATABASE_URL", "postgres://user:hun#ter2@h:bad/d"),
        ("DATABASE_READ_URL", "mysql://user:hunter2@h/d"),
        ("REDIS_URL", "redis://:hunter2@h:bad"),
    ] {
        let error = match settings(&[(var, url)]) {
            Ok(s) => panic!("expected an error for {url}, got {s:?}"),
            Err(err) => err.to_string(),
        };
        assert!(error.starts_with(var), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        assert!(!error.contains("ter2"), "{error}");
        assert!(error.contains(":***@"), "{error}");
    }
}

#[test]
fn not_unicode_error_names_the_variable() {
    let result = Settings::from_lookup(&|var| match var {
        "PORT" => Err(ConfigError::NotUnicode { var }),
        _ => Ok(None),
    });
    match result {
        Err(error) => assert_eq!(error.to_string(), "PORT: value is not valid UTF-8"),
        Ok(s) => panic!("expected an error, got {s:?}"),
    }
}

#[test]
fn debug_never_contains_secrets() {
    let s = ok(&[
        ("DATABASE_URL", "postgres://app:dbpass-1@db/shop"),
        ("DATABASE_READ_URL", "postgres://ro:dbpass-2@replica/shop"),
        ("SECRET_KEY", "jwt-signing-key"),
        ("REDIS_URL", "redis://:redispass@cache:6379"),
        ("FIRST_SUPERUSER", "root@example.com"),
        ("FIRST_SUPERUSER_PASSWORD", "superpass"),
    ]);
    for rendered in [format!("{s:?}"), format!("{s:#?}")] {
        for secret in ["dbpass-1", "dbpass-2", "jwt-signing-key", "redispass", "superpass"] {
            assert!(!rendered.contains(secret), "{secret} leaked: {rendered}");
        }
        assert!(rendered.contains("root@example.com"), "{rendered}");
        assert!(rendered.contains("postgres://app:***@db/shop"), "{rendered}");
    }

    let dev = ok(&[]);
    assert!(!format!("{dev:?}").contains(DEV_SECRET_KEY));
}

#[test]
fn secret_formats_as_stars() {
    let secret = Secret::new("value");
    assert_eq!(format!("{secret}"), "***");
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(secret.expose(), "value");
}

#[test]
fn redact_url_cases() {
    assert_eq!(redact_url("postgres://u:p@h/d"), "postgres://u:***@h/d");
    assert_eq!(redact_url("redis://:p@h"), "redis://:***@h");
    assert_eq!(redact_url("postgres://u@h/d"), "postgres://u@h/d");
    assert_eq!(redact_url("sqlite://shop.db"), "sqlite://shop.db");
    assert_eq!(redact_url("postgres://u:p@ss@h/d"), "postgres://u:***@h/d");
}

#[test]
fn dotenv_parse_errors_hide_the_line() {
    let path = std::env::current_dir().unwrap().join(".env");
    let error = dotenv_error(&path, &dotenvy::Error::LineParse("SECRET_KEY='abc".to_owned(), 11));
    let message = error.to_string();
    assert!(message.starts_with(".env: "), "{message}");
    assert!(!message.contains("abc"), "{message}");
}

/// Every setting's bad values stop start-up with one line naming the setting.
#[test]
fn every_setting_refuses_its_bad_values() {
    let numbers = ["0", "-1", "x", "1.5", "99999999999"];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("DATABASE_URL", vec!["nope://x", "not a url"]),
        ("DATABASE_READ_URL", vec!["not a url", "postgres://other/db"]),
        ("DB_POOL_SIZE", numbers.to_vec()),
        ("ALGORITHM", vec!["RS256", "none"]),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", vec!["0", "-5", "1.5", "x"]),
        ("API_V1_STR", vec!["api", "v1/"]),
        ("CORS_ORIGINS", vec!["localhost:3000", "ftp://x.example", "https://a.example/path", "https://a.example/"]),
        ("HOST", vec!["bad host!", "a/b"]),
        ("PORT", vec!["80x", "70000", "-1"]),
        ("LOG_FORMAT", vec!["xml"]),
        ("RUST_LOG", vec!["shop=loud", "[{"]),
        ("REDIS_URL", vec!["http://x", "not a url"]),
        ("AUTO_MIGRATE", vec!["maybe"]),
        ("REQUEST_TIMEOUT_SECONDS", numbers.to_vec()),
        ("DB_STATEMENT_TIMEOUT_MS", numbers.to_vec()),
        ("DB_ACQUIRE_TIMEOUT_MS", numbers.to_vec()),
        ("CACHE_ENABLED", vec!["perhaps"]),
        ("CACHE_TTL_SECONDS", numbers.to_vec()),
        ("CACHE_NAMESPACE", vec!["has space", "a/b"]),
        ("TRUSTED_PROXIES", vec!["10.0.0.0/33", "nginx", "127.0.0.1, ::1/200"]),
        ("HEADER_READ_TIMEOUT_SECONDS", numbers.to_vec()),
        ("MAX_CONNECTIONS", numbers.to_vec()),
        ("LOGIN_MAX_FAILURES", numbers.to_vec()),
        ("LOGIN_LOCKOUT_SECONDS", numbers.to_vec()),
    ];
    for (var, values) in cases {
        for value in values {
            let result = Settings::from_map(|name| (name == var).then(|| value.to_owned()));
            match result {
                Err(err) => {
                    assert_eq!(err.var(), Some(var), "{var}={value:?}: {err}");
                    assert!(!err.to_string().contains('\n'), "{var}={value:?}: {err}");
                }
                Ok(_) => panic!("{var}={value:?} was accepted"),
            }
        }
    }
    let with_host = |var: &'static str, value: &'static str| {
        Settings::from_map(move |name| match name {
            _ if name == var => Some(value.to_owned()),
            "DB_HOST" => Some("db.internal".to_owned()),
            _ => None,
        })
    };
    assert_eq!(with_host("DB_PORT", "x").err().and_then(|e| e.var()), Some("DB_PORT"));
    assert_eq!(with_host("DB_HOST", "bad host!").err().and_then(|e| e.var()), Some("DB_HOST"));
}

#[test]
fn event_settings_default_to_the_standard_webhooks_schedule_and_no_email() {
    let events = ok(&[]).events;
    assert_eq!(events.low_stock_threshold, 5);
    assert!(events.smtp_url.is_none());
    assert_eq!(events.webhook_timeout, std::time::Duration::from_secs(10));
    let minutes: Vec<u64> = events.retry_schedule.iter().map(|d| d.as_secs()).collect();
    assert_eq!(minutes, vec![5, 300, 1800, 7200, 18_000, 36_000]);
    assert!(events.worker_in_serve);
    assert_eq!(events.pending_order_ttl, None);

    let events = ok(&[
        ("PENDING_ORDER_TTL_MINUTES", "45"),
        ("WEBHOOK_RETRY_SCHEDULE", "200ms, 1s,2m"),
        ("LOW_STOCK_THRESHOLD", "0"),
    ])
    .events;
    assert_eq!(events.pending_order_ttl, Some(std::time::Duration::from_secs(2700)));
    let millis: Vec<u128> = events.retry_schedule.iter().map(|d| d.as_millis()).collect();
    assert_eq!(millis, vec![200, 1000, 120_000]);
    assert_eq!(events.low_stock_threshold, 0);
}

#[test]
fn bad_event_settings_name_their_variable() {
    err(&[("WEBHOOK_RETRY_SCHEDULE", "5 minutes")], "WEBHOOK_RETRY_SCHEDULE", "5 minutes");
    err(&[("WEBHOOK_RETRY_SCHEDULE", "5s,,x")], "WEBHOOK_RETRY_SCHEDULE", "5s,,x");
    err(&[("SMTP_URL", "http://mail.example.com")], "SMTP_URL", "http://mail.example.com");
    let message = settings(&[("SMTP_URL", "ftp://user:hunter2@mail.example.com")]).unwrap_err().to_string();
    assert!(message.starts_with("SMTP_URL: ") && !message.contains("hunter2"), "{message}");
    assert!(ok(&[("SMTP_URL", "smtps://user:hunter2@mail.example.com")]).events.smtp_url.is_some());
    err(&[("PENDING_ORDER_TTL_MINUTES", "-1")], "PENDING_ORDER_TTL_MINUTES", "-1");
    err(&[("WEBHOOK_TIMEOUT_SECONDS", "0")], "WEBHOOK_TIMEOUT_SECONDS", "0");
    err(&[("EMAIL_FROM", "shop")], "EMAIL_FROM", "shop");
    err(&[("WORKER_ENABLED", "sometimes")], "WORKER_ENABLED", "sometimes");
}
