//! [`SystemJails`]: the jail(8) layer's [`KernelJails`] over the kernel
//! layer of this crate (FreeBSD only).
//!
//! Creating goes through [`Jail::create`] (jail_set(2)), removing through
//! [`Jail::remove`] (jail_remove(2)); commands run inside a jail with
//! [`JailCommandExt`] (jail_attach(2) in the child); SIGTERM reaches the
//! jail's processes through kill(1) run inside the jail, as `kill -TERM -1`.
//!
//! References: jail(8), jail_set(2), jail_remove(2), jail_attach(2), kill(1),
//! ps(1).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::command::{
    CommandError, CommandFailure, CommandLine, CommandRunner, SystemCommandRunner,
};
use super::exec::{ExecInvocation, StopTimeout};
use super::lifecycle::{KernelJails, KernelJailsError, KernelParam};
use crate::probe::{KernelParams, ParamProbe};
use crate::{HierarchicalName, Jail, JailCommandExt, JailSpec, Jid, Param};

/// The `PATH` a command inside the jail gets, as a root login class has it.
pub const JAIL_PATH: &str = "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin";

/// kill(1), run inside the jail to signal every process there.
pub const KILL: &str = "/bin/kill";

/// ps(1), run on the host to list a jail's processes (`-J jid`).
pub const PS: &str = "/bin/ps";

/// How often [`SystemJails::terminate_processes`] looks for processes that
/// are still there.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The real kernel behind the jail(8) layer.
///
/// Limitations: commands run inside the jail as root with a cleared
/// environment holding only `PATH` ([`JAIL_PATH`]), `HOME=/root`,
/// `SHELL=/bin/sh` and `USER=root`, whatever `exec.clean` says; login
/// classes (`exec.jail_user`, login.conf(5)) are not applied.
///
/// References: jail(8), jail_set(2), jail_remove(2), jail_attach(2).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemJails;

/// Types one text parameter, from this crate's table or the kernel's sysctl.
fn typed_param(param: &KernelParam) -> Result<Param, crate::Error> {
    let kernel_type = match crate::param::known_param(&param.name) {
        Some(_) => None,
        None => KernelParams.lookup(&param.name)?.map(|(ty, _)| ty),
    };
    Ok(Param::parse(&param.name, &param.value, kernel_type)?)
}

/// Runs `command` inside jail `jid` and waits for it unless `background`.
fn run_in_jail(jid: Jid, command: &CommandLine, background: bool) -> Result<(), CommandError> {
    let fail = |failure| CommandError {
        command: command.clone(),
        failure,
    };
    tracing::debug!(jid = jid.get(), argv = ?command.argv(), background, "jexec {command}");
    let mut child = Command::new(command.program());
    child
        .args(&command.argv()[1..])
        .env_clear()
        .env("PATH", JAIL_PATH)
        .env("HOME", "/root")
        .env("SHELL", "/bin/sh")
        .env("USER", "root")
        .stdin(Stdio::null())
        .jail(jid);
    if background {
        child.stdout(Stdio::null()).stderr(Stdio::null());
        return child
            .spawn()
            .map(drop)
            .map_err(|e| fail(CommandFailure::Spawn(e.to_string())));
    }
    let output = child
        .output()
        .map_err(|e| fail(CommandFailure::Spawn(e.to_string())))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(fail(CommandFailure::Exited {
            code: output.status.code(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        }))
    }
}

/// Whether jail `jid` still has processes, asked of ps(1); ps exits 1 when
/// none matches.
fn has_processes(jid: Jid) -> Result<bool, CommandError> {
    let query = CommandLine::new([PS, "-J", &jid.to_string(), "-o", "pid="])
        .expect("the ps command has words");
    match SystemCommandRunner.run(&query) {
        Ok(listing) => Ok(!listing.trim().is_empty()),
        Err(CommandError {
            failure: CommandFailure::Exited { code: Some(1), .. },
            ..
        }) => Ok(false),
        Err(e) => Err(e),
    }
}

impl KernelJails for SystemJails {
    fn create(&self, params: &[KernelParam]) -> Result<Jid, KernelJailsError> {
        let mut spec = JailSpec::new();
        for param in params {
            spec = spec.param(typed_param(param)?);
        }
        Ok(Jail::create(&spec)?.jid())
    }

    fn find(&self, name: &str) -> Result<Option<Jid>, KernelJailsError> {
        let name = HierarchicalName::new(name).map_err(crate::Error::from)?;
        match Jail::find_by_name(&name) {
            Ok(jail) => Ok(Some(jail.jid())),
            Err(crate::Error::Kernel(e)) if e.errno().raw() == libc::ENOENT => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn remove(&self, jid: Jid) -> Result<(), KernelJailsError> {
        Ok(Jail::from_jid(jid).remove()?)
    }

    fn exec_in_jail(&self, jid: Jid, invocation: &ExecInvocation) -> Result<(), KernelJailsError> {
        Ok(run_in_jail(
            jid,
            &invocation.command,
            invocation.background,
        )?)
    }

    fn terminate_processes(&self, jid: Jid, timeout: StopTimeout) -> Result<(), KernelJailsError> {
        // Signal every process of the jail from inside it; kill(1) fails
        // when there is none, which is no error here.
        let kill = CommandLine::new([KILL, "-TERM", "-1"]).expect("the kill command has words");
        if let Err(e) = run_in_jail(jid, &kill, false) {
            tracing::debug!(jid = jid.get(), "kill -TERM -1: {e}");
        }

        // Wait until none is left or the timeout passes; jail_remove(2)
        // kills what remains.
        let deadline = Instant::now() + Duration::from_secs(u64::from(timeout.0));
        while has_processes(jid)? && Instant::now() < deadline {
            std::thread::sleep(POLL_INTERVAL);
        }
        Ok(())
    }
}
