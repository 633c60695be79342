//! Questions on the terminal: `shop createsuperuser` asks for what its flags did not give.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Context as _;

/// Asks on stderr and reads one line from stdin.
///
/// # Errors
/// Reading stdin fails.
pub fn ask(label: &str) -> anyhow::Result<String> {
    eprint!("{label}: ");
    std::io::stderr().flush().ok();
    read_line()
}

/// As [`ask`], without echoing what is typed when stdin is a terminal (piped input has no
/// echo to turn off).
///
/// # Errors
/// Reading stdin fails.
pub fn ask_secret(label: &str) -> anyhow::Result<String> {
    eprint!("{label}: ");
    std::io::stderr().flush().ok();
    if !std::io::stdin().is_terminal() {
        return read_line();
    }
    let _quiet = EchoOff::new();
    let line = read_line();
    // The Enter that ended the line was not echoed either.
    eprintln!();
    line
}

fn read_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// The terminal's echo, off while this lives.
struct EchoOff {
    saved: Option<libc::termios>,
}

impl EchoOff {
    fn new() -> Self {
        // SAFETY: tcgetattr and tcsetattr only read and write the struct passed, for stdin's
        // descriptor, which stays open for the life of the process.
        unsafe {
            let mut term: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &raw mut term) != 0 {
                return Self { saved: None };
            }
            let saved = term;
            term.c_lflag &= !libc::ECHO;
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw const term) != 0 {
                return Self { saved: None };
            }
            Self { saved: Some(saved) }
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = self.saved {
            // SAFETY: as in `new`; restores the attributes read there.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw const saved);
            }
        }
    }
}
