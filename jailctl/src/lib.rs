//! Safe, typed bindings for FreeBSD's jail(2) family of system calls, with the
//! userland layer of jail(8) kept apart in [`jail8`].
//!
//! The kernel layer never sees a pseudo-parameter: everything in [`jail8`] is
//! carried out by this crate in userland, the way jail(8) does it.
//!
//! # Layers
//!
//! - `sys` (private): the four jail system calls and the sysctl(3) calls
//!   that describe parameters, and nothing else.
//! - [`JailIovecs`]: the one builder of iovec lists; it owns every buffer
//!   and adds `errmsg` itself.
//! - [`Param`], [`Value`] and the validated values ([`JailName`],
//!   [`Hostname`], [`EnforceStatfs`], [`Ipv6Addrs`], ...): a value that
//!   exists is valid for the kernel.
//! - [`JailSpec`]: the parameters of one jail_set(2) call, checked as a
//!   whole; `Jail`: a running jail (FreeBSD only); `JailCommandExt`:
//!   run a program inside one (FreeBSD only).
//!
//! # Platforms
//!
//! The system calls exist on FreeBSD only. Everything else (parameter
//! types, validation, iovec layout, format-string parsing, JSON) builds and
//! is tested everywhere.
//!
//! # Limitations
//!
//! - Jails are created with `persist` only, never with `JAIL_ATTACH`;
//!   attach afterwards with `JailCommandExt` or `Jail::attach`.
//! - At most 255 addresses per family are read back by jail_get(2).
//! - Limits that depend on the parent jail (securelevel, enforce_statfs or
//!   children.max below the parent's, addresses outside the parent's list,
//!   address clashes with other jails) are left to the kernel; its message
//!   is kept in [`KernelError::errmsg`].
//! - Names are UTF-8: a jail name, path or string value that is not UTF-8
//!   cannot be expressed.

#![deny(unsafe_op_in_unsafe_fn)]

mod error;
mod info;
mod iovec;
mod jid;
pub mod param;
mod probe;
mod spec;
mod sys;

#[cfg(target_os = "freebsd")]
mod command;
#[cfg(target_os = "freebsd")]
mod jail;

pub mod jail8;

pub use error::{Errno, Error, KernelError, Operation};
pub use info::{JLS_XO_VERSION, JailInfo, jls_document};
pub use iovec::{ERRMSG_LEN, IovecPair, JailIovecs};
pub use jid::Jid;
pub use param::{
    Access, Allow, ChildrenMax, DevfsRuleset, EnforceStatfs, HierarchicalName, Hostname, Ipv4Addrs,
    Ipv6Addrs, JailName, JailPath, JailSys, NameProblem, OsRelDate, OsRelease, Param, ParamError,
    ParamType, Securelevel, Value,
};
pub use probe::{ParamProbe, check_against_kernel};
pub use spec::{JailSpec, SetMode};

#[cfg(target_os = "freebsd")]
pub use command::JailCommandExt;
#[cfg(target_os = "freebsd")]
pub use jail::{Jail, Jails, jails};
#[cfg(target_os = "freebsd")]
pub use probe::KernelParams;
