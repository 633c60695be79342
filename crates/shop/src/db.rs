//! Database start-up: the migration context for `shop db`, and the schema check (or automatic
//! upgrade) that `shop serve` runs before it accepts requests.

use anyhow::{Context as _, bail};
use migrate::{Migrator, Options};

use crate::config::Settings;
use crate::migrations;

/// What the `db` command set needs: URL, revisions, and where new revision files go.
///
/// # Errors
/// A malformed revision registry.
pub fn migrate_context(settings: &Settings) -> anyhow::Result<migrate::cli::Context> {
    Ok(migrate::cli::Context {
        url: settings.database_url().to_owned(),
        graph: migrations::graph().context("the shop's revision registry is invalid")?,
        migrations_dir: migrations::source_dir(),
        options: Options::default(),
        target: Some(crate::entity::target_schema()),
    })
}

/// Upgrades to head when `AUTO_MIGRATE` is on; otherwise refuses a database that is behind.
/// Returns the head(s) the database is at.
///
/// # Errors
/// Migration failures, or a database that is not at head with auto-migrate off.
pub async fn prepare_schema(settings: &Settings) -> anyhow::Result<Vec<String>> {
    let graph = migrations::graph().context("the shop's revision registry is invalid")?;
    let migrator = Migrator::connect(settings.database_url(), graph, Options::default()).await?;
    let result = async {
        if settings.auto_migrate {
            for step in migrator.upgrade("heads").await? {
                tracing::info!(revision = %step.revision, ms = step.duration_ms, "applied {}", step.message);
            }
        } else if !migrator.is_up_to_date().await? {
            let current = migrator.current().await?;
            bail!(
                "the database is at {} but the code expects {}: run `shop db upgrade head` (or set AUTO_MIGRATE=true)",
                if current.is_empty() { "base (empty)".to_owned() } else { current.join(", ") },
                migrator.graph().heads().join(", ")
            );
        }
        Ok(migrator.current().await?)
    }
    .await;
    migrator.close().await;
    result
}
