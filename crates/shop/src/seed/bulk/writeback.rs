//! Writing a SQLite load's database file to disk while the load runs. The loader's pages
//! reach the OS's cache as the load goes, but the kernel writes them back only after half a
//! minute or past a tenth of the memory, so the commit's fsync used to write the whole file
//! (2.5 GB at `--scale 1000000`, about 8 s on this disk) while the CPU waited. A thread asks
//! for the writeback every half second instead (`sync_file_range`, which starts it without
//! waiting), so the disk works beside the CPU and the fsync finds little left.
//!
//! The file is reached through a descriptor SQLite opened: opening and closing one of our
//! own would release every POSIX lock this process holds on the file, SQLite's included.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Stops the thread when dropped.
pub struct Writeback {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

const EVERY: Duration = Duration::from_millis(500);

impl Writeback {
    /// Starts writing back `path`; `None` where that is not done (other systems than Linux,
    /// a file that cannot be found).
    pub fn start(path: PathBuf) -> Option<Self> {
        if !cfg!(all(target_os = "linux", target_env = "gnu")) {
            return None;
        }
        let path = std::fs::canonicalize(path).ok()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("sqlite-writeback".to_owned())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::park_timeout(EVERY);
                    start_writeback(&path);
                }
            })
            .ok()?;
        Some(Self { stop, thread: Some(thread) })
    }
}

impl Drop for Writeback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// Starts the writeback of the dirty pages of `path` through the first of this process's
/// descriptors open on it. A descriptor closed and reused in between names another file,
/// whose writeback then starts early: harmless.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn start_writeback(path: &std::path::Path) {
    use std::os::fd::RawFd;
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse::<RawFd>().ok()) else {
            continue;
        };
        if std::fs::read_link(entry.path()).is_ok_and(|target| target == path) {
            // SAFETY: sync_file_range reads no memory of ours; on a descriptor that is not
            // (or no longer) a file it fails with EBADF or ESPIPE, which is ignored.
            unsafe {
                libc::sync_file_range(fd, 0, 0, libc::SYNC_FILE_RANGE_WRITE);
            }
            return;
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn start_writeback(_: &std::path::Path) {}
