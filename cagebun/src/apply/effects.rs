//! The host's effects, as traits: ZFS, files, packages, and the FreeBSD
//! system (commands and the jail kernel interface).
//!
//! Every method that changes the host has a counterpart that takes the
//! change back (create and destroy, set and inherit, write and remove,
//! mount and unmount); the [`journal`](super::journal) pairs them.
//!
//! References: zfs(8), pkg(8), service(8), jail(8).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jailctl::jail8::command::{CommandError, CommandLine, CommandRunner};
use jailctl::jail8::lifecycle::{
    KernelJails, KernelJailsError, StartError, StepFailure, StopError,
};
use zfsctl::DatasetName;

use crate::audit::{ListenerTableError, UnexpectedListener};
use crate::names::{NameError, PackageName};
use crate::pkg::{AddressFamilies, PkgError, PkgInstall, RootMode};
use crate::rootfs::{ExistingFile, FileMode, InvalidModeError, JailRoot, Owner, RootfsError};

/// Why one effect failed.
#[derive(Debug, thiserror::Error)]
pub enum EffectError {
    /// libzfs failed or refused.
    #[error(transparent)]
    Zfs(#[from] zfsctl::Error),
    /// The ZFS stand-in of [`recording`](super::recording) refused.
    #[error("{dataset}: {reason}")]
    ZfsStandIn {
        /// The dataset.
        dataset: String,
        /// Why.
        reason: String,
    },
    /// A file beneath a root could not be read or written.
    #[error(transparent)]
    File(#[from] RootfsError),
    /// A host command failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The jail did not start; its own steps were undone by the jail(8)
    /// layer.
    #[error(transparent)]
    JailStart(Box<StartError>),
    /// The jail did not stop cleanly.
    #[error(transparent)]
    JailStop(Box<StopError>),
    /// The jail could not be looked up by name.
    #[error("jail_get name={name}: {error}")]
    JailFind {
        /// The jail's name.
        name: String,
        /// What the kernel side said.
        error: KernelJailsError,
    },
    /// The running jail's aliases could not be planned again.
    #[error(transparent)]
    JailLookup(Box<StepFailure>),
    /// A jail parameter of the plan cannot be expressed for jail(8).
    #[error("jail parameter {param}={value:?}: {reason}")]
    JailParam {
        /// The parameter's name.
        param: String,
        /// Its value.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A user or group name is not in the root's `etc/passwd` or
    /// `etc/group`.
    #[error("{kind} {name:?} not found in {database}")]
    UnknownAccount {
        /// `user` or `group`.
        kind: &'static str,
        /// The name.
        name: String,
        /// The file looked in.
        database: PathBuf,
    },
    /// A jail root's ABI or resolver configuration is not fit for pkg(8).
    #[error(transparent)]
    Pkg(#[from] PkgError),
    /// A package name is not one pkg(8) accepts.
    #[error(transparent)]
    PackageName(#[from] NameError),
    /// An existing spiped key is too short or readable by group or others;
    /// it is refused, not kept.
    #[error(transparent)]
    ExistingKey(crate::render::RenderError),
    /// A planned mode has bits outside `0o7777`.
    #[error(transparent)]
    Mode(#[from] InvalidModeError),
    /// A planned path lies outside the roots this host writes beneath.
    #[error("{path}: outside {root}")]
    OutsideRoot {
        /// The path.
        path: PathBuf,
        /// The root.
        root: PathBuf,
    },
    /// sockstat(1) printed something unreadable.
    #[error(transparent)]
    Sockstat(#[from] ListenerTableError),
    /// The port audit found listeners where none should be.
    #[error("port audit of jail {jid}: unexpected listeners: {}", list(.unexpected))]
    UnexpectedListeners {
        /// The jail.
        jid: i32,
        /// What listens where it should not.
        unexpected: Vec<UnexpectedListener>,
    },
    /// A failure injected by [`recording::EffectCounter`](super::recording::EffectCounter).
    #[error("injected failure of effect {index}")]
    Injected {
        /// The effect's index, counting from 0.
        index: usize,
    },
}

fn list(findings: &[UnexpectedListener]) -> String {
    let one = |finding: &UnexpectedListener| {
        let addresses: Vec<String> = finding
            .reachable_on
            .iter()
            .map(ToString::to_string)
            .collect();
        let public = if finding.public { " (public)" } else { "" };
        format!(
            "{} reachable on {}{public}",
            finding.listener,
            addresses.join(" ")
        )
    };
    findings.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// The ZFS effects a cage needs. Dataset names are full names
/// (`pool/cagebun/cages/rabbit`); property names as zfs(8) spells them.
///
/// References: zfs(8), zfsprops(7).
pub trait ZfsEffects {
    /// Creates a file system with `properties` set in the same call; it is
    /// not mounted.
    ///
    /// References: zfs-create(8).
    fn create_filesystem(
        &self,
        name: &DatasetName,
        properties: &[(String, String)],
    ) -> Result<(), EffectError>;

    /// Clones `snapshot` into the new file system `target`; it is not
    /// mounted.
    ///
    /// References: zfs-clone(8).
    fn clone_snapshot(
        &self,
        snapshot: &DatasetName,
        target: &DatasetName,
    ) -> Result<(), EffectError>;

    /// Mounts a file system at its `mountpoint`.
    ///
    /// References: zfs-mount(8).
    fn mount(&self, name: &DatasetName) -> Result<(), EffectError>;

    /// Unmounts a file system.
    ///
    /// References: zfs-unmount(8).
    fn unmount(&self, name: &DatasetName) -> Result<(), EffectError>;

    /// Sets one property.
    ///
    /// References: zfs-set(8).
    fn set_property(
        &self,
        name: &DatasetName,
        property: &str,
        value: &str,
    ) -> Result<(), EffectError>;

    /// Clears a local property value (`zfs inherit`).
    ///
    /// References: zfs-inherit(8).
    fn inherit_property(&self, name: &DatasetName, property: &str) -> Result<(), EffectError>;

    /// Destroys a file system that has no children and no snapshots,
    /// unmounting it first.
    ///
    /// References: zfs-destroy(8).
    fn destroy(&self, name: &DatasetName) -> Result<(), EffectError>;

    /// Whether the dataset exists.
    ///
    /// References: zfs-list(8).
    fn exists(&self, name: &DatasetName) -> Result<bool, EffectError>;

    /// The user properties set on the dataset itself (not inherited).
    ///
    /// References: zfs-get(8), zfsprops(7) "User Properties".
    fn local_user_properties(
        &self,
        name: &DatasetName,
    ) -> Result<BTreeMap<String, String>, EffectError>;
}

/// File effects beneath a root directory (`root` is a host path: the jail
/// root, or the host's `/`); `rel` is relative to it. Implementations never
/// follow a symbolic link beneath the root.
///
/// References: openat(2), unlinkat(2), mkdirat(2).
pub trait FileEffects {
    /// The regular file at `rel`, or `None` when nothing is there.
    fn read(&self, root: &Path, rel: &Path) -> Result<Option<ExistingFile>, EffectError>;

    /// Whether anything is at `rel`.
    fn exists(&self, root: &Path, rel: &Path) -> Result<bool, EffectError>;

    /// Makes the directory `rel`, whose parent exists.
    fn create_dir(
        &self,
        root: &Path,
        rel: &Path,
        mode: FileMode,
        owner: Owner,
    ) -> Result<(), EffectError>;

    /// Writes the regular file `rel` whole, replacing one already there.
    fn write(
        &self,
        root: &Path,
        rel: &Path,
        contents: &[u8],
        mode: FileMode,
        owner: Owner,
    ) -> Result<(), EffectError>;

    /// Removes the file `rel`.
    fn remove_file(&self, root: &Path, rel: &Path) -> Result<(), EffectError>;

    /// Removes the empty directory `rel`.
    fn remove_dir(&self, root: &Path, rel: &Path) -> Result<(), EffectError>;
}

/// Files written for real through [`JailRoot`], which opens the root and
/// walks every path beneath it with `O_NOFOLLOW`.
///
/// References: openat(2).
#[derive(Debug, Clone, Copy, Default)]
pub struct RootedFiles;

impl FileEffects for RootedFiles {
    fn read(&self, root: &Path, rel: &Path) -> Result<Option<ExistingFile>, EffectError> {
        Ok(JailRoot::open(root)?.read_file(rel)?)
    }

    fn exists(&self, root: &Path, rel: &Path) -> Result<bool, EffectError> {
        Ok(JailRoot::open(root)?.exists(rel)?)
    }

    fn create_dir(
        &self,
        root: &Path,
        rel: &Path,
        mode: FileMode,
        owner: Owner,
    ) -> Result<(), EffectError> {
        Ok(JailRoot::open(root)?.create_dir_all(rel, mode, owner)?)
    }

    fn write(
        &self,
        root: &Path,
        rel: &Path,
        contents: &[u8],
        mode: FileMode,
        owner: Owner,
    ) -> Result<(), EffectError> {
        Ok(JailRoot::open(root)?.write_file(rel, contents, mode, owner)?)
    }

    fn remove_file(&self, root: &Path, rel: &Path) -> Result<(), EffectError> {
        Ok(JailRoot::open(root)?.remove_file(rel)?)
    }

    fn remove_dir(&self, root: &Path, rel: &Path) -> Result<(), EffectError> {
        Ok(JailRoot::open(root)?.remove_dir(rel)?)
    }
}

/// Where packages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageTarget<'a> {
    /// The host itself.
    Host,
    /// The jail whose root is this host path (`pkg -c <root>`).
    Jail(&'a Path),
}

/// The pkg(8) command lines for installing and deleting packages.
///
/// References: pkg(8), pkg-install(8), pkg-delete(8), pkg-info(8).
pub trait PackageCommands {
    /// Installs `packages`, answering yes. Building it may read the target
    /// (a jail root's ABI) and fail.
    fn install(
        &self,
        target: PackageTarget<'_>,
        packages: &[String],
    ) -> Result<CommandLine, EffectError>;

    /// Deletes `packages`, answering yes.
    fn delete(&self, target: PackageTarget<'_>, packages: &[String]) -> CommandLine;

    /// Exits 0 when `package` is installed, 1 when it is not.
    fn is_installed(&self, target: PackageTarget<'_>, package: &str) -> CommandLine;
}

/// The path of pkg(8).
pub const PKG: &str = "/usr/sbin/pkg";

/// pkg(8) as the host has it: `pkg [-c <root>] install -y <packages…>`.
///
/// Limitations: the jail's packages come from the host's configured
/// repository and ABI; a jail of another FreeBSD release than the host
/// needs its ABI given to pkg, which this type does not do.
///
/// References: pkg(8) `-c`, pkg-install(8) `-y`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostPkg;

fn pkg_argv(target: PackageTarget<'_>, words: &[&str], packages: &[String]) -> CommandLine {
    let mut argv = vec![PKG.to_owned()];
    if let PackageTarget::Jail(root) = target {
        argv.extend(["-c".to_owned(), root.display().to_string()]);
    }
    argv.extend(words.iter().map(|w| (*w).to_owned()));
    argv.extend(packages.iter().cloned());
    CommandLine::new(argv).expect("a pkg argv starts with pkg")
}

impl PackageCommands for HostPkg {
    fn install(
        &self,
        target: PackageTarget<'_>,
        packages: &[String],
    ) -> Result<CommandLine, EffectError> {
        Ok(pkg_argv(target, &["install", "-y"], packages))
    }

    fn delete(&self, target: PackageTarget<'_>, packages: &[String]) -> CommandLine {
        pkg_argv(target, &["delete", "-y"], packages)
    }

    fn is_installed(&self, target: PackageTarget<'_>, package: &str) -> CommandLine {
        pkg_argv(target, &["info", "-e"], &[package.to_owned()])
    }
}

/// pkg(8) with the jail root's own ABI: packages go into a jail through
/// [`PkgInstall`] (`env ABI=… OSVERSION=… pkg -c <root> install -y …`,
/// after checking the root's userland and its resolv.conf(5) for the
/// cage's address families); the host's packages, queries and deletes are
/// [`HostPkg`]'s.
///
/// References: pkg(8) `ABI`, `OSVERSION`; freebsd-version(1).
#[derive(Debug, Clone, Copy)]
pub struct JailAbiPkg {
    /// The address families of the cage, for the resolv.conf(5) check.
    pub families: AddressFamilies,
}

impl PackageCommands for JailAbiPkg {
    fn install(
        &self,
        target: PackageTarget<'_>,
        packages: &[String],
    ) -> Result<CommandLine, EffectError> {
        let PackageTarget::Jail(root) = target else {
            return HostPkg.install(target, packages);
        };
        let names = packages
            .iter()
            .map(|p| PackageName::new(p))
            .collect::<Result<Vec<_>, _>>()?;
        let install = PkgInstall::prepare(root, RootMode::Chroot, &names, self.families)?;
        let argv = install
            .argv()
            .into_iter()
            .map(|w| w.to_string_lossy().into_owned());
        Ok(CommandLine::new(argv).expect("a pkg install argv has words"))
    }

    fn delete(&self, target: PackageTarget<'_>, packages: &[String]) -> CommandLine {
        HostPkg.delete(target, packages)
    }

    fn is_installed(&self, target: PackageTarget<'_>, package: &str) -> CommandLine {
        HostPkg.is_installed(target, package)
    }
}

/// The FreeBSD host: its commands (ifconfig, mount, pkg, service,
/// sockstat) and the jail system calls.
///
/// References: jail(8), ifconfig(8), service(8).
pub trait HostSystem: CommandRunner + KernelJails {}

impl<T: CommandRunner + KernelJails> HostSystem for T {}
