//! The processes one run starts, and their teardown by PID.
//!
//! The broker is started through its launcher script; it forks beam.smp,
//! which starts epmd as a daemon. Those are not children of the test, so the
//! teardown ends them through the namespace: every process in it was started
//! by this run, since the namespace was created by it.

use std::collections::BTreeSet;
use std::fs;
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::cage_network::CageNetwork;

/// What a teardown did and what it left.
#[derive(Debug, Default)]
pub struct TeardownReport {
    /// `pid command` of every process that was ended, in order.
    pub ended: Vec<String>,
    /// `pid command` of every process that needed SIGKILL.
    pub killed: Vec<String>,
    /// How long it took.
    pub took: Duration,
}

/// The processes of one run.
#[derive(Debug, Default)]
pub struct CageProcesses {
    /// The broker's launcher (`ip netns exec ... rabbitmq-server`, one PID
    /// through its chain of execs).
    pub broker: Option<Child>,
    /// spiped server pipes inside the namespace.
    pub servers: Vec<Child>,
    /// spiped client pipes outside it.
    pub clients: Vec<Child>,
    /// Every PID this run started or found in its namespace.
    pub ours: BTreeSet<u32>,
}

impl CageProcesses {
    /// Starts `command`, remembering its PID.
    pub fn spawn(&mut self, command: &mut Command) -> Result<Child, String> {
        let child = command
            .spawn()
            .map_err(|error| format!("{command:?}: {error}"))?;
        self.ours.insert(child.id());
        Ok(child)
    }

    /// Ends every process of the run, then removes the namespace.
    ///
    /// Client pipes first, then the broker through its launcher (SIGTERM, a
    /// clean shutdown of beam.smp), then whatever is left in the namespace
    /// (epmd, spiped servers), with SIGKILL for what outlives SIGTERM.
    pub fn teardown(&mut self, network: &mut CageNetwork) -> TeardownReport {
        let started = Instant::now();
        let mut report = TeardownReport::default();

        // Client pipes, outside the namespace.
        for client in &mut self.clients {
            end_child(client, &mut report);
        }

        // The broker, through its launcher.
        for pid in network.pids() {
            self.ours.insert(pid);
        }
        if let Some(launcher) = &mut self.broker {
            signal(launcher.id(), "TERM", &mut report.ended);
            wait_until(Duration::from_secs(30), || {
                !network
                    .pids()
                    .into_iter()
                    .any(|pid| command_name(pid).as_deref() == Some("beam.smp"))
            });
        }

        // Everything else in the namespace, by PID.
        for pid in network.pids() {
            self.ours.insert(pid);
            signal(pid, "TERM", &mut report.ended);
        }
        wait_until(Duration::from_secs(10), || network.pids().is_empty());
        for pid in network.pids() {
            signal(pid, "KILL", &mut report.killed);
        }
        wait_until(Duration::from_secs(5), || network.pids().is_empty());

        // Reap our own children, then remove the namespace.
        for child in self.broker.iter_mut().chain(&mut self.servers) {
            end_child(child, &mut report);
        }
        network.remove();
        report.took = started.elapsed();
        report
    }

    /// The PIDs of this run that still run (zombies count as gone).
    pub fn still_running(&self) -> Vec<u32> {
        self.ours
            .iter()
            .copied()
            .filter(|&pid| is_running(pid))
            .collect()
    }
}

/// Ends one child: SIGTERM, up to 5 s, then SIGKILL; reaps it.
fn end_child(child: &mut Child, report: &mut TeardownReport) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    signal(child.id(), "TERM", &mut report.ended);
    let exited = wait_until(Duration::from_secs(5), || {
        matches!(child.try_wait(), Ok(Some(_)))
    });
    if !exited {
        report.killed.push(describe(child.id()));
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Sends `signal` to `pid` with kill(1), noting `pid command` in `log`.
fn signal(pid: u32, signal: &str, log: &mut Vec<String>) {
    if !is_running(pid) {
        return;
    }
    log.push(describe(pid));
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// `pid command`, as /proc names it.
fn describe(pid: u32) -> String {
    format!(
        "{pid} {}",
        command_name(pid).unwrap_or_else(|| "?".to_owned())
    )
}

/// The command name of `pid`, from /proc.
pub fn command_name(pid: u32) -> Option<String> {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|name| name.trim().to_owned())
}

/// Whether `pid` exists and is not a zombie.
pub fn is_running(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name in parentheses, which may hold spaces.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next());
    state != Some("Z")
}

/// Polls `done` every 100 ms for up to `limit`; whether it came true.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        sleep(Duration::from_millis(100));
    }
}
