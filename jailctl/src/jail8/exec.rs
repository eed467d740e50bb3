//! `exec.start`, `exec.stop` and `stop.timeout`.
//!
//! References: jail(8) (`exec.start`, `exec.stop`, `stop.timeout`).

use std::fmt;

use super::command::{CommandLine, SHELL};

/// The characters that make jail(8) hand a command to `/bin/sh -c`.
pub const SHELL_METACHARACTERS: &str = "!\"$&'()*;<>?[\\]`{|}~";

/// The whitespace jail(8) splits a plain command on.
const COMMAND_WHITESPACE: [char; 6] = [' ', '\t', '\x0c', '\x0b', '\r', '\n'];

/// One command line of `exec.start`, `exec.stop` or another `exec.*`
/// parameter, as written in jail.conf(5).
///
/// jail(8) has no default for `exec.start` or `exec.stop`; the rc(8) pair
/// that jail.conf(5) shows is available as [`ExecCommand::rc_start`] and
/// [`ExecCommand::rc_shutdown`].
///
/// References: jail(8) (`exec.start`, `exec.stop`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExecCommand(String);

/// Why a text is not an [`ExecCommand`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecCommandError {
    /// The text is empty or only whitespace, so there is nothing to run.
    #[error("command `{0}` has no words")]
    Blank(String),
    /// The text holds a NUL byte, at the given offset.
    #[error("command `{text}` holds a NUL byte at byte {offset}")]
    Nul {
        /// The text, with the NUL shown escaped.
        text: String,
        /// Byte offset of the NUL.
        offset: usize,
    },
}

/// How jail(8) runs one [`ExecCommand`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExecInvocation {
    /// The argv.
    pub command: CommandLine,
    /// A trailing `&`: started in its own session and not waited for.
    pub background: bool,
}

impl ExecCommand {
    /// Validates `text` as a command line.
    ///
    /// References: jail(8).
    pub fn new(text: &str) -> Result<Self, ExecCommandError> {
        if let Some(offset) = text.find('\0') {
            return Err(ExecCommandError::Nul {
                text: text.escape_default().to_string(),
                offset,
            });
        }
        let plain = text.strip_suffix('&').unwrap_or(text);
        if plain.trim_matches(COMMAND_WHITESPACE).is_empty() {
            return Err(ExecCommandError::Blank(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    /// `/bin/sh /etc/rc`, the usual `exec.start`.
    pub fn rc_start() -> Self {
        Self("/bin/sh /etc/rc".to_owned())
    }

    /// `/bin/sh /etc/rc.shutdown`, the usual `exec.stop`.
    pub fn rc_shutdown() -> Self {
        Self("/bin/sh /etc/rc.shutdown".to_owned())
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The argv jail(8) runs for this text: `/bin/sh -c <text>` when the
    /// text holds a shell metacharacter (other than one `&` at its very
    /// end); otherwise the text split on whitespace, and a final `&` makes
    /// the command run in the background.
    ///
    /// References: jail(8).
    pub fn invocation(&self) -> ExecInvocation {
        let first_meta = self.0.find(|c| SHELL_METACHARACTERS.contains(c));
        match first_meta {
            Some(i) if !(i + 1 == self.0.len() && self.0.ends_with('&')) => ExecInvocation {
                command: CommandLine::from_words(vec![
                    SHELL.to_owned(),
                    "-c".to_owned(),
                    self.0.clone(),
                ]),
                background: false,
            },
            _ => {
                let (plain, background) = match self.0.strip_suffix('&') {
                    Some(plain) => (plain, true),
                    None => (self.0.as_str(), false),
                };
                let words = plain
                    .split(COMMAND_WHITESPACE)
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect();
                ExecInvocation {
                    command: CommandLine::from_words(words),
                    background,
                }
            }
        }
    }
}

impl fmt::Display for ExecCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `stop.timeout`: seconds to wait, after SIGTERM has gone to every process
/// of the jail, before the jail is removed (which kills what is left).
/// Zero skips SIGTERM and the wait altogether.
///
/// References: jail(8) (`stop.timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StopTimeout(pub u32);

impl StopTimeout {
    /// jail(8)'s default, 10 seconds.
    pub const DEFAULT: Self = Self(10);

    /// Whether processes are sent SIGTERM and waited for at all.
    pub fn terminates_processes(self) -> bool {
        self.0 != 0
    }
}

impl Default for StopTimeout {
    fn default() -> Self {
        Self::DEFAULT
    }
}
