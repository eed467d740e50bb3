//! Extracting a `.txz` distribution set beneath a jail root, treating the
//! archive as hostile.
//!
//! Every entry path must be relative without `..`; every directory on the
//! way is opened with `O_NOFOLLOW` through [`JailRoot`], so no entry is
//! written through a symbolic link, whether the archive planted it or it was
//! there before. A symbolic link whose relative target climbs above the root
//! is refused; an absolute target is kept, since inside the jail it names a
//! path under the jail's root. Hard links must name an entry under the root.
//!
//! Modes, numeric owners, modification times, hard links and symbolic links
//! are restored. Directory modes, owners and times are set after every entry
//! is written, deepest first. File flags (`SCHILY.fflags`) are collected and
//! applied by [`apply_file_flags`] once every set is extracted, because an
//! immutable file can no longer be linked to.
//!
//! References: `tar(5)`, `bsdtar(1)`, `xz(1)`, `openat(2)`, `linkat(2)`,
//! `symlinkat(2)`, `chflags(2)`.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Timespec, Timestamps};
use rustix::io::Errno;

use super::file_flags::{FileFlags, UnknownFileFlag};
use super::{DistSetName, ProgressEvent};
use crate::rootfs::{
    FileMode, JailRoot, MissingDirs, Owner, RelPath, RelPathError, RootfsError, file_type_name,
    set_owner_and_mode,
};

/// Mode and owner of a directory the archive did not list before its
/// contents, as `bsdtar(1)` creates it.
const IMPLIED_DIR: MissingDirs = MissingDirs::Create(
    match FileMode::new(0o755) {
        Ok(mode) => mode,
        Err(_) => unreachable!(),
    },
    Owner::ROOT,
);

/// Why an archive could not be extracted; each variant names the set and,
/// where there is one, the entry.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// An entry path is absolute, climbs with `..`, or similar.
    #[error("{set}: entry {entry:?} refused: {reason}")]
    UnsafePath {
        /// The set.
        set: DistSetName,
        /// The entry path as the archive spells it.
        entry: PathBuf,
        /// Why it was refused.
        reason: RelPathError,
    },
    /// A symbolic link's relative target climbs above the root.
    #[error("{set}: symbolic link {entry} -> {target:?} points outside the root")]
    LinkOutside {
        /// The set.
        set: DistSetName,
        /// The link.
        entry: RelPath,
        /// Its target.
        target: PathBuf,
    },
    /// A hard link names something that is not under the root.
    #[error("{set}: hard link {entry} -> {target:?} refused: {reason}")]
    HardLinkOutside {
        /// The set.
        set: DistSetName,
        /// The link.
        entry: RelPath,
        /// Its target as the archive spells it.
        target: PathBuf,
        /// Why it was refused.
        reason: RelPathError,
    },
    /// A link entry has no target.
    #[error("{set}: link {entry} has no target")]
    MissingLinkTarget {
        /// The set.
        set: DistSetName,
        /// The link.
        entry: RelPath,
    },
    /// An entry type that a release never holds (device, FIFO, ...).
    #[error("{set}: entry {entry} has unsupported type {kind}")]
    UnsupportedType {
        /// The set.
        set: DistSetName,
        /// The entry.
        entry: RelPath,
        /// The tar type, as `tar(5)` names it.
        kind: String,
    },
    /// An entry would replace a directory with something else.
    #[error("{set}: entry {entry} would replace a {found}")]
    Conflict {
        /// The set.
        set: DistSetName,
        /// The entry.
        entry: RelPath,
        /// What is there.
        found: &'static str,
    },
    /// A pax header value cannot be read.
    #[error("{set}: entry {entry}: pax header {key}={value:?} is invalid")]
    PaxValue {
        /// The set.
        set: DistSetName,
        /// The entry.
        entry: RelPath,
        /// The header key.
        key: String,
        /// Its value.
        value: String,
    },
    /// A `SCHILY.fflags` value names an unknown flag.
    #[error("{set}: entry {entry}: {source}")]
    FileFlag {
        /// The set.
        set: DistSetName,
        /// The entry.
        entry: RelPath,
        /// The unknown flag.
        source: UnknownFileFlag,
    },
    /// Writing beneath the root failed or was refused.
    #[error("{set}: {source}")]
    Write {
        /// The set.
        set: DistSetName,
        /// What went wrong, naming the path.
        source: RootfsError,
    },
    /// The archive could not be read or decompressed.
    #[error("{set}: reading {archive:?}: {message}")]
    Archive {
        /// The set.
        set: DistSetName,
        /// The `.txz` file.
        archive: PathBuf,
        /// What the reader said.
        message: String,
    },
}

/// What extracting one set did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedSet {
    /// The set.
    pub set: DistSetName,
    /// How many entries were written, not counting the archive's entry for
    /// the root itself.
    pub entries: u64,
    /// The file flags the archive carries, by entry, in archive order; not
    /// yet applied (see [`apply_file_flags`]).
    pub file_flags: Vec<(RelPath, FileFlags)>,
}

/// A directory whose metadata is set once its contents are in place.
struct PendingDirectory {
    rel: RelPath,
    mode: FileMode,
    owner: Owner,
    mtime: Timespec,
}

/// What the archive says about one entry, pax headers applied.
struct EntryMeta {
    rel: RelPath,
    mode: FileMode,
    owner: Owner,
    mtime: Timespec,
    flags: FileFlags,
}

/// Extracts the `.txz` at `archive` beneath `jail`.
///
/// Stops at the first refused or failed entry; what was written before
/// stays, for the caller to discard.
pub(crate) fn extract_set(
    archive: &Path,
    jail: &JailRoot,
    set: &DistSetName,
    expected_entries: u64,
    progress: &mut dyn FnMut(&ProgressEvent<'_>),
) -> Result<ExtractedSet, ExtractError> {
    let archive_error = |message: String| ExtractError::Archive {
        set: set.clone(),
        archive: archive.to_path_buf(),
        message,
    };
    let file = File::open(archive).map_err(|error| archive_error(error.to_string()))?;
    tracing::debug!(archive = %archive.display(), root = %jail.path().display(), "extract");

    // Decompress on a second thread; the tar reader pulls from a channel.
    let (sender, receiver) = sync_channel::<Vec<u8>>(8);
    let decoder = std::thread::spawn(move || {
        let mut input = BufReader::with_capacity(256 * 1024, file);
        let mut output = BufWriter::with_capacity(256 * 1024, ChannelWriter { sender });
        lzma_rs::xz_decompress(&mut input, &mut output)
            .map_err(|error| error.to_string())
            .and_then(|()| output.flush().map_err(|error| error.to_string()))
    });
    let reader = ChannelReader {
        receiver,
        chunk: Vec::new(),
        position: 0,
    };
    let unpacked =
        unpack_entries(reader, jail, set, expected_entries, progress).map_err(
            |error| match error {
                ExtractError::Archive { message, .. } => archive_error(message),
                other => other,
            },
        );
    let decoded = decoder
        .join()
        .unwrap_or_else(|_| Err("decompression thread panicked".to_string()));

    // A decoding error explains a short tar stream better than tar can.
    match (unpacked, decoded) {
        (Ok(done), Ok(())) => Ok(done),
        (Ok(_), Err(message)) => Err(archive_error(message)),
        (Err(error @ ExtractError::Archive { .. }), Err(message)) => {
            tracing::debug!(%error, "tar stream ended early");
            Err(archive_error(message))
        }
        (Err(error), _) => Err(error),
    }
}

fn unpack_entries(
    reader: ChannelReader,
    jail: &JailRoot,
    set: &DistSetName,
    expected_entries: u64,
    progress: &mut dyn FnMut(&ProgressEvent<'_>),
) -> Result<ExtractedSet, ExtractError> {
    let archive_error = |error: io::Error| ExtractError::Archive {
        set: set.clone(),
        archive: PathBuf::new(),
        message: error.to_string(),
    };
    let mut archive = tar::Archive::new(reader);
    let mut done = ExtractedSet {
        set: set.clone(),
        entries: 0,
        file_flags: Vec::new(),
    };
    let mut directories = Vec::new();
    for entry in archive.entries().map_err(archive_error)? {
        let mut entry = entry.map_err(archive_error)?;
        let Some(meta) = entry_meta(&mut entry, set)? else {
            continue;
        };
        let kind = entry.header().entry_type();
        match kind {
            tar::EntryType::Directory => {
                make_directory(jail, &meta.rel, set)?;
                directories.push(PendingDirectory {
                    rel: meta.rel.clone(),
                    mode: meta.mode,
                    owner: meta.owner,
                    mtime: meta.mtime,
                });
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                write_regular(jail, &meta, &mut entry, set)?;
            }
            tar::EntryType::Symlink => {
                let target = link_target(&entry, &meta.rel, set)?;
                write_symlink(jail, &meta, &target, set)?;
            }
            tar::EntryType::Link => {
                let target = link_target(&entry, &meta.rel, set)?;
                write_hard_link(jail, &meta.rel, &target, set)?;
            }
            other => {
                return Err(ExtractError::UnsupportedType {
                    set: set.clone(),
                    entry: meta.rel,
                    kind: format!("{other:?}"),
                });
            }
        }
        if !meta.flags.is_empty() && kind != tar::EntryType::Symlink {
            done.file_flags.push((meta.rel.clone(), meta.flags));
        }
        done.entries += 1;
        progress(&ProgressEvent::Extracting {
            set,
            entries: done.entries,
            expected_entries,
        });
    }

    // Directories last, deepest first, so adding entries does not undo them.
    for directory in directories.iter().rev() {
        finish_directory(jail, directory).map_err(|source| ExtractError::Write {
            set: set.clone(),
            source,
        })?;
    }
    progress(&ProgressEvent::Extracted { set });
    Ok(done)
}

/// Reads path, mode, owner, mtime and flags; `None` for the root entry.
fn entry_meta<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    set: &DistSetName,
) -> Result<Option<EntryMeta>, ExtractError> {
    let archive_error = |error: io::Error| ExtractError::Archive {
        set: set.clone(),
        archive: PathBuf::new(),
        message: error.to_string(),
    };
    let raw_path = entry.path().map_err(archive_error)?.into_owned();
    let rel = match RelPath::new(&raw_path) {
        Ok(rel) => rel,
        Err(RelPathError::Empty { .. }) => return Ok(None),
        Err(reason) => {
            return Err(ExtractError::UnsafePath {
                set: set.clone(),
                entry: raw_path,
                reason,
            });
        }
    };
    let header = entry.header();
    let mode =
        FileMode::new(header.mode().map_err(archive_error)? & 0o7777).expect("masked to 0o7777");
    let mut uid = header.uid().map_err(archive_error)?;
    let mut gid = header.gid().map_err(archive_error)?;
    let mut mtime = Timespec {
        tv_sec: i64::try_from(header.mtime().map_err(archive_error)?).unwrap_or(i64::MAX),
        tv_nsec: 0,
    };
    let mut flags = FileFlags::default();

    // pax headers override the ustar fields.
    let pax_error = |key: &str, value: &str| ExtractError::PaxValue {
        set: set.clone(),
        entry: rel.clone(),
        key: key.to_string(),
        value: value.to_string(),
    };
    if let Some(extensions) = entry.pax_extensions().map_err(archive_error)? {
        for extension in extensions {
            let extension = extension.map_err(archive_error)?;
            let (Ok(key), Ok(value)) = (extension.key(), extension.value()) else {
                continue;
            };
            match key {
                "uid" => uid = value.parse().map_err(|_| pax_error(key, value))?,
                "gid" => gid = value.parse().map_err(|_| pax_error(key, value))?,
                "mtime" => mtime = parse_pax_time(value).ok_or_else(|| pax_error(key, value))?,
                "SCHILY.fflags" => {
                    flags = FileFlags::parse(value).map_err(|source| ExtractError::FileFlag {
                        set: set.clone(),
                        entry: rel.clone(),
                        source,
                    })?;
                }
                _ => {}
            }
        }
    }
    let owner = Owner {
        uid: u32::try_from(uid).map_err(|_| pax_error("uid", &uid.to_string()))?,
        gid: u32::try_from(gid).map_err(|_| pax_error("gid", &gid.to_string()))?,
    };
    Ok(Some(EntryMeta {
        rel,
        mode,
        owner,
        mtime,
        flags,
    }))
}

/// Reads a pax time, `seconds[.fraction]`, possibly negative.
fn parse_pax_time(value: &str) -> Option<Timespec> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let tv_sec: i64 = whole.parse().ok()?;
    if !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let digits: String = fraction
        .chars()
        .chain(std::iter::repeat('0'))
        .take(9)
        .collect();
    let nanos: i64 = digits.parse().ok()?;
    let (tv_sec, nanos) = if value.starts_with('-') && nanos > 0 {
        (tv_sec - 1, 1_000_000_000 - nanos)
    } else {
        (tv_sec, nanos)
    };
    Some(Timespec {
        tv_sec,
        tv_nsec: nanos,
    })
}

fn link_target<R: Read>(
    entry: &tar::Entry<'_, R>,
    rel: &RelPath,
    set: &DistSetName,
) -> Result<PathBuf, ExtractError> {
    match entry.link_name() {
        Ok(Some(target)) => Ok(target.into_owned()),
        Ok(None) => Err(ExtractError::MissingLinkTarget {
            set: set.clone(),
            entry: rel.clone(),
        }),
        Err(error) => Err(ExtractError::Archive {
            set: set.clone(),
            archive: PathBuf::new(),
            message: error.to_string(),
        }),
    }
}

fn syscall(set: &DistSetName, rel: &RelPath, op: &'static str) -> impl Fn(Errno) -> ExtractError {
    move |errno| ExtractError::Write {
        set: set.clone(),
        source: RootfsError::Syscall {
            op,
            path: rel.clone(),
            errno,
        },
    }
}

fn open_parent(jail: &JailRoot, rel: &RelPath, set: &DistSetName) -> Result<OwnedFd, ExtractError> {
    jail.open_parent(rel, IMPLIED_DIR)
        .map_err(|source| ExtractError::Write {
            set: set.clone(),
            source,
        })
}

/// Unlinks whatever non-directory is at `rel`, as `bsdtar(1)` does before
/// writing an entry; refuses to touch a directory.
fn clear_place(parent: &OwnedFd, rel: &RelPath, set: &DistSetName) -> Result<(), ExtractError> {
    let name = rel.file_name();
    match rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => match FileType::from_raw_mode(stat.st_mode) {
            FileType::Directory => Err(ExtractError::Conflict {
                set: set.clone(),
                entry: rel.clone(),
                found: "directory",
            }),
            _ => rustix::fs::unlinkat(parent, name, AtFlags::empty())
                .map_err(syscall(set, rel, "unlinkat")),
        },
        Err(Errno::NOENT) => Ok(()),
        Err(errno) => Err(syscall(set, rel, "fstatat")(errno)),
    }
}

fn make_directory(jail: &JailRoot, rel: &RelPath, set: &DistSetName) -> Result<(), ExtractError> {
    let parent = open_parent(jail, rel, set)?;
    let name = rel.file_name();
    match rustix::fs::statat(&parent, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => match FileType::from_raw_mode(stat.st_mode) {
            FileType::Directory => Ok(()),
            other => Err(ExtractError::Conflict {
                set: set.clone(),
                entry: rel.clone(),
                found: file_type_name(other),
            }),
        },
        Err(Errno::NOENT) => rustix::fs::mkdirat(&parent, name, Mode::from_raw_mode(0o700))
            .map_err(syscall(set, rel, "mkdirat")),
        Err(errno) => Err(syscall(set, rel, "fstatat")(errno)),
    }
}

fn finish_directory(jail: &JailRoot, directory: &PendingDirectory) -> Result<(), RootfsError> {
    let fd = jail.open_dir(&directory.rel, MissingDirs::Refuse)?;
    set_owner_and_mode(&fd, directory.mode, directory.owner, &directory.rel)?;
    rustix::fs::futimens(&fd, &timestamps(directory.mtime)).map_err(|errno| RootfsError::Syscall {
        op: "futimens",
        path: directory.rel.clone(),
        errno,
    })
}

fn write_regular<R: Read>(
    jail: &JailRoot,
    meta: &EntryMeta,
    contents: &mut R,
    set: &DistSetName,
) -> Result<(), ExtractError> {
    let rel = &meta.rel;
    let parent = open_parent(jail, rel, set)?;
    clear_place(&parent, rel, set)?;
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(&parent, rel.file_name(), flags, Mode::from_raw_mode(0o600))
        .map_err(syscall(set, rel, "openat"))?;
    let mut file = File::from(fd);
    io::copy(contents, &mut file).map_err(|error| ExtractError::Archive {
        set: set.clone(),
        archive: PathBuf::new(),
        message: format!("{rel}: {error}"),
    })?;
    set_owner_and_mode(&file, meta.mode, meta.owner, rel).map_err(|source| {
        ExtractError::Write {
            set: set.clone(),
            source,
        }
    })?;
    rustix::fs::futimens(&file, &timestamps(meta.mtime)).map_err(syscall(set, rel, "futimens"))
}

fn write_symlink(
    jail: &JailRoot,
    meta: &EntryMeta,
    target: &Path,
    set: &DistSetName,
) -> Result<(), ExtractError> {
    let rel = &meta.rel;
    if relative_target_climbs_out(rel, target) {
        return Err(ExtractError::LinkOutside {
            set: set.clone(),
            entry: rel.clone(),
            target: target.to_path_buf(),
        });
    }
    let parent = open_parent(jail, rel, set)?;
    clear_place(&parent, rel, set)?;
    let name = rel.file_name();
    rustix::fs::symlinkat(target, &parent, name).map_err(syscall(set, rel, "symlinkat"))?;
    let (uid, gid) = (
        rustix::fs::Uid::from_raw(meta.owner.uid),
        rustix::fs::Gid::from_raw(meta.owner.gid),
    );
    rustix::fs::chownat(
        &parent,
        name,
        Some(uid),
        Some(gid),
        AtFlags::SYMLINK_NOFOLLOW,
    )
    .map_err(syscall(set, rel, "fchownat"))?;
    rustix::fs::utimensat(
        &parent,
        name,
        &timestamps(meta.mtime),
        AtFlags::SYMLINK_NOFOLLOW,
    )
    .map_err(syscall(set, rel, "utimensat"))
}

/// Whether a relative `target` of a link at `rel` resolves above the root,
/// read lexically from the link's directory.
fn relative_target_climbs_out(rel: &RelPath, target: &Path) -> bool {
    let mut depth = rel.parent_names().len();
    for component in target.components() {
        match component {
            Component::RootDir | Component::Prefix(_) => return false,
            Component::CurDir => {}
            Component::Normal(_) => depth += 1,
            Component::ParentDir => match depth.checked_sub(1) {
                Some(up) => depth = up,
                None => return true,
            },
        }
    }
    false
}

fn write_hard_link(
    jail: &JailRoot,
    rel: &RelPath,
    target: &Path,
    set: &DistSetName,
) -> Result<(), ExtractError> {
    let target_rel = RelPath::new(target).map_err(|reason| ExtractError::HardLinkOutside {
        set: set.clone(),
        entry: rel.clone(),
        target: target.to_path_buf(),
        reason,
    })?;
    if target_rel == *rel {
        return Ok(());
    }
    let source_parent = jail
        .open_parent(&target_rel, MissingDirs::Refuse)
        .map_err(|source| ExtractError::Write {
            set: set.clone(),
            source,
        })?;
    let parent = open_parent(jail, rel, set)?;
    clear_place(&parent, rel, set)?;
    rustix::fs::linkat(
        &source_parent,
        target_rel.file_name(),
        &parent,
        rel.file_name(),
        AtFlags::empty(),
    )
    .map_err(syscall(set, rel, "linkat"))
}

fn timestamps(mtime: Timespec) -> Timestamps {
    Timestamps {
        last_access: mtime,
        last_modification: mtime,
    }
}

/// Applies collected file flags, last entry first.
///
/// Each path is reached again without following links, and its type checked,
/// before `chflags(2)` runs on it. `chflags(2)` takes a path: a process that
/// swaps a directory in the root for a link between that check and the call
/// could redirect it, so run this only while nothing else writes to the root.
///
/// Returns whether the flags were applied: on FreeBSD they are; elsewhere
/// the kernel has no file flags and this returns `false` without touching
/// anything.
///
/// # Errors
///
/// [`RootfsError`] naming the path whose flags could not be set.
///
/// References: `chflags(2)`.
pub fn apply_file_flags(
    jail: &JailRoot,
    flags: &[(RelPath, FileFlags)],
) -> Result<bool, RootfsError> {
    #[cfg(target_os = "freebsd")]
    {
        for (rel, flags) in flags.iter().rev() {
            set_file_flags(jail, rel, flags.to_nix())?;
        }
        Ok(true)
    }
    #[cfg(not(target_os = "freebsd"))]
    {
        tracing::debug!(
            root = %jail.path().display(), count = flags.len(),
            "file flags recorded, not applied: this kernel has no chflags(2)"
        );
        Ok(false)
    }
}

/// Clears the file flags `apply_file_flags` may have set, so the tree can be
/// removed. Errors are ignored: the removal that follows reports them.
pub(crate) fn clear_file_flags(jail: &JailRoot, flags: &[(RelPath, FileFlags)]) {
    #[cfg(target_os = "freebsd")]
    for (rel, _) in flags {
        let _ = set_file_flags(jail, rel, nix::sys::stat::FileFlag::empty());
    }
    #[cfg(not(target_os = "freebsd"))]
    let _ = (jail, flags);
}

#[cfg(target_os = "freebsd")]
fn set_file_flags(
    jail: &JailRoot,
    rel: &RelPath,
    flags: nix::sys::stat::FileFlag,
) -> Result<(), RootfsError> {
    let parent = jail.open_parent(rel, MissingDirs::Refuse)?;
    let syscall_error = |op, errno| RootfsError::Syscall {
        op,
        path: rel.clone(),
        errno,
    };
    let stat = rustix::fs::statat(&parent, rel.file_name(), AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|errno| syscall_error("fstatat", errno))?;
    if FileType::from_raw_mode(stat.st_mode) == FileType::Symlink {
        return Err(RootfsError::LinkInPath {
            path: rel.clone(),
            component: rel.to_path_buf(),
        });
    }
    let host_path = jail.path().join(rel.to_path_buf());
    tracing::debug!(path = %host_path.display(), flags = ?flags, "chflags");
    nix::unistd::chflags(&host_path, flags)
        .map_err(|errno| syscall_error("chflags", Errno::from_raw_os_error(errno as i32)))
}

/// The receiving end of the decompression thread's output.
struct ChannelReader {
    receiver: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    position: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.position == self.chunk.len() {
            match self.receiver.recv() {
                Ok(chunk) => {
                    self.chunk = chunk;
                    self.position = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let count = buf.len().min(self.chunk.len() - self.position);
        buf[..count].copy_from_slice(&self.chunk[self.position..self.position + count]);
        self.position += count;
        Ok(count)
    }
}

/// The sending end: fails once the reader is gone.
struct ChannelWriter {
    sender: SyncSender<Vec<u8>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sender
            .send(buf.to_vec())
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "extraction stopped"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
