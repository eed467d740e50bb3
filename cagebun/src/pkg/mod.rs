//! Installing packages into a jail root from the host, with the ABI of the
//! root's own userland.
//!
//! pkg(8) picks the package set by the ABI string (`FreeBSD:13:amd64`),
//! which it derives from an executable of the system it runs on. Run from a
//! 14.x host for a root holding a 13.2 userland, it would fetch 14.x
//! packages that the 13.2 libraries cannot run. [`PkgInstall`] therefore
//! reads the root's own userland first and passes it explicitly:
//!
//! - `<root>/bin/freebsd-version` gives the userland release
//!   (`USERLAND_VERSION="13.2-RELEASE-p4"`); a root without it is refused,
//!   never replaced by the host's version;
//! - the ELF ABI tag of `<root>/bin/sh` gives `OSVERSION` (`1302001`) and
//!   the machine (`amd64`); its major must agree with the script's;
//! - `<root>/etc/resolv.conf` must name a name server of an address family
//!   the cage has.
//!
//! The command is then `env ABI=FreeBSD:13:amd64 OSVERSION=1302001 pkg -c
//! <root> install -y <packages>` (or `-r <root>`).
//!
//! Files in the root are read without following any symbolic link: a root
//! is writable from inside its jail, and `bin/sh -> /rescue/sh` would
//! otherwise describe the host.
//!
//! # Limitations
//!
//! - The machines of [`FreebsdArch`] only; 32-bit ARM roots are refused.
//! - pkg's repository configuration and signing keys are whatever pkg finds
//!   for the chosen mode (inside the root for `-c`, the host's for `-r`).
//!
//! References: pkg(8) `-c`, `-r`, `ABI`, `OSVERSION`; pkg.conf(5);
//! freebsd-version(1); elf(5); resolv.conf(5).

mod elf_abi;
mod resolv_conf;
mod userland;

use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Command;

use rustix::fs::{FileType, Mode, OFlags};
use thiserror::Error;

use crate::names::PackageName;

pub use elf_abi::{ElfAbiError, ElfAbiTag, FreebsdArch, NT_FREEBSD_ABI_TAG, read_elf_abi_tag};
pub use resolv_conf::{AddressFamilies, ResolvConfError, nameservers, reachable_nameservers};
pub use userland::{
    UserlandVersion, UserlandVersionError, parse_freebsd_version_script, parse_userland_version,
};

/// The script that records the userland version, relative to the root.
pub const FREEBSD_VERSION_PATH: &str = "bin/freebsd-version";
/// The executable whose ABI tag is read, relative to the root.
pub const ABI_EXECUTABLE_PATH: &str = "bin/sh";
/// The resolver configuration, relative to the root.
pub const RESOLV_CONF_PATH: &str = "etc/resolv.conf";
/// Files larger than this are refused rather than read (a FreeBSD `/bin/sh`
/// is under 1 MiB).
pub const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// Why the install command could not be built; each names the file or value.
#[derive(Debug, Error)]
pub enum PkgError {
    /// The root has no `bin/freebsd-version`: its userland is unknown, and
    /// the host's is never assumed instead.
    #[error(
        "{path}: missing; the root's userland version is unknown and the host's is not assumed"
    )]
    MissingUserlandVersion {
        /// The missing file.
        path: PathBuf,
    },
    /// A file of the root could not be opened or read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// A path component is a symbolic link, or the file is not a regular file.
    #[error("{path}: not a regular file reached without symbolic links ({found})")]
    NotRegularFile {
        /// The file.
        path: PathBuf,
        /// What was found, e.g. `symbolic link`.
        found: &'static str,
    },
    /// The file is larger than [`MAX_READ_BYTES`].
    #[error("{path}: {size} bytes, more than the {MAX_READ_BYTES} read")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// `bin/freebsd-version` gave no version.
    #[error("{path}: {source}")]
    UserlandVersion {
        /// The script.
        path: PathBuf,
        /// What was wrong.
        source: UserlandVersionError,
    },
    /// `bin/sh` gave no ABI tag.
    #[error("{path}: {source}")]
    Elf {
        /// The executable.
        path: PathBuf,
        /// What was wrong.
        source: ElfAbiError,
    },
    /// The script's major release and the ABI tag's disagree.
    #[error(
        "{root}: bin/freebsd-version says {userland} but bin/sh is tagged OSVERSION {osversion} (major {})",
        osversion / 100_000
    )]
    VersionMismatch {
        /// The jail root.
        root: PathBuf,
        /// The script's version.
        userland: String,
        /// The tag's `OSVERSION`.
        osversion: u32,
    },
    /// The root has no `etc/resolv.conf`.
    #[error("{path}: missing; pkg inside the root could not resolve the repository's host")]
    MissingResolvConf {
        /// The missing file.
        path: PathBuf,
    },
    /// `etc/resolv.conf` names no usable name server.
    #[error("{path}: {source}")]
    ResolvConf {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        source: ResolvConfError,
    },
    /// No package was asked for.
    #[error("no package to install into {root}")]
    NoPackages {
        /// The jail root.
        root: PathBuf,
    },
    /// The root is not an absolute path.
    #[error("jail root {root:?} is not an absolute path")]
    RootNotAbsolute {
        /// The refused path.
        root: PathBuf,
    },
}

/// The ABI of a root's userland.
///
/// References: pkg(8) `ABI`, `OSVERSION`; freebsd-version(1); elf(5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JailAbi {
    /// From `bin/freebsd-version`.
    pub userland: UserlandVersion,
    /// `__FreeBSD_version` from the ABI tag of `bin/sh`.
    pub osversion: u32,
    /// The machine of `bin/sh`.
    pub arch: FreebsdArch,
}

impl JailAbi {
    /// Reads the userland version and the ABI tag of the root at `root` and
    /// checks that their major releases agree.
    ///
    /// References: freebsd-version(1), elf(5).
    pub fn read(root: &Path) -> Result<Self, PkgError> {
        let script_path = root.join(FREEBSD_VERSION_PATH);
        let script = match read_in_root(root, FREEBSD_VERSION_PATH) {
            Err(PkgError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return Err(PkgError::MissingUserlandVersion { path: script_path });
            }
            other => other?,
        };
        let userland =
            parse_freebsd_version_script(&String::from_utf8_lossy(&script)).map_err(|source| {
                PkgError::UserlandVersion {
                    path: script_path,
                    source,
                }
            })?;
        let shell = read_in_root(root, ABI_EXECUTABLE_PATH)?;
        let tag = read_elf_abi_tag(&shell).map_err(|source| PkgError::Elf {
            path: root.join(ABI_EXECUTABLE_PATH),
            source,
        })?;
        if tag.major() != userland.major {
            return Err(PkgError::VersionMismatch {
                root: root.to_owned(),
                userland: userland.to_string(),
                osversion: tag.osversion,
            });
        }
        Ok(Self {
            userland,
            osversion: tag.osversion,
            arch: tag.arch,
        })
    }

    /// The ABI string, `FreeBSD:<major>:<arch>`, e.g. `FreeBSD:13:amd64`.
    ///
    /// References: pkg(8) `ABI`.
    pub fn abi_string(&self) -> String {
        format!("FreeBSD:{}:{}", self.userland.major, self.arch)
    }
}

/// How pkg(8) is pointed at the root.
///
/// References: pkg(8) `-c`, `-r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootMode {
    /// `-c <root>`: pkg chroots into the root first and uses the root's
    /// configuration, keys and resolver.
    Chroot,
    /// `-r <root>`: pkg stays on the host and installs under the root.
    Rootdir,
}

impl RootMode {
    fn flag(self) -> &'static str {
        match self {
            RootMode::Chroot => "-c",
            RootMode::Rootdir => "-r",
        }
    }
}

/// A checked `pkg install` into a jail root.
///
/// References: pkg(8), pkg-install(8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkgInstall {
    /// The jail root on the host.
    pub root: PathBuf,
    /// `-c` or `-r`.
    pub mode: RootMode,
    /// The root's ABI.
    pub abi: JailAbi,
    /// The packages, in the order given.
    pub packages: Vec<PackageName>,
}

impl PkgInstall {
    /// Reads the root's ABI and checks its resolver configuration for a cage
    /// with `families`.
    ///
    /// References: pkg(8), freebsd-version(1), resolv.conf(5).
    pub fn prepare(
        root: &Path,
        mode: RootMode,
        packages: &[PackageName],
        families: AddressFamilies,
    ) -> Result<Self, PkgError> {
        if !root.is_absolute() {
            return Err(PkgError::RootNotAbsolute {
                root: root.to_owned(),
            });
        }
        if packages.is_empty() {
            return Err(PkgError::NoPackages {
                root: root.to_owned(),
            });
        }
        let abi = JailAbi::read(root)?;
        check_resolv_conf(root, families)?;
        Ok(Self {
            root: root.to_owned(),
            mode,
            abi,
            packages: packages.to_vec(),
        })
    }

    /// The environment given to pkg: `ABI` and `OSVERSION`.
    pub fn environment(&self) -> [(&'static str, String); 2] {
        [
            ("ABI", self.abi.abi_string()),
            ("OSVERSION", self.abi.osversion.to_string()),
        ]
    }

    /// The whole command line, environment first through env(1):
    /// `env ABI=FreeBSD:13:amd64 OSVERSION=1302001 pkg -c /jails/mq install
    /// -y rabbitmq`.
    ///
    /// References: env(1), pkg(8).
    pub fn argv(&self) -> Vec<OsString> {
        let mut argv: Vec<OsString> = vec!["env".into()];
        argv.extend(
            self.environment()
                .iter()
                .map(|(name, value)| OsString::from(format!("{name}={value}"))),
        );
        argv.extend(["pkg".into(), self.mode.flag().into()]);
        argv.push(self.root.clone().into_os_string());
        argv.extend(["install".into(), "-y".into()]);
        argv.extend(self.packages.iter().map(|p| OsString::from(p.as_str())));
        argv
    }

    /// A [`Command`] running [`PkgInstall::argv`]; the command line is
    /// logged at debug level.
    ///
    /// References: env(1), pkg(8).
    pub fn command(&self) -> Command {
        let argv = self.argv();
        tracing::debug!(argv = ?argv, "pkg install into jail root");
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]);
        command
    }
}

impl fmt::Display for PkgInstall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self
            .argv()
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        f.write_str(&words.join(" "))
    }
}

/// Checks that `<root>/etc/resolv.conf` names a name server the cage can
/// reach, and returns those servers.
///
/// References: resolv.conf(5).
pub fn check_resolv_conf(
    root: &Path,
    families: AddressFamilies,
) -> Result<Vec<std::net::IpAddr>, PkgError> {
    let path = root.join(RESOLV_CONF_PATH);
    let text = match read_in_root(root, RESOLV_CONF_PATH) {
        Err(PkgError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Err(PkgError::MissingResolvConf { path });
        }
        other => other?,
    };
    reachable_nameservers(&String::from_utf8_lossy(&text), families)
        .map_err(|source| PkgError::ResolvConf { path, source })
}

/// Reads the regular file `rel` (plain names joined by `/`) under `root`,
/// opening one component at a time with `O_NOFOLLOW`, so no symbolic link
/// is followed.
fn read_in_root(root: &Path, rel: &str) -> Result<Vec<u8>, PkgError> {
    let path = root.join(rel);
    let read_error = |source: std::io::Error| PkgError::Read {
        path: path.clone(),
        source,
    };
    let not_regular = |found| PkgError::NotRegularFile {
        path: path.clone(),
        found,
    };
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let mut dir: OwnedFd =
        rustix::fs::open(root, dir_flags, Mode::empty()).map_err(|e| read_error(e.into()))?;
    let names: Vec<&str> = rel.split('/').collect();
    let (file_name, parents) = names.split_last().expect("split yields one name at least");
    for name in parents {
        dir = rustix::fs::openat(&dir, *name, dir_flags | OFlags::NOFOLLOW, Mode::empty())
            .map_err(|e| match e {
                rustix::io::Errno::LOOP | rustix::io::Errno::MLINK | rustix::io::Errno::NOTDIR => {
                    not_regular("a path component that is not a plain directory")
                }
                other => read_error(other.into()),
            })?;
    }
    let file = rustix::fs::openat(
        &dir,
        *file_name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .map_err(|e| match e {
        // Linux says ELOOP for a final symbolic link under O_NOFOLLOW, FreeBSD EMLINK.
        rustix::io::Errno::LOOP | rustix::io::Errno::MLINK => not_regular("symbolic link"),
        other => read_error(other.into()),
    })?;
    let stat = rustix::fs::fstat(&file).map_err(|e| read_error(e.into()))?;
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::RegularFile => {}
        FileType::Directory => return Err(not_regular("directory")),
        _ => return Err(not_regular("special file")),
    }
    let size = u64::try_from(stat.st_size).unwrap_or(u64::MAX);
    if size > MAX_READ_BYTES {
        return Err(PkgError::TooLarge { path, size });
    }
    let mut data = Vec::new();
    std::fs::File::from(file)
        .take(MAX_READ_BYTES)
        .read_to_end(&mut data)
        .map_err(read_error)?;
    Ok(data)
}
