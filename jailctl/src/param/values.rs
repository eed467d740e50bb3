//! Validated values for the parameters most tools set. A value that exists
//! is valid: each constructor applies the kernel's rule and names the
//! offending input when it refuses.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::table::{check_ipv4, check_ipv6, known_param};
use super::{NameProblem, Param, ParamError, Value};

const NAME_MAX: usize = 255;

/// A single-component jail name: not empty, at most 255 bytes, no NUL, no
/// dot, and not purely numeric.
///
/// The kernel reads a dot as the separator between a parent jail's name and
/// a child's (`web.db` is jail `db` inside jail `web`), so `JailName` refuses
/// dots rather than mapping them to another character, which would make
/// `a.b` and `a_b` the same jail. A host name with dots belongs in
/// [`Hostname`]; a name that addresses a child jail is a
/// [`HierarchicalName`]. The kernel accepts a numeric name only when it
/// equals the jail's own jid; address such a jail by [`crate::Jid`] instead.
///
/// References: jail(8) ("name", "HIERARCHICAL JAILS").
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JailName(String);

impl JailName {
    /// Checks `name` and wraps it.
    ///
    /// References: jail(8) ("name").
    pub fn new(name: &str) -> Result<Self, ParamError> {
        let refuse = |problem| ParamError::InvalidJailName {
            name: name.to_owned(),
            problem,
        };
        check_component(name).map_err(refuse)?;
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    ///
    /// References: jail(8) ("name").
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_component(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.len() > NAME_MAX {
        return Err(NameProblem::TooLong);
    }
    if name.contains('\0') {
        return Err(NameProblem::Nul);
    }
    if name.contains('.') {
        return Err(NameProblem::Dot);
    }
    if name.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NameProblem::Numeric);
    }
    Ok(())
}

impl fmt::Display for JailName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A jail name that may address a child jail: [`JailName`] components
/// joined by dots (`web.db`), at most 255 bytes in all.
///
/// References: jail(8) ("HIERARCHICAL JAILS").
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HierarchicalName(String);

impl HierarchicalName {
    /// Checks every component of `name` and wraps it.
    ///
    /// References: jail(8) ("HIERARCHICAL JAILS").
    pub fn new(name: &str) -> Result<Self, ParamError> {
        let refuse = |problem| ParamError::InvalidJailName {
            name: name.to_owned(),
            problem,
        };
        if name.is_empty() {
            return Err(refuse(NameProblem::Empty));
        }
        if name.len() > NAME_MAX {
            return Err(refuse(NameProblem::TooLong));
        }
        for component in name.split('.') {
            check_component(component).map_err(|problem| match problem {
                NameProblem::Empty => refuse(NameProblem::EmptyComponent),
                other => refuse(other),
            })?;
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    ///
    /// References: jail(8) ("name").
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<JailName> for HierarchicalName {
    fn from(name: JailName) -> Self {
        Self(name.0)
    }
}

impl fmt::Display for HierarchicalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a string against the table entry for `param`.
fn checked_string(param: &'static str, s: &str) -> Result<String, ParamError> {
    let spec = known_param(param).ok_or(ParamError::UnknownParameter { name: param.into() })?;
    spec.validate(&Value::String(s.to_owned()))?;
    Ok(s.to_owned())
}

/// A value for `host.hostname`: not empty, at most 255 bytes (the kernel's
/// `MAXHOSTNAMELEN` of 256 counts the NUL), no NUL.
///
/// The kernel checks only the length; DNS rules (labels of at most 63
/// bytes, 253 in all) are the caller's to apply.
///
/// References: jail(8) ("host.hostname").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hostname(String);

impl Hostname {
    /// Checks `name` and wraps it.
    ///
    /// References: jail(8) ("host.hostname").
    pub fn new(name: &str) -> Result<Self, ParamError> {
        checked_string("host.hostname", name).map(Self)
    }

    /// The host name as text.
    ///
    /// References: jail(8) ("host.hostname").
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A value for `path`, the jail's root directory: not empty, at most 1023
/// bytes, no NUL. The kernel resolves it when the jail is created and
/// refuses anything that is not a directory.
///
/// References: jail(8) ("path").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JailPath(String);

impl JailPath {
    /// Checks `path` and wraps it; a path that is not UTF-8 is refused.
    ///
    /// References: jail(8) ("path").
    pub fn new(path: impl AsRef<std::path::Path>) -> Result<Self, ParamError> {
        let path = path.as_ref();
        let text = path.to_str().ok_or_else(|| ParamError::InvalidText {
            param: "path".into(),
            text: path.to_string_lossy().into_owned(),
            expected: "a UTF-8 path",
        })?;
        checked_string("path", text).map(Self)
    }

    /// The path as text.
    ///
    /// References: jail(8) ("path").
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A value for `osrelease`: 1 to 31 bytes (`OSRELEASELEN` is 32).
///
/// References: jail(8) ("osrelease").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OsRelease(String);

impl OsRelease {
    /// Checks `release` and wraps it.
    ///
    /// References: jail(8) ("osrelease").
    pub fn new(release: &str) -> Result<Self, ParamError> {
        checked_string("osrelease", release).map(Self)
    }
}

macro_rules! int_param {
    ($(#[$doc:meta])* $ty:ident, $param:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $ty(i32);

        impl $ty {
            #[doc = concat!("Checks `value` against the kernel's rule for `", $param, "`.")]
            ///
            /// References: jail(8).
            pub fn new(value: i32) -> Result<Self, ParamError> {
                let spec = known_param($param)
                    .ok_or(ParamError::UnknownParameter { name: $param.into() })?;
                spec.validate(&Value::Int(value))?;
                Ok(Self(value))
            }

            /// The value as the kernel stores it.
            ///
            /// References: jail(8).
            pub const fn get(self) -> i32 {
                self.0
            }
        }

        impl From<$ty> for Param {
            fn from(value: $ty) -> Param {
                Param::trusted($param, Value::Int(value.0))
            }
        }
    };
}

int_param!(
    /// A value for `enforce_statfs`: 0 (see all mounts), 1 (mounts under
    /// the jail's root) or 2 (only the jail's root; the default).
    ///
    /// The kernel also refuses a value below the parent jail's.
    ///
    /// References: jail(8) ("enforce_statfs").
    EnforceStatfs,
    "enforce_statfs"
);
int_param!(
    /// A value for `securelevel`: one of the levels security(7) defines,
    /// -1 to 3. The kernel also refuses a level below the parent's.
    ///
    /// References: jail(8) ("securelevel"), security(7).
    Securelevel,
    "securelevel"
);
int_param!(
    /// A value for `devfs_ruleset`: 0 to 65535 (a `uint16_t` in the kernel).
    ///
    /// References: jail(8) ("devfs_ruleset"), devfs(8).
    DevfsRuleset,
    "devfs_ruleset"
);
int_param!(
    /// A value for `children.max`: 0 or more. The kernel also refuses a
    /// value not below the parent's own limit.
    ///
    /// References: jail(8) ("children.max").
    ChildrenMax,
    "children.max"
);
int_param!(
    /// A value for `osreldate`: any value but 0.
    ///
    /// References: jail(8) ("osreldate").
    OsRelDate,
    "osreldate"
);

/// A value for `ip4.addr`: the primary address first, then the others.
/// `0.0.0.0`, `255.255.255.255` and duplicates are refused, as the kernel
/// refuses them. An empty list gives the jail no IPv4 at all.
///
/// References: jail(8) ("ip4.addr").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Ipv4Addrs(Vec<Ipv4Addr>);

impl Ipv4Addrs {
    /// Checks `addrs` and wraps them, keeping their order.
    ///
    /// References: jail(8) ("ip4.addr").
    pub fn new(addrs: impl IntoIterator<Item = Ipv4Addr>) -> Result<Self, ParamError> {
        let addrs: Vec<_> = addrs.into_iter().collect();
        check_ipv4("ip4.addr", &addrs)?;
        Ok(Self(addrs))
    }

    /// The addresses, the primary first.
    ///
    /// References: jail(8) ("ip4.addr").
    pub fn as_slice(&self) -> &[Ipv4Addr] {
        &self.0
    }
}

/// A value for `ip6.addr`: the primary address first, then the others.
/// `::` and duplicates are refused, as the kernel refuses them.
///
/// Inside a jail, a connection to `::1` is redirected to the primary
/// address; put a private address first when the service must stay private.
///
/// References: jail(8) ("ip6.addr").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Ipv6Addrs(Vec<Ipv6Addr>);

impl Ipv6Addrs {
    /// Checks `addrs` and wraps them, keeping their order.
    ///
    /// References: jail(8) ("ip6.addr").
    pub fn new(addrs: impl IntoIterator<Item = Ipv6Addr>) -> Result<Self, ParamError> {
        let addrs: Vec<_> = addrs.into_iter().collect();
        check_ipv6("ip6.addr", &addrs)?;
        Ok(Self(addrs))
    }

    /// The addresses, the primary first.
    ///
    /// References: jail(8) ("ip6.addr").
    pub fn as_slice(&self) -> &[Ipv6Addr] {
        &self.0
    }
}

impl From<JailName> for Param {
    fn from(name: JailName) -> Param {
        Param::trusted("name", Value::String(name.0))
    }
}

impl From<HierarchicalName> for Param {
    fn from(name: HierarchicalName) -> Param {
        Param::trusted("name", Value::String(name.0))
    }
}

impl From<Hostname> for Param {
    fn from(name: Hostname) -> Param {
        Param::trusted("host.hostname", Value::String(name.0))
    }
}

impl From<JailPath> for Param {
    fn from(path: JailPath) -> Param {
        Param::trusted("path", Value::String(path.0))
    }
}

impl From<OsRelease> for Param {
    fn from(release: OsRelease) -> Param {
        Param::trusted("osrelease", Value::String(release.0))
    }
}

impl From<Ipv4Addrs> for Param {
    fn from(addrs: Ipv4Addrs) -> Param {
        Param::trusted("ip4.addr", Value::Ipv4(addrs.0))
    }
}

impl From<Ipv6Addrs> for Param {
    fn from(addrs: Ipv6Addrs) -> Param {
        Param::trusted("ip6.addr", Value::Ipv6(addrs.0))
    }
}

/// The `allow.*` permissions of FreeBSD 14 and 15. Newer ones can be set by
/// name with [`Param::new`].
///
/// References: jail(8) ("allow.*").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Allow {
    SetHostname,
    Sysvipc,
    RawSockets,
    Chflags,
    Mount,
    Quotas,
    SocketAf,
    Mlock,
    ReservedPorts,
    ReadMsgbuf,
    UnprivilegedProcDebug,
    Suser,
    Nfsd,
    Extattr,
    MountDevfs,
    MountFdescfs,
    MountFusefs,
    MountLinprocfs,
    MountLinsysfs,
    MountNullfs,
    MountProcfs,
    MountTmpfs,
    MountZfs,
}

impl Allow {
    /// The parameter name, e.g. `allow.raw_sockets`.
    ///
    /// References: jail(8) ("allow.*").
    pub const fn name(self) -> &'static str {
        match self {
            Self::SetHostname => "allow.set_hostname",
            Self::Sysvipc => "allow.sysvipc",
            Self::RawSockets => "allow.raw_sockets",
            Self::Chflags => "allow.chflags",
            Self::Mount => "allow.mount",
            Self::Quotas => "allow.quotas",
            Self::SocketAf => "allow.socket_af",
            Self::Mlock => "allow.mlock",
            Self::ReservedPorts => "allow.reserved_ports",
            Self::ReadMsgbuf => "allow.read_msgbuf",
            Self::UnprivilegedProcDebug => "allow.unprivileged_proc_debug",
            Self::Suser => "allow.suser",
            Self::Nfsd => "allow.nfsd",
            Self::Extattr => "allow.extattr",
            Self::MountDevfs => "allow.mount.devfs",
            Self::MountFdescfs => "allow.mount.fdescfs",
            Self::MountFusefs => "allow.mount.fusefs",
            Self::MountLinprocfs => "allow.mount.linprocfs",
            Self::MountLinsysfs => "allow.mount.linsysfs",
            Self::MountNullfs => "allow.mount.nullfs",
            Self::MountProcfs => "allow.mount.procfs",
            Self::MountTmpfs => "allow.mount.tmpfs",
            Self::MountZfs => "allow.mount.zfs",
        }
    }

    /// The parameter granting (`true`) or withholding (`false`) this.
    ///
    /// References: jail(8) ("allow.*").
    pub fn param(self, allowed: bool) -> Param {
        Param::trusted(self.name(), Value::Bool(allowed))
    }
}
