//! `.env`: the nearest one from the working directory up, read without touching the process
//! environment; a malformed line is named by its number, never shown.

use std::collections::HashMap;

use super::ConfigError;

pub(super) fn read_dotenv() -> Result<HashMap<String, String>, ConfigError> {
    let Some(path) = find_dotenv() else { return Ok(HashMap::new()) };
    let iter = dotenvy::from_path_iter(&path).map_err(|err| dotenv_error(&path, &err))?;
    iter.map(|item| item.map_err(|err| dotenv_error(&path, &err))).collect()
}

/// `.env` in the working directory or the nearest parent folder that has one.
fn find_dotenv() -> Option<std::path::PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().map(|dir| dir.join(".env")).find(|path| path.is_file())
}

pub(super) fn dotenv_error(path: &std::path::Path, err: &dotenvy::Error) -> ConfigError {
    let reason = match err {
        // The offending line is deliberately not echoed: it may hold a secret.
        dotenvy::Error::LineParse(line, index) => {
            let number = line_number(path, line).map_or_else(String::new, |n| format!("line {n}: "));
            format!(
                "{number}malformed (parse error at character {index}; the line is not shown, it may hold a secret); \
                 a value with spaces needs quotes, e.g. PROJECT_NAME=\"My Shop\""
            )
        }
        other => other.to_string().replace('\n', " "),
    };
    // The working directory's own file keeps its short name.
    let shown = match std::env::current_dir() {
        Ok(cwd) if path.parent() == Some(cwd.as_path()) => ".env".to_owned(),
        _ => path.display().to_string(),
    };
    ConfigError::DotEnv { path: shown, reason }
}

/// The 1-based number of the first line of `path` that holds `line` (dotenvy reports the
/// line's text, not its number).
fn line_number(path: &std::path::Path, line: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    let wanted = line.trim();
    text.lines().position(|l| l.trim() == wanted || (!wanted.is_empty() && l.contains(wanted))).map(|i| i + 1)
}
