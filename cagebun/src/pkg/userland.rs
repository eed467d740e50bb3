//! The userland version a FreeBSD root was installed from, as its
//! `/bin/freebsd-version` script records it.
//!
//! The build writes one line `USERLAND_VERSION="<revision>-<branch>"` into
//! the script, e.g. `USERLAND_VERSION="13.2-RELEASE-p4"`; the script prints
//! that value for `freebsd-version -u`. The file is read as text and never
//! run, so a root of another release or machine can be inspected from any
//! host.
//!
//! References: freebsd-version(1).

use std::fmt;

use thiserror::Error;

/// A parsed `USERLAND_VERSION`, e.g. `13.2-RELEASE-p4`.
///
/// References: freebsd-version(1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserlandVersion {
    /// Major release, `13`.
    pub major: u32,
    /// Minor release, `2`.
    pub minor: u32,
    /// Branch, `RELEASE`, `STABLE`, `CURRENT`, `BETA1`, `RC2`, `PRERELEASE`...
    pub branch: String,
    /// Patch level, `4` for `-p4`.
    pub patch: Option<u32>,
}

impl fmt::Display for UserlandVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}-{}", self.major, self.minor, self.branch)?;
        if let Some(patch) = self.patch {
            write!(f, "-p{patch}")?;
        }
        Ok(())
    }
}

/// Why a `freebsd-version` script gave no userland version.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserlandVersionError {
    /// The script has no `USERLAND_VERSION="..."` line, or several.
    #[error("expected exactly one USERLAND_VERSION=\"...\" line, found {found}")]
    AssignmentCount {
        /// How many lines were found.
        found: usize,
    },
    /// The value is not `MAJOR.MINOR-BRANCH[-pN]`.
    #[error("USERLAND_VERSION {value:?} is not MAJOR.MINOR-BRANCH[-pN]")]
    Malformed {
        /// The value between the quotes.
        value: String,
    },
}

/// Finds the one line `USERLAND_VERSION="..."` (at the start of a line, the
/// value double-quoted, nothing after the closing quote) and parses its
/// value.
///
/// References: freebsd-version(1).
pub fn parse_freebsd_version_script(text: &str) -> Result<UserlandVersion, UserlandVersionError> {
    let values: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("USERLAND_VERSION=\"")?.strip_suffix('"'))
        .collect();
    match values.as_slice() {
        [value] => parse_userland_version(value),
        _ => Err(UserlandVersionError::AssignmentCount {
            found: values.len(),
        }),
    }
}

/// Parses `MAJOR.MINOR-BRANCH[-pN]`, e.g. `13.2-RELEASE-p4` or
/// `15.0-CURRENT`. The branch is upper-case letters and digits, starting
/// with a letter.
///
/// References: freebsd-version(1), newvers.sh's `REVISION` and `BRANCH`.
pub fn parse_userland_version(value: &str) -> Result<UserlandVersion, UserlandVersionError> {
    let malformed = || UserlandVersionError::Malformed {
        value: value.to_owned(),
    };
    let number = |s: &str| -> Option<u32> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (revision, rest) = value.split_once('-').ok_or_else(malformed)?;
    let (major, minor) = revision.split_once('.').ok_or_else(malformed)?;
    let (major, minor) = (
        number(major).ok_or_else(malformed)?,
        number(minor).ok_or_else(malformed)?,
    );
    let (branch, patch) = match rest.split_once('-') {
        Some((branch, patch)) => {
            let level = patch.strip_prefix('p').and_then(number);
            (branch, Some(level.ok_or_else(malformed)?))
        }
        None => (rest, None),
    };
    let branch_ok = branch.starts_with(|c: char| c.is_ascii_uppercase())
        && branch
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !branch_ok {
        return Err(malformed());
    }
    Ok(UserlandVersion {
        major,
        minor,
        branch: branch.to_owned(),
        patch,
    })
}
