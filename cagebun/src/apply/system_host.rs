//! [`SystemHost`]: the FreeBSD host for real (FreeBSD only).
//!
//! References: jail(8), execvp(3).

use jailctl::Jid;
use jailctl::jail8::command::{CommandError, CommandLine, CommandRunner, SystemCommandRunner};
use jailctl::jail8::exec::{ExecInvocation, StopTimeout};
use jailctl::jail8::lifecycle::{KernelJails, KernelJailsError, KernelParam};
use jailctl::jail8::system::SystemJails;

/// Runs host commands with std::process and jail calls through jailctl's
/// kernel layer.
///
/// References: jail(8), jail_set(2), execvp(3).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemHost;

impl CommandRunner for SystemHost {
    fn run(&self, command: &CommandLine) -> Result<String, CommandError> {
        SystemCommandRunner.run(command)
    }
}

impl KernelJails for SystemHost {
    fn create(&self, params: &[KernelParam]) -> Result<Jid, KernelJailsError> {
        SystemJails.create(params)
    }

    fn find(&self, name: &str) -> Result<Option<Jid>, KernelJailsError> {
        SystemJails.find(name)
    }

    fn remove(&self, jid: Jid) -> Result<(), KernelJailsError> {
        SystemJails.remove(jid)
    }

    fn exec_in_jail(&self, jid: Jid, invocation: &ExecInvocation) -> Result<(), KernelJailsError> {
        SystemJails.exec_in_jail(jid, invocation)
    }

    fn terminate_processes(&self, jid: Jid, timeout: StopTimeout) -> Result<(), KernelJailsError> {
        SystemJails.terminate_processes(jid, timeout)
    }
}
