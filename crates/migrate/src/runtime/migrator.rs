//! The executor: plans a run from the version table and the revision graph, then applies each
//! revision under the migrator lock, in its own transaction where the database allows it.

use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::{Duration, Instant};

use sea_orm::prelude::Decimal;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait,
};
use serde::Serialize;

use crate::MigrateError;
use crate::ddl::findings::Planned;
use crate::ddl::render::{Step, render_all};
use crate::dialect::Dialect;
use crate::error::EditedRevision;
use crate::operations::ops::{Op, Value};
use crate::operations::schema::Schema;
use crate::runtime::direction::Direction;
use crate::runtime::lock;
use crate::runtime::progress::{Progress, Sink};
use crate::runtime::store::{Dirty, HistoryRow, Store};
use crate::script::graph::RevisionGraph;
use crate::script::revision::Revision;
use crate::script::target;

/// Settings of a migrator.
#[derive(Clone, Debug)]
pub struct Options {
    pub version_table: String,
    pub history_table: String,
    pub lock_name: String,
    pub lock_timeout: Duration,
    /// Applied revisions (ids or prefixes) whose edit `upgrade` and `downgrade` accept and
    /// record; any other edited revision stops them.
    pub allow_edited: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            version_table: "migrate_version".to_owned(),
            history_table: "migrate_history".to_owned(),
            lock_name: "migrate".to_owned(),
            lock_timeout: Duration::from_secs(60),
            allow_edited: Vec::new(),
        }
    }
}

/// What one applied, reverted or stamped revision took.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StepReport {
    pub revision: String,
    pub message: String,
    pub direction: String,
    pub duration_ms: i64,
}

/// Applies revisions of one graph to one database.
pub struct Migrator {
    graph: RevisionGraph,
    conn: DatabaseConnection,
    url: String,
    store: Store,
    options: Options,
    progress: Option<Sink>,
}

impl Migrator {
    /// Connects to `url` with a single dedicated connection (SQLite's `foreign_keys` pragma and
    /// the per-revision transaction must live on the same connection).
    ///
    /// # Errors
    /// Unsupported URL scheme or connection failure.
    pub async fn connect(url: &str, graph: RevisionGraph, options: Options) -> Result<Self, MigrateError> {
        let dialect = Dialect::from_url(url)
            .ok_or_else(|| MigrateError::Usage(format!("unsupported database URL scheme in {:?}", redact(url))))?;
        // One direct attempt first: it fails at once with the cause, where the pool would
        // retry a refused connection until its timeout and then name none.
        crate::runtime::connect::probe(url).await?;
        let mut connect = ConnectOptions::new(url.to_owned());
        connect
            .max_connections(1)
            .min_connections(0)
            .sqlx_logging(false)
            .connect_timeout(crate::runtime::connect::CONNECT_TIMEOUT)
            .acquire_timeout(Duration::from_secs(30));
        if dialect == Dialect::Postgres {
            // `CREATE TABLE IF NOT EXISTS` of the version table raises a NOTICE on every run
            // ("already exists, skipping"), which sqlx logs; warnings and errors still show.
            connect.map_sqlx_postgres_opts(|o| o.options([("client_min_messages", "warning")]));
        }
        let conn = match Database::connect(connect).await {
            Ok(conn) => conn,
            Err(err) => return Err(crate::runtime::connect::explain(url, &err).await.into()),
        };
        let store = Store {
            dialect,
            version_table: options.version_table.clone(),
            history_table: options.history_table.clone(),
        };
        Ok(Self { graph, conn, url: url.to_owned(), store, options, progress: None })
    }

    /// Reports lock waits and each revision as it completes to `sink`.
    #[must_use]
    pub fn with_progress(mut self, sink: Sink) -> Self {
        self.progress = Some(sink);
        self
    }

    fn tell(&self, progress: Progress<'_>) {
        if let Some(sink) = &self.progress {
            sink(progress);
        }
    }

    pub fn graph(&self) -> &RevisionGraph {
        &self.graph
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn dialect(&self) -> Dialect {
        self.store.dialect
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = self.conn.close().await;
    }

    /// The heads recorded in the database (empty at base).
    ///
    /// # Errors
    /// Database errors.
    pub async fn current(&self) -> Result<Vec<String>, MigrateError> {
        Ok(self.store.heads(&self.conn).await?)
    }

    /// The history table, oldest first.
    ///
    /// # Errors
    /// Database errors.
    pub async fn history(&self) -> Result<Vec<HistoryRow>, MigrateError> {
        Ok(self.store.history(&self.conn).await?)
    }

    /// True when the database is at the code's head(s).
    ///
    /// # Errors
    /// Database errors, or a database ahead of the code.
    pub async fn is_up_to_date(&self) -> Result<bool, MigrateError> {
        let applied = self.applied().await?;
        Ok(applied == self.graph.ancestors(&self.graph.heads()))
    }

    /// Applied revisions whose operations changed since they were applied (by checksum).
    ///
    /// # Errors
    /// Database errors.
    pub async fn edited_revisions(&self) -> Result<Vec<String>, MigrateError> {
        Ok(self.edited().await?.into_iter().map(|e| e.revision).collect())
    }

    /// Applied revisions whose operations no longer hash to the checksum last recorded for
    /// them: by the upgrade that applied them, a stamp, or an accepted edit.
    ///
    /// # Errors
    /// Database errors.
    pub async fn edited(&self) -> Result<Vec<EditedRevision>, MigrateError> {
        let mut latest = std::collections::BTreeMap::new();
        for row in self.history().await? {
            if ["upgrade", "stamp", ACCEPT].contains(&row.direction.as_str()) {
                latest.insert(row.revision.clone(), row);
            }
        }
        let applied = self.applied().await.unwrap_or_default();
        Ok(self
            .graph
            .in_order(&applied)
            .into_iter()
            .filter_map(|r| {
                let row = latest.get(&r.id)?;
                let now = r.checksum();
                (row.checksum != now && !r.valid_checksums.contains(&row.checksum)).then(|| EditedRevision {
                    revision: r.id.clone(),
                    message: r.message.clone(),
                    recorded_at: row.applied_at.clone(),
                    recorded: row.checksum.clone(),
                    now,
                })
            })
            .collect())
    }

    /// Refuses to move while an applied revision is edited, unless `allow_edited` names it;
    /// an accepted edit is recorded, so it is accepted once.
    async fn guard_edits(&self) -> Result<(), MigrateError> {
        let (accepted, refused): (Vec<_>, Vec<_>) = self.edited().await?.into_iter().partition(|e| {
            self.options.allow_edited.iter().any(|given| !given.is_empty() && e.revision.starts_with(given.as_str()))
        });
        if !refused.is_empty() {
            return Err(MigrateError::Edited(refused));
        }
        if accepted.is_empty() {
            return Ok(());
        }
        let txn = self.conn.begin().await?;
        for edit in accepted {
            tracing::warn!(revision = %edit.revision, "accepting an edited revision: {edit}");
            self.store.record(&txn, &history_row(&edit.revision, ACCEPT, 0, edit.now)).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Lint warnings for what `upgrade(target)` (or `downgrade`) would run now.
    ///
    /// # Errors
    /// As `upgrade`/`downgrade` planning: bad targets, a database ahead of the code.
    pub async fn lint_plan(&self, target: &str, upgrading: bool) -> Result<Vec<Planned>, MigrateError> {
        let direction = Direction::of(upgrading);
        let applied = self.applied().await?;
        let wanted = target::resolve(&self.graph, target, &applied)?;
        let mut model = self.graph.schema_with(&applied);
        let mut warnings = Vec::new();
        let mut has_rows: std::collections::BTreeMap<String, bool> = std::collections::BTreeMap::new();
        for rev in direction.revisions(&self.graph, &applied, &wanted) {
            let ops = direction.ops(rev);
            for w in crate::ddl::lint::findings(&ops, &model, self.dialect()) {
                // Every finding is about rows; an empty or not yet created table has none.
                if !has_rows.contains_key(&w.table) {
                    let rows = self.table_has_rows(&w.table).await;
                    has_rows.insert(w.table.clone(), rows);
                }
                if has_rows.get(&w.table).copied().unwrap_or(true) {
                    warnings.push(Planned { revision: rev.id.clone(), warning: w });
                }
            }
            let _ = model.apply_all(&ops);
        }
        Ok(warnings)
    }

    /// Whether `table` exists and holds at least one row.
    async fn table_has_rows(&self, table: &str) -> bool {
        let sql = format!("SELECT 1 FROM {} LIMIT 1", self.dialect().quote(table));
        match self.conn.query_one_raw(self.store.statement(&sql, Vec::new())).await {
            Ok(row) => row.is_some(),
            // A missing table: nothing to lose yet.
            Err(_) => false,
        }
    }

    async fn applied(&self) -> Result<BTreeSet<String>, MigrateError> {
        let heads = self.current().await?;
        let unknown: Vec<String> = heads.iter().filter(|h| !self.graph.contains(h)).cloned().collect();
        if !unknown.is_empty() {
            return Err(MigrateError::AheadOfCode(unknown));
        }
        Ok(self.graph.ancestors(&heads))
    }

    fn describe(&self, set: &BTreeSet<String>) -> String {
        let heads = self.graph.heads_of(set);
        if heads.is_empty() { "base".to_owned() } else { heads.join(", ") }
    }

    /// Upgrades to `target`.
    ///
    /// # Errors
    /// Bad targets, a database ahead of the code, lock timeout, or a failing revision (which is
    /// named, and rolled back where the database supports transactional DDL).
    pub async fn upgrade(&self, target: &str) -> Result<Vec<StepReport>, MigrateError> {
        self.locked(|| self.step(target, Direction::Upgrade)).await
    }

    /// Downgrades to `target`.
    ///
    /// # Errors
    /// As `upgrade`; also a target that is not behind the current revision.
    pub async fn downgrade(&self, target: &str) -> Result<Vec<StepReport>, MigrateError> {
        self.locked(|| self.step(target, Direction::Downgrade)).await
    }

    /// Reverts exactly revision `id`, which must be a current head: the one way down from a
    /// merge point, whose `-1` would have to choose among its parents.
    ///
    /// # Errors
    /// `id` not a current head; as `downgrade`.
    pub async fn revert(&self, id: &str) -> Result<Vec<StepReport>, MigrateError> {
        self.locked(|| async {
            self.guard_edits().await?;
            if let Some(dirty) = self.store.dirty(&self.conn).await? {
                return Err(MigrateError::Dirty(dirty));
            }
            let applied = self.applied().await?;
            if !self.graph.heads_of(&applied).iter().any(|h| h == id) {
                return Err(MigrateError::Usage(format!("{id} is not a current head; only a head can be reverted")));
            }
            let mut wanted = applied.clone();
            wanted.remove(id);
            self.walk(applied, &wanted, Direction::Downgrade).await
        })
        .await
    }

    /// Records `target` as the current revision without running anything.
    ///
    /// # Errors
    /// Bad targets, lock timeout, database errors.
    pub async fn stamp(&self, target: &str) -> Result<Vec<String>, MigrateError> {
        self.stamp_revisions(&[target.to_owned()], true).await
    }

    /// Records `targets` (one per branch, as Alembic's `stamp a b`) as current without running
    /// anything. Without `purge`, branches the targets do not touch keep their place, and a
    /// version table holding revisions this code does not know is an error; with `purge` the
    /// version table becomes exactly the targets, whatever it held.
    ///
    /// # Errors
    /// Bad targets, unknown recorded revisions without `purge`, lock timeout, database errors.
    pub async fn stamp_revisions(&self, targets: &[String], purge: bool) -> Result<Vec<String>, MigrateError> {
        self.locked(|| async {
            let applied = match self.applied().await {
                Ok(applied) => applied,
                // Stamping is how a database of unknown state is brought under control.
                Err(_) if purge => BTreeSet::new(),
                Err(MigrateError::AheadOfCode(ids)) => {
                    return Err(MigrateError::Usage(format!(
                        "the version table holds {}, which this code does not know; `stamp --purge` replaces it",
                        ids.join(", ")
                    )));
                }
                Err(e) => return Err(e),
            };
            let mut wanted = BTreeSet::new();
            let mut given = Vec::new();
            for target in targets {
                let set = target::resolve(&self.graph, target, &applied)?;
                given.extend(self.graph.heads_of(&set));
                wanted.extend(set);
            }
            if !purge {
                for head in self.graph.heads_of(&applied) {
                    let own = self.graph.ancestors(std::slice::from_ref(&head));
                    let related = given
                        .iter()
                        .any(|g| own.contains(g) || self.graph.ancestors(std::slice::from_ref(g)).contains(&head));
                    if !related {
                        wanted.extend(own);
                    }
                }
            }
            self.write_stamp(&wanted).await
        })
        .await
    }

    /// The revision that began outside a transaction and did not finish, if any.
    ///
    /// # Errors
    /// Database errors.
    pub async fn dirty(&self) -> Result<Option<Dirty>, MigrateError> {
        Ok(self.store.dirty(&self.conn).await?)
    }

    /// Clears the dirty mark and keeps the recorded version, once whatever the unfinished
    /// revision left has been put right by hand. Returns the mark it cleared.
    ///
    /// # Errors
    /// Lock timeout, database errors.
    pub async fn repair(&self) -> Result<Option<Dirty>, MigrateError> {
        self.locked(|| async {
            let dirty = self.store.dirty(&self.conn).await?;
            if dirty.is_some() {
                let txn = self.conn.begin().await?;
                self.store.clear_dirty(&txn).await?;
                let checksum = String::new();
                if let Some(d) = &dirty {
                    self.store.record(&txn, &history_row(&d.revision, "repair", 0, checksum)).await?;
                }
                txn.commit().await?;
            }
            Ok(dirty)
        })
        .await
    }

    /// Runs `work` while holding the migrator lock, and releases the lock whatever `work`
    /// returns.
    async fn locked<T, Fut>(&self, work: impl FnOnce() -> Fut) -> Result<T, MigrateError>
    where
        Fut: Future<Output = Result<T, MigrateError>>,
    {
        let waiting = |holder: &str| self.tell(Progress::Waiting { holder });
        let lock =
            lock::acquire(&self.url, self.dialect(), &self.options.lock_name, self.options.lock_timeout, &waiting)
                .await?;
        let result = work().await;
        lock.release().await;
        result
    }

    /// Moves the database to `target` in `direction`, one revision (and one version bump) at a
    /// time, so a failure leaves it at the last revision that went through.
    async fn step(&self, target: &str, direction: Direction) -> Result<Vec<StepReport>, MigrateError> {
        self.guard_edits().await?;
        if let Some(dirty) = self.store.dirty(&self.conn).await? {
            return Err(MigrateError::Dirty(dirty));
        }
        let applied = self.applied().await?;
        let wanted = target::resolve(&self.graph, target, &applied)?;
        if direction.points_back(&applied, &wanted) {
            return Err(direction.wrong_way(target, self.describe(&applied)));
        }
        self.walk(applied, &wanted, direction).await
    }

    /// Runs the revisions between `applied` and `wanted` in `direction`.
    async fn walk(
        &self,
        applied: BTreeSet<String>,
        wanted: &BTreeSet<String>,
        direction: Direction,
    ) -> Result<Vec<StepReport>, MigrateError> {
        self.store.ensure(&self.conn).await?;
        let revisions = direction.revisions(&self.graph, &applied, wanted);
        let mut current = applied;
        let mut model = self.graph.schema_with(&current);
        let mut reports = Vec::new();
        for rev in revisions {
            let next = direction.advance(&current, &rev.id);
            let report = self.run(rev, direction, &mut model, &current, &next).await?;
            self.tell(Progress::Step(&report));
            reports.push(report);
            current = next;
        }
        Ok(reports)
    }

    async fn write_stamp(&self, wanted: &BTreeSet<String>) -> Result<Vec<String>, MigrateError> {
        let heads = self.graph.heads_of(wanted);
        self.store.ensure(&self.conn).await?;
        let txn = self.conn.begin().await?;
        // Stamping says where the database is, which settles an unfinished revision.
        self.store.clear_dirty(&txn).await?;
        self.store.set_heads(&txn, &heads).await?;
        let stamped: Vec<String> = if heads.is_empty() { vec!["base".to_owned()] } else { heads.clone() };
        for id in &stamped {
            let checksum = self.graph.get(id).map(Revision::checksum).unwrap_or_default();
            let row = history_row(id, "stamp", 0, checksum);
            self.store.record(&txn, &row).await?;
        }
        txn.commit().await?;
        Ok(heads)
    }

    /// Renders and runs one revision; on success `model` becomes the schema after it.
    async fn run(
        &self,
        rev: &Revision,
        direction: Direction,
        model: &mut Schema,
        before: &BTreeSet<String>,
        after: &BTreeSet<String>,
    ) -> Result<StepReport, MigrateError> {
        let start = Instant::now();
        let dialect = self.dialect();
        let (planned, next_model) = render_all(dialect, model, &direction.ops(rev)).map_err(|(op, e)| {
            MigrateError::Usage(format!("revision {} does not fit the schema model at {op}: {e}", rev.id))
        })?;
        let heads = self.graph.heads_of(after);
        let outside = !dialect.transactional_ddl() || (rev.non_transactional && dialect == Dialect::Postgres);
        if !outside && dialect == Dialect::Postgres && direction.ops(rev).iter().any(Op::needs_autocommit) {
            return Err(MigrateError::Usage(format!(
                "revision {} builds or drops an index CONCURRENTLY, which PostgreSQL cannot do inside a transaction: \
                 declare the revision with .non_transactional()",
                rev.id
            )));
        }
        // `partial`: statements of the revision ran, outside a transaction, before the failure.
        let fail = |step: String, source: DbErr, partial: bool| MigrateError::Revision {
            revision: rev.id.clone(),
            message: rev.message.clone(),
            step,
            source: Box::new(source),
            outcome: if partial {
                format!(
                    "the version stays at {} and the database is marked dirty: statements of this revision that ran \
                     before the failure remain (outside a transaction they cannot be rolled back); fix them, then run \
                     `db repair` or `db stamp`",
                    self.describe(before)
                )
            } else if outside {
                format!("nothing of it had run; the database is still at {}", self.describe(before))
            } else {
                format!("rolled back; the database is still at {}", self.describe(before))
            },
        };
        // The duration recorded in the history is the one reported.
        let duration_ms = if outside {
            self.run_without_transaction(rev, &planned, direction.as_str(), &heads, start, &fail).await?
        } else {
            self.run_in_transaction(rev, &planned, direction.as_str(), &heads, start, &fail).await?
        };
        *model = next_model;
        Ok(StepReport {
            revision: rev.id.clone(),
            message: rev.message.clone(),
            direction: direction.as_str().to_owned(),
            duration_ms,
        })
    }

    async fn run_in_transaction(
        &self,
        rev: &Revision,
        planned: &[(String, Step)],
        direction: &str,
        heads: &[String],
        start: Instant,
        fail: &impl Fn(String, DbErr, bool) -> MigrateError,
    ) -> Result<i64, MigrateError> {
        let sqlite = self.dialect() == Dialect::Sqlite;
        if sqlite {
            // Must be set outside a transaction; batch mode drops and recreates tables that
            // others reference, and with enforcement on SQLite would cascade the drop.
            self.conn.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
        }
        let result = async {
            let txn = self.conn.begin().await?;
            let filled = async {
                for (what, step) in planned {
                    exec(&txn, self.dialect(), step).await.map_err(|e| fail(what.clone(), e, false))?;
                }
                if sqlite {
                    let rows = txn.query_all_raw(self.store.statement("PRAGMA foreign_key_check", Vec::new())).await?;
                    if !rows.is_empty() {
                        let details = rows
                            .iter()
                            .take(5)
                            .map(|r| {
                                let table: String = r.try_get_by_index(0).unwrap_or_default();
                                let parent: String = r.try_get_by_index(2).unwrap_or_default();
                                format!("{table} -> {parent}")
                            })
                            .collect::<Vec<_>>()
                            .join(", ");
                        return Err(MigrateError::ForeignKeys { revision: rev.id.clone(), details });
                    }
                }
                self.store.set_heads(&txn, heads).await?;
                let duration_ms = elapsed_ms(start);
                self.store.record(&txn, &history_row(&rev.id, direction, duration_ms, rev.checksum())).await?;
                Ok(duration_ms)
            }
            .await;
            match filled {
                Ok(duration_ms) => txn.commit().await.map(|()| duration_ms).map_err(MigrateError::from),
                Err(e) => {
                    // An explicit rollback: a dropped transaction only queues it on the connection.
                    let _ = txn.rollback().await;
                    Err(e)
                }
            }
        }
        .await;
        if sqlite {
            self.conn.execute_unprepared("PRAGMA foreign_keys = ON").await?;
        }
        result
    }

    async fn run_without_transaction(
        &self,
        rev: &Revision,
        planned: &[(String, Step)],
        direction: &str,
        heads: &[String],
        start: Instant,
        fail: &impl Fn(String, DbErr, bool) -> MigrateError,
    ) -> Result<i64, MigrateError> {
        let mut dirty = Dirty {
            revision: rev.id.clone(),
            direction: direction.to_owned(),
            step: String::new(),
            error: String::new(),
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        };
        self.store.mark_dirty(&self.conn, &dirty).await?;
        for (index, (what, step)) in planned.iter().enumerate() {
            let result = match step {
                Step::Sql(sql) => self.conn.execute_unprepared(sql).await.map(|_| ()),
                // Row writes still get a transaction of their own.
                _ => {
                    async {
                        let txn = self.conn.begin().await?;
                        exec(&txn, self.dialect(), step).await?;
                        txn.commit().await
                    }
                    .await
                }
            };
            if let Err(e) = result {
                // A failed first step changed nothing (one statement, or a data step in its
                // own transaction): the mark goes. The caller must hear of the failure either
                // way; a lost mark is the lesser loss.
                let partial = index > 0;
                let marked = if partial {
                    what.clone_into(&mut dirty.step);
                    dirty.error = e.to_string();
                    self.store.mark_dirty(&self.conn, &dirty).await
                } else {
                    self.store.clear_dirty(&self.conn).await
                };
                if let Err(mark) = marked {
                    tracing::warn!("could not record the failed step of {}: {mark}", rev.id);
                }
                return Err(fail(what.clone(), e, partial));
            }
        }
        // Advance the version right after the revision, so a later failure leaves the
        // database at the last good revision.
        let txn = self.conn.begin().await?;
        self.store.clear_dirty(&txn).await?;
        self.store.set_heads(&txn, heads).await?;
        let duration_ms = elapsed_ms(start);
        self.store.record(&txn, &history_row(&rev.id, direction, duration_ms, rev.checksum())).await?;
        txn.commit().await?;
        Ok(duration_ms)
    }
}

fn elapsed_ms(start: Instant) -> i64 {
    i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// The history direction of an accepted edit.
pub const ACCEPT: &str = "accept-edit";

fn history_row(revision: &str, direction: &str, duration_ms: i64, checksum: String) -> HistoryRow {
    HistoryRow {
        revision: revision.to_owned(),
        direction: direction.to_owned(),
        applied_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        duration_ms,
        checksum,
    }
}

/// Hides the password of a URL for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{user}:***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Converts a bulk-insert literal to a bound value.
pub fn bind_value(value: &Value) -> Result<sea_orm::Value, DbErr> {
    Ok(match value {
        Value::Null => sea_orm::Value::String(None),
        Value::Int(n) => (*n).into(),
        Value::Bool(b) => (*b).into(),
        Value::Str(s) => s.clone().into(),
        Value::Float(f) => (*f).into(),
        Value::Decimal(d) => Decimal::from_str(d).map_err(|e| DbErr::Custom(format!("bad decimal {d:?}: {e}")))?.into(),
    })
}

/// The insert statement of a bulk insert step.
pub fn insert_statement(
    table: &str,
    columns: &[String],
    rows: &[Vec<Value>],
) -> Result<sea_orm::sea_query::InsertStatement, DbErr> {
    let mut insert = Query::insert();
    insert.into_table(Alias::new(table)).columns(columns.iter().map(|c| Alias::new(c.as_str())));
    for row in rows {
        let values = row.iter().map(|v| bind_value(v).map(Expr::val)).collect::<Result<Vec<_>, _>>()?;
        insert.values(values).map_err(|e| DbErr::Custom(e.to_string()))?;
    }
    Ok(insert)
}

async fn exec(txn: &DatabaseTransaction, dialect: Dialect, step: &Step) -> Result<(), DbErr> {
    match step {
        Step::Sql(sql) => txn.execute_unprepared(sql).await.map(|_| ()),
        Step::Insert { table, columns, rows } => {
            if rows.is_empty() {
                return Ok(());
            }
            let insert = insert_statement(table, columns, rows)?;
            txn.execute_raw(dialect.backend().build(&insert)).await.map(|_| ())
        }
        Step::Data(step) => (step.run)(txn).await,
    }
}
