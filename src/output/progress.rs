//! Progress on stderr for the long steps, only when stderr is a terminal.
//!
//! A planner running a county at the terminal sees which step is running
//! and how many villages are done; a script or CI log sees nothing extra,
//! because indicatif draws nothing when stderr is not a terminal, and we
//! do not even create the bars then.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress display for one run; a no-op when disabled.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress on stderr when `enabled` and stderr is a terminal.
    #[must_use]
    pub fn new(enabled: bool) -> Self {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg:<24} [{bar:30}] {pos}/{len} {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        });
        Self { bar }
    }

    /// Starts a step of `len` items (villages, grids).
    pub fn step(&self, msg: &'static str, len: usize) {
        if let Some(b) = &self.bar {
            b.set_message(msg);
            b.set_length(len as u64);
            b.set_position(0);
        }
    }

    /// One item of the current step is done.
    pub fn inc(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    /// Clears the display.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
