//! Starting and stopping several cages in priority order.
//!
//! Each cage has a priority (lower starts first; iocage's `priority`,
//! default [`DEFAULT_PRIORITY`]) and a boot flag (iocage's `boot`). Cages
//! start by ascending priority, ties broken by name, and stop in exactly the
//! reverse order. A boot run (host start-up or shutdown) takes only the
//! cages whose boot flag is on; an explicit run takes every cage it is
//! given.
//!
//! Starting stops at the first failure and then stops the cages already
//! started by this run, newest first, so a failed boot leaves nothing
//! half-up. Stopping goes on past a failure, so one stuck cage does not keep
//! the rest running, and reports every failure.
//!
//! The work itself goes through [`CageControl`], so the order is decided
//! here and the jail operations live elsewhere.
//!
//! References: rc.conf(5) (`jail_list` order), jail(8) `-c`, `-r`.

use std::collections::BTreeSet;
use std::fmt;

use thiserror::Error;

/// The priority a cage gets when none is recorded (iocage's default).
pub const DEFAULT_PRIORITY: u32 = 99;

/// One cage as the boot order sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootEntry {
    /// The cage's name.
    pub name: String,
    /// Lower starts earlier and stops later.
    pub priority: u32,
    /// Whether a boot run starts and stops it.
    pub boot: bool,
}

/// Which cages a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunScope {
    /// Host start-up or shutdown: only cages with `boot` on.
    Boot,
    /// Every cage given, whatever its boot flag.
    All,
}

/// Starts and stops one cage by name.
pub trait CageControl {
    /// What a failed start or stop reports.
    type Error: fmt::Display;
    /// Starts the cage `name`.
    fn start(&mut self, name: &str) -> Result<(), Self::Error>;
    /// Stops the cage `name`.
    fn stop(&mut self, name: &str) -> Result<(), Self::Error>;
}

/// The entries themselves are inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BootOrderError {
    /// Two entries share a name.
    #[error("cage {0:?} is listed twice")]
    DuplicateName(String),
}

/// A start run that failed, and what was undone.
#[derive(Debug, Error)]
#[error("starting cage {failed:?} failed: {error}; stopped again: {rolled_back:?}{}",
    if rollback_failures.is_empty() { String::new() } else {
        format!("; could not stop: {}", rollback_failures.iter()
            .map(|(n, e)| format!("{n:?} ({e})")).collect::<Vec<_>>().join(", "))
    })]
pub struct StartFailure<E: fmt::Display + fmt::Debug> {
    /// The cage whose start failed.
    pub failed: String,
    /// Its error.
    pub error: E,
    /// Cages this run had started and stopped again, in the order stopped.
    pub rolled_back: Vec<String>,
    /// Cages this run had started whose stop failed in turn, still running.
    pub rollback_failures: Vec<(String, E)>,
}

/// What a stop run did.
#[derive(Debug)]
pub struct StopReport<E> {
    /// Cages stopped, in order.
    pub stopped: Vec<String>,
    /// Cages whose stop failed, in the order tried, with the error.
    pub failures: Vec<(String, E)>,
}

impl<E> StopReport<E> {
    /// Whether every stop succeeded.
    pub fn is_clean(&self) -> bool {
        self.failures.is_empty()
    }
}

fn check_unique(entries: &[BootEntry]) -> Result<(), BootOrderError> {
    let mut seen = BTreeSet::new();
    for entry in entries {
        if !seen.insert(entry.name.as_str()) {
            return Err(BootOrderError::DuplicateName(entry.name.clone()));
        }
    }
    Ok(())
}

/// The cages of `scope` in start order: ascending priority, then name.
pub fn start_order(
    entries: &[BootEntry],
    scope: RunScope,
) -> Result<Vec<&BootEntry>, BootOrderError> {
    check_unique(entries)?;
    let mut order: Vec<&BootEntry> = entries
        .iter()
        .filter(|e| scope == RunScope::All || e.boot)
        .collect();
    order.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    Ok(order)
}

/// The cages of `scope` in stop order: the reverse of [`start_order`].
pub fn stop_order(
    entries: &[BootEntry],
    scope: RunScope,
) -> Result<Vec<&BootEntry>, BootOrderError> {
    let mut order = start_order(entries, scope)?;
    order.reverse();
    Ok(order)
}

/// Starts the cages of `scope` in [`start_order`]. On the first failure,
/// stops the cages this run started, newest first, and returns what
/// happened; on success, returns the names started, in order.
pub fn start_all<C: CageControl>(
    control: &mut C,
    entries: &[BootEntry],
    scope: RunScope,
) -> Result<Result<Vec<String>, StartFailure<C::Error>>, BootOrderError>
where
    C::Error: fmt::Debug,
{
    let order = start_order(entries, scope)?;
    let mut started: Vec<String> = Vec::new();
    for entry in order {
        tracing::debug!(cage = %entry.name, priority = entry.priority, "start cage");
        if let Err(error) = control.start(&entry.name) {
            let mut rolled_back = Vec::new();
            let mut rollback_failures = Vec::new();
            for name in started.into_iter().rev() {
                tracing::debug!(cage = %name, "stop cage after failed start");
                match control.stop(&name) {
                    Ok(()) => rolled_back.push(name),
                    Err(e) => rollback_failures.push((name, e)),
                }
            }
            return Ok(Err(StartFailure {
                failed: entry.name.clone(),
                error,
                rolled_back,
                rollback_failures,
            }));
        }
        started.push(entry.name.clone());
    }
    Ok(Ok(started))
}

/// Stops the cages of `scope` in [`stop_order`], going on past failures.
pub fn stop_all<C: CageControl>(
    control: &mut C,
    entries: &[BootEntry],
    scope: RunScope,
) -> Result<StopReport<C::Error>, BootOrderError> {
    let order = stop_order(entries, scope)?;
    let mut report = StopReport {
        stopped: Vec::new(),
        failures: Vec::new(),
    };
    for entry in order {
        tracing::debug!(cage = %entry.name, priority = entry.priority, "stop cage");
        match control.stop(&entry.name) {
            Ok(()) => report.stopped.push(entry.name.clone()),
            Err(e) => report.failures.push((entry.name.clone(), e)),
        }
    }
    Ok(report)
}
