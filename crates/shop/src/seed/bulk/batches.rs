//! Rows turned into batches (COPY text, bound arguments, statements) on a blocking thread
//! and handed to the loader through a short queue, so that building the next batches
//! overlaps with the database storing the last one: on two cores, the generator and the
//! database each get one instead of taking turns.

use sea_orm::DbErr;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Cell;

/// Batches ready ahead of the database: enough to ride out a slow one, few enough that a
/// megabyte each stays small.
const AHEAD: usize = 4;

pub struct Batches<T> {
    queue: mpsc::Receiver<T>,
    thread: JoinHandle<()>,
}

impl<T: Send + 'static> Batches<T> {
    /// Calls `next` on `rows` until it returns `None`, on a thread of its own.
    pub fn spawn<I, F>(mut rows: I, mut next: F) -> Self
    where
        I: Iterator<Item = Vec<Cell>> + Send + 'static,
        F: FnMut(&mut I) -> Option<T> + Send + 'static,
    {
        let (sender, queue) = mpsc::channel(AHEAD);
        let thread = tokio::task::spawn_blocking(move || {
            while let Some(batch) = next(&mut rows) {
                // A closed queue: the loader stopped, on an error of its own.
                if sender.blocking_send(batch).is_err() {
                    return;
                }
            }
        });
        Self { queue, thread }
    }

    pub async fn next(&mut self) -> Option<T> {
        self.queue.recv().await
    }

    /// Waits for the thread; an error when it ended by a panic, since the batches received
    /// are then not all of the rows.
    pub async fn finish(self) -> Result<(), DbErr> {
        drop(self.queue);
        self.thread.await.map_err(|e| DbErr::Custom(format!("generating the rows failed: {e}")))
    }
}
