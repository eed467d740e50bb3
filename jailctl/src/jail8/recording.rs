//! A host that records what the lifecycle asks of it, for tests on any
//! platform, and fails one chosen operation on request.
//!
//! References: jail(8).

use std::cell::RefCell;

use super::command::{CommandError, CommandFailure, CommandLine, CommandRunner};
use super::exec::{ExecInvocation, StopTimeout};
use super::lifecycle::{KernelJails, KernelJailsError, KernelParam};
use crate::Jid;

/// One operation, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// A host command, by its argv.
    Run(Vec<String>),
    /// jail_set(2) with JAIL_CREATE and these parameters.
    Create(Vec<KernelParam>),
    /// jail_get(2) by this name; the recording host knows no jail by name.
    Find(String),
    /// jail_remove(2) of this jid.
    Remove(i32),
    /// A command run inside the jail: jid, argv, background.
    Exec(i32, Vec<String>, bool),
    /// SIGTERM to the jail's processes, waiting this many seconds.
    Terminate(i32, u32),
}

/// Records every operation in order. The operation with index
/// `fail_at` (counting from 0 over all operations) fails after being
/// recorded; jails get jids counting up from `first_jid`; route(8) queries
/// print `route_output`.
#[derive(Debug)]
pub struct RecordingHost {
    log: RefCell<Vec<Operation>>,
    next_jid: RefCell<i32>,
    /// Index of the operation to fail, if any.
    pub fail_at: Option<usize>,
    /// What a `route -n get` query prints.
    pub route_output: String,
}

impl RecordingHost {
    /// A host where nothing fails and jids start at `first_jid`.
    pub fn new(first_jid: i32) -> Self {
        Self {
            log: RefCell::new(Vec::new()),
            next_jid: RefCell::new(first_jid),
            fail_at: None,
            route_output: String::new(),
        }
    }

    /// A host failing the operation with index `index`.
    pub fn failing_at(first_jid: i32, index: usize) -> Self {
        Self {
            fail_at: Some(index),
            ..Self::new(first_jid)
        }
    }

    /// The operations so far.
    pub fn operations(&self) -> Vec<Operation> {
        self.log.borrow().clone()
    }

    /// Records `op` and says whether it is the one to fail.
    fn record(&self, op: Operation) -> bool {
        let mut log = self.log.borrow_mut();
        log.push(op);
        self.fail_at == Some(log.len() - 1)
    }
}

/// The error an injected kernel failure reports.
#[derive(Debug, thiserror::Error)]
#[error("injected failure of operation {0}")]
pub struct InjectedFailure(pub usize);

impl CommandRunner for RecordingHost {
    fn run(&self, command: &CommandLine) -> Result<String, CommandError> {
        if self.record(Operation::Run(command.argv().to_vec())) {
            return Err(CommandError {
                command: command.clone(),
                failure: CommandFailure::Exited {
                    code: Some(1),
                    stderr: "injected failure".to_owned(),
                },
            });
        }
        let is_route_query = command.program() == super::command::ROUTE;
        Ok(if is_route_query {
            self.route_output.clone()
        } else {
            String::new()
        })
    }
}

impl RecordingHost {
    fn kernel_result(&self, op: Operation) -> Result<(), KernelJailsError> {
        if self.record(op) {
            let index = self.log.borrow().len() - 1;
            Err(KernelJailsError::Other(Box::new(InjectedFailure(index))))
        } else {
            Ok(())
        }
    }
}

impl KernelJails for RecordingHost {
    fn create(&self, params: &[KernelParam]) -> Result<Jid, KernelJailsError> {
        self.kernel_result(Operation::Create(params.to_vec()))?;
        let mut next = self.next_jid.borrow_mut();
        let jid = Jid::from_raw(*next)
            .ok_or_else(|| KernelJailsError::Other("recording host ran out of jids".into()))?;
        *next += 1;
        Ok(jid)
    }

    fn find(&self, name: &str) -> Result<Option<Jid>, KernelJailsError> {
        self.kernel_result(Operation::Find(name.to_owned()))?;
        Ok(None)
    }

    fn remove(&self, jid: Jid) -> Result<(), KernelJailsError> {
        self.kernel_result(Operation::Remove(jid.get()))
    }

    fn exec_in_jail(&self, jid: Jid, invocation: &ExecInvocation) -> Result<(), KernelJailsError> {
        self.kernel_result(Operation::Exec(
            jid.get(),
            invocation.command.argv().to_vec(),
            invocation.background,
        ))
    }

    fn terminate_processes(&self, jid: Jid, timeout: StopTimeout) -> Result<(), KernelJailsError> {
        self.kernel_result(Operation::Terminate(jid.get(), timeout.0))
    }
}
