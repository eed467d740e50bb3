//! Replacing a staging directory as a whole with a fresh render of a plan.
//!
//! Every stage made here holds a marker file, [`STAGE_MARKER`], at its top.
//! Only a directory that holds the marker, or an empty one, is ever replaced
//! or removed; any other existing directory is refused and left untouched.
//! A stage given as a symbolic link is refused, never followed.
//!
//! The new stage is rendered into `STAGE.new`, the old one is renamed to
//! `STAGE.old`, the new one renamed to `STAGE`, and `STAGE.old` removed, so
//! `STAGE` always holds either the previous render or the new one. The
//! spiped key of the previous stage is copied into the new one first (same
//! bytes, mode 0400), so a re-render keeps the key.
//!
//! Limitations: two renders into the same stage at the same time are not
//! serialised; the later rename wins. A stage made before the marker existed
//! is refused; remove it by hand once.
//!
//! References: rename(2), lstat(2), open(2) `O_CREAT|O_EXCL`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use thiserror::Error;
use tracing::debug;

use crate::plan::{FileRole, Plan, staged_path};
use crate::render::{RenderError, RenderOptions, RenderReport, check_existing_key};

/// Name of the marker file at the top of every stage this module makes.
pub const STAGE_MARKER: &str = ".cagebun-stage";

const MARKER_TEXT: &str =
    "Rendered by cagebun. This directory is replaced as a whole by the next render.\n";

/// Why a stage was not replaced. A refused stage is left untouched.
#[derive(Debug, Error)]
pub enum StageError {
    /// The directory exists, is not empty and holds no [`STAGE_MARKER`].
    #[error(
        "{path}: not empty and not a stage made by cagebun (no {STAGE_MARKER}); refusing to replace it"
    )]
    NotAStage {
        /// The directory.
        path: PathBuf,
    },
    /// The stage path, or `STAGE.new` or `STAGE.old`, is a symbolic link.
    #[error("{path}: symbolic link; give the directory itself, not a link to it")]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// Something other than a directory lies at the stage path.
    #[error("{path}: exists and is not a directory")]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// Rendering into the new stage failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A system call failed.
    #[error("{path}: {source}")]
    Io {
        /// The path it was about.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StageError + '_ {
    move |source| StageError::Io {
        path: path.to_owned(),
        source,
    }
}

fn with_suffix(stage: &Path, suffix: &str) -> PathBuf {
    let mut name = stage.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether `dir` exists and may be replaced: `Ok(false)` if absent,
/// `Ok(true)` if it is a directory holding the marker or nothing at all.
fn check_replaceable(dir: &Path) -> Result<bool, StageError> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_error(dir)(e)),
    };
    if meta.file_type().is_symlink() {
        return Err(StageError::Symlink {
            path: dir.to_owned(),
        });
    }
    if !meta.is_dir() {
        return Err(StageError::NotADirectory {
            path: dir.to_owned(),
        });
    }
    let marker = dir.join(STAGE_MARKER);
    match fs::symlink_metadata(&marker) {
        Ok(meta) if meta.is_file() => return Ok(true),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&marker)(e)),
    }
    let mut entries = fs::read_dir(dir).map_err(io_error(dir))?;
    if entries.next().is_none() {
        return Ok(true);
    }
    Err(StageError::NotAStage {
        path: dir.to_owned(),
    })
}

fn remove_stage(dir: &Path) -> Result<(), StageError> {
    debug!(path = %dir.display(), "remove stage");
    fs::remove_dir_all(dir).map_err(io_error(dir))
}

/// Creates `fresh` with its marker.
fn make_fresh(fresh: &Path) -> Result<(), StageError> {
    if let Some(parent) = fresh.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    debug!(path = %fresh.display(), "mkdir 0755");
    fs::DirBuilder::new()
        .mode(0o755)
        .create(fresh)
        .map_err(io_error(fresh))?;
    let marker = fresh.join(STAGE_MARKER);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&marker)
        .map_err(io_error(&marker))?;
    file.write_all(MARKER_TEXT.as_bytes())
        .map_err(io_error(&marker))
}

/// Copies the spiped key of the `old` stage into `fresh`: same bytes, mode
/// 0400, and with `chown` the same owner and group. A missing key is not an
/// error; a key that fails [`check_existing_key`] is.
fn carry_key(plan: &Plan, old: &Path, fresh: &Path, chown: bool) -> Result<(), StageError> {
    let Some(key) = plan.file(FileRole::SpipedKey) else {
        return Ok(());
    };
    let from = staged_path(old, &key.path);
    if !check_existing_key(&from)? {
        return Ok(());
    }
    let to = staged_path(fresh, &key.path);
    if let Some(parent) = to.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(parent)
            .map_err(io_error(parent))?;
    }
    let bytes = fs::read(&from).map_err(io_error(&from))?;
    debug!(from = %from.display(), to = %to.display(), "copy spiped key, mode 0400");
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o400)
        .open(&to)
        .map_err(io_error(&to))?;
    if chown {
        let meta = fs::metadata(&from).map_err(io_error(&from))?;
        std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid()))
            .map_err(io_error(&to))?;
    }
    file.write_all(&bytes).map_err(io_error(&to))?;
    file.sync_all().map_err(io_error(&to))
}

/// Renders `plan` into a fresh stage and swaps it in for `stage`, keeping
/// the previous stage's spiped key. Refuses, touching nothing, an existing
/// `stage`, `STAGE.new` or `STAGE.old` that is a symbolic link, not a
/// directory, or a non-empty directory without [`STAGE_MARKER`].
///
/// The report names paths under `stage`.
///
/// References: rename(2), open(2).
pub fn replace_stage(
    plan: &Plan,
    stage: &Path,
    options: &RenderOptions,
) -> Result<RenderReport, StageError> {
    // Check everything before changing anything.
    let fresh = with_suffix(stage, ".new");
    let old = with_suffix(stage, ".old");
    let stage_exists = check_replaceable(stage)?;
    let fresh_exists = check_replaceable(&fresh)?;
    let old_exists = check_replaceable(&old)?;

    // Clear what an interrupted run left, then render beside the stage.
    if fresh_exists {
        remove_stage(&fresh)?;
    }
    if old_exists {
        remove_stage(&old)?;
    }
    make_fresh(&fresh)?;
    let rendered = if stage_exists {
        carry_key(plan, stage, &fresh, options.chown)
    } else {
        Ok(())
    }
    .and_then(|()| Ok(plan.render(&fresh, options)?));
    let mut report = match rendered {
        Ok(report) => report,
        Err(e) => {
            let _ = remove_stage(&fresh);
            return Err(e);
        }
    };

    // Swap the new stage in and drop the old one.
    if stage_exists {
        debug!(from = %stage.display(), to = %old.display(), "rename");
        fs::rename(stage, &old).map_err(io_error(stage))?;
    }
    debug!(from = %fresh.display(), to = %stage.display(), "rename");
    fs::rename(&fresh, stage).map_err(io_error(stage))?;
    if stage_exists {
        remove_stage(&old)?;
    }
    let moved = |path: PathBuf| match path.strip_prefix(&fresh) {
        Ok(relative) => stage.join(relative),
        Err(_) => path,
    };
    report.written = report.written.into_iter().map(moved).collect();
    report.kept_key = report.kept_key.map(moved);
    Ok(report)
}
