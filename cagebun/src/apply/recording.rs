//! Stand-ins for tests: a FreeBSD host that records commands and jail calls
//! and keeps the state they would leave, a ZFS made of directories, and a
//! shared counter that fails chosen effects.
//!
//! References: jail(8), ifconfig(8), pkg(8), service(8), zfs(8).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jailctl::Jid;
use jailctl::jail8::command::{
    CommandError, CommandFailure, CommandLine, CommandRunner, IFCONFIG, MOUNT, ROUTE, UMOUNT,
};
use jailctl::jail8::exec::{ExecInvocation, StopTimeout};
use jailctl::jail8::lifecycle::{KernelJails, KernelJailsError, KernelParam};
use zfsctl::DatasetName;

use super::cage::SERVICE;
use super::effects::{EffectError, FileEffects, PKG, ZfsEffects};
use crate::audit::SOCKSTAT;
use crate::rootfs::{ExistingFile, FileMode, Owner};

/// Counts the effects of every stand-in that shares it, in the order they
/// are asked for, and fails those whose index (from 0) was chosen.
#[derive(Debug, Default)]
pub struct EffectCounter {
    next: Cell<usize>,
    fail: BTreeSet<usize>,
    log: RefCell<Vec<String>>,
}

impl EffectCounter {
    /// A counter that fails nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// A counter that fails the effects with these indices.
    pub fn failing(indices: impl IntoIterator<Item = usize>) -> Self {
        Self {
            fail: indices.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Counts one effect, described by `what`; `Err` with its index when
    /// it is one to fail.
    pub fn tick(&self, what: impl Into<String>) -> Result<(), usize> {
        let index = self.next.get();
        self.next.set(index + 1);
        self.log.borrow_mut().push(what.into());
        if self.fail.contains(&index) {
            Err(index)
        } else {
            Ok(())
        }
    }

    /// How many effects were counted.
    pub fn count(&self) -> usize {
        self.next.get()
    }

    /// Every effect counted, described, in order.
    pub fn log(&self) -> Vec<String> {
        self.log.borrow().clone()
    }
}

/// An effect implementation whose changes are counted (and failed on
/// request) by an [`EffectCounter`]; queries pass through uncounted.
#[derive(Debug)]
pub struct Counted<'c, T> {
    /// The implementation that does the work.
    pub inner: T,
    /// The shared counter.
    pub counter: &'c EffectCounter,
}

impl<T> Counted<'_, T> {
    fn tick(&self, what: String) -> Result<(), EffectError> {
        self.counter
            .tick(what)
            .map_err(|index| EffectError::Injected { index })
    }
}

impl<T: ZfsEffects> ZfsEffects for Counted<'_, T> {
    fn create_filesystem(
        &self,
        name: &DatasetName,
        properties: &[(String, String)],
    ) -> Result<(), EffectError> {
        self.tick(format!("zfs create {name}"))?;
        self.inner.create_filesystem(name, properties)
    }

    fn clone_snapshot(
        &self,
        snapshot: &DatasetName,
        target: &DatasetName,
    ) -> Result<(), EffectError> {
        self.tick(format!("zfs clone {snapshot} {target}"))?;
        self.inner.clone_snapshot(snapshot, target)
    }

    fn mount(&self, name: &DatasetName) -> Result<(), EffectError> {
        self.tick(format!("zfs mount {name}"))?;
        self.inner.mount(name)
    }

    fn unmount(&self, name: &DatasetName) -> Result<(), EffectError> {
        self.tick(format!("zfs unmount {name}"))?;
        self.inner.unmount(name)
    }

    fn set_property(
        &self,
        name: &DatasetName,
        property: &str,
        value: &str,
    ) -> Result<(), EffectError> {
        self.tick(format!("zfs set {property}={value} {name}"))?;
        self.inner.set_property(name, property, value)
    }

    fn inherit_property(&self, name: &DatasetName, property: &str) -> Result<(), EffectError> {
        self.tick(format!("zfs inherit {property} {name}"))?;
        self.inner.inherit_property(name, property)
    }

    fn destroy(&self, name: &DatasetName) -> Result<(), EffectError> {
        self.tick(format!("zfs destroy {name}"))?;
        self.inner.destroy(name)
    }

    fn exists(&self, name: &DatasetName) -> Result<bool, EffectError> {
        self.inner.exists(name)
    }

    fn local_user_properties(
        &self,
        name: &DatasetName,
    ) -> Result<BTreeMap<String, String>, EffectError> {
        self.inner.local_user_properties(name)
    }
}

impl<T: FileEffects> FileEffects for Counted<'_, T> {
    fn read(&self, root: &Path, rel: &Path) -> Result<Option<ExistingFile>, EffectError> {
        self.inner.read(root, rel)
    }

    fn exists(&self, root: &Path, rel: &Path) -> Result<bool, EffectError> {
        self.inner.exists(root, rel)
    }

    fn create_dir(
        &self,
        root: &Path,
        rel: &Path,
        mode: FileMode,
        owner: Owner,
    ) -> Result<(), EffectError> {
        self.tick(format!("mkdir {}", root.join(rel).display()))?;
        self.inner.create_dir(root, rel, mode, owner)
    }

    fn write(
        &self,
        root: &Path,
        rel: &Path,
        contents: &[u8],
        mode: FileMode,
        owner: Owner,
    ) -> Result<(), EffectError> {
        self.tick(format!("write {}", root.join(rel).display()))?;
        self.inner.write(root, rel, contents, mode, owner)
    }

    fn remove_file(&self, root: &Path, rel: &Path) -> Result<(), EffectError> {
        self.tick(format!("rm {}", root.join(rel).display()))?;
        self.inner.remove_file(root, rel)
    }

    fn remove_dir(&self, root: &Path, rel: &Path) -> Result<(), EffectError> {
        self.tick(format!("rmdir {}", root.join(rel).display()))?;
        self.inner.remove_dir(root, rel)
    }
}

/// What a FreeBSD host would hold after the commands and jail calls
/// recorded so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostState {
    /// Interface aliases: `<iface> <inet|inet6> <address>`.
    pub aliases: BTreeSet<String>,
    /// devfs mount points.
    pub devfs: BTreeSet<String>,
    /// Jails: jid to name.
    pub jails: BTreeMap<i32, String>,
    /// Running processes: `service <name>` on the host, `jail <jid>: rc`
    /// for the services `/etc/rc` starts in a jail.
    pub processes: BTreeSet<String>,
    /// Installed packages: `host <name>` or `<jail root> <name>`.
    pub packages: BTreeSet<String>,
}

impl HostState {
    /// Whether nothing is left: no alias, mount, jail, process or package.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A FreeBSD host that records what is asked of it and keeps the
/// resulting [`HostState`]. It knows the commands cagebun runs: ifconfig(8)
/// aliases, mount(8) and umount(8) of devfs, route(8) (no default route),
/// pkg(8) `install`, `delete` and `info -e`, service(8) `start` and `stop`,
/// and sockstat(1), which prints [`sockstat_output`](Self::sockstat_output).
/// Any other command fails to spawn. Every command and jail call is counted
/// by the shared [`EffectCounter`].
#[derive(Debug)]
pub struct RecordingSystem<'c> {
    counter: &'c EffectCounter,
    state: RefCell<HostState>,
    next_jid: Cell<i32>,
    /// What sockstat(1) prints.
    pub sockstat_output: String,
}

/// The exit code of a command the [`EffectCounter`] chose to fail: 70,
/// `EX_SOFTWARE` of sysexits(3), which no command cagebun runs gives a
/// meaning of its own.
pub const INJECTED_EXIT_CODE: i32 = 70;

/// The error of a jail call the [`EffectCounter`] chose to fail.
#[derive(Debug, thiserror::Error)]
#[error("injected failure of effect {0}")]
pub struct InjectedFailure(pub usize);

impl<'c> RecordingSystem<'c> {
    /// An empty host; jids count from 1.
    pub fn new(counter: &'c EffectCounter) -> Self {
        Self {
            counter,
            state: RefCell::new(HostState::default()),
            next_jid: Cell::new(1),
            sockstat_output: String::new(),
        }
    }

    /// The state now.
    pub fn state(&self) -> HostState {
        self.state.borrow().clone()
    }

    fn apply_command(&self, argv: &[String]) -> Result<String, CommandFailure> {
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        let mut state = self.state.borrow_mut();
        let refuse = |what: &str| CommandFailure::Exited {
            code: Some(1),
            stderr: what.to_owned(),
        };
        match words.as_slice() {
            [IFCONFIG, iface, family, address, .., last] => {
                let key = format!("{iface} {family} {address}");
                let changed = match *last {
                    "alias" => state.aliases.insert(key),
                    "-alias" => state.aliases.remove(&key),
                    _ => return Err(refuse("unknown ifconfig action")),
                };
                if !changed {
                    return Err(refuse("alias already in that state"));
                }
            }
            [MOUNT, "-t", "devfs", .., point] => {
                if !state.devfs.insert((*point).to_owned()) {
                    return Err(refuse("already mounted"));
                }
            }
            [UMOUNT, point] => {
                if !state.devfs.remove(*point) {
                    return Err(refuse("not a mount point"));
                }
            }
            [ROUTE, ..] => return Err(refuse("route: no default route")),
            [PKG, rest @ ..] => return Self::pkg(&mut state, rest),
            [SERVICE, name, action] => {
                let key = format!("service {name}");
                let changed = match *action {
                    "start" => state.processes.insert(key),
                    "stop" => state.processes.remove(&key),
                    _ => return Err(refuse("unknown service action")),
                };
                if !changed {
                    return Err(refuse("service already in that state"));
                }
            }
            [SOCKSTAT, ..] => return Ok(self.sockstat_output.clone()),
            _ => {
                return Err(CommandFailure::Spawn(
                    "unknown to the recording host".into(),
                ));
            }
        }
        Ok(String::new())
    }

    fn pkg(state: &mut HostState, words: &[&str]) -> Result<String, CommandFailure> {
        let (target, rest) = match words {
            ["-c", root, rest @ ..] => ((*root).to_owned(), rest),
            rest => ("host".to_owned(), rest),
        };
        let key = |name: &str| format!("{target} {name}");
        let missing = || CommandFailure::Exited {
            code: Some(1),
            stderr: String::new(),
        };
        match rest {
            ["install", "-y", names @ ..] => {
                state.packages.extend(names.iter().map(|n| key(n)));
            }
            ["delete", "-y", names @ ..] => {
                for name in names {
                    if !state.packages.remove(&key(name)) {
                        return Err(missing());
                    }
                }
            }
            ["info", "-e", name] if state.packages.contains(&key(name)) => {}
            ["info", "-e", _] => return Err(missing()),
            _ => return Err(CommandFailure::Spawn("unknown pkg command".into())),
        }
        Ok(String::new())
    }

    fn kernel_tick(&self, what: String) -> Result<(), KernelJailsError> {
        self.counter
            .tick(what)
            .map_err(|index| KernelJailsError::Other(Box::new(InjectedFailure(index))))
    }

    fn known_jail(&self, jid: Jid) -> Result<(), KernelJailsError> {
        if self.state.borrow().jails.contains_key(&jid.get()) {
            Ok(())
        } else {
            Err(KernelJailsError::Other(
                format!("no jail with jid {jid}").into(),
            ))
        }
    }
}

impl CommandRunner for RecordingSystem<'_> {
    fn run(&self, command: &CommandLine) -> Result<String, CommandError> {
        let fail = |failure| CommandError {
            command: command.clone(),
            failure,
        };
        if let Err(index) = self.counter.tick(command.to_string()) {
            return Err(fail(CommandFailure::Exited {
                code: Some(INJECTED_EXIT_CODE),
                stderr: format!("injected failure of effect {index}"),
            }));
        }
        self.apply_command(command.argv()).map_err(fail)
    }
}

impl KernelJails for RecordingSystem<'_> {
    fn create(&self, params: &[KernelParam]) -> Result<Jid, KernelJailsError> {
        let name = params
            .iter()
            .find(|p| p.name == "name")
            .map_or(String::new(), |p| p.value.clone());
        self.kernel_tick(format!("jail_set create name={name}"))?;
        let raw = self.next_jid.get();
        self.next_jid.set(raw + 1);
        self.state.borrow_mut().jails.insert(raw, name);
        Jid::from_raw(raw).ok_or_else(|| KernelJailsError::Other("jid out of range".into()))
    }

    fn find(&self, name: &str) -> Result<Option<Jid>, KernelJailsError> {
        self.kernel_tick(format!("jail_get name={name}"))?;
        let state = self.state.borrow();
        let found = state.jails.iter().find(|(_, n)| *n == name);
        Ok(found.and_then(|(jid, _)| Jid::from_raw(*jid)))
    }

    fn remove(&self, jid: Jid) -> Result<(), KernelJailsError> {
        self.kernel_tick(format!("jail_remove {jid}"))?;
        self.known_jail(jid)?;
        let mut state = self.state.borrow_mut();
        state.jails.remove(&jid.get());
        let prefix = format!("jail {jid}:");
        state.processes.retain(|p| !p.starts_with(&prefix));
        Ok(())
    }

    fn exec_in_jail(&self, jid: Jid, invocation: &ExecInvocation) -> Result<(), KernelJailsError> {
        self.kernel_tick(format!("jexec {jid} {}", invocation.command))?;
        self.known_jail(jid)?;
        let rc = format!("jail {jid}: rc");
        let mut state = self.state.borrow_mut();
        match invocation.command.argv().last().map(String::as_str) {
            Some("/etc/rc") => {
                state.processes.insert(rc);
            }
            Some("jail") => {
                state.processes.remove(&rc);
            }
            _ => {}
        }
        Ok(())
    }

    fn terminate_processes(&self, jid: Jid, timeout: StopTimeout) -> Result<(), KernelJailsError> {
        self.kernel_tick(format!("kill -TERM jail {jid}, wait {}s", timeout.0))?;
        self.known_jail(jid)?;
        let prefix = format!("jail {jid}:");
        self.state
            .borrow_mut()
            .processes
            .retain(|p| !p.starts_with(&prefix));
        Ok(())
    }
}

/// One dataset of [`DirectoryZfs`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StandInDataset {
    /// Locally set properties, native and user.
    pub properties: BTreeMap<String, String>,
    /// The snapshot it was cloned from.
    pub origin: Option<String>,
    /// Whether it is mounted.
    pub mounted: bool,
}

/// ZFS made of directories, for hosts without ZFS: a dataset is a record
/// here and, while mounted, a directory at its mountpoint (its own
/// `mountpoint` property, or its parent's with its last name appended). A
/// clone of a snapshot starts as a copy of the directory registered for
/// that snapshot with [`add_snapshot`](Self::add_snapshot).
///
/// Limitations: unmounting removes the directory and everything in it (a
/// stand-in dataset keeps no data of its own), so a dataset remounted
/// starts empty; datasets whose parent is not recorded are allowed.
#[derive(Debug, Default)]
pub struct DirectoryZfs {
    datasets: RefCell<BTreeMap<String, StandInDataset>>,
    snapshots: BTreeMap<String, PathBuf>,
}

impl DirectoryZfs {
    /// No dataset and no snapshot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers an unmounted file system with these local properties.
    pub fn add_filesystem(&mut self, name: &str, properties: &[(&str, &str)]) {
        let properties = properties
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.datasets.get_mut().insert(
            name.to_owned(),
            StandInDataset {
                properties,
                ..StandInDataset::default()
            },
        );
    }

    /// Registers snapshot `name` whose content is the tree at `content`.
    pub fn add_snapshot(&mut self, name: &str, content: PathBuf) {
        self.snapshots.insert(name.to_owned(), content);
    }

    /// Every dataset, by name.
    pub fn datasets(&self) -> BTreeMap<String, StandInDataset> {
        self.datasets.borrow().clone()
    }

    fn refuse(name: &str, reason: impl Into<String>) -> EffectError {
        EffectError::ZfsStandIn {
            dataset: name.to_owned(),
            reason: reason.into(),
        }
    }

    fn mountpoint(&self, name: &str) -> Result<PathBuf, EffectError> {
        let datasets = self.datasets.borrow();
        if let Some(own) = datasets
            .get(name)
            .and_then(|d| d.properties.get("mountpoint"))
        {
            return Ok(PathBuf::from(own));
        }
        match name.rsplit_once('/') {
            Some((parent, last)) => {
                drop(datasets);
                Ok(self.mountpoint(parent)?.join(last))
            }
            None => Err(Self::refuse(name, "no mountpoint")),
        }
    }

    fn with_dataset<R>(
        &self,
        name: &DatasetName,
        change: impl FnOnce(&mut StandInDataset) -> Result<R, EffectError>,
    ) -> Result<R, EffectError> {
        let mut datasets = self.datasets.borrow_mut();
        let dataset = datasets
            .get_mut(name.as_str())
            .ok_or_else(|| Self::refuse(name.as_str(), "dataset does not exist"))?;
        change(dataset)
    }

    fn insert_new(&self, name: &DatasetName, dataset: StandInDataset) -> Result<(), EffectError> {
        let mut datasets = self.datasets.borrow_mut();
        if datasets.contains_key(name.as_str()) {
            return Err(Self::refuse(name.as_str(), "dataset already exists"));
        }
        datasets.insert(name.to_string(), dataset);
        Ok(())
    }

    fn children_of(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}/");
        self.datasets
            .borrow()
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect()
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

impl ZfsEffects for DirectoryZfs {
    fn create_filesystem(
        &self,
        name: &DatasetName,
        properties: &[(String, String)],
    ) -> Result<(), EffectError> {
        let dataset = StandInDataset {
            properties: properties.iter().cloned().collect(),
            ..StandInDataset::default()
        };
        self.insert_new(name, dataset)
    }

    fn clone_snapshot(
        &self,
        snapshot: &DatasetName,
        target: &DatasetName,
    ) -> Result<(), EffectError> {
        if !self.snapshots.contains_key(snapshot.as_str()) {
            return Err(Self::refuse(snapshot.as_str(), "snapshot does not exist"));
        }
        let dataset = StandInDataset {
            origin: Some(snapshot.to_string()),
            ..StandInDataset::default()
        };
        self.insert_new(target, dataset)
    }

    fn mount(&self, name: &DatasetName) -> Result<(), EffectError> {
        let point = self.mountpoint(name.as_str())?;
        let origin = self.with_dataset(name, |d| {
            if d.mounted {
                return Err(Self::refuse(name.as_str(), "already mounted"));
            }
            Ok(d.origin.clone())
        })?;
        let io = |e: std::io::Error| Self::refuse(name.as_str(), format!("mount: {e}"));
        match origin.and_then(|o| self.snapshots.get(&o)) {
            Some(content) => copy_tree(content, &point).map_err(io)?,
            None => std::fs::create_dir_all(&point).map_err(io)?,
        }
        self.with_dataset(name, |d| {
            d.mounted = true;
            Ok(())
        })
    }

    fn unmount(&self, name: &DatasetName) -> Result<(), EffectError> {
        let busy = self
            .children_of(name.as_str())
            .iter()
            .any(|child| self.datasets.borrow()[child].mounted);
        if busy {
            return Err(Self::refuse(name.as_str(), "unmount: busy (child mounted)"));
        }
        let point = self.mountpoint(name.as_str())?;
        self.with_dataset(name, |d| {
            if !d.mounted {
                return Err(Self::refuse(name.as_str(), "not mounted"));
            }
            d.mounted = false;
            Ok(())
        })?;
        std::fs::remove_dir_all(&point)
            .map_err(|e| Self::refuse(name.as_str(), format!("unmount: {e}")))
    }

    fn set_property(
        &self,
        name: &DatasetName,
        property: &str,
        value: &str,
    ) -> Result<(), EffectError> {
        self.with_dataset(name, |d| {
            d.properties.insert(property.to_owned(), value.to_owned());
            Ok(())
        })
    }

    fn inherit_property(&self, name: &DatasetName, property: &str) -> Result<(), EffectError> {
        self.with_dataset(name, |d| {
            d.properties.remove(property);
            Ok(())
        })
    }

    fn destroy(&self, name: &DatasetName) -> Result<(), EffectError> {
        if !self.children_of(name.as_str()).is_empty() {
            return Err(Self::refuse(name.as_str(), "destroy: has children"));
        }
        if self.with_dataset(name, |d| Ok(d.mounted))? {
            self.unmount(name)?;
        }
        self.datasets.borrow_mut().remove(name.as_str());
        Ok(())
    }

    fn exists(&self, name: &DatasetName) -> Result<bool, EffectError> {
        Ok(self.datasets.borrow().contains_key(name.as_str()))
    }

    fn local_user_properties(
        &self,
        name: &DatasetName,
    ) -> Result<BTreeMap<String, String>, EffectError> {
        self.with_dataset(name, |d| {
            Ok(d.properties
                .iter()
                .filter(|(k, _)| k.contains(':'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect())
        })
    }
}
