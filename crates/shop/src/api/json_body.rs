//! A response's JSON written into fixed-size chunks. One growing buffer doubles its capacity
//! as it fills, so for a moment it holds the old copy beside the new one: at the 68 MB of the
//! largest report, 64 MB beside 128 MB. Chunks are never copied, and a body of several is
//! sent as a stream of them.

use std::convert::Infallible;
use std::io;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Serialize;

use crate::error::ApiError;

const CHUNK: usize = 256 * 1024;

/// JSON text in one or more chunks, in order: the full ones, then the rest. A small
/// response has no full chunk, so it costs no allocation beyond its text.
pub struct JsonBody {
    full: Vec<Bytes>,
    rest: Bytes,
}

impl JsonBody {
    /// `value` as JSON.
    ///
    /// # Errors
    /// When `value` cannot be written as JSON (a map with non-string keys, say).
    pub fn encode<T: Serialize>(value: &T) -> Result<Self, ApiError> {
        let mut writer = ChunkWriter { done: Vec::new(), current: Vec::with_capacity(1024) };
        serde_json::to_writer(&mut writer, value)
            .map_err(|e| ApiError::Internal(format!("encoding a response: {e}")))?;
        Ok(Self { full: writer.done, rest: Bytes::from(writer.current) })
    }

    /// The chunks in order, none of them empty unless the whole text is.
    fn chunks(&self) -> impl Iterator<Item = &Bytes> {
        let rest = (self.full.is_empty() || !self.rest.is_empty()).then_some(&self.rest);
        self.full.iter().chain(rest)
    }

    /// The whole text in one buffer (what the cache keeps).
    pub fn into_bytes(self) -> Bytes {
        if self.full.is_empty() {
            return self.rest;
        }
        let mut whole = Vec::with_capacity(self.chunks().map(Bytes::len).sum());
        for chunk in self.chunks() {
            whole.extend_from_slice(chunk);
        }
        Bytes::from(whole)
    }

    /// A 200 with this JSON: one buffer with its length, or a stream of the chunks.
    pub fn into_response(self) -> Response {
        if self.full.is_empty() {
            return respond(self.rest);
        }
        let rest = (!self.rest.is_empty()).then_some(self.rest);
        let chunks = futures_util::stream::iter(self.full.into_iter().chain(rest).map(Ok::<Bytes, Infallible>));
        with_json_type(Response::new(Body::from_stream(chunks)))
    }
}

/// A 200 with `body`, which is JSON.
pub fn respond(body: Bytes) -> Response {
    with_json_type(Response::new(Body::from(body)))
}

fn with_json_type(mut response: Response) -> Response {
    let headers = response.headers_mut();
    // Room for what the middleware adds (CORS, request id, processing time) in one allocation.
    headers.reserve(8);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Fills `current` up to [`CHUNK`] bytes, then moves it to `done`.
struct ChunkWriter {
    done: Vec<Bytes>,
    current: Vec<u8>,
}

impl ChunkWriter {
    /// Fills the current chunk with the head of `buf`, moves it to `done`, and returns how
    /// much of `buf` it took.
    #[cold]
    fn fill_chunk(&mut self, buf: &[u8]) -> usize {
        let room = CHUNK - self.current.len();
        let taken = room.min(buf.len());
        self.current.extend_from_slice(&buf[..taken]);
        if self.current.len() == CHUNK {
            let full = std::mem::replace(&mut self.current, Vec::with_capacity(CHUNK));
            self.done.push(Bytes::from(full));
        }
        taken
    }
}

// serde_json writes every token through `write_all`; the default one loops over `write` and
// cost about 3,000 instructions per product read (`benches/instructions.sh`).
impl io::Write for ChunkWriter {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() < CHUNK - self.current.len() {
            self.current.extend_from_slice(buf);
            return Ok(buf.len());
        }
        Ok(self.fill_chunk(buf))
    }

    #[inline]
    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        if buf.len() < CHUNK - self.current.len() {
            self.current.extend_from_slice(buf);
            return Ok(());
        }
        while !buf.is_empty() {
            let taken = self.fill_chunk(buf);
            buf = &buf[taken..];
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{CHUNK, JsonBody};

    #[tokio::test]
    async fn chunks_hold_the_same_text_as_one_buffer() {
        let small = vec!["a"; 3];
        let large: Vec<String> = (0..200_000).map(|i| format!("row {i} \"quoted\" é")).collect();
        let exact = vec![0_u8; CHUNK - 2]; // `[` + digits...: crosses the boundary mid-write
        for text in [
            serde_json::to_vec(&small).unwrap_or_default(),
            serde_json::to_vec(&large).unwrap_or_default(),
            serde_json::to_vec(&exact).unwrap_or_default(),
        ] {
            let value: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
            let body = JsonBody::encode(&value).map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(body.chunks().count(), text.len().div_ceil(CHUNK).max(1));
            assert!(body.chunks().all(|c| c.len() <= CHUNK));
            let body = JsonBody::encode(&value).map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(body.into_bytes(), text);
            let response = JsonBody::encode(&value).map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
            let sent = axum::body::to_bytes(response.into_response().into_body(), usize::MAX).await;
            assert_eq!(sent.map_err(|e| e.to_string()), Ok(axum::body::Bytes::from(text)));
        }
    }
}
