//! Starting and stopping a jail the way jail(8) does, with its
//! pseudo-parameters carried out in userland.
//!
//! Start: add the interface aliases (`ip4.addr` entries, then `ip6.addr`),
//! mount devfs, create the jail, run each `exec.start` command inside it.
//! When a step fails, the steps already done are undone in reverse order
//! (jail removed, devfs unmounted, aliases removed last-added first), and
//! `exec.stop` is not run, as jail(8) does for a failed start.
//!
//! Stop: run each `exec.stop` command inside the jail, send SIGTERM to its
//! processes and wait up to `stop.timeout`, remove the jail, unmount devfs,
//! remove the aliases (`ip6.addr` entries, then `ip4.addr`, as jail(8)
//! orders them). A failure before the removal leaves the jail running and
//! hands it back; after the removal every remaining step is still tried.
//!
//! The kernel side is the [`KernelJails`] trait; its real implementation
//! is `jail8::system::SystemJails` (FreeBSD only), over the kernel layer of
//! this crate (jail_set(2), jail_remove(2), jail_attach(2)). [`RecordingHost`](super::recording::RecordingHost)
//! implements it and [`CommandRunner`] for tests.
//!
//! References: jail(8), jail.conf(5), jail_set(2), jail_remove(2).

use std::fmt;

use super::address::{InterfaceName, Ipv4List, Ipv6List};
use super::alias::{AliasCommand, AliasError, AliasPlan, DefaultRouteInterfaces};
use super::command::{CommandError, CommandRunner};
use super::exec::{ExecCommand, ExecInvocation, StopTimeout};
use super::mount::{DevfsMount, DevfsRuleset, JailRoot};
use crate::Jid;

/// One kernel parameter in libjail's text form, e.g. `("ip6.addr",
/// "2001:db8::1,2001:db8::2")` or `("persist", "true")`.
///
/// References: jail_set(2), jail(3) (`jailparam_import`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KernelParam {
    /// The parameter name, as sysctl spells it.
    pub name: String,
    /// The value as text.
    pub value: String,
}

impl KernelParam {
    /// A parameter from its name and value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Why a [`KernelJails`] operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KernelJailsError {
    /// A jail system call failed or was refused before it was made.
    #[error(transparent)]
    Kernel(#[from] crate::Error),
    /// A program run inside the jail could not start or exited
    /// unsuccessfully.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// An implementation other than the kernel layer failed (a test
    /// double, for instance); its error is kept whole.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// The kernel operations the lifecycle needs. Kept small so the kernel
/// layer can implement it over jail_set(2), jail_remove(2) and
/// jail_attach(2).
///
/// References: jail_set(2), jail_remove(2), jail_attach(2).
pub trait KernelJails {
    /// Creates a jail with `params` (JAIL_CREATE) and returns its jid.
    fn create(&self, params: &[KernelParam]) -> Result<Jid, KernelJailsError>;

    /// The jid of the running jail named `name`, or `None` when no jail
    /// has that name.
    fn find(&self, name: &str) -> Result<Option<Jid>, KernelJailsError>;

    /// Removes the jail, killing its processes.
    fn remove(&self, jid: Jid) -> Result<(), KernelJailsError>;

    /// Runs a command inside the jail (attached to it, working directory at
    /// its root) and, unless it runs in the background, waits for it to
    /// exit successfully.
    fn exec_in_jail(&self, jid: Jid, invocation: &ExecInvocation) -> Result<(), KernelJailsError>;

    /// Sends SIGTERM to every process in the jail and waits up to `timeout`
    /// for them to exit.
    fn terminate_processes(&self, jid: Jid, timeout: StopTimeout) -> Result<(), KernelJailsError>;
}

/// What to start: the kernel parameters and the jail(8) pseudo-parameters.
///
/// The jail is always created with `persist`, so it stays until
/// [`stop`] removes it whether or not processes run in it.
///
/// References: jail(8), jail.conf(5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JailConfig {
    /// `name`; checked by the kernel, not here.
    pub name: String,
    /// `path`.
    pub root: JailRoot,
    /// `ip4.addr`, with interfaces and masks.
    pub ip4: Ipv4List,
    /// `ip6.addr`, with interfaces and prefixes.
    pub ip6: Ipv6List,
    /// `interface`: where entries without `iface|` get their alias.
    pub interface: Option<InterfaceName>,
    /// `mount.devfs` with this `devfs_ruleset`; `None` mounts no devfs.
    pub devfs: Option<DevfsRuleset>,
    /// `exec.start`, run in order inside the new jail.
    pub exec_start: Vec<ExecCommand>,
    /// `exec.stop`, run in order inside the jail before it is removed.
    pub exec_stop: Vec<ExecCommand>,
    /// `stop.timeout`.
    pub stop_timeout: StopTimeout,
    /// Further kernel parameters, such as `host.hostname`.
    pub kernel_params: Vec<KernelParam>,
}

impl JailConfig {
    /// A spec with no addresses, no devfs, no commands and the default
    /// `stop.timeout`.
    pub fn new(name: impl Into<String>, root: JailRoot) -> Self {
        Self {
            name: name.into(),
            root,
            ip4: Ipv4List::default(),
            ip6: Ipv6List::default(),
            interface: None,
            devfs: None,
            exec_start: Vec::new(),
            exec_stop: Vec::new(),
            stop_timeout: StopTimeout::DEFAULT,
            kernel_params: Vec::new(),
        }
    }

    /// The parameters passed to jail_set(2): `name`, `path`, `persist`,
    /// the bare addresses, `devfs_ruleset` when devfs is mounted, then
    /// [`kernel_params`](Self::kernel_params). No pseudo-parameter is among
    /// them.
    ///
    /// References: jail_set(2), jail(8).
    pub fn kernel_create_params(&self) -> Vec<KernelParam> {
        let mut params = vec![
            KernelParam::new("name", self.name.clone()),
            KernelParam::new("path", self.root.as_str()),
            KernelParam::new("persist", "true"),
        ];
        if let Some(value) = self.ip4.kernel_value() {
            params.push(KernelParam::new("ip4.addr", value));
        }
        if let Some(value) = self.ip6.kernel_value() {
            params.push(KernelParam::new("ip6.addr", value));
        }
        if let Some(ruleset) = self.devfs {
            params.push(KernelParam::new("devfs_ruleset", ruleset.to_string()));
        }
        params.extend(self.kernel_params.iter().cloned());
        params
    }
}

/// A step of starting or stopping a jail, for error reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Looking up the interfaces of `DEFAULT|…` entries and planning aliases.
    PlanAliases,
    /// Adding or removing one alias.
    Alias(AliasCommand),
    /// Mounting or unmounting devfs.
    Devfs(DevfsMount),
    /// Creating the jail.
    Create,
    /// Running one `exec.start` or `exec.stop` command.
    Exec(ExecCommand),
    /// Sending SIGTERM and waiting `stop.timeout`.
    Terminate(StopTimeout),
    /// Removing the jail.
    Remove(Jid),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PlanAliases => f.write_str("interface aliases"),
            Self::Alias(alias) => write!(f, "alias on {}", alias.iface()),
            Self::Devfs(mount) => write!(f, "mount.devfs on {}", mount.mount_point()),
            Self::Create => f.write_str("jail_set"),
            Self::Exec(command) => write!(f, "exec `{command}`"),
            Self::Terminate(timeout) => write!(f, "stop.timeout {}", timeout.0),
            Self::Remove(jid) => write!(f, "jail_remove {jid}"),
        }
    }
}

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// A host command failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The kernel refused.
    #[error(transparent)]
    Kernel(KernelJailsError),
    /// The aliases could not be planned.
    #[error(transparent)]
    Alias(#[from] AliasError),
}

/// A step and how it failed.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {error}")]
pub struct StepFailure {
    /// The step.
    pub step: Step,
    /// How it failed.
    pub error: StepError,
}

impl StepFailure {
    fn kernel(step: Step, error: KernelJailsError) -> Self {
        Self {
            step,
            error: StepError::Kernel(error),
        }
    }
}

/// A start that failed and was undone.
#[derive(Debug, thiserror::Error)]
#[error("{jail}: start failed: {failure}{}", undo_note(.undo_failures))]
pub struct StartError {
    /// The jail's name.
    pub jail: String,
    /// The step that failed.
    pub failure: Box<StepFailure>,
    /// Undo steps that failed too; what they should have undone is left
    /// on the host.
    pub undo_failures: Vec<StepFailure>,
}

fn undo_note(failures: &[StepFailure]) -> String {
    failures
        .iter()
        .map(|f| format!("; undo also failed: {f}"))
        .collect()
}

/// A stop that failed.
#[derive(Debug, thiserror::Error)]
pub enum StopError {
    /// A step before the removal failed; the jail still runs and is handed
    /// back so the stop can be retried.
    #[error("{}: stop failed, jail still running: {failure}", .running.name)]
    StillRunning {
        /// The jail, unchanged.
        running: Box<RunningJail>,
        /// The step that failed.
        failure: Box<StepFailure>,
    },
    /// The jail was removed, but some clean-up steps after that failed.
    #[error("{jail}: removed, but clean-up failed: {}", join_failures(.failures))]
    Cleanup {
        /// The jail's name.
        jail: String,
        /// Each failed clean-up step.
        failures: Vec<StepFailure>,
    },
}

fn join_failures(failures: &[StepFailure]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A started jail: its jid and exactly what start set up, which is what
/// [`stop`] tears down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningJail {
    /// The jail's name.
    pub name: String,
    /// The jid.
    pub jid: Jid,
    /// The aliases that were added.
    pub aliases: AliasPlan,
    /// The devfs that was mounted.
    pub devfs: Option<DevfsMount>,
    /// `exec.stop`.
    pub exec_stop: Vec<ExecCommand>,
    /// `stop.timeout`.
    pub stop_timeout: StopTimeout,
}

impl RunningJail {
    /// The running jail of `config` with jid `jid`, as [`start`] would have
    /// returned it: for a jail started earlier, by another process, so that
    /// [`stop`] can tear it down. The aliases are planned again from
    /// `config` (looking up default routes through `runner`).
    ///
    /// Limitations: the aliases and devfs mount are assumed to be exactly
    /// those `config` asks for; if the host was changed by hand since the
    /// start, stop may fail to remove some of them.
    ///
    /// References: jail(8).
    pub fn assume_started(
        config: &JailConfig,
        jid: Jid,
        runner: &dyn CommandRunner,
    ) -> Result<Self, Box<StepFailure>> {
        let defaults = DefaultRouteInterfaces::discover(runner, &config.ip4, &config.ip6);
        let aliases = AliasPlan::new(
            &config.ip4,
            &config.ip6,
            config.interface.as_ref(),
            &defaults,
        )
        .map_err(|e| StepFailure {
            step: Step::PlanAliases,
            error: e.into(),
        })?;
        Ok(Self {
            name: config.name.clone(),
            jid,
            aliases,
            devfs: config.devfs.map(|ruleset| DevfsMount {
                root: config.root.clone(),
                ruleset,
            }),
            exec_stop: config.exec_stop.clone(),
            stop_timeout: config.stop_timeout,
        })
    }
}

/// What start has done so far, undone in reverse when a later step fails.
enum Done {
    Alias(AliasCommand),
    Devfs(DevfsMount),
    Jail(Jid),
}

fn undo(done: Vec<Done>, runner: &dyn CommandRunner, kernel: &dyn KernelJails) -> Vec<StepFailure> {
    let mut failures = Vec::new();
    for item in done.into_iter().rev() {
        let (step, result) = match item {
            Done::Alias(alias) => {
                let result = runner
                    .run(&alias.remove())
                    .map(drop)
                    .map_err(StepError::from);
                (Step::Alias(alias), result)
            }
            Done::Devfs(mount) => {
                let result = runner
                    .run(&mount.unmount_command())
                    .map(drop)
                    .map_err(StepError::from);
                (Step::Devfs(mount), result)
            }
            Done::Jail(jid) => (
                Step::Remove(jid),
                kernel.remove(jid).map_err(StepError::Kernel),
            ),
        };
        if let Err(error) = result {
            failures.push(StepFailure { step, error });
        }
    }
    failures
}

/// Starts the jail of `spec`; see the module documentation for the steps.
/// `DEFAULT|…` entries are resolved with route(8) through `runner`.
///
/// References: jail(8), jail_set(2), ifconfig(8), mount(8), route(8).
pub fn start(
    spec: &JailConfig,
    runner: &dyn CommandRunner,
    kernel: &dyn KernelJails,
) -> Result<RunningJail, StartError> {
    let fail = |failure: StepFailure, undo_failures| StartError {
        jail: spec.name.clone(),
        failure: Box::new(failure),
        undo_failures,
    };

    // Plan the aliases, looking up default-route interfaces where needed.
    let defaults = DefaultRouteInterfaces::discover(runner, &spec.ip4, &spec.ip6);
    let aliases = AliasPlan::new(&spec.ip4, &spec.ip6, spec.interface.as_ref(), &defaults)
        .map_err(|e| {
            let failure = StepFailure {
                step: Step::PlanAliases,
                error: e.into(),
            };
            fail(failure, Vec::new())
        })?;
    let mut done = Vec::new();

    // Add the aliases.
    for alias in aliases.in_setup_order() {
        if let Err(e) = runner.run(&alias.add()) {
            let failure = StepFailure {
                step: Step::Alias(alias.clone()),
                error: e.into(),
            };
            return Err(fail(failure, undo(done, runner, kernel)));
        }
        done.push(Done::Alias(alias.clone()));
    }

    // Mount devfs.
    let devfs = spec.devfs.map(|ruleset| DevfsMount {
        root: spec.root.clone(),
        ruleset,
    });
    if let Some(mount) = &devfs {
        if let Err(e) = runner.run(&mount.mount_command()) {
            let failure = StepFailure {
                step: Step::Devfs(mount.clone()),
                error: e.into(),
            };
            return Err(fail(failure, undo(done, runner, kernel)));
        }
        done.push(Done::Devfs(mount.clone()));
    }

    // Create the jail.
    let jid = match kernel.create(&spec.kernel_create_params()) {
        Ok(jid) => jid,
        Err(e) => {
            let failure = StepFailure {
                step: Step::Create,
                error: StepError::Kernel(e),
            };
            return Err(fail(failure, undo(done, runner, kernel)));
        }
    };
    done.push(Done::Jail(jid));

    // Run exec.start inside it.
    for command in &spec.exec_start {
        if let Err(e) = kernel.exec_in_jail(jid, &command.invocation()) {
            let failure = StepFailure {
                step: Step::Exec(command.clone()),
                error: StepError::Kernel(e),
            };
            return Err(fail(failure, undo(done, runner, kernel)));
        }
    }

    Ok(RunningJail {
        name: spec.name.clone(),
        jid,
        aliases,
        devfs,
        exec_stop: spec.exec_stop.clone(),
        stop_timeout: spec.stop_timeout,
    })
}

/// Stops a jail started by [`start`]; see the module documentation for the
/// steps.
///
/// References: jail(8), jail_remove(2), ifconfig(8), umount(8).
pub fn stop(
    running: RunningJail,
    runner: &dyn CommandRunner,
    kernel: &dyn KernelJails,
) -> Result<(), StopError> {
    // Run exec.stop, then terminate the jail's processes, then remove it.
    let jid = running.jid;
    let before_removal = (|| {
        for command in &running.exec_stop {
            kernel
                .exec_in_jail(jid, &command.invocation())
                .map_err(|e| Box::new(StepFailure::kernel(Step::Exec(command.clone()), e)))?;
        }
        if running.stop_timeout.terminates_processes() {
            kernel
                .terminate_processes(jid, running.stop_timeout)
                .map_err(|e| {
                    Box::new(StepFailure::kernel(
                        Step::Terminate(running.stop_timeout),
                        e,
                    ))
                })?;
        }
        kernel
            .remove(jid)
            .map_err(|e| Box::new(StepFailure::kernel(Step::Remove(jid), e)))
    })();
    if let Err(failure) = before_removal {
        return Err(StopError::StillRunning {
            running: Box::new(running),
            failure,
        });
    }

    // Unmount devfs and remove the aliases, trying every step.
    let mut failures = Vec::new();
    if let Some(mount) = &running.devfs
        && let Err(e) = runner.run(&mount.unmount_command())
    {
        failures.push(StepFailure {
            step: Step::Devfs(mount.clone()),
            error: e.into(),
        });
    }
    for alias in running.aliases.in_stop_order() {
        if let Err(e) = runner.run(&alias.remove()) {
            failures.push(StepFailure {
                step: Step::Alias(alias.clone()),
                error: e.into(),
            });
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(StopError::Cleanup {
            jail: running.name,
            failures,
        })
    }
}
