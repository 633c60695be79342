//! A reusable `db` command set (clap) with Alembic's verbs, for any application that hands
//! over its revision graph and database URL.

pub mod author;
pub mod lint_command;
pub mod report;
pub mod verify;

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::MigrateError;
use crate::dialect::Dialect;
use crate::operations::schema::Schema;
use crate::runtime::migrator::{Migrator, Options};
use crate::runtime::progress::{Progress, Sink};
use crate::script::graph::RevisionGraph;
use report::{current, heads, history, show, steps_output};

#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Seconds to wait for another migrator to finish before giving up.
    #[arg(long, global = true, default_value_t = 60)]
    pub lock_timeout: u64,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum DbCommand {
    /// Upgrade to a later revision (head, heads, +N, an id or prefix, <id>+N, label@head).
    Upgrade {
        /// The target; with --sql also `A:B` (from A, default base).
        #[arg(default_value = "head", allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it (no connection needed).
        #[arg(long)]
        sql: bool,
        /// Dialect of the printed SQL (default: that of the database URL).
        #[arg(long, value_enum)]
        dialect: Option<Dialect>,
        /// Treat lint warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Accept the edit of this applied revision (id or prefix; repeatable), recorded in
        /// the history; any other edited revision stops the upgrade.
        #[arg(long = "allow-edited", value_name = "REV")]
        allow_edited: Vec<String>,
    },
    /// Revert to an earlier revision (base, -N, an id or prefix, <id>-N).
    Downgrade {
        /// The target; with --sql `B:A` (from B down to A).
        #[arg(allow_hyphen_values = true)]
        target: String,
        #[arg(long)]
        sql: bool,
        #[arg(long, value_enum)]
        dialect: Option<Dialect>,
        #[arg(long)]
        strict: bool,
        /// As for upgrade.
        #[arg(long = "allow-edited", value_name = "REV")]
        allow_edited: Vec<String>,
    },
    /// Show the revision(s) the database is at.
    Current {
        #[arg(short, long)]
        verbose: bool,
    },
    /// List revisions, newest first.
    History {
        /// Show parents, dates, and when each revision was applied and how long it took.
        #[arg(short, long)]
        verbose: bool,
        /// Range `A:B` (ids, prefixes, base, head, current; either side may be empty).
        #[arg(short = 'r', long = "rev-range")]
        range: Option<String>,
    },
    /// Show the code's head revision(s).
    Heads,
    /// Show the branch points of the history and the revisions that start each branch.
    Branches,
    /// Show one revision and its operations.
    Show { rev: String },
    /// Record a revision as current without running anything.
    Stamp {
        /// Revisions to record (one per branch for several heads).
        #[arg(required = true)]
        revisions: Vec<String>,
        /// Empty the version table first: the database is exactly at the given revisions,
        /// whatever it recorded (even revisions this code does not know).
        #[arg(long)]
        purge: bool,
    },
    /// Clear the dirty mark a revision that failed outside a transaction left, keeping the
    /// recorded version (after putting right by hand what it left half done).
    Repair,
    /// Write a new revision file: empty, or with --autogenerate the changes from the entities.
    Revision {
        #[arg(short, long)]
        message: String,
        /// Compare the entities with the schema at head and write the difference.
        #[arg(long)]
        autogenerate: bool,
        /// Parent revision (default: the single head); naming an older one starts a branch.
        #[arg(long)]
        head: Option<String>,
        #[arg(long)]
        branch_label: Option<String>,
        #[arg(long)]
        depends_on: Vec<String>,
        /// Treat lint warnings of the generated revision as errors (nothing is written).
        #[arg(long)]
        strict: bool,
        /// Folder of the revision files and their `mod.rs` registry.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Write a merge revision joining two or more heads.
    Merge {
        #[arg(short, long)]
        message: String,
        #[arg(required = true, num_args = 2..)]
        revisions: Vec<String>,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Fail when the entities and the schema at head differ; with --database also compare the
    /// live database with the schema at its current revision (drift).
    Check {
        #[arg(long)]
        database: bool,
    },
    /// Report what revisions' upgrades risk (failures, data loss, locks, rewrites), each with
    /// a rule id and a fix; exit code 1 when anything is found. No database is needed.
    Lint {
        /// Revisions to lint (ids or prefixes); default: the heads.
        revisions: Vec<String>,
        /// Lint every revision.
        #[arg(long)]
        all: bool,
        /// Dialect to lint for (default: that of the database URL).
        #[arg(long, value_enum)]
        dialect: Option<Dialect>,
        /// A rule id not to report (repeatable).
        #[arg(long, value_name = "RULE")]
        exclude: Vec<String>,
    },
    /// On fresh databases, upgrade, downgrade and re-upgrade every revision, comparing the
    /// introspected schema with the model each time.
    Verify {
        /// Server URLs to verify on (a database is created and dropped on each); a temporary
        /// SQLite file is always used.
        #[arg(long = "url")]
        urls: Vec<String>,
    },
}

/// What the command set needs from the application.
pub struct Context {
    pub url: String,
    pub graph: RevisionGraph,
    pub migrations_dir: PathBuf,
    pub options: Options,
    /// The schema the application's entities describe (for autogenerate and check).
    pub target: Option<Schema>,
}

/// Runs one `db` command and returns what to print.
///
/// # Errors
/// Any engine error; the caller prints it and exits non-zero.
pub async fn run(args: &DbArgs, mut ctx: Context) -> Result<String, MigrateError> {
    ctx.options.lock_timeout = Duration::from_secs(args.lock_timeout);
    if let DbCommand::Upgrade { allow_edited, .. } | DbCommand::Downgrade { allow_edited, .. } = &args.command {
        ctx.options.allow_edited.clone_from(allow_edited);
    }
    let json = args.json;
    match &args.command {
        DbCommand::Heads => Ok(heads(&ctx.graph, json)),
        DbCommand::Branches => Ok(report::branches(&ctx.graph, json)),
        DbCommand::Show { rev } => show(&ctx.graph, rev, json),
        DbCommand::Revision { message, autogenerate, head, branch_label, depends_on, strict, dir } => {
            let request = author::RevisionRequest {
                message,
                autogenerate: *autogenerate,
                head: head.as_deref(),
                branch_label: branch_label.as_deref(),
                depends_on,
                strict: *strict,
                dir: dir.as_deref(),
            };
            author::revision(&ctx, &request, json)
        }
        DbCommand::Merge { message, revisions, dir } => author::merge(&ctx, message, revisions, dir.as_deref(), json),
        // `current` in the range needs the database; without it the history is the code's alone.
        DbCommand::History { verbose: false, range }
            if !range.as_deref().is_some_and(|r| r.split(':').any(|side| side == "current")) =>
        {
            history(&ctx.graph, range.as_deref(), None, false, json)
        }
        DbCommand::Upgrade { target, sql: true, dialect, .. }
        | DbCommand::Downgrade { target, sql: true, dialect, .. } => {
            let upgrading = matches!(args.command, DbCommand::Upgrade { .. });
            author::offline(&ctx, target, *dialect, upgrading)
        }
        DbCommand::Check { database: false } => author::check(&ctx, None, json).await,
        DbCommand::Lint { revisions, all, dialect, exclude } => {
            let req = lint_command::LintRequest { revisions, all: *all, dialect: *dialect, exclude };
            lint_command::run(&ctx, &req, json)
        }
        DbCommand::Verify { urls } => verify::verify(&ctx, urls, json).await,
        command => {
            let target = ctx.target.clone();
            let moving = matches!(command, DbCommand::Upgrade { .. } | DbCommand::Downgrade { .. });
            let sink = progress_printer(ctx.graph.clone(), ctx.options.lock_timeout, moving && !json);
            let migrator = Migrator::connect(&ctx.url, ctx.graph, ctx.options).await?.with_progress(sink);
            let result = match command {
                DbCommand::Check { .. } => author::check_with(&migrator, target.as_ref(), json).await,
                _ => connected(&migrator, command, json).await,
            };
            migrator.close().await;
            result
        }
    }
}

/// Prints each revision's line on stdout as it goes through (when `steps`), and a lock wait
/// on stderr (always: JSON output stays one document).
fn progress_printer(graph: RevisionGraph, timeout: Duration, steps: bool) -> Sink {
    Arc::new(move |progress| match progress {
        Progress::Waiting { holder } => {
            let holder = if holder.is_empty() { "another migrator" } else { holder };
            eprintln!("waiting up to {}s for the migrator lock, held by {holder}", timeout.as_secs());
        }
        Progress::Step(report) if steps => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", report::step_line(&graph, report));
            let _ = out.flush();
        }
        Progress::Step(_) => {}
    })
}

/// Prints the warnings of a planned upgrade or downgrade before it runs.
fn print_warnings(warnings: &[String]) {
    let mut out = std::io::stdout().lock();
    for w in warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let _ = out.flush();
}

/// An error as `--json` prints it: `{"error": {"kind", "message", ...}}` on stdout, so a
/// script reads failures the way it reads results.
pub fn error_json(error: &MigrateError) -> String {
    let kind = match error {
        MigrateError::Db(_) => "database",
        MigrateError::Connect(_) => "unreachable",
        MigrateError::Graph(_) => "graph",
        MigrateError::UnknownRevision(_) | MigrateError::AmbiguousRevision { .. } => "revision",
        MigrateError::BadTarget(_)
        | MigrateError::OutOfRange { .. }
        | MigrateError::BelowBase { .. }
        | MigrateError::MultipleHeads(_)
        | MigrateError::NotAhead { .. }
        | MigrateError::NotBehind { .. } => "target",
        MigrateError::AheadOfCode(_) => "ahead_of_code",
        MigrateError::Revision { .. } | MigrateError::Predicted { .. } => "revision_failed",
        MigrateError::ForeignKeys { .. } => "foreign_keys",
        MigrateError::LockTimeout { .. } => "lock_timeout",
        MigrateError::Usage(_) => "usage",
        MigrateError::Drift(_) => "drift",
        MigrateError::Lint(_) => "lint",
        MigrateError::Edited(_) => "edited",
        MigrateError::Dirty(_) => "dirty",
        MigrateError::Findings(_) => "findings",
        MigrateError::Io(_) => "io",
    };
    let mut body = json!({ "kind": kind, "message": error.to_string() });
    // Lint findings keep the shape of a clean lint, so a script reads one document either way.
    if let MigrateError::Findings(report) = error {
        let mut doc = json!(report);
        body["message"] = json!(format!("{} finding(s)", report.findings.len()));
        doc["error"] = body;
        return doc.to_string();
    }
    match error {
        MigrateError::Drift(lines) | MigrateError::Lint(lines) => body["differences"] = json!(lines),
        MigrateError::Edited(list) => body["revisions"] = json!(list),
        MigrateError::Dirty(dirty) => body["dirty"] = json!(dirty),
        MigrateError::Predicted { findings, .. } => body["findings"] = json!(findings),
        _ => {}
    }
    json!({ "error": body }).to_string()
}

/// A failed revision's error with the lint findings that foresaw it, if any did.
fn predicted(error: MigrateError, planned: &[crate::ddl::findings::Planned]) -> MigrateError {
    let MigrateError::Revision { revision, .. } = &error else { return error };
    let findings: Vec<String> = planned
        .iter()
        .filter(|p| &p.revision == revision && p.warning.danger)
        .map(|p| format!("{} (fix: {})", p.warning, p.warning.fix))
        .collect();
    if findings.is_empty() { error } else { MigrateError::Predicted { source: Box::new(error), findings } }
}

async fn connected(m: &Migrator, command: &DbCommand, json: bool) -> Result<String, MigrateError> {
    match command {
        DbCommand::Upgrade { target, strict, .. } | DbCommand::Downgrade { target, strict, .. } => {
            let upgrading = matches!(command, DbCommand::Upgrade { .. });
            let planned = m.lint_plan(target, upgrading).await?;
            let dangerous: Vec<String> = planned.iter().filter(|p| p.warning.danger).map(ToString::to_string).collect();
            author::refuse_if_strict(&dangerous, *strict)?;
            let warnings: Vec<String> = planned.iter().map(ToString::to_string).collect();
            if !json {
                print_warnings(&warnings);
            }
            let result = if upgrading { m.upgrade(target).await } else { m.downgrade(target).await };
            let reports = result.map_err(|e| predicted(e, &planned))?;
            steps_output(m, &reports, &warnings, json).await
        }
        DbCommand::Current { verbose } => current(m, *verbose, json).await,
        DbCommand::History { range, verbose } => {
            let state = Some((m.current().await?, m.history().await?));
            history(m.graph(), range.as_deref(), state, *verbose, json)
        }
        DbCommand::Repair => {
            let cleared = m.repair().await?;
            let current = m.current().await?;
            let at = if current.is_empty() { "base".to_owned() } else { current.join(", ") };
            Ok(match (json, cleared) {
                (true, cleared) => json!({ "repaired": cleared, "current": current }).to_string(),
                (false, Some(d)) => format!("Repaired: cleared the mark of {d}\nThe database stays at {at}\n"),
                (false, None) => format!("Nothing to repair: the database is not dirty (at {at})\n"),
            })
        }
        DbCommand::Stamp { revisions, purge } => {
            let heads = m.stamp_revisions(revisions, *purge).await?;
            Ok(if json {
                json!({ "stamped": heads }).to_string()
            } else if heads.is_empty() {
                "Stamped base (no revision)\n".to_owned()
            } else {
                format!("Stamped {}\n", heads.join(", "))
            })
        }
        _ => Ok(String::new()),
    }
}
