//! Log output: human-readable text or one JSON object per line (`LOG_FORMAT`), filtered by
//! `RUST_LOG` (default `info`), both read with the other settings.

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, Settings};

/// Installs the global subscriber; a second call is a no-op.
pub fn init(settings: &Settings) {
    // The filter was checked when the settings were read.
    let filter = EnvFilter::try_new(&settings.logging.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let format = settings.logging.format;
    // Colour codes only for a terminal: in a file or a journal they are noise.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
