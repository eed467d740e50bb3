//! Host-side writes into a jail's root directory that never leave it.
//!
//! A jail root is writable from inside the jail, so anything in it may be a
//! trap: a symbolic link to `/etc`, a FIFO where a file is expected, a
//! directory swapped for a link between two calls. [`JailRoot`] opens the
//! root once and reaches every path beneath it one component at a time with
//! `openat(2)` and `O_NOFOLLOW`, so no symbolic link is followed anywhere in
//! the path: not out of the root, and not within it either.
//!
//! Files are created under a temporary name with their final mode in the same
//! `openat(2)` (the umask can only tighten it), given their owner with
//! `fchown(2)`, set to exactly the planned mode with `fchmod(2)`, and renamed
//! into place, so no other process ever sees them looser than planned.
//!
//! # Limitations
//!
//! - Every symbolic link in a path is refused, including links that would
//!   stay inside the root (such as `usr/home -> ../home`): name the real
//!   directory instead.
//! - Owners are numeric ids; the jail's `passwd` database is not consulted.
//! - A write replaces an existing regular file; it never replaces a directory,
//!   a link, a FIFO, a socket or a device.
//!
//! References: `openat(2)`, `fchown(2)`, `fchmod(2)`, `renameat(2)`,
//! `unlinkat(2)`, `mkdirat(2)`.

use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Gid, Mode, OFlags, Uid};
use rustix::io::Errno;

/// A path relative to a jail root, made only of plain names.
///
/// Empty components and `.` are dropped; `..`, a leading `/` and an empty
/// path are refused when the value is made, so a `RelPath` that exists can
/// never name anything above the root by its spelling alone.
///
/// References: `path_resolution(7)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelPath {
    names: Vec<OsString>,
}

/// Why a path was refused as a [`RelPath`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelPathError {
    /// The path starts at `/`.
    #[error("{path:?} is absolute; a path inside a jail root must be relative")]
    Absolute {
        /// The refused path.
        path: PathBuf,
    },
    /// The path contains a `..` component.
    #[error("{path:?} contains '..'; a path inside a jail root may not climb")]
    ParentComponent {
        /// The refused path.
        path: PathBuf,
    },
    /// The path names the root itself (it is empty or only `.`).
    #[error("{path:?} names the jail root itself, not an entry inside it")]
    Empty {
        /// The refused path.
        path: PathBuf,
    },
}

impl RelPath {
    /// Checks `path` and keeps its plain names.
    ///
    /// # Errors
    ///
    /// [`RelPathError`] naming `path` when it is absolute, contains `..` or
    /// names no entry.
    ///
    /// References: `path_resolution(7)`.
    pub fn new(path: impl AsRef<Path>) -> Result<Self, RelPathError> {
        let path = path.as_ref();
        let mut names = Vec::new();
        for component in path.components() {
            match component {
                Component::Normal(name) => names.push(name.to_os_string()),
                Component::CurDir => {}
                Component::ParentDir => {
                    return Err(RelPathError::ParentComponent {
                        path: path.to_path_buf(),
                    });
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(RelPathError::Absolute {
                        path: path.to_path_buf(),
                    });
                }
            }
        }
        if names.is_empty() {
            return Err(RelPathError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(Self { names })
    }

    /// The path as a `PathBuf`, `/`-joined and without a leading `./`.
    pub fn to_path_buf(&self) -> PathBuf {
        self.names.iter().collect()
    }

    /// The last name: the entry itself.
    pub fn file_name(&self) -> &OsStr {
        self.names.last().expect("a RelPath has at least one name")
    }

    /// The names of the directories leading to the entry, outermost first.
    pub fn parent_names(&self) -> &[OsString] {
        &self.names[..self.names.len() - 1]
    }

    /// Every name, outermost first.
    pub fn names(&self) -> &[OsString] {
        &self.names
    }

    /// The path made of the first `count` names.
    fn prefix(&self, count: usize) -> PathBuf {
        self.names[..count].iter().collect()
    }
}

impl std::fmt::Display for RelPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_path_buf().display())
    }
}

/// Permission bits of a file or directory: `0` to `0o7777`.
///
/// References: `chmod(2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileMode(u32);

/// A mode with bits outside `0o7777`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mode {mode:#o} has bits outside 0o7777")]
pub struct InvalidModeError {
    /// The refused value.
    pub mode: u32,
}

impl FileMode {
    /// Checks that `mode` holds permission bits only.
    ///
    /// # Errors
    ///
    /// [`InvalidModeError`] naming `mode` when it has bits above `0o7777`.
    ///
    /// References: `chmod(2)`.
    pub const fn new(mode: u32) -> Result<Self, InvalidModeError> {
        if mode & !0o7777 == 0 {
            Ok(Self(mode))
        } else {
            Err(InvalidModeError { mode })
        }
    }

    /// The bits, for example `0o644`.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The mode given to `open(2)` or `mkdir(2)` at creation: the permission
    /// bits without set-id and sticky bits, which only `fchmod(2)` sets,
    /// after the owner is in place.
    fn creation_mode(self) -> Mode {
        Mode::from_raw_mode(self.raw() & 0o777)
    }

    fn exact_mode(self) -> Mode {
        Mode::from_raw_mode(self.raw())
    }

    /// The bits as the platform's `mode_t`, 16 bits on FreeBSD: the value
    /// was checked to fit in 12.
    fn raw(self) -> rustix::fs::RawMode {
        self.0 as rustix::fs::RawMode
    }
}

impl std::fmt::Display for FileMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#o}", self.0)
    }
}

/// Numeric owner and group, as the jail's `passwd` and `group` name them.
///
/// References: `chown(2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

impl Owner {
    /// `root:wheel`, uid 0 and gid 0.
    pub const ROOT: Owner = Owner { uid: 0, gid: 0 };

    fn rustix_ids(self) -> (Option<Uid>, Option<Gid>) {
        (Some(Uid::from_raw(self.uid)), Some(Gid::from_raw(self.gid)))
    }
}

/// A regular file as [`JailRoot::read_file`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingFile {
    /// Its bytes.
    pub contents: Vec<u8>,
    /// Its permission bits.
    pub mode: FileMode,
    /// Its owner and group.
    pub owner: Owner,
}

/// What went wrong with a write into a jail root; every variant names the
/// path, relative to the root.
#[derive(Debug, thiserror::Error)]
pub enum RootfsError {
    /// The root directory itself could not be opened.
    #[error("jail root {path:?}: open: {errno}")]
    OpenRoot {
        /// The host path given to [`JailRoot::open`].
        path: PathBuf,
        /// What `open(2)` said.
        errno: Errno,
    },
    /// The path was refused before anything was touched.
    #[error(transparent)]
    InvalidPath(#[from] RelPathError),
    /// A component of the path is a symbolic link.
    #[error("{path}: {component:?} is a symbolic link; links are never followed in a jail root")]
    LinkInPath {
        /// The path asked for.
        path: RelPath,
        /// The leading part of `path` that is a link.
        component: PathBuf,
    },
    /// A component of the path exists and is not a directory.
    #[error("{path}: {component:?} is not a directory")]
    NotADirectory {
        /// The path asked for.
        path: RelPath,
        /// The leading part of `path` that is not a directory.
        component: PathBuf,
    },
    /// A directory on the way to the entry does not exist.
    #[error("{path}: directory {component:?} does not exist; create it first")]
    MissingDirectory {
        /// The path asked for.
        path: RelPath,
        /// The leading part of `path` that is missing.
        component: PathBuf,
    },
    /// The entry exists and is not a regular file.
    #[error("{path}: exists and is a {found}, not a regular file")]
    NotARegularFile {
        /// The path asked for.
        path: RelPath,
        /// What is there instead, such as `symbolic link` or `FIFO`.
        found: &'static str,
    },
    /// A system call failed.
    #[error("{path}: {op}: {errno}")]
    Syscall {
        /// The system call, as its man page names it.
        op: &'static str,
        /// The path asked for.
        path: RelPath,
        /// What the kernel said.
        errno: Errno,
    },
}

/// Whether a walk creates directories that are missing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MissingDirs {
    /// Fail with [`RootfsError::MissingDirectory`].
    Refuse,
    /// Create them with this mode and owner.
    Create(FileMode, Owner),
}

/// An open jail root directory; every path given to it is resolved beneath
/// it without following symbolic links.
///
/// References: `openat(2)` with `O_NOFOLLOW`.
#[derive(Debug)]
pub struct JailRoot {
    fd: OwnedFd,
    path: PathBuf,
}

impl JailRoot {
    /// Opens the directory at `path` (a host path) as a jail root.
    ///
    /// # Errors
    ///
    /// [`RootfsError::OpenRoot`] naming `path` when it is missing or not a
    /// directory.
    ///
    /// References: `open(2)` with `O_DIRECTORY`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, RootfsError> {
        let path = path.as_ref();
        tracing::debug!(path = %path.display(), "open jail root");
        let fd = rustix::fs::open(
            path,
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|errno| RootfsError::OpenRoot {
            path: path.to_path_buf(),
            errno,
        })?;
        Ok(Self {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// The host path this root was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `rel` with exactly `mode` and `owner`, replacing
    /// a regular file already there.
    ///
    /// The parent directory must exist (see [`JailRoot::create_dir_all`]).
    /// The file is written under a temporary name in the same directory,
    /// created with `mode` (less the umask) in the `openat(2)` call, then
    /// chowned, set to `mode` exactly and renamed over `rel`. On error the
    /// temporary file is removed and `rel` is left as it was.
    ///
    /// # Errors
    ///
    /// [`RootfsError`] naming `rel`: an invalid path, a link or non-directory
    /// on the way, a missing parent, an entry that is not a regular file, or
    /// a failed system call.
    ///
    /// References: `openat(2)` with `O_CREAT|O_EXCL`, `fchown(2)`,
    /// `fchmod(2)`, `renameat(2)`.
    pub fn write_file(
        &self,
        rel: impl AsRef<Path>,
        contents: &[u8],
        mode: FileMode,
        owner: Owner,
    ) -> Result<(), RootfsError> {
        let rel = RelPath::new(rel)?;
        let parent = self.open_parent(&rel, MissingDirs::Refuse)?;
        let name = rel.file_name();
        refuse_unless_regular_or_absent(&parent, name, &rel)?;

        let temp_name = temporary_name(name);
        tracing::debug!(
            root = %self.path.display(), path = %rel, temp = ?temp_name,
            mode = %mode, uid = owner.uid, gid = owner.gid, len = contents.len(),
            "write_file"
        );
        let written =
            write_temporary(&parent, &temp_name, contents, mode, owner, &rel).and_then(|()| {
                rustix::fs::renameat(&parent, &temp_name, &parent, name)
                    .map_err(|errno| syscall_error("renameat", &rel, errno))
            });
        if written.is_err() {
            let _ = rustix::fs::unlinkat(&parent, &temp_name, AtFlags::empty());
        }
        written
    }

    /// Creates `rel` and every missing directory before it, each with exactly
    /// `mode` and `owner`. Directories that already exist are left as they
    /// are.
    ///
    /// # Errors
    ///
    /// [`RootfsError`] naming `rel`: an invalid path, a link or non-directory
    /// on the way, or a failed system call. Directories created before the
    /// failure stay.
    ///
    /// References: `mkdirat(2)`, `fchown(2)`, `fchmod(2)`.
    pub fn create_dir_all(
        &self,
        rel: impl AsRef<Path>,
        mode: FileMode,
        owner: Owner,
    ) -> Result<(), RootfsError> {
        let rel = RelPath::new(rel)?;
        tracing::debug!(
            root = %self.path.display(), path = %rel, mode = %mode,
            uid = owner.uid, gid = owner.gid, "create_dir_all"
        );
        self.open_dir(&rel, MissingDirs::Create(mode, owner))
            .map(drop)
    }

    /// Removes the entry at `rel`, which must not be a directory. A symbolic
    /// link is removed itself, never its target.
    ///
    /// # Errors
    ///
    /// [`RootfsError`] naming `rel`: an invalid path, a link or non-directory
    /// on the way, or `unlinkat(2)` failing (`ENOENT` when nothing is there,
    /// `EISDIR` or `EPERM` for a directory).
    ///
    /// References: `unlinkat(2)`.
    pub fn remove_file(&self, rel: impl AsRef<Path>) -> Result<(), RootfsError> {
        let rel = RelPath::new(rel)?;
        let parent = self.open_parent(&rel, MissingDirs::Refuse)?;
        tracing::debug!(root = %self.path.display(), path = %rel, "unlinkat");
        rustix::fs::unlinkat(&parent, rel.file_name(), AtFlags::empty())
            .map_err(|errno| syscall_error("unlinkat", &rel, errno))
    }

    /// Whether anything (of any type, a link included) is at `rel`.
    ///
    /// # Errors
    ///
    /// [`RootfsError`] naming `rel`: an invalid path, a link or non-directory
    /// on the way, or `fstatat(2)` failing other than with `ENOENT`. A
    /// missing directory on the way means `false`.
    ///
    /// References: `fstatat(2)` with `AT_SYMLINK_NOFOLLOW`.
    pub fn exists(&self, rel: impl AsRef<Path>) -> Result<bool, RootfsError> {
        let rel = RelPath::new(rel)?;
        let parent = match self.open_parent(&rel, MissingDirs::Refuse) {
            Ok(parent) => parent,
            Err(RootfsError::MissingDirectory { .. }) => return Ok(false),
            Err(e) => return Err(e),
        };
        tracing::debug!(root = %self.path.display(), path = %rel, "fstatat");
        match rustix::fs::statat(&parent, rel.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(_) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(errno) => Err(syscall_error("fstatat", &rel, errno)),
        }
    }

    /// Reads the regular file at `rel` whole, with its mode and owner;
    /// `None` when nothing is there.
    ///
    /// # Errors
    ///
    /// [`RootfsError`] naming `rel`: an invalid path, a link or non-directory
    /// on the way, a missing directory, an entry that is not a regular file,
    /// or a failed system call.
    ///
    /// References: `openat(2)` with `O_NOFOLLOW`, `fstat(2)`, `read(2)`.
    pub fn read_file(&self, rel: impl AsRef<Path>) -> Result<Option<ExistingFile>, RootfsError> {
        let rel = RelPath::new(rel)?;
        let parent = self.open_parent(&rel, MissingDirs::Refuse)?;
        refuse_unless_regular_or_absent(&parent, rel.file_name(), &rel)?;
        tracing::debug!(root = %self.path.display(), path = %rel, "openat O_RDONLY");
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&parent, rel.file_name(), flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(errno) => return Err(syscall_error("openat", &rel, errno)),
        };
        let stat = rustix::fs::fstat(&fd).map_err(|errno| syscall_error("fstat", &rel, errno))?;
        let mut contents = Vec::new();
        std::io::Read::read_to_end(&mut std::fs::File::from(fd), &mut contents).map_err(
            |error| {
                let errno = Errno::from_io_error(&error).unwrap_or(Errno::IO);
                syscall_error("read", &rel, errno)
            },
        )?;
        Ok(Some(ExistingFile {
            contents,
            mode: FileMode(permission_bits(stat.st_mode)),
            owner: Owner {
                uid: stat.st_uid,
                gid: stat.st_gid,
            },
        }))
    }

    /// Removes the empty directory at `rel`; a link there is refused.
    ///
    /// # Errors
    ///
    /// [`RootfsError`] naming `rel`: an invalid path, a link or non-directory
    /// on the way, or `unlinkat(2)` failing (`ENOTEMPTY` when something is
    /// left in it, `ENOTDIR` for anything but a directory).
    ///
    /// References: `unlinkat(2)` with `AT_REMOVEDIR`.
    pub fn remove_dir(&self, rel: impl AsRef<Path>) -> Result<(), RootfsError> {
        let rel = RelPath::new(rel)?;
        let parent = self.open_parent(&rel, MissingDirs::Refuse)?;
        tracing::debug!(root = %self.path.display(), path = %rel, "unlinkat AT_REMOVEDIR");
        rustix::fs::unlinkat(&parent, rel.file_name(), AtFlags::REMOVEDIR)
            .map_err(|errno| syscall_error("unlinkat", &rel, errno))
    }

    /// Opens the directory that holds `rel`'s last name.
    pub(crate) fn open_parent(
        &self,
        rel: &RelPath,
        missing: MissingDirs,
    ) -> Result<OwnedFd, RootfsError> {
        self.walk(rel, rel.parent_names().len(), missing)
    }

    /// Opens `rel` itself as a directory.
    pub(crate) fn open_dir(
        &self,
        rel: &RelPath,
        missing: MissingDirs,
    ) -> Result<OwnedFd, RootfsError> {
        self.walk(rel, rel.names().len(), missing)
    }

    /// Opens the first `depth` names of `rel` one at a time, each with
    /// `O_NOFOLLOW`.
    fn walk(
        &self,
        rel: &RelPath,
        depth: usize,
        missing: MissingDirs,
    ) -> Result<OwnedFd, RootfsError> {
        let mut current =
            rustix::io::dup(&self.fd).map_err(|errno| syscall_error("dup", rel, errno))?;
        for (index, name) in rel.names()[..depth].iter().enumerate() {
            current = open_or_create_subdir(&current, name, rel, index + 1, missing)?;
        }
        Ok(current)
    }
}

/// Opens directory `name` inside `dir`, creating it when allowed.
fn open_or_create_subdir(
    dir: &OwnedFd,
    name: &OsStr,
    rel: &RelPath,
    depth: usize,
    missing: MissingDirs,
) -> Result<OwnedFd, RootfsError> {
    let flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC;
    match rustix::fs::openat(dir, name, flags, Mode::empty()) {
        Ok(fd) => Ok(fd),
        Err(Errno::NOENT) => match missing {
            MissingDirs::Refuse => Err(RootfsError::MissingDirectory {
                path: rel.clone(),
                component: rel.prefix(depth),
            }),
            MissingDirs::Create(mode, owner) => create_subdir(dir, name, rel, depth, mode, owner),
        },
        Err(errno) => Err(classify_walk_failure(dir, name, rel, depth, errno)),
    }
}

/// Makes directory `name` with `mode` and `owner`, then opens it.
fn create_subdir(
    dir: &OwnedFd,
    name: &OsStr,
    rel: &RelPath,
    depth: usize,
    mode: FileMode,
    owner: Owner,
) -> Result<OwnedFd, RootfsError> {
    tracing::debug!(path = %rel.prefix(depth).display(), mode = %mode, "mkdirat");
    match rustix::fs::mkdirat(dir, name, mode.creation_mode()) {
        Ok(()) | Err(Errno::EXIST) => {}
        Err(errno) => return Err(syscall_error("mkdirat", rel, errno)),
    }
    let flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, name, flags, Mode::empty())
        .map_err(|errno| classify_walk_failure(dir, name, rel, depth, errno))?;
    set_owner_and_mode(&fd, mode, owner, rel)?;
    Ok(fd)
}

/// Turns a failed `openat(2)` of a directory into the error that says why,
/// by looking at what is there without following it.
fn classify_walk_failure(
    dir: &OwnedFd,
    name: &OsStr,
    rel: &RelPath,
    depth: usize,
    errno: Errno,
) -> RootfsError {
    let component = rel.prefix(depth);
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => match FileType::from_raw_mode(stat.st_mode) {
            FileType::Symlink => RootfsError::LinkInPath {
                path: rel.clone(),
                component,
            },
            FileType::Directory => syscall_error("openat", rel, errno),
            _ => RootfsError::NotADirectory {
                path: rel.clone(),
                component,
            },
        },
        Err(_) => syscall_error("openat", rel, errno),
    }
}

/// Refuses `name` in `dir` when something other than a regular file is there.
fn refuse_unless_regular_or_absent(
    dir: &OwnedFd,
    name: &OsStr,
    rel: &RelPath,
) -> Result<(), RootfsError> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => match FileType::from_raw_mode(stat.st_mode) {
            FileType::RegularFile => Ok(()),
            other => Err(RootfsError::NotARegularFile {
                path: rel.clone(),
                found: file_type_name(other),
            }),
        },
        Err(Errno::NOENT) => Ok(()),
        Err(errno) => Err(syscall_error("fstatat", rel, errno)),
    }
}

/// Creates `temp_name` with `mode`, writes `contents`, sets owner and mode.
fn write_temporary(
    dir: &OwnedFd,
    temp_name: &OsStr,
    contents: &[u8],
    mode: FileMode,
    owner: Owner,
    rel: &RelPath,
) -> Result<(), RootfsError> {
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, temp_name, flags, mode.creation_mode())
        .map_err(|errno| syscall_error("openat", rel, errno))?;
    let mut file = std::fs::File::from(fd);
    std::io::Write::write_all(&mut file, contents).map_err(|error| {
        syscall_error(
            "write",
            rel,
            Errno::from_io_error(&error).unwrap_or(Errno::IO),
        )
    })?;
    set_owner_and_mode(&file, mode, owner, rel)?;
    rustix::fs::fsync(&file).map_err(|errno| syscall_error("fsync", rel, errno))
}

/// Sets owner first, then the exact mode: `chown(2)` clears set-id bits.
pub(crate) fn set_owner_and_mode(
    fd: impl AsFd,
    mode: FileMode,
    owner: Owner,
    rel: &RelPath,
) -> Result<(), RootfsError> {
    let (uid, gid) = owner.rustix_ids();
    rustix::fs::fchown(&fd, uid, gid).map_err(|errno| syscall_error("fchown", rel, errno))?;
    rustix::fs::fchmod(&fd, mode.exact_mode()).map_err(|errno| syscall_error("fchmod", rel, errno))
}

/// The permission bits of a `st_mode` (16 bits wide on FreeBSD, 32 on
/// Linux).
#[cfg_attr(not(target_os = "freebsd"), allow(clippy::useless_conversion))]
fn permission_bits(st_mode: rustix::fs::RawMode) -> u32 {
    u32::from(st_mode) & 0o7777
}

/// A name beside `name` that no one else will pick: `.name.cagebun-<hex>`.
fn temporary_name(name: &OsStr) -> OsString {
    let mut random = [0u8; 8];
    // An all-zero suffix is still a valid name; O_EXCL catches any clash.
    let _ = getrandom::fill(&mut random);
    let suffix: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    let mut temp = OsString::from(".");
    temp.push(name);
    temp.push(format!(".cagebun-{suffix}"));
    temp
}

fn syscall_error(op: &'static str, rel: &RelPath, errno: Errno) -> RootfsError {
    RootfsError::Syscall {
        op,
        path: rel.clone(),
        errno,
    }
}

/// How `ls -l` would call a file type, in words.
pub(crate) fn file_type_name(file_type: FileType) -> &'static str {
    match file_type {
        FileType::RegularFile => "regular file",
        FileType::Directory => "directory",
        FileType::Symlink => "symbolic link",
        FileType::Fifo => "FIFO",
        FileType::Socket => "socket",
        FileType::CharacterDevice => "character device",
        FileType::BlockDevice => "block device",
        _ => "file of unknown type",
    }
}
