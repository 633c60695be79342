//! What a running migrator tells its caller as it goes: that it waits for the lock (and on
//! whom), and each revision as soon as it is applied or reverted, so a failure later in the
//! run does not hide the ones that went through.

use std::sync::Arc;

use crate::runtime::migrator::StepReport;

pub enum Progress<'a> {
    /// The migrator lock is taken; the migrator polls until its lock timeout.
    Waiting { holder: &'a str },
    /// One revision went through (its version and history row are committed).
    Step(&'a StepReport),
}

/// Receives progress; called on the migrator's task, so it should return quickly.
pub type Sink = Arc<dyn Fn(Progress<'_>) + Send + Sync>;
