//! The command line: `shop serve`, `shop db <alembic-like verb>`.

use std::io::Write as _;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db;

#[derive(Parser, Debug)]
#[command(name = "shop", version, about = "E-commerce backend: JSON API and schema migrations in one binary")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database (when AUTO_MIGRATE is on) and serve the API.
    Serve,
    /// Schema migrations: upgrade, downgrade, current, history, heads, show, stamp, revision.
    Db(migrate::cli::DbArgs),
    /// Print the OpenAPI document (JSON).
    Openapi,
}

/// Runs one command.
///
/// # Errors
/// Configuration, database and migration errors, as one line for the user.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command {
        Command::Serve => serve(settings).await,
        Command::Openapi => {
            let spec = crate::api::openapi(&settings.api_v1_str);
            println!("{}", spec.to_pretty_json().context("rendering the OpenAPI document")?);
            Ok(())
        }
        Command::Db(args) => {
            let output = migrate::cli::run(&args, db::migrate_context(&settings)?).await?;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(output.as_bytes()).context("writing to stdout")?;
            if args.json {
                writeln!(stdout).context("writing to stdout")?;
            }
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    crate::telemetry::init(settings.log_format);
    if settings.secret_is_default {
        tracing::warn!(
            "SECRET_KEY is not set: using the public development key; set SECRET_KEY before exposing this service"
        );
    }
    crate::app::serve(settings).await
}
