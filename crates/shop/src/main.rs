//! The `shop` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a product read spent a fifth of its CPU time in glibc's malloc and free, and
/// the two arenas that keep glibc's RSS down made the threads wait on each other's locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    raise_open_files_limit();
    limit_malloc_arenas();
    return_freed_memory();
    trim_c_heap_periodically();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let cli = shop::cli::Cli::parse();
    match runtime.block_on(shop::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause once: many errors already quote their
/// source in their own message (a failed revision names its database error), and printing
/// the chain as well repeated it.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

/// With mimalloc serving Rust, glibc's malloc serves only C code, in practice SQLite: one
/// worker thread per pooled connection, each of which would get an arena of its own. One
/// arena cut peak RSS under load from 64 to 58 MB at the same throughput (BENCHMARKS.md).
/// `MALLOC_ARENA_MAX` in the environment still wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter, and no other thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// glibc returns freed memory inside its heap to the system only when the top of the heap is
/// free, so after a burst of large SQLite results (sorts, page reads) most of it stayed
/// resident (BENCHMARKS.md, "Memory after large responses"). `malloc_trim` returns every free
/// page; every 10 s it costs a walk of a small heap, and nothing when nothing is free.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_c_heap_periodically() {
    let _ = std::thread::Builder::new().name("heap-trim".to_owned()).spawn(|| {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(10));
            // SAFETY: malloc_trim only releases free memory of glibc's own heap.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    });
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_c_heap_periodically() {}

/// Every connection is a file descriptor, and the usual soft limit (1024) is below
/// `MAX_CONNECTIONS`' default: the soft limit is raised to the hard one, as servers do.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn raise_open_files_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed, and no other
    // thread exists yet.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &raw const limit);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn raise_open_files_limit() {}

/// mimalloc (v3) by default keeps freed pages for a second before it returns them; under load
/// that held peak RSS near 84 MB, where returning them at once (with arena memory committed as
/// it is used, set in `.cargo/config.toml`) gives 58 MB at the same throughput (BENCHMARKS.md).
/// The number is `mi_option_purge_delay` in the vendored v3 `mimalloc.h`, which the `-sys`
/// crate does not name. `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn return_freed_memory() {
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an allocator option, which mimalloc reads atomically.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    }
}
