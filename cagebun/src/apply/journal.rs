//! The journal: every effect on the host, recorded with its undo as soon as
//! it is done, and undone in reverse when a later step fails.
//!
//! References: zfs(8), jail(8), service(8), pkg(8).

use std::fmt;
use std::path::PathBuf;

use jailctl::jail8::command::CommandLine;
use jailctl::jail8::lifecycle::{self, RunningJail};
use zfsctl::DatasetName;

use super::CageHost;
use super::effects::EffectError;
use crate::rootfs::ExistingFile;

/// One effect that was done, holding what its undo needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A file system was created (undo: destroy it).
    CreateDataset(DatasetName),
    /// A snapshot was cloned into a new file system (undo: destroy it).
    CloneSnapshot {
        /// The origin snapshot.
        snapshot: DatasetName,
        /// The clone.
        dataset: DatasetName,
    },
    /// A file system was mounted (undo: unmount it).
    Mount(DatasetName),
    /// A property was set locally where it was not before (undo: inherit).
    SetProperty {
        /// The dataset.
        dataset: DatasetName,
        /// The property.
        property: String,
        /// The value set.
        value: String,
    },
    /// A directory was made beneath a root (undo: remove it, unless it is
    /// gone already: unmounting a file system may remove its mountpoint).
    CreateDir {
        /// The root (host path).
        root: PathBuf,
        /// The directory, relative to the root.
        rel: PathBuf,
    },
    /// A file was written beneath a root (undo: put back the file that was
    /// there, or remove it).
    WriteFile {
        /// The root (host path).
        root: PathBuf,
        /// The file, relative to the root.
        rel: PathBuf,
        /// The file it replaced.
        previous: Option<ExistingFile>,
    },
    /// A host command was run (undo: run its counterpart).
    Command {
        /// What was run.
        run: CommandLine,
        /// What takes it back.
        undo: CommandLine,
    },
    /// A jail was started (undo: stop it).
    StartJail(RunningJail),
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateDataset(name) => write!(f, "zfs create {name}"),
            Self::CloneSnapshot { snapshot, dataset } => {
                write!(f, "zfs clone {snapshot} {dataset}")
            }
            Self::Mount(name) => write!(f, "zfs mount {name}"),
            Self::SetProperty {
                dataset,
                property,
                value,
            } => write!(f, "zfs set {property}={value} {dataset}"),
            Self::CreateDir { root, rel } => write!(f, "mkdir {}", root.join(rel).display()),
            Self::WriteFile { root, rel, .. } => write!(f, "write {}", root.join(rel).display()),
            Self::Command { run, .. } => write!(f, "{run}"),
            Self::StartJail(running) => {
                write!(f, "jail start {} (jid {})", running.name, running.jid)
            }
        }
    }
}

impl Effect {
    /// What the undo does, in the words of the command that would do it.
    pub fn undo_description(&self) -> String {
        match self {
            Self::CreateDataset(name) | Self::CloneSnapshot { dataset: name, .. } => {
                format!("zfs destroy {name}")
            }
            Self::Mount(name) => format!("zfs unmount {name}"),
            Self::SetProperty {
                dataset, property, ..
            } => format!("zfs inherit {property} {dataset}"),
            Self::CreateDir { root, rel } => format!("rmdir {}", root.join(rel).display()),
            Self::WriteFile {
                root,
                rel,
                previous: Some(_),
            } => format!("restore {}", root.join(rel).display()),
            Self::WriteFile { root, rel, .. } => format!("rm {}", root.join(rel).display()),
            Self::Command { undo, .. } => undo.to_string(),
            Self::StartJail(running) => {
                format!("jail stop {} (jid {})", running.name, running.jid)
            }
        }
    }

    /// Takes the effect back.
    pub fn undo(&self, host: &CageHost<'_>) -> Result<(), EffectError> {
        match self {
            Self::CreateDataset(name) | Self::CloneSnapshot { dataset: name, .. } => {
                host.zfs.destroy(name)
            }
            Self::Mount(name) => host.zfs.unmount(name),
            Self::SetProperty {
                dataset, property, ..
            } => host.zfs.inherit_property(dataset, property),
            // Unmounting may have removed a mountpoint directory already.
            Self::CreateDir { root, rel } => match host.files.exists(root, rel)? {
                true => host.files.remove_dir(root, rel),
                false => Ok(()),
            },
            Self::WriteFile {
                root,
                rel,
                previous: Some(file),
            } => host
                .files
                .write(root, rel, &file.contents, file.mode, file.owner),
            Self::WriteFile { root, rel, .. } => host.files.remove_file(root, rel),
            Self::Command { undo, .. } => host.system.run(undo).map(drop).map_err(Into::into),
            Self::StartJail(running) => lifecycle::stop(running.clone(), host.system, host.system)
                .map_err(|e| EffectError::JailStop(Box::new(e))),
        }
    }
}

/// An undo that failed: what it should have taken back is still on the
/// host.
#[derive(Debug)]
pub struct UndoFailure {
    /// The effect that was not taken back.
    pub effect: Effect,
    /// Why.
    pub error: EffectError,
}

/// The effects done so far, in order.
#[derive(Debug, Default)]
pub struct Journal {
    done: Vec<Effect>,
}

/// What rolling a journal back did.
#[derive(Debug, Default)]
pub struct RollBack {
    /// Effects taken back, in the order they were undone (last done first).
    pub undone: Vec<Effect>,
    /// Undos that failed, in the order tried.
    pub failed: Vec<UndoFailure>,
}

impl Journal {
    /// Records an effect that was just done.
    pub fn record(&mut self, effect: Effect) {
        tracing::debug!(undo = %effect.undo_description(), "journal: {effect}");
        self.done.push(effect);
    }

    /// The effects done so far, in order.
    pub fn effects(&self) -> &[Effect] {
        &self.done
    }

    /// Undoes every effect, last first; an undo that fails is reported and
    /// the others are still tried.
    pub fn roll_back(self, host: &CageHost<'_>) -> RollBack {
        let mut report = RollBack::default();
        for effect in self.done.into_iter().rev() {
            tracing::debug!("journal undo: {}", effect.undo_description());
            match effect.undo(host) {
                Ok(()) => report.undone.push(effect),
                Err(error) => report.failed.push(UndoFailure { effect, error }),
            }
        }
        report
    }
}

/// A step that failed, by what it was doing.
#[derive(Debug)]
pub struct StepFailure {
    /// What the step was doing, in the words of its command.
    pub step: String,
    /// Why it failed.
    pub error: EffectError,
}

impl StepFailure {
    /// A failure of `step`.
    pub fn new(step: impl Into<String>, error: impl Into<EffectError>) -> Self {
        Self {
            step: step.into(),
            error: error.into(),
        }
    }
}

/// Applying a cage failed; everything done before the failure was undone,
/// except the effects in [`undo_failures`](Self::undo_failures).
#[derive(Debug, thiserror::Error)]
#[error(
    "{cage}: {action} failed at `{}`: {}{}{}",
    .failure.step, .failure.error, undone_note(.undone), undo_failures_note(.undo_failures)
)]
pub struct ApplyError {
    /// The cage's name.
    pub cage: String,
    /// `create` or `start`.
    pub action: &'static str,
    /// The first error.
    pub failure: Box<StepFailure>,
    /// What was undone, last done first.
    pub undone: Vec<Effect>,
    /// Undos that failed; what they should have taken back is still there.
    pub undo_failures: Vec<UndoFailure>,
}

fn undone_note(undone: &[Effect]) -> String {
    if undone.is_empty() {
        return "; nothing to undo".to_owned();
    }
    let list: Vec<String> = undone.iter().map(Effect::undo_description).collect();
    format!("; undone: {}", list.join(", "))
}

fn undo_failures_note(failures: &[UndoFailure]) -> String {
    failures
        .iter()
        .map(|f| {
            format!(
                "; undo failed: {}: {}",
                f.effect.undo_description(),
                f.error
            )
        })
        .collect()
}

impl ApplyError {
    /// Rolls `journal` back after `failure` and reports both.
    pub fn after_roll_back(
        cage: &str,
        action: &'static str,
        failure: StepFailure,
        journal: Journal,
        host: &CageHost<'_>,
    ) -> Self {
        let report = journal.roll_back(host);
        Self {
            cage: cage.to_owned(),
            action,
            failure: Box::new(failure),
            undone: report.undone,
            undo_failures: report.failed,
        }
    }
}
