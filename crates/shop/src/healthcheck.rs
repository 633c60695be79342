//! `shop healthcheck`: asks the running server's `/health` (at `HOST`:`PORT`) and exits 0 only
//! on a 200, for container health checks (the image has no curl, and `/bin/sh` there has no
//! `/dev/tcp`).

use std::time::Duration;

use anyhow::{Context as _, bail};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::config::Settings;

/// How long the whole check may take.
const LIMIT: Duration = Duration::from_secs(2);

/// Where a client on this machine reaches a server bound to `host`.
fn local_address(host: &str, port: u16) -> String {
    match host {
        "0.0.0.0" | "" => format!("127.0.0.1:{port}"),
        "::" | "[::]" => format!("[::1]:{port}"),
        h if h.contains(':') && !h.starts_with('[') => format!("[{h}]:{port}"),
        h => format!("{h}:{port}"),
    }
}

/// # Errors
/// No answer within the limit, or an answer other than 200 (its status and body in one line).
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let address = local_address(&settings.server.host, settings.server.port);
    let answer = tokio::time::timeout(LIMIT, ask(&address))
        .await
        .with_context(|| format!("{address}: no answer from /health within {LIMIT:?}"))?
        .with_context(|| format!("{address}: /health"))?;
    let status = answer.split_whitespace().nth(1).unwrap_or_default().to_owned();
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b).trim().replace('\n', " ");
    if status != "200" {
        bail!("{address}: /health answered {status}: {body}");
    }
    println!("{body}");
    Ok(())
}

async fn ask(address: &str) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(address).await?;
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

#[cfg(test)]
mod tests {
    use super::local_address;

    #[test]
    fn wildcard_binds_are_asked_on_loopback() {
        assert_eq!(local_address("0.0.0.0", 8000), "127.0.0.1:8000");
        assert_eq!(local_address("::", 80), "[::1]:80");
        assert_eq!(local_address("127.0.0.1", 1), "127.0.0.1:1");
        assert_eq!(local_address("::1", 2), "[::1]:2");
    }
}
