//! Writing a plan's files under a staging root, at the paths they would have
//! on the FreeBSD host (`STAGE/cagebun/cages/rabbit/root/usr/local/etc/...`,
//! `STAGE/etc/rc.conf.d/spiped`).
//!
//! Rendering is all or nothing: every path is checked before anything is
//! written, every text file is first written beside its final place and only
//! renamed into place once all of them are written, and on an error every
//! file and directory made so far is removed. A symbolic link anywhere below
//! the staging root is refused, never followed.
//!
//! The spiped key is made once: 32 bytes from the operating system's random
//! source, in a file created with mode 0400 by the same `open` that creates
//! it. An existing key is kept if it is a regular file of at least 32 bytes
//! that neither group nor others can read; otherwise rendering is refused.
//!
//! Limitations: with [`RenderOptions::chown`], owner and group names are
//! looked up in the running host's user database, not in the jail's.
//! Files replaced by a later render are not restored if that render fails
//! while renaming (the renames come last, after every write succeeded).
//!
//! References: open(2) `O_CREAT|O_EXCL`, rename(2), lstat(2), fchown(2),
//! getrandom(2), spiped(1) `-k`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::unistd::{Group, User};
use thiserror::Error;
use tracing::debug;

use crate::plan::{FileContent, Plan, PlannedFile, staged_path};

/// Length of a generated spiped key, and the least accepted for an existing
/// one.
pub const KEY_LEN: usize = 32;

/// How to render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Give each file its planned owner and group, looked up by name on the
    /// running host (needs root).
    pub chown: bool,
}

/// What a render did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderReport {
    /// Files written (including a newly made key), staged paths.
    pub written: Vec<PathBuf>,
    /// An existing key that was kept, staged path.
    pub kept_key: Option<PathBuf>,
}

/// Why a render failed. Nothing it wrote is left behind.
#[derive(Debug, Error)]
pub enum RenderError {
    /// A symbolic link lies on the way to a file below the staging root.
    #[error("{path}: symbolic link inside the staging directory; refusing to write through it")]
    SymlinkInStage {
        /// The link.
        path: PathBuf,
    },
    /// Something other than a directory lies where a directory is needed.
    #[error("{path}: not a directory")]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// Something other than a regular file lies where a file goes.
    #[error("{path}: not a regular file")]
    NotARegularFile {
        /// The path.
        path: PathBuf,
    },
    /// An existing spiped key is too short (an empty file is a key of no
    /// strength, yet spiped accepts it).
    #[error("{path}: spiped key of {len} bytes, at least {KEY_LEN} needed")]
    KeyTooShort {
        /// The key.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
    /// An existing spiped key can be read by its group or by others.
    #[error("{path}: spiped key has mode {mode:04o}; group and others must not read it")]
    KeyReadableByOthers {
        /// The key.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A user name is unknown on this host.
    #[error("user {0:?} does not exist on this host")]
    UnknownUser(String),
    /// A group name is unknown on this host.
    #[error("group {0:?} does not exist on this host")]
    UnknownGroup(String),
    /// A system call failed.
    #[error("{path}: {source}")]
    Io {
        /// The path it was about.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> RenderError + '_ {
    move |source| RenderError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Whether `path` exists, without following a final symbolic link.
fn lstat(path: &Path) -> Result<Option<fs::Metadata>, RenderError> {
    match fs::symlink_metadata(path) {
        Ok(meta) => Ok(Some(meta)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Checks every existing directory between `stage` and `target`, and
/// `target` itself: no symbolic links, directories where directories go,
/// a regular file (or nothing) at the end.
fn check_path(stage: &Path, target: &Path) -> Result<(), RenderError> {
    let relative = target.strip_prefix(stage).unwrap_or(target);
    let mut current = stage.to_owned();
    let mut parts = relative.components().peekable();
    while let Some(part) = parts.next() {
        current.push(part);
        let Some(meta) = lstat(&current)? else {
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            return Err(RenderError::SymlinkInStage { path: current });
        }
        let last = parts.peek().is_none();
        if last && !meta.is_file() {
            return Err(RenderError::NotARegularFile { path: current });
        }
        if !last && !meta.is_dir() {
            return Err(RenderError::NotADirectory { path: current });
        }
    }
    Ok(())
}

/// Checks an existing key: regular, at least [`KEY_LEN`] bytes, no group or
/// other permission bits. Returns whether a key exists.
///
/// References: spiped(1) `-k`.
pub fn check_existing_key(path: &Path) -> Result<bool, RenderError> {
    let Some(meta) = lstat(path)? else {
        return Ok(false);
    };
    if meta.file_type().is_symlink() {
        return Err(RenderError::SymlinkInStage {
            path: path.to_owned(),
        });
    }
    if !meta.is_file() {
        return Err(RenderError::NotARegularFile {
            path: path.to_owned(),
        });
    }
    check_key_mode_and_len(path, meta.permissions().mode(), meta.len())?;
    Ok(true)
}

/// The rule for a spiped key that is kept: no group or other permission
/// bits in `mode`, and at least [`KEY_LEN`] bytes. `path` names the key in
/// the error. [`check_existing_key`] and [`apply`](crate::apply) both use
/// it.
///
/// References: spiped(1) `-k`.
pub fn check_key_mode_and_len(path: &Path, mode: u32, len: u64) -> Result<(), RenderError> {
    let mode = mode & 0o7777;
    if mode & 0o077 != 0 {
        return Err(RenderError::KeyReadableByOthers {
            path: path.to_owned(),
            mode,
        });
    }
    if len < KEY_LEN as u64 {
        return Err(RenderError::KeyTooShort {
            path: path.to_owned(),
            len,
        });
    }
    Ok(())
}

struct Ownership {
    uid: u32,
    gid: u32,
}

fn resolve_owner(file: &PlannedFile) -> Result<Ownership, RenderError> {
    let user = User::from_name(&file.owner)
        .map_err(|e| io_error(&file.path)(io::Error::from(e)))?
        .ok_or_else(|| RenderError::UnknownUser(file.owner.clone()))?;
    let group = Group::from_name(&file.group)
        .map_err(|e| io_error(&file.path)(io::Error::from(e)))?
        .ok_or_else(|| RenderError::UnknownGroup(file.group.clone()))?;
    Ok(Ownership {
        uid: user.uid.as_raw(),
        gid: group.gid.as_raw(),
    })
}

/// What has been made so far, to undo on failure.
#[derive(Default)]
struct Undo {
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

impl Undo {
    fn roll_back(&self) {
        for file in self.files.iter().rev() {
            let _ = fs::remove_file(file);
        }
        for dir in self.dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

fn make_dirs(stage: &Path, dir: &Path, undo: &mut Undo) -> Result<(), RenderError> {
    let relative = dir.strip_prefix(stage).unwrap_or(dir);
    let mut current = stage.to_owned();
    for part in relative.components() {
        current.push(part);
        match lstat(&current)? {
            Some(meta) if meta.is_dir() => {}
            Some(_) => return Err(RenderError::NotADirectory { path: current }),
            None => {
                debug!(path = %current.display(), "mkdir 0755");
                fs::DirBuilder::new()
                    .mode(0o755)
                    .create(&current)
                    .map_err(io_error(&current))?;
                undo.dirs.push(current.clone());
            }
        }
    }
    Ok(())
}

/// Creates `path` (which must not exist) with `mode` in the creating open,
/// sets exactly `mode` (whatever the umask), gives it its owner, and writes
/// `bytes`.
fn create_file(
    path: &Path,
    mode: u32,
    owner: Option<&Ownership>,
    bytes: &[u8],
) -> Result<(), RenderError> {
    debug!(path = %path.display(), mode = format!("{mode:04o}"), "open O_CREAT|O_EXCL");
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io_error(path))?;
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(io_error(path))?;
    if let Some(owner) = owner {
        debug!(path = %path.display(), uid = owner.uid, gid = owner.gid, "fchown");
        std::os::unix::fs::fchown(&file, Some(owner.uid), Some(owner.gid))
            .map_err(io_error(path))?;
    }
    file.write_all(bytes).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

fn random_key(path: &Path) -> Result<[u8; KEY_LEN], RenderError> {
    let mut key = [0u8; KEY_LEN];
    debug!(bytes = KEY_LEN, "getrandom");
    getrandom::fill(&mut key).map_err(|e| io_error(path)(io::Error::other(e.to_string())))?;
    Ok(key)
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.cagebun-new"))
}

impl Plan {
    /// Writes every file of the plan under `stage` (created if missing).
    ///
    /// References: open(2), rename(2), fchown(2), getrandom(2).
    pub fn render(
        &self,
        stage: &Path,
        options: &RenderOptions,
    ) -> Result<RenderReport, RenderError> {
        let files: Vec<&PlannedFile> = self.files().collect();

        // Check the staging root, every target path and an existing key.
        if let Some(meta) = lstat(stage)? {
            if meta.file_type().is_symlink() {
                return Err(RenderError::SymlinkInStage {
                    path: stage.to_owned(),
                });
            }
            if !meta.is_dir() {
                return Err(RenderError::NotADirectory {
                    path: stage.to_owned(),
                });
            }
        }
        let mut keep_key = Vec::new();
        for file in &files {
            let target = staged_path(stage, &file.path);
            check_path(stage, &target)?;
            if matches!(file.content, FileContent::RandomKey { .. }) && check_existing_key(&target)?
            {
                keep_key.push(target.clone());
            }
        }
        let owners: Vec<Option<Ownership>> = files
            .iter()
            .map(|f| options.chown.then(|| resolve_owner(f)).transpose())
            .collect::<Result<_, _>>()?;

        // Write everything beside its place; undo it all on any error.
        let mut undo = Undo::default();
        if lstat(stage)?.is_none() {
            if let Some(parent) = stage.parent() {
                fs::create_dir_all(parent).map_err(io_error(parent))?;
            }
            fs::create_dir(stage).map_err(io_error(stage))?;
            undo.dirs.push(stage.to_owned());
        }
        let mut renames = Vec::new();
        let mut report = RenderReport::default();
        let result = self.write_all(
            stage,
            &files,
            &owners,
            &keep_key,
            &mut undo,
            &mut renames,
            &mut report,
        );
        if let Err(e) = result {
            undo.roll_back();
            return Err(e);
        }

        // Move the written files into place.
        for (temporary, target) in &renames {
            debug!(from = %temporary.display(), to = %target.display(), "rename");
            if let Err(e) = fs::rename(temporary, target) {
                undo.roll_back();
                return Err(io_error(target)(e));
            }
        }
        report.kept_key = keep_key.into_iter().next();
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    fn write_all(
        &self,
        stage: &Path,
        files: &[&PlannedFile],
        owners: &[Option<Ownership>],
        keep_key: &[PathBuf],
        undo: &mut Undo,
        renames: &mut Vec<(PathBuf, PathBuf)>,
        report: &mut RenderReport,
    ) -> Result<(), RenderError> {
        for (file, owner) in files.iter().zip(owners) {
            let target = staged_path(stage, &file.path);
            if let Some(parent) = target.parent() {
                make_dirs(stage, parent, undo)?;
            }
            match &file.content {
                FileContent::RandomKey { .. } if keep_key.contains(&target) => {}
                FileContent::RandomKey { .. } => {
                    let key = random_key(&target)?;
                    undo.files.push(target.clone());
                    create_file(&target, file.mode, owner.as_ref(), &key)?;
                    report.written.push(target);
                }
                FileContent::Text(text) => {
                    let temporary = temporary_path(&target);
                    if let Some(meta) = lstat(&temporary)? {
                        if !meta.is_file() {
                            return Err(RenderError::NotARegularFile { path: temporary });
                        }
                        fs::remove_file(&temporary).map_err(io_error(&temporary))?;
                    }
                    undo.files.push(temporary.clone());
                    create_file(&temporary, file.mode, owner.as_ref(), text.as_bytes())?;
                    renames.push((temporary, target.clone()));
                    report.written.push(target);
                }
            }
        }
        Ok(())
    }
}
