//! Differential sequence testing: one long-lived `shop serve` per database over the same
//! random catalog, sent random sequences of requests in random order. Reads are compared
//! with a reference computed in Rust from the catalog, writes with the other databases'
//! answers. proptest drives the sequences: a fixed seed in CI, more cases with
//! `SHOP_DIFF_CASES` (and another seed with `SHOP_DIFF_SEED`). A failing sequence shrinks
//! to a minimal one, printed as `kind:seed,...`; `SHOP_DIFF_REPLAY=<that>` sends exactly it.

mod node;
mod ops;
mod regressions;

use migrate::Dialect;
use migrate::testing::dialects;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use self::node::Node;
use self::ops::{Kind, Op};
use crate::search_model::{Catalog, Rng};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The servers of one run, over the same catalog.
struct World {
    catalog: Catalog,
    nodes: Vec<Node>,
    /// Sequences run so far (see `ops::STRINGS`).
    generation: std::cell::Cell<u64>,
}

impl World {
    fn start(runtime: &tokio::runtime::Runtime, dialects: &[Dialect]) -> Self {
        let seed = env_number("SHOP_DIFF_SEED", 0xd1ff_2026);
        let catalog = Catalog::random(&mut Rng::new(seed), 40);
        let mut nodes = Vec::new();
        let mut loaded: Option<Catalog> = None;
        for &dialect in dialects {
            let mut copy = Catalog { rows: catalog.rows.clone() };
            nodes.push(runtime.block_on(Node::start(dialect, &mut copy, &[])));
            if let Some(first) = &loaded {
                let ids = |c: &Catalog| c.rows.iter().map(|r| r.id).collect::<Vec<_>>();
                assert_eq!(ids(first), ids(&copy), "{dialect}: the catalog got other ids");
            } else {
                loaded = Some(copy);
            }
        }
        Self { catalog: loaded.unwrap_or(catalog), nodes, generation: std::cell::Cell::new(0) }
    }

    fn run(&self, ops: &[Op]) -> Result<usize, String> {
        let mut sent = 0;
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        for (step, op) in ops.iter().enumerate() {
            sent += ops::run(*op, &self.catalog, &self.nodes, generation).map_err(|failure| {
                let logs: Vec<String> = self
                    .nodes
                    .iter()
                    .flat_map(|n| {
                        n.problems().into_iter().rev().take(3).map(move |l| format!("  {} log: {l}", n.dialect))
                    })
                    .collect();
                format!("step {step} ({op:?}): {failure}\n{}", logs.join("\n"))
            })?;
        }
        Ok(sent)
    }
}

/// Runs random sequences of `kinds` against servers on `dialects`; panics with the shrunk
/// sequence on the first divergence.
fn property(dialects: &[Dialect], kinds: &'static [Kind]) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let world = World::start(&runtime, dialects);
    let names: Vec<String> = dialects.iter().map(ToString::to_string).collect();
    if let Ok(replay) = std::env::var("SHOP_DIFF_REPLAY") {
        let ops = ops::parse(&replay);
        match world.run(&ops) {
            Ok(sent) => eprintln!("replayed {} steps ({sent} requests) on {names:?}: no divergence", ops.len()),
            Err(failure) => panic!("replay on {names:?}: {failure}"),
        }
        return;
    }
    let cases = env_number("SHOP_DIFF_CASES", 12) as u32;
    let seed = env_number("SHOP_DIFF_SEED", 0xd1ff_2026);
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 200, ..Config::default() };
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let op = (0..kinds.len(), any::<u64>()).prop_map(move |(kind, seed)| Op { kind: kinds[kind], seed });
    let sent = std::cell::Cell::new(0usize);
    let steps = std::cell::Cell::new(0usize);
    // The servers keep their state across cases, so a shrunk sequence may fail for a reason
    // that the first failure set up: both are reported.
    let first = std::cell::RefCell::new(None::<String>);
    let result = runner.run(&vec(op, 1..30), |ops| {
        steps.set(steps.get() + ops.len());
        world.run(&ops).map(|n| sent.set(sent.get() + n)).map_err(|failure| {
            first.borrow_mut().get_or_insert_with(|| format!("{}\n{failure}", ops::render(&ops)));
            TestCaseError::fail(failure)
        })
    });
    match result {
        Ok(()) => eprintln!(
            "differential run on {names:?}: {cases} sequences, {} steps, {} requests, no divergence (seed {seed})",
            steps.get(),
            sent.get()
        ),
        Err(TestError::Fail(reason, minimal)) => panic!(
            "divergence on {names:?} (seed {seed}); minimal sequence, replay with \
             SHOP_DIFF_REPLAY='{}':\n{reason}\nfirst failing sequence: {}",
            ops::render(&minimal),
            first.borrow().clone().unwrap_or_default()
        ),
        Err(TestError::Abort(reason)) => panic!("differential run aborted: {reason}"),
    }
}

const READS: &[Kind] = &[Kind::Search, Kind::Twin, Kind::Read];

/// The read property on one database, when the run covers it.
fn reads_on(dialect: Dialect) {
    if dialects().contains(&dialect) {
        property(&[dialect], READS);
    } else {
        migrate::testing::skip(&format!("{dialect} is not covered by this run"));
    }
}

#[test]
fn reads_match_the_reference_on_a_long_lived_sqlite_server() {
    reads_on(Dialect::Sqlite);
}

#[test]
fn reads_match_the_reference_on_a_long_lived_postgres_server() {
    reads_on(Dialect::Postgres);
}

#[test]
fn reads_match_the_reference_on_a_long_lived_mysql_server() {
    reads_on(Dialect::Mysql);
}

/// Writes with odd input answer alike on every database the run covers, between reads
/// that check nothing else changed and reports that must agree to the cent.
#[test]
fn writes_answer_alike_on_every_database() {
    property(&dialects(), &[Kind::Write, Kind::Write, Kind::Search, Kind::Read, Kind::Report]);
}
