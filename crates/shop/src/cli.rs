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
}

/// Runs one command.
///
/// # Errors
/// Configuration, database and migration errors, as one line for the user.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command {
        Command::Serve => serve(&settings).await,
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

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    if settings.secret_is_default {
        eprintln!(
            "WARNING: SECRET_KEY is not set; using the development key. Set SECRET_KEY before exposing this service."
        );
    }
    let heads = db::prepare_schema(settings).await?;
    println!("Database {} is at {}.", migrate::migrator::redact(settings.database_url()), heads.join(", "));
    Ok(())
}
