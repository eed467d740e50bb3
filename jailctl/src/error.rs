//! Errors of the kernel layer: what the kernel said, and what was refused
//! before the kernel was asked.

use std::fmt;
use std::io;

/// An error number as the kernel returned it.
///
/// This is an open newtype: any value the kernel sends is kept, including
/// ones this crate has no name for.
///
/// References: errno(2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "errno")]
pub struct Errno(i32);

impl Errno {
    /// Wraps a raw error number.
    ///
    /// References: errno(2).
    pub const fn from_raw(raw: i32) -> Self {
        Self(raw)
    }

    /// The raw error number.
    ///
    /// References: errno(2).
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The error number the last failed call of this thread left behind.
    ///
    /// References: errno(2).
    pub fn last() -> Self {
        Self(io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }

    /// The system's text for this error number, as strerror(3) gives it.
    ///
    /// References: strerror(3).
    #[doc(alias = "strerror")]
    pub fn description(self) -> String {
        let text = io::Error::from_raw_os_error(self.0).to_string();
        let suffix = format!(" (os error {})", self.0);
        match text.strip_suffix(&suffix) {
            Some(bare) => bare.to_owned(),
            None => text,
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

/// Which system call failed.
///
/// References: jail(2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// jail_set(2) with `JAIL_CREATE`.
    #[doc(alias = "jail_set")]
    Create,
    /// jail_set(2) with `JAIL_UPDATE`.
    #[doc(alias = "jail_set")]
    Update,
    /// jail_get(2).
    #[doc(alias = "jail_get")]
    Get,
    /// jail_attach(2).
    #[doc(alias = "jail_attach")]
    Attach,
    /// jail_remove(2).
    #[doc(alias = "jail_remove")]
    Remove,
    /// sysctl(3) on `security.jail.param.*`.
    #[doc(alias = "sysctl")]
    ParamLookup,
}

impl Operation {
    /// The name of the system interface, as jail(8) prints it.
    ///
    /// References: jail(2), sysctl(3).
    pub const fn syscall_name(self) -> &'static str {
        match self {
            Self::Create | Self::Update => "jail_set",
            Self::Get => "jail_get",
            Self::Attach => "jail_attach",
            Self::Remove => "jail_remove",
            Self::ParamLookup => "sysctl",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.syscall_name())
    }
}

/// A failed system call: the operation, the jail it was about, errno and the
/// text the kernel wrote into `errmsg`.
///
/// `Display` reads like jail(8): `mq: jail_set: jail "mq" already exists`.
/// When the kernel left `errmsg` empty, the text of errno stands in for it.
///
/// References: jail(2), jail(8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelError {
    op: Operation,
    jail: Option<String>,
    errno: Errno,
    errmsg: Option<String>,
}

impl KernelError {
    /// Builds an error from its parts; an empty `errmsg` counts as none.
    ///
    /// References: jail(2).
    pub fn new(op: Operation, jail: Option<String>, errno: Errno, errmsg: Option<String>) -> Self {
        let errmsg = errmsg.filter(|text| !text.is_empty());
        Self {
            op,
            jail,
            errno,
            errmsg,
        }
    }

    /// The system call that failed.
    ///
    /// References: jail(2).
    pub fn operation(&self) -> Operation {
        self.op
    }

    /// The jail the call was about (its name, or its jid as text), if known.
    ///
    /// References: jail(2).
    pub fn jail(&self) -> Option<&str> {
        self.jail.as_deref()
    }

    /// The error number the call returned.
    ///
    /// References: errno(2).
    pub fn errno(&self) -> Errno {
        self.errno
    }

    /// The kernel's own message, if it wrote one.
    ///
    /// References: jail(2) (the `errmsg` parameter).
    pub fn errmsg(&self) -> Option<&str> {
        self.errmsg.as_deref()
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(jail) = &self.jail {
            write!(f, "{jail}: ")?;
        }
        match &self.errmsg {
            Some(text) => write!(f, "{}: {text}", self.op),
            None => write!(f, "{}: {}", self.op, self.errno),
        }
    }
}

impl std::error::Error for KernelError {}

/// Everything that can go wrong in this crate's kernel layer.
///
/// References: jail(2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A system call failed.
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// A value or combination of parameters was refused before any call.
    #[error(transparent)]
    Param(#[from] crate::param::ParamError),
    /// The kernel returned a value this crate cannot read back.
    #[error("{param}: cannot decode {len} bytes returned by jail_get")]
    Decode {
        /// The parameter whose value could not be decoded.
        param: String,
        /// The length the kernel returned.
        len: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_errmsg_like_jail8() {
        let err = KernelError::new(
            Operation::Create,
            Some("mq".into()),
            Errno::from_raw(libc::EEXIST),
            Some("jail \"mq\" already exists".into()),
        );
        assert_eq!(err.to_string(), "mq: jail_set: jail \"mq\" already exists");
        assert_eq!(err.errno().raw(), libc::EEXIST);
    }

    #[test]
    fn empty_errmsg_falls_back_to_strerror() {
        let err = KernelError::new(
            Operation::Remove,
            Some("7".into()),
            Errno::from_raw(libc::EPERM),
            Some(String::new()),
        );
        assert_eq!(err.errmsg(), None);
        assert_eq!(err.to_string(), "7: jail_remove: Operation not permitted");
    }

    #[test]
    fn errno_description_has_no_os_error_suffix() {
        assert_eq!(
            Errno::from_raw(libc::ENOENT).description(),
            "No such file or directory"
        );
    }
}
