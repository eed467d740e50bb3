//! What a release installation reports while it runs, and a terminal
//! progress bar that shows it.
//!
//! The library only calls a callback with [`ProgressEvent`]s; the bar is an
//! adapter a tool opts into with [`TerminalProgress::for_stderr`].
//!
//! References: the `indicatif` crate.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use super::DistSetName;

/// One step of fetching and extracting a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressEvent<'a> {
    /// Bytes of a set are on disk; `received` counts bytes kept from an
    /// earlier, interrupted download too.
    Downloading {
        /// The set.
        set: &'a DistSetName,
        /// Bytes in the download file so far.
        received: u64,
        /// The full size, when the server or file said it.
        total: Option<u64>,
    },
    /// The set is being checked against the `MANIFEST`.
    Verifying {
        /// The set.
        set: &'a DistSetName,
    },
    /// Entries of a set have been extracted.
    Extracting {
        /// The set.
        set: &'a DistSetName,
        /// Entries extracted so far.
        entries: u64,
        /// Entries the `MANIFEST` announces.
        expected_entries: u64,
    },
    /// The set is fully extracted.
    Extracted {
        /// The set.
        set: &'a DistSetName,
    },
}

/// A progress bar on standard error, drawn only when standard error is a
/// terminal; otherwise every event is ignored.
///
/// References: the `indicatif` crate.
#[derive(Debug)]
pub struct TerminalProgress {
    bar: Option<ProgressBar>,
    stage: Option<(String, &'static str)>,
}

impl TerminalProgress {
    /// A bar on standard error, or a silent adapter when it is not a
    /// terminal.
    pub fn for_stderr() -> Self {
        Self {
            bar: std::io::stderr().is_terminal().then(ProgressBar::no_length),
            stage: None,
        }
    }

    /// Shows `event`. Pass this from the installer's progress callback.
    pub fn observe(&mut self, event: &ProgressEvent<'_>) {
        let Some(bar) = self.bar.clone() else {
            return;
        };
        match *event {
            ProgressEvent::Downloading {
                set,
                received,
                total,
            } => {
                if self.enter(set, "download") {
                    bar.set_style(bytes_style());
                    bar.set_message(format!("fetch {set}"));
                }
                if let Some(total) = total {
                    bar.set_length(total);
                }
                bar.set_position(received);
            }
            ProgressEvent::Verifying { set } => {
                self.enter(set, "verify");
                bar.set_message(format!("verify {set}"));
            }
            ProgressEvent::Extracting {
                set,
                entries,
                expected_entries,
            } => {
                if self.enter(set, "extract") {
                    bar.set_style(entries_style());
                    bar.set_message(format!("extract {set}"));
                    bar.set_length(expected_entries);
                }
                bar.set_position(entries);
            }
            ProgressEvent::Extracted { set } => {
                bar.finish_with_message(format!("{set} extracted"));
                self.stage = None;
            }
        }
    }

    /// Records the stage; true when it changed.
    fn enter(&mut self, set: &DistSetName, stage: &'static str) -> bool {
        let next = (set.to_string(), stage);
        if self.stage.as_ref() == Some(&next) {
            return false;
        }
        if let Some(bar) = &self.bar {
            bar.reset();
        }
        self.stage = Some(next);
        true
    }
}

fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg:24} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn entries_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg:24} [{bar:40}] {pos}/{len} entries")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}
