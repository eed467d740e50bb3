//! The cage's create, start, stop, restart and destroy, each a sequence of
//! journaled effects.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use jailctl::jail8::address::{Ipv4List, Ipv6List};
use jailctl::jail8::command::{CommandFailure, CommandLine};
use jailctl::jail8::exec::ExecCommand;
use jailctl::jail8::lifecycle::{self, JailConfig, KernelParam, RunningJail};
use jailctl::jail8::mount::{DevfsRuleset, JailRoot as JailPath};
use zfsctl::DatasetName;

use super::CageHost;
use super::effects::{EffectError, PackageTarget};
use super::journal::{ApplyError, Effect, Journal, StepFailure};
use crate::audit::{
    AuditScope, Listener, LoopbackBinding, PortAudit, parse_sockstat, sockstat_argv,
};
use crate::plan::{FileContent, JailPlan, PlannedFile, PseudoParam, Step, Target};
use crate::rootfs::{FileMode, Owner};
use crate::{CageSpec, Plan, SpecError};

/// service(8), as the host's services are started with it.
pub const SERVICE: &str = "/usr/sbin/service";

/// Mode of the directories made for files and mountpoints.
const DIR_MODE: u32 = 0o755;

/// A cage ready to apply: its plan and what the port audit allows.
///
/// References: jail(8), zfs(8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cage {
    /// The jail's name.
    pub name: String,
    /// The plan.
    pub plan: Plan,
    /// The cage's file system.
    pub dataset: DatasetName,
    /// Its mountpoint.
    pub mountpoint: PathBuf,
    /// The jail's root: `<mountpoint>/root`.
    pub jail_root: PathBuf,
    /// The FreeBSD release the root is cloned from.
    pub release: String,
    /// The listeners intended inside the jail: the cage's intended
    /// listeners other than spiped's, which run on the host.
    pub jail_listeners: Vec<Listener>,
    /// The jail's addresses, and where its loopback binds land (on its
    /// primary addresses).
    pub audit_scope: AuditScope,
}

/// Why a spec cannot become a [`Cage`].
#[derive(Debug, thiserror::Error)]
pub enum CageError {
    /// The spec is invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The dataset name is refused by ZFS's rules.
    #[error(transparent)]
    DatasetName(#[from] zfsctl::NameError),
}

impl Cage {
    /// Plans `spec` and works out what the port audit allows.
    ///
    /// References: jail(8), sockstat(1).
    pub fn from_spec(spec: &CageSpec) -> Result<Self, CageError> {
        let plan = spec.plan()?;
        let jail_listeners = spec
            .intended_listeners()
            .into_iter()
            .filter(|listener| listener.process != "spiped")
            .collect();
        let private = [
            spec.private.ipv4.map(IpAddr::V4),
            spec.private.ipv6.map(IpAddr::V6),
        ];
        let audit_scope = AuditScope {
            private: private.into_iter().flatten().collect(),
            public: vec![IpAddr::V6(spec.public.address)],
            loopback: LoopbackBinding::RemappedToPrimary {
                ipv4: spec.private.ipv4,
                ipv6: Some(spec.private.ipv6.unwrap_or(spec.public.address)),
            },
        };
        Ok(Self {
            name: spec.name.to_string(),
            plan,
            dataset: DatasetName::new(spec.dataset.name.to_string())?,
            mountpoint: PathBuf::from(spec.dataset.mountpoint.to_string()),
            jail_root: spec.dataset.jail_root(),
            release: spec.release.to_string(),
            jail_listeners,
            audit_scope,
        })
    }

    fn root_dataset(&self) -> Result<DatasetName, zfsctl::NameError> {
        self.dataset.child("root")
    }
}

/// Records `effect` if `result` is a success; otherwise the step failed.
fn done(
    journal: &mut Journal,
    effect: Effect,
    result: Result<(), EffectError>,
) -> Result<(), StepFailure> {
    match result {
        Ok(()) => {
            journal.record(effect);
            Ok(())
        }
        Err(error) => Err(StepFailure::new(effect.to_string(), error)),
    }
}

/// Creates the cage on the host; see the module documentation of
/// [`apply`](super) for the steps. On failure every effect is undone.
///
/// References: zfs(8), pkg(8).
pub fn create(cage: &Cage, host: &CageHost<'_>) -> Result<(), ApplyError> {
    let mut journal = Journal::default();
    match create_steps(cage, host, &mut journal) {
        Ok(()) => Ok(()),
        Err(failure) => Err(ApplyError::after_roll_back(
            &cage.name, "create", failure, journal, host,
        )),
    }
}

fn create_steps(
    cage: &Cage,
    host: &CageHost<'_>,
    journal: &mut Journal,
) -> Result<(), StepFailure> {
    let naming = |e: zfsctl::NameError| StepFailure::new("dataset name", zfsctl::Error::from(e));
    let root_dataset = cage.root_dataset().map_err(naming)?;
    for step in &cage.plan.steps {
        match step {
            Step::CreateDataset { name, .. } if name == root_dataset.as_str() => {
                // Made by cloning the release, below.
            }
            Step::CreateDataset { name, properties } => {
                let name = DatasetName::new(name.clone()).map_err(naming)?;
                create_dataset(host, journal, &name, properties)?;
            }
            Step::InstallRelease { release, .. } => {
                let snapshot = host
                    .releases
                    .child(release)
                    .and_then(|r| r.snapshot("base"))
                    .map_err(naming)?;
                clone_release(host, journal, &snapshot, &root_dataset)?;
            }
            Step::InstallPackages {
                target: Target::Jail,
                packages,
            } => install_jail_packages(cage, host, journal, packages)?,
            Step::InstallPackages {
                target: Target::Host,
                packages,
            } => install_host_packages(host, journal, packages)?,
            Step::WriteFile(file) => write_planned_file(cage, host, journal, file)?,
            Step::Pipe(_) | Step::CreateJail(_) | Step::EnableService { .. } => {
                // Carried out by start.
            }
        }
    }
    Ok(())
}

/// The file system with its native properties, each user property as its
/// own effect, the mountpoint's missing directories, the mount.
fn create_dataset(
    host: &CageHost<'_>,
    journal: &mut Journal,
    name: &DatasetName,
    properties: &std::collections::BTreeMap<String, String>,
) -> Result<(), StepFailure> {
    let (user, native): (Vec<_>, Vec<_>) = properties
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(k, _)| k.contains(':'));
    done(
        journal,
        Effect::CreateDataset(name.clone()),
        host.zfs.create_filesystem(name, &native),
    )?;
    for (property, value) in user {
        let result = host.zfs.set_property(name, &property, &value);
        let effect = Effect::SetProperty {
            dataset: name.clone(),
            property,
            value,
        };
        done(journal, effect, result)?;
    }
    if let Some((_, mountpoint)) = native.iter().find(|(k, _)| k == "mountpoint")
        && let Ok(rel) = Path::new(mountpoint).strip_prefix(&host.host_root)
    {
        make_missing_dirs(host, journal, &host.host_root.clone(), rel)?;
    }
    done(journal, Effect::Mount(name.clone()), host.zfs.mount(name))
}

fn clone_release(
    host: &CageHost<'_>,
    journal: &mut Journal,
    snapshot: &DatasetName,
    target: &DatasetName,
) -> Result<(), StepFailure> {
    let effect = Effect::CloneSnapshot {
        snapshot: snapshot.clone(),
        dataset: target.clone(),
    };
    done(journal, effect, host.zfs.clone_snapshot(snapshot, target))?;
    done(
        journal,
        Effect::Mount(target.clone()),
        host.zfs.mount(target),
    )
}

/// Makes every missing directory of `rel` beneath `root`, outermost first,
/// each its own effect.
fn make_missing_dirs(
    host: &CageHost<'_>,
    journal: &mut Journal,
    root: &Path,
    rel: &Path,
) -> Result<(), StepFailure> {
    let mut prefix = PathBuf::new();
    for component in rel.components() {
        prefix.push(component);
        let exists = host
            .files
            .exists(root, &prefix)
            .map_err(|e| StepFailure::new(format!("stat {}", root.join(&prefix).display()), e))?;
        if exists {
            continue;
        }
        let mode = FileMode::new(DIR_MODE).expect("0o755 is a mode");
        let result = host.files.create_dir(root, &prefix, mode, Owner::ROOT);
        let effect = Effect::CreateDir {
            root: root.to_owned(),
            rel: prefix.clone(),
        };
        done(journal, effect, result)?;
    }
    Ok(())
}

fn install_jail_packages(
    cage: &Cage,
    host: &CageHost<'_>,
    journal: &mut Journal,
    packages: &[String],
) -> Result<(), StepFailure> {
    if packages.is_empty() {
        return Ok(());
    }
    let target = PackageTarget::Jail(&cage.jail_root);
    let step = || {
        format!(
            "pkg -c {} install -y {}",
            cage.jail_root.display(),
            packages.join(" ")
        )
    };
    let install = host
        .packages
        .install(target, packages)
        .map_err(|e| StepFailure::new(step(), e))?;
    let effect = Effect::Command {
        run: install.clone(),
        undo: host.packages.delete(target, packages),
    };
    done(journal, effect, run(host, &install))
}

/// Installs each host package that pkg(8) does not report installed.
fn install_host_packages(
    host: &CageHost<'_>,
    journal: &mut Journal,
    packages: &[String],
) -> Result<(), StepFailure> {
    for package in packages {
        let query = host.packages.is_installed(PackageTarget::Host, package);
        match host.system.run(&query) {
            Ok(_) => continue,
            Err(e) if matches!(e.failure, CommandFailure::Exited { code: Some(1), .. }) => {}
            Err(e) => return Err(StepFailure::new(query.to_string(), e)),
        }
        let one = std::slice::from_ref(package);
        let install = host
            .packages
            .install(PackageTarget::Host, one)
            .map_err(|e| StepFailure::new(format!("pkg install -y {package}"), e))?;
        let effect = Effect::Command {
            run: install.clone(),
            undo: host.packages.delete(PackageTarget::Host, one),
        };
        done(journal, effect, run(host, &install))?;
    }
    Ok(())
}

fn run(host: &CageHost<'_>, command: &CommandLine) -> Result<(), EffectError> {
    host.system.run(command).map(drop).map_err(Into::into)
}

/// The root a planned file is written beneath and its path there.
fn place(cage: &Cage, host: &CageHost<'_>, path: &Path) -> Result<(PathBuf, PathBuf), EffectError> {
    if let Ok(rel) = path.strip_prefix(&cage.jail_root) {
        return Ok((cage.jail_root.clone(), rel.to_owned()));
    }
    match path.strip_prefix("/") {
        Ok(rel) => Ok((host.host_root.clone(), rel.to_owned())),
        Err(_) => Err(EffectError::OutsideRoot {
            path: path.to_owned(),
            root: host.host_root.clone(),
        }),
    }
}

fn write_planned_file(
    cage: &Cage,
    host: &CageHost<'_>,
    journal: &mut Journal,
    file: &PlannedFile,
) -> Result<(), StepFailure> {
    let fail = |e: EffectError| StepFailure::new(format!("write {}", file.path.display()), e);
    let (root, rel) = place(cage, host, &file.path).map_err(fail)?;
    if let Some(parent) = rel.parent() {
        make_missing_dirs(host, journal, &root, parent)?;
    }
    let owner = account_ids(host, &root, &file.owner, &file.group).map_err(fail)?;
    let mode = FileMode::new(file.mode).map_err(|e| fail(e.into()))?;
    let contents = match &file.content {
        FileContent::Text(text) => text.as_bytes().to_vec(),
        FileContent::RandomKey { bytes } => {
            if host.files.exists(&root, &rel).map_err(fail)? {
                return check_kept_key(host, &root, &rel).map_err(fail);
            }
            random_key(*bytes)
        }
    };
    let previous = host.files.read(&root, &rel).map_err(fail)?;
    let result = host.files.write(&root, &rel, &contents, mode, owner);
    let effect = Effect::WriteFile {
        root,
        rel,
        previous,
    };
    done(journal, effect, result)
}

/// Checks an existing key with the rule [`Plan::render`] applies:
/// [`check_key_mode_and_len`](crate::render::check_key_mode_and_len).
fn check_kept_key(host: &CageHost<'_>, root: &Path, rel: &Path) -> Result<(), EffectError> {
    let path = root.join(rel);
    let existing = host.files.read(root, rel)?;
    let (mode, len) = existing.map_or((0, 0), |key| (key.mode.bits(), key.contents.len() as u64));
    crate::render::check_key_mode_and_len(&path, mode, len).map_err(EffectError::ExistingKey)
}

fn random_key(bytes: usize) -> Vec<u8> {
    let mut key = vec![0; bytes];
    getrandom::fill(&mut key).expect("the operating system's random source works");
    key
}

/// The uid of `user` and gid of `group` in `etc/passwd` and `etc/group`
/// beneath `root`.
fn account_ids(
    host: &CageHost<'_>,
    root: &Path,
    user: &str,
    group: &str,
) -> Result<Owner, EffectError> {
    let uid = account_id(host, root, "etc/passwd", "user", user, 2)?;
    let gid = account_id(host, root, "etc/group", "group", group, 2)?;
    Ok(Owner { uid, gid })
}

/// The numeric field `field` of the line for `name` in a colon-separated
/// account database.
fn account_id(
    host: &CageHost<'_>,
    root: &Path,
    database: &str,
    kind: &'static str,
    name: &str,
    field: usize,
) -> Result<u32, EffectError> {
    let unknown = || EffectError::UnknownAccount {
        kind,
        name: name.to_owned(),
        database: root.join(database),
    };
    let file = host
        .files
        .read(root, Path::new(database))?
        .ok_or_else(unknown)?;
    String::from_utf8_lossy(&file.contents)
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&name))
        .and_then(|fields| fields.get(field).and_then(|id| id.parse().ok()))
        .ok_or_else(unknown)
}

/// A started cage: its jail, and whether spiped was started for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningCage {
    /// The cage's name.
    pub name: String,
    /// The running jail.
    pub jail: RunningJail,
    /// Whether the cage has spiped pipes (and so started spiped).
    pub spiped: bool,
}

fn spiped_command(action: &str) -> CommandLine {
    CommandLine::new([SERVICE, "spiped", action]).expect("the service command has words")
}

/// Starts the cage: the jail (aliases, devfs, jail_set(2), `/etc/rc`),
/// then spiped, then the port audit. spiped comes after the jail because
/// its server pipes bind the cage's public address, which the jail's start
/// adds as an interface alias. On failure everything started is stopped
/// again.
///
/// References: jail(8), service(8), sockstat(1).
pub fn start(cage: &Cage, host: &CageHost<'_>) -> Result<RunningCage, ApplyError> {
    let mut journal = Journal::default();
    match start_steps(cage, host, &mut journal) {
        Ok(running) => Ok(running),
        Err(failure) => Err(ApplyError::after_roll_back(
            &cage.name, "start", failure, journal, host,
        )),
    }
}

fn start_steps(
    cage: &Cage,
    host: &CageHost<'_>,
    journal: &mut Journal,
) -> Result<RunningCage, StepFailure> {
    // The jail: aliases, devfs, jail_set(2), exec.start.
    let plan = cage
        .plan
        .jail()
        .ok_or_else(|| StepFailure::new("jail start", missing_jail_plan(cage)))?;
    let config = jail_config(plan).map_err(|e| StepFailure::new("jail start", e))?;
    let running = lifecycle::start(&config, host.system, host.system).map_err(|e| {
        StepFailure::new(
            format!("jail start {}", config.name),
            EffectError::JailStart(Box::new(e)),
        )
    })?;
    journal.record(Effect::StartJail(running.clone()));

    // spiped on the host, once the public address exists.
    let spiped = !cage.plan.pipes().is_empty();
    if spiped {
        let effect = Effect::Command {
            run: spiped_command("start"),
            undo: spiped_command("stop"),
        };
        done(journal, effect, run(host, &spiped_command("start")))?;
    }

    // The port audit.
    audit_ports(cage, host, running.jid.get())?;
    Ok(RunningCage {
        name: cage.name.clone(),
        jail: running,
        spiped,
    })
}

fn missing_jail_plan(cage: &Cage) -> EffectError {
    EffectError::JailParam {
        param: "name".to_owned(),
        value: cage.name.clone(),
        reason: "the plan holds no jail".to_owned(),
    }
}

/// Runs sockstat(1) on the jail and fails on any listener not allowed.
fn audit_ports(cage: &Cage, host: &CageHost<'_>, jid: i32) -> Result<(), StepFailure> {
    let argv = sockstat_argv(jid);
    let command = CommandLine::new(argv).expect("the sockstat argv has words");
    let fail = |e: EffectError| StepFailure::new(command.to_string(), e);
    let output = host.system.run(&command).map_err(|e| fail(e.into()))?;
    let observed = parse_sockstat(&output).map_err(|e| fail(e.into()))?;
    let audit = PortAudit::compare(&cage.jail_listeners, &observed, &cage.audit_scope);
    if audit.unexpected.is_empty() {
        Ok(())
    } else {
        Err(fail(EffectError::UnexpectedListeners {
            jid,
            unexpected: audit.unexpected,
        }))
    }
}

fn bad_param(param: &str, value: &str, reason: impl ToString) -> EffectError {
    EffectError::JailParam {
        param: param.to_owned(),
        value: value.to_owned(),
        reason: reason.to_string(),
    }
}

/// The jail(8) layer's configuration for the plan's jail: its kernel
/// parameters and its pseudo-parameters (`ip4.addr` and `ip6.addr` with
/// interfaces, `mount.devfs`, `exec.start`, `exec.stop`). `exec.clean` is
/// always in effect in jailctl and is not read.
///
/// References: jail(8), jail.conf(5).
pub(crate) fn jail_config(plan: &JailPlan) -> Result<JailConfig, EffectError> {
    let param = |name: &str| plan.params.iter().find(|p| p.name == name);
    let path = param("path")
        .map(|p| p.value.to_string())
        .ok_or_else(|| bad_param("path", "", "missing"))?;
    let root = JailPath::new(&path).map_err(|e| bad_param("path", &path, e))?;
    let mut config = JailConfig::new(plan.name.clone(), root);

    // Addresses with their interfaces.
    fn pseudo<'p>(plan: &'p JailPlan, name: &'p str) -> impl Iterator<Item = &'p PseudoParam> {
        plan.pseudo.iter().filter(move |p| p.name == name)
    }
    // Each pseudo-parameter value is one jail.conf string: one entry.
    let values = |name: &'static str| {
        pseudo(plan, name)
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>()
    };
    let ip4 = values("ip4.addr");
    if !ip4.is_empty() {
        config.ip4 =
            Ipv4List::parse_values(&ip4).map_err(|e| bad_param("ip4.addr", &ip4.join(", "), e))?;
    }
    let ip6 = values("ip6.addr");
    if !ip6.is_empty() {
        config.ip6 =
            Ipv6List::parse_values(&ip6).map_err(|e| bad_param("ip6.addr", &ip6.join(", "), e))?;
    }

    // devfs and the exec commands.
    if pseudo(plan, "mount.devfs").any(|p| p.value == "true") {
        let text = param("devfs_ruleset").map_or("4".to_owned(), |p| p.value.to_string());
        let ruleset = text
            .parse()
            .map_err(|e| bad_param("devfs_ruleset", &text, e))?;
        config.devfs = Some(DevfsRuleset(ruleset));
    }
    let commands = |name: &str| -> Result<Vec<ExecCommand>, EffectError> {
        pseudo(plan, name)
            .map(|p| ExecCommand::new(&p.value).map_err(|e| bad_param(name, &p.value, e)))
            .collect()
    };
    config.exec_start = commands("exec.start")?;
    config.exec_stop = commands("exec.stop")?;

    // The remaining kernel parameters, in plan order.
    let set_by_config = ["name", "path", "ip4.addr", "ip6.addr", "devfs_ruleset"];
    config.kernel_params = plan
        .params
        .iter()
        .filter(|p| !set_by_config.contains(&p.name.as_str()))
        .map(|p| KernelParam::new(p.name.clone(), p.value.to_string()))
        .collect();
    Ok(config)
}

/// Stopping a cage left something behind.
#[derive(Debug, thiserror::Error)]
#[error("{cage}: stop: {}", .failures.iter().map(|f| format!("{}: {}", f.step, f.error)).collect::<Vec<_>>().join("; "))]
pub struct StopCageError {
    /// The cage's name.
    pub cage: String,
    /// Each step that failed; the others were done.
    pub failures: Vec<StepFailure>,
}

/// Stops a running cage, the reverse of [`start`]: spiped, then the jail
/// (exec.stop, SIGTERM, jail_remove(2), devfs, aliases). Every step is
/// tried.
///
/// References: service(8), jail(8).
pub fn stop(running: RunningCage, host: &CageHost<'_>) -> Result<(), StopCageError> {
    let mut failures = Vec::new();
    if running.spiped
        && let Err(e) = run(host, &spiped_command("stop"))
    {
        failures.push(StepFailure::new(spiped_command("stop").to_string(), e));
    }
    let label = format!("jail stop {} (jid {})", running.jail.name, running.jail.jid);
    if let Err(e) = lifecycle::stop(running.jail, host.system, host.system) {
        failures.push(StepFailure::new(label, EffectError::JailStop(Box::new(e))));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(StopCageError {
            cage: running.name,
            failures,
        })
    }
}

/// Stops and starts the cage again.
///
/// References: jail(8), service(8).
pub fn restart(
    running: RunningCage,
    cage: &Cage,
    host: &CageHost<'_>,
) -> Result<RunningCage, RestartError> {
    stop(running, host)?;
    Ok(start(cage, host)?)
}

/// A restart that failed.
#[derive(Debug, thiserror::Error)]
pub enum RestartError {
    /// The stop left something behind; the cage was not started again.
    #[error(transparent)]
    Stop(#[from] StopCageError),
    /// The start failed and was undone.
    #[error(transparent)]
    Start(#[from] ApplyError),
}

/// The cage's jail if it runs, found by name, described as [`start`] would
/// have returned it.
///
/// References: jail_get(2).
pub fn find_running(cage: &Cage, host: &CageHost<'_>) -> Result<Option<RunningCage>, EffectError> {
    let plan = cage.plan.jail().ok_or_else(|| missing_jail_plan(cage))?;
    let config = jail_config(plan)?;
    let found = host.system.find(&config.name);
    let Some(jid) = found.map_err(|error| EffectError::JailFind {
        name: config.name.clone(),
        error,
    })?
    else {
        return Ok(None);
    };
    let jail =
        RunningJail::assume_started(&config, jid, host.system).map_err(EffectError::JailLookup)?;
    Ok(Some(RunningCage {
        name: cage.name.clone(),
        jail,
        spiped: !cage.plan.pipes().is_empty(),
    }))
}

/// The cage's name typed again, which [`destroy`] needs before it does
/// anything.
///
/// References: zfs-destroy(8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestroyConfirmation(String);

impl DestroyConfirmation {
    /// Wraps the name as the user typed it.
    pub fn new(typed: impl Into<String>) -> Self {
        Self(typed.into())
    }
}

/// Why a destroy did not finish.
#[derive(Debug, thiserror::Error)]
pub enum DestroyError {
    /// The confirmation does not name the cage; nothing was touched.
    #[error("{cage}: destroy not confirmed: got {given:?}, type the cage's name")]
    NotConfirmed {
        /// The cage's name.
        cage: String,
        /// What was given.
        given: String,
    },
    /// The cage runs and could not be stopped; nothing was destroyed.
    #[error(transparent)]
    Stop(#[from] StopCageError),
    /// Some steps failed; the others were done.
    #[error("{cage}: destroy: {}", .failures.iter().map(|f| format!("{}: {}", f.step, f.error)).collect::<Vec<_>>().join("; "))]
    Incomplete {
        /// The cage's name.
        cage: String,
        /// Each step that failed.
        failures: Vec<StepFailure>,
    },
}

/// Destroys the cage: stops it if it runs, removes the plan's host files
/// (the spiped rc.conf.d file and key), then destroys the release clone
/// and the cage's file system. Nothing happens unless `confirmation`
/// equals the cage's name. Steps after the stop are all tried.
///
/// References: zfs-destroy(8), jail(8).
pub fn destroy(
    cage: &Cage,
    host: &CageHost<'_>,
    confirmation: &DestroyConfirmation,
) -> Result<(), DestroyError> {
    if confirmation.0 != cage.name {
        return Err(DestroyError::NotConfirmed {
            cage: cage.name.clone(),
            given: confirmation.0.clone(),
        });
    }
    let mut failures = Vec::new();

    // Stop the cage if it runs.
    match find_running(cage, host) {
        Ok(Some(running)) => stop(running, host)?,
        Ok(None) => {}
        Err(e) => failures.push(StepFailure::new("jail lookup", e)),
    }

    // The host's files of the plan.
    for file in cage.plan.files() {
        let Ok((root, rel)) = place(cage, host, &file.path) else {
            continue;
        };
        if root != host.host_root {
            continue;
        }
        let step = format!("rm {}", file.path.display());
        match host.files.exists(&root, &rel) {
            Ok(false) => {}
            Ok(true) => {
                if let Err(e) = host.files.remove_file(&root, &rel) {
                    failures.push(StepFailure::new(step, e));
                }
            }
            Err(e) => failures.push(StepFailure::new(step, e)),
        }
    }

    // The datasets, the clone first.
    let datasets = [cage.root_dataset(), Ok(cage.dataset.clone())];
    for name in datasets.into_iter().flatten() {
        let step = format!("zfs destroy {name}");
        match host.zfs.exists(&name) {
            Ok(false) => {}
            Ok(true) => {
                if let Err(e) = host.zfs.destroy(&name) {
                    failures.push(StepFailure::new(step, e));
                }
            }
            Err(e) => failures.push(StepFailure::new(step, e)),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(DestroyError::Incomplete {
            cage: cage.name.clone(),
            failures,
        })
    }
}
