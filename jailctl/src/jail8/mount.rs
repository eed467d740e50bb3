//! `mount.devfs`: devfs mounted on the jail's `/dev` with a ruleset.
//!
//! jail(8) mounts it before creating the jail with
//! `/sbin/mount -t devfs -oruleset=<N> . <path>/dev`, taking `N` from the
//! jail's `devfs_ruleset` parameter (4, `devfsrules_jail`, when unset), and
//! unmounts it after removing the jail with `/sbin/umount <path>/dev`.
//!
//! References: jail(8) (`mount.devfs`, `devfs_ruleset`), devfs(8),
//! devfs.rules(5), mount(8).

use std::fmt;

use super::command::{CommandLine, MOUNT, UMOUNT};

/// The jail's root directory (`path`): absolute, UTF-8, without NUL bytes.
///
/// References: jail(8) (`path`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JailRoot(String);

/// Why a text is not a [`JailRoot`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JailRootError {
    /// The path does not start with `/`.
    #[error("path `{0}` is not an absolute pathname")]
    NotAbsolute(String),
    /// The path holds a NUL byte, at the given offset.
    #[error("path `{path}` holds a NUL byte at byte {offset}")]
    Nul {
        /// The path, with the NUL shown escaped.
        path: String,
        /// Byte offset of the NUL.
        offset: usize,
    },
}

impl JailRoot {
    /// Validates `path` as a jail root.
    ///
    /// References: jail(8) (`path`).
    pub fn new(path: &str) -> Result<Self, JailRootError> {
        if let Some(offset) = path.find('\0') {
            return Err(JailRootError::Nul {
                path: path.escape_default().to_string(),
                offset,
            });
        }
        if !path.starts_with('/') {
            return Err(JailRootError::NotAbsolute(path.to_owned()));
        }
        Ok(Self(path.to_owned()))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<root>/<name>`; trailing slashes of the root are dropped first, so
    /// the root `/` gives `/dev` where jail(8) would write `//dev`.
    pub fn join(&self, name: &str) -> String {
        format!("{}/{name}", self.0.trim_end_matches('/'))
    }
}

impl fmt::Display for JailRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A devfs ruleset number, sent to the kernel as `devfs_ruleset` and used
/// for the jail's devfs mount.
///
/// References: devfs(8), devfs.rules(5), jail(8) (`devfs_ruleset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DevfsRuleset(pub u16);

impl DevfsRuleset {
    /// Ruleset 4, `devfsrules_jail` in `/etc/defaults/devfs.rules`: the one
    /// jail(8) uses when `devfs_ruleset` is unset.
    pub const JAIL: Self = Self(4);
}

impl Default for DevfsRuleset {
    fn default() -> Self {
        Self::JAIL
    }
}

impl fmt::Display for DevfsRuleset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// devfs on `<root>/dev` with a ruleset.
///
/// The ruleset must already be loaded in the kernel (the rc(8) `devfs`
/// script loads the rulesets of devfs.rules(5) at boot); the mount only
/// names it.
///
/// References: jail(8) (`mount.devfs`), devfs(8), mount(8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DevfsMount {
    /// The jail's root directory.
    pub root: JailRoot,
    /// The ruleset applied to the mount.
    pub ruleset: DevfsRuleset,
}

impl DevfsMount {
    /// The mount point, `<root>/dev`.
    pub fn mount_point(&self) -> String {
        self.root.join("dev")
    }

    /// `/sbin/mount -t devfs -oruleset=<N> . <root>/dev`.
    ///
    /// References: mount(8), devfs(8).
    pub fn mount_command(&self) -> CommandLine {
        CommandLine::from_words(vec![
            MOUNT.to_owned(),
            "-t".to_owned(),
            "devfs".to_owned(),
            format!("-oruleset={}", self.ruleset),
            ".".to_owned(),
            self.mount_point(),
        ])
    }

    /// `/sbin/umount <root>/dev`.
    ///
    /// References: umount(8).
    pub fn unmount_command(&self) -> CommandLine {
        CommandLine::from_words(vec![UMOUNT.to_owned(), self.mount_point()])
    }
}
