//! The README's API examples, run as a user would: its set-up commands start a fresh server
//! (`cargo run --release --` is this build of the binary), then every `$ ...` transcript runs
//! in order in one shell, so variables set by one example serve the next. Each output is
//! compared in shape with what the README shows: the same lines, the same keys, the same
//! values except ids, times, tokens, cursors and order numbers (which differ on every run),
//! and a success or an error status as the README's output says.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Keys whose values differ on every run; only their JSON type is compared.
const VOLATILE: &[&str] =
    &["id", "created_at", "updated_at", "order_number", "execution_time_ms", "access_token", "next_cursor"];

/// The README section whose examples run, up to the next heading of the same level.
const SECTION: &str = "## Using the API";

#[derive(Debug)]
enum Step {
    /// A set-up block (```sh), run as it stands; it must succeed.
    Setup { text: String },
    /// A `$ command` and the output the README shows under it.
    Example { command: String, expected: Vec<String> },
}

/// A file of the repository, by its path from the root.
fn repository_file(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn readme() -> String {
    repository_file("README.md")
}

/// The README section whose examples run, up to the next heading of its level.
fn api_section(readme: &str) -> &str {
    let start = readme.find(SECTION).expect("the README has a 'Using the API' section");
    let body = &readme[start + SECTION.len()..];
    &body[..body.find("\n## ").unwrap_or(body.len())]
}

/// The fenced blocks of `text`, in order, as steps.
fn steps(text: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(lang) = line.strip_prefix("```") else { continue };
        let block: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
        if lang == "sh" {
            steps.push(Step::Setup { text: block.join("\n") });
        } else {
            steps.extend(examples(&block));
        }
    }
    steps
}

/// `$ command` lines (with their `\` continuations), each with the output lines up to the
/// next command (blank lines inside an output kept, trailing ones not).
fn examples(block: &[&str]) -> Vec<Step> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < block.len() {
        let Some(first) = block[i].strip_prefix("$ ") else {
            assert!(block[i].trim().is_empty(), "README: output without a command: {:?}", block[i]);
            i += 1;
            continue;
        };
        let mut command = first.to_owned();
        while command.ends_with('\\') && i + 1 < block.len() {
            i += 1;
            command.push('\n');
            command.push_str(block[i]);
        }
        i += 1;
        let mut expected = Vec::new();
        while i < block.len() && !block[i].starts_with("$ ") {
            expected.push(block[i].to_owned());
            i += 1;
        }
        while expected.last().is_some_and(|l| l.trim().is_empty()) {
            expected.pop();
        }
        out.push(Step::Example { command, expected });
    }
    out
}

/// One shell script: helpers, then every step with its output, status and exit code saved
/// under `work`.
fn script(steps: &[Step], work: &Path, port: u16) -> String {
    let mut s = format!(
        r#"set -u
WORK='{work}'
trap 'kill $(cat "$WORK/server.pid" 2>/dev/null) 2>/dev/null; exit 0' EXIT
HDR=/dev/null
# `cargo run --release -- ARGS` is this build of the binary; `serve` runs in the background
# until it answers, as it would in a second terminal.
cargo() {{
  if [ "$1 $2 $3" != "run --release --" ]; then echo "unexpected: cargo $*" >&2; return 2; fi
  shift 3
  if [ "$1" = serve ]; then
    "$SHOP" "$@" >>"$WORK/server.log" 2>&1 &
    echo $! >"$WORK/server.pid"
    for _ in $(seq 200); do
      command curl -sf -o /dev/null "localhost:$PORT/health" && return 0
      sleep 0.05
    done
    echo "the server did not start; see $WORK/server.log" >&2
    return 1
  fi
  "$SHOP" "$@"
}}
# Every response's status line goes to the current step's header file.
curl() {{ command curl --max-time 30 -D "$HDR" "$@"; }}
"#,
        work = work.display()
    );
    for (i, step) in steps.iter().enumerate() {
        let text = match step {
            Step::Setup { text } => text,
            Step::Example { command, .. } => command,
        };
        let text = text.replace("localhost:8000", &format!("localhost:{port}"));
        let _ = writeln!(s, "HDR=\"$WORK/h{i}\"; : >\"$HDR\"");
        let _ = writeln!(s, "{{\n{text}\n}} >\"$WORK/o{i}\" 2>\"$WORK/e{i}\"; echo $? >\"$WORK/rc{i}\"");
    }
    s
}

/// The status of the last response a step received.
fn last_status(headers: &str) -> Option<u16> {
    headers.lines().rfind(|l| l.starts_with("HTTP/")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
}

/// Where `actual` differs in shape from `expected`, as a JSON path, or None.
fn shape_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    let key = path.rsplit('.').next().unwrap_or("");
    if VOLATILE.contains(&key) {
        let same_kind = std::mem::discriminant(expected) == std::mem::discriminant(actual);
        return (!same_kind).then(|| format!("{path}: expected a value like {expected}, got {actual}"));
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let (ek, ak): (Vec<&String>, Vec<&String>) = (e.keys().collect(), a.keys().collect());
            if ek != ak {
                return Some(format!("{path}: expected keys {ek:?}, got {ak:?}"));
            }
            e.iter().find_map(|(k, v)| shape_difference(v, &a[k], &format!("{path}.{k}")))
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!("{path}: expected {} items, got {}", e.len(), a.len()));
            }
            e.iter().zip(a).enumerate().find_map(|(i, (e, a))| shape_difference(e, a, &format!("{path}[{i}]")))
        }
        (e, a) if e == a => None,
        (e, a) => Some(format!("{path}: expected {e}, got {a}")),
    }
}

fn compare(command: &str, expected: &[String], actual: &str, status: Option<u16>) -> Result<(), String> {
    let actual: Vec<&str> = actual.lines().collect();
    if expected.len() != actual.len() {
        return Err(format!(
            "expected {} output line(s), got {}:\n{}",
            expected.len(),
            actual.len(),
            actual.join("\n")
        ));
    }
    for (e, a) in expected.iter().zip(&actual) {
        match (serde_json::from_str::<Value>(e), serde_json::from_str::<Value>(a)) {
            (Ok(e), Ok(parsed)) => {
                if let Some(diff) = shape_difference(&e, &parsed, "$") {
                    return Err(format!("{diff}\n  got: {a}"));
                }
            }
            _ if e == a => {}
            _ => return Err(format!("expected {e:?}, got {a:?}")),
        }
    }
    // A command that prints its status shows it above; otherwise the README's output says
    // whether it is an error: FastAPI's {"detail": ...}.
    if !command.contains("%{http_code}") {
        let shows_error = expected
            .first()
            .and_then(|e| serde_json::from_str::<Value>(e).ok())
            .is_some_and(|v| v.get("detail").is_some());
        match status {
            Some(code) if shows_error != (200..300).contains(&code) => {}
            Some(code) => {
                return Err(format!(
                    "status {code}, but the README shows {}",
                    if shows_error { "an error" } else { "a success" }
                ));
            }
            None if expected.is_empty() => {}
            None => return Err("no HTTP response".to_owned()),
        }
    }
    Ok(())
}

/// Durations and the applied-at time vary from run to run: `(12 ms)` reads `(N ms)`, and an
/// `Applied:` line keeps only its label.
fn normalize(line: &str) -> String {
    if line.starts_with("Applied: ") {
        return "Applied: <time>".to_owned();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(" ms)") {
        let head = &rest[..at];
        let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.').len();
        if digits > 0 && head[..head.len() - digits].ends_with('(') {
            out.push_str(&head[..head.len() - digits]);
            out.push('N');
        } else {
            out.push_str(head);
        }
        out.push_str(" ms)");
        rest = &rest[at + 4..];
    }
    out.push_str(rest);
    out
}

/// The first transcript of the "Schema migrations" section, run with `shop` on the PATH in an
/// empty folder (so on a fresh SQLite file, as the README says). `shop db revision` is left
/// out: it writes into the source tree.
#[test]
fn the_readme_migration_examples_run_in_order_and_match() {
    let readme = readme();
    let start = readme.find("## Schema migrations").expect("a Schema migrations section");
    let block: Vec<&str> = readme[start..]
        .lines()
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    let steps: Vec<Step> = examples(&block)
        .into_iter()
        .filter(|s| matches!(s, Step::Example { command, .. } if command.starts_with("shop db ") && !command.contains(" revision")))
        .collect();
    assert!(steps.len() >= 10, "the section lost its examples ({} found)", steps.len());
    let work = tempfile::tempdir().expect("temp dir");
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).expect("bin folder");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_shop"), bin.join("shop")).expect("link shop");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut failures = Vec::new();
    for step in &steps {
        let Step::Example { command, expected } = step else { continue };
        let out = Command::new("bash")
            .args(["-c", &format!("{command} 2>&1")])
            .current_dir(work.path())
            .env_clear()
            .env("PATH", &path)
            .output()
            .expect("run bash");
        let mut actual: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(normalize).collect();
        while actual.last().is_some_and(|l| l.trim().is_empty()) {
            actual.pop();
        }
        let expected: Vec<String> = expected.iter().map(|l| normalize(l)).collect();
        if actual != expected {
            failures.push(format!("$ {command}\n  expected:\n{}\n  got:\n{}", expected.join("\n"), actual.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{} README example(s) differ:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn durations_and_times_are_normalized() {
    assert_eq!(normalize("Running upgrade a -> b, x (12 ms)"), "Running upgrade a -> b, x (N ms)");
    assert_eq!(normalize("Applied: 2026-11-29T20:45:18.324945Z (1 ms)"), "Applied: <time>");
    assert_eq!(normalize("c62be6b546bf (head)"), "c62be6b546bf (head)");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn read(dir: &Path, name: String) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

/// Runs `text`'s set-up blocks and transcripts against a fresh server in one shell, and
/// panics with every example whose output differs.
fn run_transcripts(text: &str, what: &str) {
    let steps = steps(text);
    let examples = steps.iter().filter(|s| matches!(s, Step::Example { .. })).count();
    assert!(examples >= 20, "{what} lost its examples ({examples} found)");
    let work = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let script_path: PathBuf = work.path().join("transcripts.sh");
    std::fs::write(&script_path, script(&steps, work.path(), port)).expect("write the script");
    let run = Command::new("bash")
        .arg(&script_path)
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SHOP", env!("CARGO_BIN_EXE_shop"))
        .env("PORT", port.to_string())
        .output()
        .expect("run bash");
    assert!(run.status.success(), "the script failed ({}): {}", run.status, String::from_utf8_lossy(&run.stderr));

    let mut failures = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let rc = read(work.path(), format!("rc{i}"));
        let stderr = read(work.path(), format!("e{i}"));
        let stdout = read(work.path(), format!("o{i}"));
        match step {
            Step::Setup { text } => {
                if rc.trim() != "0" {
                    failures.push(format!("set-up block failed ({}):\n{text}\n{stderr}", rc.trim()));
                    break;
                }
            }
            Step::Example { command, expected } => {
                let status = last_status(&read(work.path(), format!("h{i}")));
                if rc.trim() != "0" {
                    failures.push(format!("$ {command}\n  exit {}: {stderr}", rc.trim()));
                } else if let Err(why) = compare(command, expected, &stdout, status) {
                    failures.push(format!("$ {command}\n  {why}"));
                }
            }
        }
    }
    if !failures.is_empty() {
        let log = read(work.path(), "server.log".to_owned());
        panic!("{} example(s) of {what} differ:\n\n{}\n\nserver log:\n{log}", failures.len(), failures.join("\n\n"));
    }
}

#[test]
fn the_readme_api_examples_run_in_order_and_match() {
    run_transcripts(api_section(&readme()), "the README");
}

/// `docs/api.md`: every operation of the API with its request body.
#[test]
fn the_api_guide_runs_in_order_and_matches() {
    run_transcripts(&repository_file("docs/api.md"), "docs/api.md");
}

#[test]
fn shapes_compare_keys_and_values_but_not_ids_or_times() {
    let e: Value = serde_json::json!({"id": 1, "name": "A", "created_at": "2026-01-01T00:00:00Z", "items": [1, 2]});
    let same = serde_json::json!({"id": 7, "name": "A", "created_at": "2027-05-05T00:00:00Z", "items": [1, 2]});
    assert_eq!(shape_difference(&e, &same, "$"), None);
    let renamed = serde_json::json!({"id": 7, "name": "B", "created_at": "x", "items": [1, 2]});
    assert!(shape_difference(&e, &renamed, "$").is_some_and(|d| d.starts_with("$.name")));
    let extra = serde_json::json!({"id": 7, "name": "A", "created_at": "x", "items": [1, 2], "more": 1});
    assert!(shape_difference(&e, &extra, "$").is_some());
    let null_id = serde_json::json!({"id": null, "name": "A", "created_at": "x", "items": [1, 2]});
    assert!(shape_difference(&e, &null_id, "$").is_some());
    assert!(compare("curl", &["{\"detail\":\"x\"}".to_owned()], "{\"detail\":\"x\"}", Some(200)).is_err());
    assert!(compare("curl", &["{\"a\":1}".to_owned()], "{\"a\":1}", Some(201)).is_ok());
}

/// Names the source passes to the process environment directly: `var("X")`, `var_os("X")`,
/// and clap's `env = "X"`.
fn environment_reads_in_source() -> std::collections::BTreeSet<String> {
    fn visit(dir: &Path, found: &mut std::collections::BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("read the source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read a source file");
                for opener in ["var(\"", "var_os(\"", "env = \""] {
                    for (at, _) in text.match_indices(opener) {
                        let rest = &text[at + opener.len()..];
                        let name: String = rest.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
                        if !name.is_empty() && rest[name.len()..].starts_with('"') {
                            found.insert(name);
                        }
                    }
                }
            }
        }
    }
    let mut found = std::collections::BTreeSet::new();
    visit(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    found
}

/// Every name the settings look up, with and without the `DB_HOST` form of the database URL.
fn settings_read() -> std::collections::BTreeSet<String> {
    let seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
    for db_host in [None, Some("127.0.0.1")] {
        shop::config::Settings::from_map(|name| {
            seen.lock().unwrap().insert(name.to_owned());
            (name == "DB_HOST").then(|| db_host.map(str::to_owned)).flatten()
        })
        .expect("the defaults are valid settings");
    }
    seen.into_inner().unwrap()
}

/// The variables named in the first column of the README's configuration table.
fn configuration_table(readme: &str) -> std::collections::BTreeSet<String> {
    let start = readme.find("## Configuration").expect("a Configuration section");
    let table = readme[start..].lines().skip_while(|l| !l.starts_with('|')).take_while(|l| l.starts_with('|'));
    table
        .skip(2)
        .filter_map(|row| row.split('|').nth(1))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// The README's configuration table and `.env.example` name every setting the code reads,
/// and the table names nothing else, so neither can drift from the code.
#[test]
fn the_configuration_table_lists_every_setting_the_code_reads() {
    let mut read = settings_read();
    read.extend(environment_reads_in_source());
    assert!(read.contains("RUST_LOG") && read.contains("PROJECT_NAME") && read.len() > 30, "{read:?}");
    let table = configuration_table(&readme());
    let undocumented: Vec<_> = read.difference(&table).collect();
    let unknown: Vec<_> = table.difference(&read).collect();
    assert!(undocumented.is_empty(), "read by the code but not in the README's table: {undocumented:?}");
    assert!(unknown.is_empty(), "in the README's table but not read by the code: {unknown:?}");

    let example = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.example"))
        .expect("read .env.example");
    let missing: Vec<_> = read.iter().filter(|name| !example.contains(&format!("{name}="))).collect();
    assert!(missing.is_empty(), ".env.example does not mention: {missing:?}");
}

/// The method and path of each `curl` in a command: `-X` names the method, else a body makes
/// it a POST and nothing a GET.
fn requests(command: &str) -> Vec<(String, String)> {
    command
        .split("curl ")
        .skip(1)
        .filter_map(|call| {
            let words: Vec<&str> = call.split_whitespace().collect();
            let url = words.iter().find_map(|w| {
                let w = w.trim_matches(|c| c == '"' || c == '\'');
                w.strip_prefix("localhost:8000").map(|rest| rest.split('?').next().unwrap_or(rest).to_owned())
            })?;
            let method = words
                .iter()
                .position(|w| *w == "-X")
                .and_then(|i| words.get(i + 1))
                .map(|m| (*m).to_owned())
                .unwrap_or_else(|| if words.contains(&"-d") { "POST".to_owned() } else { "GET".to_owned() });
            Some((method, url.trim_end_matches('/').to_owned()))
        })
        .collect()
}

/// Whether `path` (with ids or `$VARIABLES`) fits the OpenAPI `template` (with `{id}`).
fn fits(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

/// Every operation of the OpenAPI document has an example with its request body, in the
/// README or in `docs/api.md`.
#[test]
fn every_operation_has_an_example() {
    let mut sent = Vec::new();
    for text in [api_section(&readme()).to_owned(), repository_file("docs/api.md")] {
        for step in steps(&text) {
            let (Step::Example { command, .. } | Step::Setup { text: command }) = step;
            sent.extend(requests(&command));
        }
    }
    let spec = serde_json::to_value(shop::api::openapi("/api/v1", "shop")).expect("the document as JSON");
    let mut missing = Vec::new();
    for (template, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            let method = method.to_uppercase();
            if !sent.iter().any(|(m, p)| *m == method && fits(template.trim_end_matches('/'), p)) {
                missing.push(format!("{method} {template}"));
            }
        }
    }
    assert!(missing.is_empty(), "operations without an example: {missing:#?}");
}
