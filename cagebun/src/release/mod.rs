//! Fetching, verifying and extracting a FreeBSD release's distribution sets.
//!
//! A [`ReleaseInstaller`] reads the release's `MANIFEST` from a
//! [`DistSite`] (an HTTP(S) mirror, a `file://` URL or a local directory),
//! downloads each chosen set (`base.txz` by default) into a download
//! directory with resume, checks its SHA-256 against the `MANIFEST`, and only
//! when every set is verified, extracts them into the directory a
//! [`ReleaseTarget`] prepares. On FreeBSD that target is a ZFS dataset's
//! mountpoint: the caller creates the dataset in
//! [`ReleaseTarget::prepare`] and snapshots it in [`ReleaseTarget::commit`];
//! this module knows nothing of ZFS.
//!
//! ```no_run
//! use cagebun::release::{
//!     Arch, DirectoryTarget, DistSetName, DistSite, ProgressEvent, ReleaseInstaller, ReleaseName,
//!     TerminalProgress,
//! };
//!
//! let release = ReleaseName::new("14.3-RELEASE")?;
//! let arch = Arch::new("amd64")?;
//! let site = DistSite::for_release("https://mirror.example/pub/FreeBSD", &release, &arch)?;
//! let mut bar = TerminalProgress::for_stderr();
//! let mut show = |event: &ProgressEvent<'_>| bar.observe(event);
//! let installed = ReleaseInstaller::new(release, arch, site, "/var/cache/cagebun")
//!     .with_set(DistSetName::new("lib32.txz")?)
//!     .with_progress(&mut show)
//!     .install(&mut DirectoryTarget::new("/cages/releases/14.3-RELEASE"))?;
//! println!("{} entries", installed.sets.iter().map(|set| set.entries).sum::<u64>());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limitations
//!
//! - File flags (`schg` and the like) are applied only on FreeBSD. On other
//!   systems they are returned in [`InstalledRelease::file_flags`] and not
//!   applied, since those kernels have no `chflags(2)`.
//! - Flags on symbolic links are not restored.
//! - Device nodes, FIFOs and sockets in an archive are refused; FreeBSD
//!   release sets hold none (`/dev` is a `devfs(5)` mount).
//! - An interrupted download keeps its `<set>.part` file in the download
//!   directory so the next attempt can resume; nothing is kept under the
//!   set's own name until it is verified.
//! - The target directory must be empty; a failure after extraction began
//!   empties it again (and [`ReleaseTarget::discard`] is called).
//! - xz is decoded by a pure-Rust decoder, slower than `xz(1)`.
//!
//! References: FreeBSD's bsdinstall `distfetch` and `checksum` scripts,
//! `release/scripts/make-manifest.sh`, `tar(5)`, `chflags(2)`.

mod extract;
mod fetch;
mod file_flags;
mod manifest;
mod progress;

use std::fmt;
use std::path::{Path, PathBuf};

pub use extract::{ExtractError, ExtractedSet, apply_file_flags};
pub use fetch::{DistSite, InvalidDistSite};
pub use file_flags::{FileFlag, FileFlags, UnknownFileFlag};
pub use manifest::{
    DistSetName, InvalidDistSetName, Manifest, ManifestEntry, ManifestError, ManifestLineError,
    Sha256Digest,
};
pub use progress::{ProgressEvent, TerminalProgress};

use crate::rootfs::{JailRoot, RelPath, RootfsError};
use fetch::SiteClient;

/// A release name such as `14.3-RELEASE`, `15.0-RC1` or `14.2-BETA2`.
///
/// References: `freebsd-version(1)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReleaseName(String);

/// A refused release name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a release name like 14.3-RELEASE, 15.0-RC1 or 14.2-BETA2")]
pub struct InvalidReleaseName {
    /// The refused name.
    pub name: String,
}

impl ReleaseName {
    /// Checks `name`: `MAJOR.MINOR-RELEASE`, or `-ALPHAn`, `-BETAn`, `-RCn`.
    ///
    /// # Errors
    ///
    /// [`InvalidReleaseName`] naming `name` for anything else.
    ///
    /// References: `freebsd-version(1)`.
    pub fn new(name: &str) -> Result<Self, InvalidReleaseName> {
        let invalid = || InvalidReleaseName {
            name: name.to_string(),
        };
        let (version, tag) = name.split_once('-').ok_or_else(invalid)?;
        let (major, minor) = version.split_once('.').ok_or_else(invalid)?;
        let numeric = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        let tag_ok = tag == "RELEASE"
            || ["ALPHA", "BETA", "RC"]
                .iter()
                .any(|prefix| tag.strip_prefix(prefix).is_some_and(numeric));
        if numeric(major) && numeric(minor) && tag_ok {
            Ok(Self(name.to_string()))
        } else {
            Err(invalid())
        }
    }

    /// The name, `14.3-RELEASE`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReleaseName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A FreeBSD platform as release mirrors name it: `hw.machine` and
/// `hw.machine_arch`, such as `amd64/amd64` or `arm64/aarch64`.
///
/// References: `uname(1)` `-m` and `-p`, `arch(7)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arch {
    machine: &'static str,
    machine_arch: &'static str,
}

/// An architecture name this crate does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{name:?} is not a FreeBSD architecture (amd64, i386, arm64, armv7, riscv64, powerpc64, powerpc64le)"
)]
pub struct InvalidArch {
    /// The refused name.
    pub name: String,
}

/// `(name, machine, machine_arch)` of every platform with release sets.
const ARCHES: &[(&str, &str, &str)] = &[
    ("amd64", "amd64", "amd64"),
    ("i386", "i386", "i386"),
    ("arm64", "arm64", "aarch64"),
    ("aarch64", "arm64", "aarch64"),
    ("armv7", "arm", "armv7"),
    ("riscv64", "riscv", "riscv64"),
    ("powerpc64", "powerpc", "powerpc64"),
    ("powerpc64le", "powerpc", "powerpc64le"),
];

impl Arch {
    /// Looks `name` up: a `hw.machine_arch` value such as `amd64` or
    /// `aarch64`, or `arm64`, or the `machine/machine_arch` pair.
    ///
    /// # Errors
    ///
    /// [`InvalidArch`] naming `name` when it is not a known platform.
    ///
    /// References: `arch(7)`.
    pub fn new(name: &str) -> Result<Self, InvalidArch> {
        ARCHES
            .iter()
            .find(|(short, machine, machine_arch)| {
                *short == name || format!("{machine}/{machine_arch}") == name
            })
            .map(|(_, machine, machine_arch)| Self {
                machine,
                machine_arch,
            })
            .ok_or_else(|| InvalidArch {
                name: name.to_string(),
            })
    }

    /// `hw.machine`, such as `arm64`.
    pub fn machine(&self) -> &'static str {
        self.machine
    }

    /// `hw.machine_arch`, such as `aarch64`.
    pub fn machine_arch(&self) -> &'static str {
        self.machine_arch
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.machine, self.machine_arch)
    }
}

/// An error from a [`ReleaseTarget`] hook, such as a failed `zfs create`.
pub type TargetError = Box<dyn std::error::Error + Send + Sync>;

/// Where a release is extracted, and what happens around it. On FreeBSD an
/// implementation creates a dataset in `prepare`, snapshots it in `commit`
/// and destroys it in `discard`.
pub trait ReleaseTarget {
    /// Makes the empty directory to extract into and returns its path.
    ///
    /// # Errors
    ///
    /// Whatever stops the directory from being made.
    fn prepare(&mut self, release: &ReleaseName, arch: &Arch) -> Result<PathBuf, TargetError>;

    /// Called once every set is extracted and its flags applied.
    ///
    /// # Errors
    ///
    /// Whatever stops the release from being kept; the installer then
    /// empties `root` and calls `discard`.
    fn commit(&mut self, root: &Path) -> Result<(), TargetError>;

    /// Called after a failure, once `root` has been emptied.
    ///
    /// # Errors
    ///
    /// Whatever stops the cleanup; reported alongside the first error.
    fn discard(&mut self, root: &Path) -> Result<(), TargetError>;
}

/// A plain directory as the target: created when missing (and removed again
/// on failure), otherwise required to be empty.
///
/// References: `mkdir(2)`.
#[derive(Debug, Clone)]
pub struct DirectoryTarget {
    path: PathBuf,
    created: bool,
}

impl DirectoryTarget {
    /// A target at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            created: false,
        }
    }
}

impl ReleaseTarget for DirectoryTarget {
    fn prepare(&mut self, _: &ReleaseName, _: &Arch) -> Result<PathBuf, TargetError> {
        if !self.path.exists() {
            tracing::debug!(path = %self.path.display(), "mkdir");
            std::fs::create_dir(&self.path)?;
            self.created = true;
        }
        Ok(self.path.clone())
    }

    fn commit(&mut self, _: &Path) -> Result<(), TargetError> {
        Ok(())
    }

    fn discard(&mut self, root: &Path) -> Result<(), TargetError> {
        if self.created {
            tracing::debug!(path = %root.display(), "rmdir");
            std::fs::remove_dir(root)?;
        }
        Ok(())
    }
}

/// Why a release could not be fetched or installed.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// The `MANIFEST` is malformed.
    #[error("{location}: {source}")]
    Manifest {
        /// Where it came from.
        location: String,
        /// What is wrong.
        source: ManifestError,
    },
    /// A chosen set is not in the `MANIFEST`.
    #[error("set {set} is not listed in {location}")]
    SetNotInManifest {
        /// The set.
        set: DistSetName,
        /// The `MANIFEST` read.
        location: String,
    },
    /// The site has no such file.
    #[error("{location}: not found")]
    NotOnSite {
        /// The missing file's URL or path.
        location: String,
    },
    /// The server answered with an unexpected HTTP status.
    #[error("{location}: HTTP status {status}")]
    HttpStatus {
        /// The URL.
        location: String,
        /// The status code.
        status: u16,
    },
    /// The request failed before an answer.
    #[error("{location}: {message}")]
    Transfer {
        /// The URL or path.
        location: String,
        /// What the client said.
        message: String,
    },
    /// The transfer stopped early; the partial file is kept for a retry.
    #[error("{location}: interrupted after {received} bytes ({message}); retry to resume")]
    Interrupted {
        /// The URL or path.
        location: String,
        /// Bytes kept in the `.part` file.
        received: u64,
        /// What the client said.
        message: String,
    },
    /// A set does not match the `MANIFEST`; its file was removed.
    #[error("{set}: SHA-256 is {actual}, MANIFEST says {expected}; the download was removed")]
    ChecksumMismatch {
        /// The set.
        set: DistSetName,
        /// From the `MANIFEST`.
        expected: Sha256Digest,
        /// Of the downloaded file.
        actual: Sha256Digest,
    },
    /// A file in the download directory could not be read or written.
    #[error("{path:?}: {source}")]
    DownloadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The target directory already holds something.
    #[error("target {path:?} is not empty; extract only into an empty directory")]
    TargetNotEmpty {
        /// The target.
        path: PathBuf,
    },
    /// A [`ReleaseTarget`] hook failed.
    #[error("target {stage}: {source}")]
    Target {
        /// `prepare`, `commit` or `discard`.
        stage: &'static str,
        /// What the hook said.
        source: TargetError,
    },
    /// Extraction was refused or failed; the target was emptied.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// The target could not be opened, flagged or emptied.
    #[error(transparent)]
    Rootfs(#[from] RootfsError),
    /// Emptying the target after a failure failed too.
    #[error("{first}; then cleaning up {path:?} failed: {cleanup}")]
    Cleanup {
        /// The failure that started the cleanup.
        first: Box<ReleaseError>,
        /// The target.
        path: PathBuf,
        /// What went wrong while cleaning up.
        cleanup: String,
    },
}

/// What [`ReleaseInstaller::install`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledRelease {
    /// The directory the sets were extracted into.
    pub root: PathBuf,
    /// Each set, in installation order.
    pub sets: Vec<ExtractedSet>,
    /// Every file flag the sets carry.
    pub file_flags: Vec<(RelPath, FileFlags)>,
    /// Whether `file_flags` were applied (on FreeBSD only).
    pub file_flags_applied: bool,
}

/// A set downloaded and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSet {
    /// Its `MANIFEST` line.
    pub entry: ManifestEntry,
    /// The verified file in the download directory.
    pub path: PathBuf,
}

/// Fetches, verifies and extracts a release's sets.
///
/// References: bsdinstall's `distfetch`, `checksum` and `distextract`.
pub struct ReleaseInstaller<'p> {
    release: ReleaseName,
    arch: Arch,
    client: SiteClient,
    sets: Vec<DistSetName>,
    download_dir: PathBuf,
    progress: Option<&'p mut dyn FnMut(&ProgressEvent<'_>)>,
}

impl fmt::Debug for ReleaseInstaller<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReleaseInstaller")
            .field("release", &self.release)
            .field("arch", &self.arch)
            .field("site", self.client.site())
            .field("sets", &self.sets)
            .field("download_dir", &self.download_dir)
            .finish_non_exhaustive()
    }
}

impl<'p> ReleaseInstaller<'p> {
    /// An installer of `base.txz` of `release` for `arch` from `site`,
    /// downloading into `download_dir` (which must exist).
    pub fn new(
        release: ReleaseName,
        arch: Arch,
        site: DistSite,
        download_dir: impl Into<PathBuf>,
    ) -> Self {
        Self {
            release,
            arch,
            client: SiteClient::new(site),
            sets: vec![DistSetName::new("base.txz").expect("base.txz is a valid set name")],
            download_dir: download_dir.into(),
            progress: None,
        }
    }

    /// Adds `set` (after `base.txz`, in the order added); adding a set twice
    /// keeps one.
    pub fn with_set(mut self, set: DistSetName) -> Self {
        if !self.sets.contains(&set) {
            self.sets.push(set);
        }
        self
    }

    /// Sends every [`ProgressEvent`] to `callback`.
    pub fn with_progress(mut self, callback: &'p mut dyn FnMut(&ProgressEvent<'_>)) -> Self {
        self.progress = Some(callback);
        self
    }

    /// Reads the `MANIFEST`, then downloads and verifies every chosen set.
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] for a malformed `MANIFEST`, a set it does not list, a
    /// failed or interrupted transfer (the `.part` file stays for a retry) or
    /// a checksum mismatch (the download is removed).
    ///
    /// References: bsdinstall's `distfetch` and `checksum`.
    pub fn download(&mut self) -> Result<Vec<VerifiedSet>, ReleaseError> {
        let manifest = self.client.fetch_manifest()?;
        let entries = self
            .sets
            .iter()
            .map(|set| {
                manifest
                    .get(set)
                    .cloned()
                    .ok_or_else(|| ReleaseError::SetNotInManifest {
                        set: set.clone(),
                        location: self.client.site().location_of("MANIFEST"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut ignore = |_: &ProgressEvent<'_>| {};
        let progress = self.progress.as_deref_mut().unwrap_or(&mut ignore);
        entries
            .into_iter()
            .map(|entry| {
                let path = self
                    .client
                    .download_set(&entry, &self.download_dir, progress)?;
                Ok(VerifiedSet { entry, path })
            })
            .collect()
    }

    /// Downloads and verifies every set, then has `target` prepare an empty
    /// directory and extracts them into it, applies file flags and calls
    /// [`ReleaseTarget::commit`].
    ///
    /// Nothing is extracted unless every set verified. When extraction or
    /// `commit` fails, the directory is emptied and
    /// [`ReleaseTarget::discard`] called.
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] as for [`ReleaseInstaller::download`], for a target
    /// that is not empty, for a refused archive entry or a failed write, or
    /// for a failing hook.
    ///
    /// References: bsdinstall's `distextract`, `chflags(2)`.
    pub fn install(
        &mut self,
        target: &mut dyn ReleaseTarget,
    ) -> Result<InstalledRelease, ReleaseError> {
        let verified = self.download()?;
        let root = target
            .prepare(&self.release, &self.arch)
            .map_err(|source| ReleaseError::Target {
                stage: "prepare",
                source,
            })?;
        let jail = JailRoot::open(&root)?;
        if std::fs::read_dir(&root)
            .map_err(|source| ReleaseError::DownloadFile {
                path: root.clone(),
                source,
            })?
            .next()
            .is_some()
        {
            return Err(ReleaseError::TargetNotEmpty { path: root });
        }

        let mut installed = InstalledRelease {
            root: root.clone(),
            sets: Vec::new(),
            file_flags: Vec::new(),
            file_flags_applied: false,
        };
        let outcome = self
            .extract_all(&verified, &jail, &mut installed)
            .and_then(|()| {
                target.commit(&root).map_err(|source| ReleaseError::Target {
                    stage: "commit",
                    source,
                })
            });
        match outcome {
            Ok(()) => Ok(installed),
            Err(error) => Err(discard(&jail, &installed.file_flags, target, error)),
        }
    }

    fn extract_all(
        &mut self,
        verified: &[VerifiedSet],
        jail: &JailRoot,
        installed: &mut InstalledRelease,
    ) -> Result<(), ReleaseError> {
        let mut ignore = |_: &ProgressEvent<'_>| {};
        let progress = self.progress.as_deref_mut().unwrap_or(&mut ignore);
        for set in verified {
            let extracted = extract::extract_set(
                &set.path,
                jail,
                &set.entry.name,
                set.entry.entry_count,
                progress,
            )?;
            installed
                .file_flags
                .extend(extracted.file_flags.iter().cloned());
            installed.sets.push(extracted);
        }
        installed.file_flags_applied = apply_file_flags(jail, &installed.file_flags)?;
        Ok(())
    }
}

/// Empties the target after `error` and lets the hook discard it.
fn discard(
    jail: &JailRoot,
    flags: &[(RelPath, FileFlags)],
    target: &mut dyn ReleaseTarget,
    error: ReleaseError,
) -> ReleaseError {
    let root = jail.path().to_path_buf();
    tracing::debug!(path = %root.display(), %error, "emptying target after failure");
    extract::clear_file_flags(jail, flags);
    let cleanup = empty_directory(&root)
        .map_err(|error| error.to_string())
        .and_then(|()| target.discard(&root).map_err(|error| error.to_string()));
    match cleanup {
        Ok(()) => error,
        Err(cleanup) => ReleaseError::Cleanup {
            first: Box::new(error),
            path: root,
            cleanup,
        },
    }
}

/// Removes everything inside `dir`, never following a link.
fn empty_directory(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}
