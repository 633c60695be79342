//! The command line: `shop serve`, `shop worker`, `shop db <alembic-like verb>`.

use std::io::Write as _;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db;
use crate::error::ApiError;

#[derive(Parser, Debug)]
#[command(name = "shop", version, about = "E-commerce backend: JSON API and schema migrations in one binary")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Debug)]
pub struct SuperuserArgs {
    #[arg(long)]
    pub username: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Prefer the prompt or SHOP_SUPERUSER_PASSWORD: flags end up in shell history.
    #[arg(long, env = "SHOP_SUPERUSER_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct SeedArgs {
    /// Generate this many products (with about 10x as many order lines) instead.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub scale: Option<u64>,
    /// Random seed for --scale; the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Subcommand, Debug, Clone, Copy)]
pub enum RollupsCommand {
    /// Compare the stored sales totals with the orders; exit code 1 on a difference.
    Check,
    /// Recompute every sales total from the orders, in one transaction.
    Rebuild,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database (when AUTO_MIGRATE is on) and serve the API.
    Serve,
    /// Schema migrations: upgrade, downgrade, current, history, heads, show, stamp, revision.
    Db(migrate::cli::DbArgs),
    /// Print the OpenAPI document (JSON).
    Openapi,
    /// Load the guide's sample dataset (idempotent), or with --scale a large generated one.
    Seed(SeedArgs),
    /// Create an admin user; asks for whatever is not given as a flag.
    Createsuperuser(SuperuserArgs),
    /// The sales totals behind analytics (per product, supplier and month): check or rebuild.
    #[command(subcommand)]
    Rollups(RollupsCommand),
    /// Deliver webhooks and email from the outbox and run the scheduled jobs, without serving
    /// HTTP (`shop serve` runs a worker too, unless WORKER_ENABLED=false). Any number may run.
    Worker,
    /// Ask the running server's /health (at HOST:PORT); exit 0 only when it answers 200. For
    /// container health checks.
    Healthcheck,
}

/// Runs one command.
///
/// # Errors
/// Configuration, database and migration errors, as one line for the user.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command {
        Command::Serve => serve(settings).await,
        Command::Createsuperuser(args) => createsuperuser(&settings, args).await,
        Command::Seed(SeedArgs { scale: Some(n), seed }) => {
            db::prepare_schema(&settings).await?;
            // One connection, used in turn: SQLite's loader may leave WAL for its load only
            // while no other connection has the file open (`Sink::open_empty`).
            let mut settings = settings;
            settings.database.pool_size = 1;
            let conn = crate::db::connect(&settings).await?;
            let report = crate::seed::scale::seed_scale(&conn, n, seed).await.map_err(|e| anyhow::anyhow!("{e}"));
            conn.close().await.ok();
            let r = report?;
            println!(
                "Wrote {} rows in {:.1} s ({:.0} rows/s).",
                r.rows,
                r.seconds,
                r.rows as f64 / r.seconds.max(1e-9)
            );
            let phases: Vec<String> = r.phases.iter().map(|(what, s)| format!("{what} {s:.1} s")).collect();
            println!("Phases: {}.", phases.join(", "));
            Ok(())
        }
        Command::Seed(SeedArgs { scale: None, .. }) => {
            db::prepare_schema(&settings).await?;
            let conn = crate::db::connect(&settings).await?;
            let report = crate::seed::seed_sample(&conn).await.map_err(|e| anyhow::anyhow!("{e}"));
            conn.close().await.ok();
            let r = report?;
            println!(
                "Seeded {} categories, {} suppliers, {} products, {} tags, {} users, {} orders (existing rows kept).",
                r.categories, r.suppliers, r.products, r.tags, r.users, r.orders
            );
            Ok(())
        }
        Command::Rollups(command) => rollups(&settings, command).await,
        Command::Worker => worker(settings).await,
        Command::Healthcheck => crate::healthcheck::run(&settings).await,
        Command::Openapi => {
            let spec = crate::api::openapi(&settings.server.api_v1_str, &settings.server.project_name);
            println!("{}", spec.to_pretty_json().context("rendering the OpenAPI document")?);
            Ok(())
        }
        Command::Db(args) => {
            let output = match migrate::cli::run(&args, db::migrate_context(&settings)?).await {
                Ok(output) => output,
                Err(err) => {
                    if args.json {
                        println!("{}", migrate::cli::error_json(&err));
                    }
                    return Err(err.into());
                }
            };
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(output.as_bytes()).context("writing to stdout")?;
            if args.json {
                writeln!(stdout).context("writing to stdout")?;
            }
            Ok(())
        }
    }
}

async fn rollups(settings: &Settings, command: RollupsCommand) -> anyhow::Result<()> {
    use sea_orm::TransactionTrait as _;
    let conn = crate::db::connect(settings).await?;
    let result = match command {
        RollupsCommand::Check => {
            let drift = crate::service::rollup::drift(&conn).await.context("comparing the sales rollups")?;
            for line in &drift {
                println!("{line}");
            }
            if drift.is_empty() {
                println!("The sales rollups match the orders.");
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "{} sales rollup(s) differ from the orders; `shop rollups rebuild` fixes them",
                    drift.len()
                ))
            }
        }
        RollupsCommand::Rebuild => {
            let txn = conn.begin().await.context("starting a transaction")?;
            crate::service::rollup::rebuild(&txn).await.context("rebuilding the sales rollups")?;
            crate::cache::epoch::bump(&txn).await.context("moving the cache epoch")?;
            txn.commit().await.context("committing the rebuilt rollups")?;
            println!("Rebuilt the sales rollups from the orders.");
            Ok(())
        }
    };
    conn.close().await.ok();
    result
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    crate::telemetry::init(&settings);
    if let Some(problem) = settings.secret_problem() {
        anyhow::bail!(problem);
    }
    if settings.auth.secret_is_default {
        tracing::warn!(
            "SECRET_KEY is not set: using the public development key; set SECRET_KEY before exposing this service"
        );
    }
    crate::app::serve(settings).await
}

async fn worker(settings: Settings) -> anyhow::Result<()> {
    crate::telemetry::init(&settings);
    db::prepare_schema(&settings).await?;
    let conn = crate::db::connect(&settings).await?;
    let worker = crate::worker::Worker::new(conn.clone(), &settings)?;
    let shutdown = crate::app::shutdown_signal();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut task = tokio::spawn(worker.run(stopped.clone()));
    if let Some(port) = settings.events.worker_metrics_port {
        serve_metrics(&settings, port, conn.clone(), stopped).await?;
    }
    // A worker that ended by itself (a panic) must not leave a process that looks alive.
    let ended = tokio::select! {
        () = shutdown => None,
        result = &mut task => Some(result),
    };
    let _ = stop.send(true);
    if let Some(result) = ended {
        conn.close().await.ok();
        return Err(anyhow::anyhow!("the outbox worker stopped unexpectedly: {result:?}"));
    }
    let _ = tokio::time::timeout(crate::worker::stop_within(&settings.events), task).await;
    conn.close().await.ok();
    Ok(())
}

/// `/metrics` of a worker process, on `HOST`:`WORKER_METRICS_PORT`, until `stop`.
async fn serve_metrics(
    settings: &Settings,
    port: u16,
    db: sea_orm::DatabaseConnection,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    use axum::http::HeaderMap;
    let token = settings.auth.metrics_token.clone();
    let _ = crate::metrics::handle();
    let route = axum::routing::get(move |headers: HeaderMap| async move {
        crate::api::metrics::scrape(&headers, token.as_ref(), &db, || {}).await
    });
    let router = axum::Router::new().route("/metrics", route);
    let addr = (settings.server.host.as_str(), port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("WORKER_METRICS_PORT: cannot listen on {}:{port}: {e}", settings.server.host))?;
    tracing::info!("worker metrics on http://{}/metrics", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            })
            .await;
    });
    Ok(())
}

async fn createsuperuser(settings: &Settings, args: SuperuserArgs) -> anyhow::Result<()> {
    let username = match args.username {
        Some(u) => u,
        None => crate::prompt::ask("Username")?,
    };
    let email = match args.email {
        Some(e) => e,
        None => crate::prompt::ask("Email")?,
    };
    let password = match args.password {
        Some(p) => p,
        None => crate::prompt::ask_secret("Password")?,
    };
    db::prepare_schema(settings).await?;
    let conn = crate::db::connect(settings).await?;
    let result = crate::service::users::create_admin(&conn, username, email, password, None).await;
    conn.close().await.ok();
    let user = result.map_err(|e| match e {
        ApiError::Validation(fields) => anyhow::anyhow!("invalid superuser: {}", problems(&fields)),
        other => anyhow::anyhow!("{other}"),
    })?;
    println!("Created admin {} ({}) with id {}", user.username, user.email, user.id);
    Ok(())
}

/// Validation errors on one line: `field: message; field: message`.
fn problems(fields: &[crate::error::FieldError]) -> String {
    let each: Vec<String> = fields
        .iter()
        .map(|e| match e.loc.last() {
            Some(crate::error::LocItem::Key(field)) => format!("{field}: {}", e.msg),
            _ => e.msg.clone(),
        })
        .collect();
    each.join("; ")
}
