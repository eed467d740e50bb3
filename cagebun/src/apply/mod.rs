//! Applying a plan to a host: create, start, stop and destroy a cage, all
//! or nothing.
//!
//! # The model
//!
//! Every change to the host goes through the traits of [`effects`] and is
//! recorded in a [`journal::Journal`] with its undo the moment it is done.
//! When a step of [`create`] or [`start`] fails, the journal is rolled back
//! (last done, first undone) and an [`ApplyError`] reports the first error,
//! every effect that was undone, and any undo that itself failed (what it
//! should have removed is still on the host).
//!
//! # Dataset layout
//!
//! - `<pool>/cagebun/releases/<release>@base`: a FreeBSD release's base
//!   system, extracted once and snapshotted (see [`crate::release`]);
//!   [`CageHost::releases`] names `<pool>/cagebun/releases`.
//! - `<pool>/cagebun/cages/<name>`: the cage, created with its
//!   `mountpoint` and carrying the plan's `org.cagebun:*` user properties
//!   (jail name, hostname, release, addresses, RabbitMQ version and
//!   format, and the whole spec but its password as JSON in
//!   `org.cagebun:spec.<n>` chunks), so the cages of a host can be listed,
//!   and their specs rebuilt, from ZFS alone.
//! - `<pool>/cagebun/cages/<name>/root`: a clone of the release snapshot,
//!   mounted at `<mountpoint>/root`: the jail's root.
//!
//! # What runs where
//!
//! [`LibzfsEffects`] (ZFS through zfsctl) and [`RootedFiles`] work on
//! FreeBSD and on Linux with OpenZFS. `SystemHost` (commands through
//! std::process, jails through jailctl's kernel layer) is FreeBSD only;
//! [`recording::RecordingSystem`] stands in for it elsewhere, and
//! [`recording::DirectoryZfs`] stands in for ZFS where there is none.
//!
//! # Steps
//!
//! Create: the cage's file system, each user property, the missing
//! directories of its mountpoint, its mount; the release clone and its
//! mount; the jail's packages (`pkg -c <root> install -y`, with the root's
//! own ABI through [`JailAbiPkg`]); each planned
//! file with its missing parent directories (jail files through the jail
//! root, host files through [`CageHost::host_root`], never following a
//! link); the host's packages that are not installed yet. An existing
//! spiped key is kept only if it passes [`Plan::render`](crate::Plan::render)'s
//! check (at least 32 bytes, no group or other permission bits); otherwise
//! create fails and is undone. The jail's
//! `rc.conf` enables its services; the host's `rc.conf.d/spiped` enables
//! the pipes.
//!
//! Start: the jail (aliases, devfs, jail_set(2), `/bin/sh /etc/rc`)
//! through jailctl's jail(8) layer, then `service spiped start` on the
//! host, then the port audit: `sockstat -46l -j <jid>` must show no
//! listener outside the cage's intended ones. spiped starts after the jail
//! because its server pipes bind the cage's public address, which exists
//! only once the jail's start has added it as an interface alias. Stop is
//! the exact reverse: `service spiped stop`, then the jail (exec.stop,
//! jail_remove(2), devfs, aliases).
//!
//! # Limitations
//!
//! - The `org.cagebun:*` properties hold the whole spec except the
//!   RabbitMQ password (see [`crate::inventory::spec_from_properties`]): a
//!   cage rebuilt from ZFS needs its password supplied again.
//! - The port audit runs once, right after `/etc/rc`; a service that binds
//!   later is not seen. Missing listeners are not reported, only
//!   unexpected ones.
//! - [`HostPkg`] installs into a jail with the host's ABI; use
//!   [`JailAbiPkg`] for a jail root of another release. The tests use
//!   `HostPkg`, since their release trees hold no FreeBSD executables.
//! - Undoing a package install deletes the packages named, not the
//!   dependencies pulled in with them; in the jail they go with its
//!   dataset.
//! - Destroy stops the cage, removes the host's spiped files of the plan
//!   and destroys the two datasets; host packages and the mountpoint's
//!   parent directories are left.
//!
//! References: zfs(8), jail(8), pkg(8), service(8), sockstat(1),
//! rc.conf(5).

mod cage;
pub mod effects;
pub mod journal;
pub mod libzfs_effects;
pub mod recording;
#[cfg(target_os = "freebsd")]
pub mod system_host;

use std::path::PathBuf;

use zfsctl::DatasetName;

pub use cage::{
    Cage, CageError, DestroyConfirmation, DestroyError, RunningCage, StopCageError, create,
    destroy, find_running, restart, start, stop,
};
pub use effects::{
    EffectError, FileEffects, HostPkg, HostSystem, JailAbiPkg, PackageCommands, PackageTarget,
    RootedFiles, ZfsEffects,
};
pub use journal::{ApplyError, Effect, Journal, UndoFailure};
pub use libzfs_effects::LibzfsEffects;
#[cfg(target_os = "freebsd")]
pub use system_host::SystemHost;

/// The host a cage is applied to: one implementation of each effect, and
/// where things live.
///
/// References: zfs(8), jail(8).
pub struct CageHost<'a> {
    /// ZFS.
    pub zfs: &'a dyn ZfsEffects,
    /// Files beneath a root.
    pub files: &'a dyn FileEffects,
    /// Commands and jail system calls.
    pub system: &'a dyn HostSystem,
    /// The pkg(8) command lines.
    pub packages: &'a dyn PackageCommands,
    /// The host path that stands for `/` when writing host files
    /// (`/etc/rc.conf.d/spiped`, the spiped key) and making mountpoint
    /// directories: `/` on a real host, a scratch directory in tests.
    pub host_root: PathBuf,
    /// The parent of the release datasets: `<pool>/cagebun/releases`.
    pub releases: DatasetName,
}

impl std::fmt::Debug for CageHost<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CageHost")
            .field("host_root", &self.host_root)
            .field("releases", &self.releases)
            .finish_non_exhaustive()
    }
}

/// `<pool>/cagebun/releases` for the pool of `cage_dataset`.
///
/// References: zfs(8).
pub fn releases_dataset(cage_dataset: &DatasetName) -> Result<DatasetName, zfsctl::NameError> {
    DatasetName::new(format!("{}/cagebun/releases", cage_dataset.pool()))
}
