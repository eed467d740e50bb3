//! Commands jail(8) runs on the host, as argv vectors, and the trait that
//! runs them.
//!
//! References: jail(8), execvp(3).

use std::fmt;
use std::process::{Command, Stdio};

/// The path of ifconfig(8), as jail(8) runs it.
pub const IFCONFIG: &str = "/sbin/ifconfig";
/// The path of mount(8), as jail(8) runs it.
pub const MOUNT: &str = "/sbin/mount";
/// The path of umount(8), as jail(8) runs it.
pub const UMOUNT: &str = "/sbin/umount";
/// The path of route(8).
pub const ROUTE: &str = "/sbin/route";
/// The shell jail(8) hands commands with shell syntax to.
pub const SHELL: &str = "/bin/sh";

/// A command as an argv vector: the program, then its arguments, each one
/// word passed to execvp(3) unchanged (no shell is involved).
///
/// `Display` joins the words with spaces, the way `jail -v` prints the
/// commands it runs; that text is for reading, not for a shell.
///
/// References: execvp(3), jail(8) (`-v`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommandLine(Vec<String>);

impl CommandLine {
    /// A command from its words; `None` when `argv` is empty.
    pub fn new<I, S>(argv: I) -> Option<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let argv: Vec<String> = argv.into_iter().map(Into::into).collect();
        if argv.is_empty() {
            None
        } else {
            Some(Self(argv))
        }
    }

    /// Builds from words known to be non-empty.
    pub(crate) fn from_words(argv: Vec<String>) -> Self {
        debug_assert!(!argv.is_empty());
        Self(argv)
    }

    /// All words, program first.
    pub fn argv(&self) -> &[String] {
        &self.0
    }

    /// The program to run.
    pub fn program(&self) -> &str {
        &self.0[0]
    }
}

impl fmt::Display for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// How a host command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandFailure {
    /// The program could not be started.
    #[error("cannot run: {0}")]
    Spawn(String),
    /// The program ran and exited unsuccessfully (no code: killed by a
    /// signal). `stderr` is what it wrote there, trimmed.
    #[error("failed (exit code {code:?}): {stderr}")]
    Exited {
        /// The exit code, if it exited normally.
        code: Option<i32>,
        /// Its standard error output, trimmed.
        stderr: String,
    },
}

/// A host command that failed, naming the command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{command}: {failure}")]
pub struct CommandError {
    /// The command that failed.
    pub command: CommandLine,
    /// How it failed.
    pub failure: CommandFailure,
}

/// Runs host commands for the jail(8) layer.
///
/// Implementations run the argv as given (no shell) and wait for it.
/// [`SystemCommandRunner`] runs real programs;
/// [`RecordingHost`](super::recording::RecordingHost) records them for tests.
///
/// References: jail(8), execvp(3).
pub trait CommandRunner {
    /// Runs `command` and returns its standard output.
    fn run(&self, command: &CommandLine) -> Result<String, CommandError>;
}

/// Runs commands with [`std::process::Command`], stdin closed, and logs
/// each one at debug level with its full argv.
///
/// References: execvp(3).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemCommandRunner;

impl CommandRunner for SystemCommandRunner {
    fn run(&self, command: &CommandLine) -> Result<String, CommandError> {
        tracing::debug!(argv = ?command.argv(), "run command: {command}");
        let output = Command::new(command.program())
            .args(&command.argv()[1..])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| CommandError {
                command: command.clone(),
                failure: CommandFailure::Spawn(e.to_string()),
            })?;
        if !output.status.success() {
            return Err(CommandError {
                command: command.clone(),
                failure: CommandFailure::Exited {
                    code: output.status.code(),
                    stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
                },
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}
