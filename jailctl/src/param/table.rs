//! The kernel parameters this crate knows, with the limits kern_jail.c
//! applies to them, and the jail(8) pseudo-parameters it refuses.

use std::collections::HashSet;

use super::{Access, JailSys, ParamError, ParamType, Value};

/// `MAXHOSTNAMELEN` (256) less the NUL: `name`, `host.hostname`,
/// `host.domainname`.
const HOSTNAME_MAX: usize = 255;
/// `MAXPATHLEN` (1024) less the NUL.
const PATH_MAX: usize = 1023;
/// `HOSTUUIDLEN` (64) less the NUL.
const HOSTUUID_MAX: usize = 63;
/// `OSRELEASELEN` (32) less the NUL.
const OSRELEASE_MAX: usize = 31;

/// An extra rule on a parameter's value, beyond its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    None,
    /// Inclusive integer range.
    Range(i64, i64),
    /// Not zero.
    NonZero,
    /// A string that must not be empty.
    NonEmpty,
    /// The jail's own name.
    JailName,
}

/// What this crate knows about one kernel parameter.
///
/// References: jail(8) ("PARAMETERS"), sysctl(8) `security.jail.param`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// The name, as sysctl and jail(8) spell it.
    pub name: &'static str,
    /// How the kernel stores it.
    pub ty: ParamType,
    /// When it can be set.
    pub access: Access,
    rule: Rule,
}

const fn spec(name: &'static str, ty: ParamType, access: Access, rule: Rule) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        access,
        rule,
    }
}

const fn flag(name: &'static str) -> ParamSpec {
    spec(name, ParamType::Bool, Access::ReadWrite, Rule::None)
}

const fn string(name: &'static str, max: Option<usize>, access: Access, rule: Rule) -> ParamSpec {
    spec(name, ParamType::String { max_len: max }, access, rule)
}

use Access::{CreateOnly, ReadOnly, ReadWrite};

const JAILSYS: ParamType = ParamType::JailSys { disable: true };
const JAILSYS_NO_DISABLE: ParamType = ParamType::JailSys { disable: false };

/// Every kernel parameter of FreeBSD 14 and 15 this crate types without
/// asking the kernel. Parameters of loadable modules (`allow.mount.*`,
/// `linux`, `sysvshm`, `zfs`, ...) are listed too; whether the running
/// kernel has them is learned from sysctl at run time.
///
/// References: jail(8) ("PARAMETERS").
pub static KNOWN_PARAMS: &[ParamSpec] = &[
    spec(
        "jid",
        ParamType::Int,
        CreateOnly,
        Rule::Range(0, i32::MAX as i64),
    ),
    spec("parent", ParamType::Int, ReadOnly, Rule::None),
    string("name", Some(HOSTNAME_MAX), ReadWrite, Rule::JailName),
    string("path", Some(PATH_MAX), CreateOnly, Rule::NonEmpty),
    spec("securelevel", ParamType::Int, ReadWrite, Rule::Range(-1, 3)),
    spec("osreldate", ParamType::Int, CreateOnly, Rule::NonZero),
    string("osrelease", Some(OSRELEASE_MAX), CreateOnly, Rule::NonEmpty),
    spec(
        "enforce_statfs",
        ParamType::Int,
        ReadWrite,
        Rule::Range(0, 2),
    ),
    spec(
        "devfs_ruleset",
        ParamType::Int,
        ReadWrite,
        Rule::Range(0, 65535),
    ),
    flag("persist"),
    spec("vnet", JAILSYS_NO_DISABLE, CreateOnly, Rule::None),
    spec("dying", ParamType::Bool, ReadOnly, Rule::None),
    spec("children.cur", ParamType::Int, ReadOnly, Rule::None),
    spec(
        "children.max",
        ParamType::Int,
        ReadWrite,
        Rule::Range(0, i32::MAX as i64),
    ),
    spec("host", JAILSYS_NO_DISABLE, ReadWrite, Rule::None),
    string(
        "host.hostname",
        Some(HOSTNAME_MAX),
        ReadWrite,
        Rule::NonEmpty,
    ),
    string("host.domainname", Some(HOSTNAME_MAX), ReadWrite, Rule::None),
    string("host.hostuuid", Some(HOSTUUID_MAX), ReadWrite, Rule::None),
    spec("host.hostid", ParamType::Ulong, ReadWrite, Rule::None),
    spec("cpuset.id", ParamType::Int, ReadOnly, Rule::None),
    spec("ip4", JAILSYS, CreateOnly, Rule::None),
    spec("ip4.addr", ParamType::Ipv4Addrs, ReadWrite, Rule::None),
    flag("ip4.saddrsel"),
    spec("ip6", JAILSYS, CreateOnly, Rule::None),
    spec("ip6.addr", ParamType::Ipv6Addrs, ReadWrite, Rule::None),
    flag("ip6.saddrsel"),
    flag("allow.set_hostname"),
    flag("allow.sysvipc"),
    flag("allow.raw_sockets"),
    flag("allow.chflags"),
    flag("allow.mount"),
    flag("allow.quotas"),
    flag("allow.socket_af"),
    flag("allow.mlock"),
    flag("allow.reserved_ports"),
    flag("allow.read_msgbuf"),
    flag("allow.unprivileged_proc_debug"),
    flag("allow.suser"),
    flag("allow.nfsd"),
    flag("allow.extattr"),
    flag("allow.mount.devfs"),
    flag("allow.mount.fdescfs"),
    flag("allow.mount.fusefs"),
    flag("allow.mount.linprocfs"),
    flag("allow.mount.linsysfs"),
    flag("allow.mount.nullfs"),
    flag("allow.mount.procfs"),
    flag("allow.mount.tmpfs"),
    flag("allow.mount.zfs"),
    spec("linux", JAILSYS, ReadWrite, Rule::None),
    string("linux.osname", None, ReadWrite, Rule::None),
    string("linux.osrelease", None, ReadWrite, Rule::None),
    spec("sysvmsg", JAILSYS, ReadWrite, Rule::None),
    spec("sysvsem", JAILSYS, ReadWrite, Rule::None),
    spec("sysvshm", JAILSYS, ReadWrite, Rule::None),
    spec("zfs", JAILSYS, ReadWrite, Rule::None),
    spec("zfs.mount_snapshot", ParamType::Int, ReadWrite, Rule::None),
    string("meta", None, ReadWrite, Rule::None),
];

/// The entry for `name` in [`KNOWN_PARAMS`].
///
/// References: jail(8) ("PARAMETERS").
pub fn known_param(name: &str) -> Option<&'static ParamSpec> {
    KNOWN_PARAMS.iter().find(|spec| spec.name == name)
}

/// jail(8) pseudo-parameters: handled by jail(8) in userland, never by the
/// kernel.
const PSEUDO_EXACT: &[&str] = &[
    "command",
    "depend",
    "interface",
    "ip_hostname",
    "mount",
    "allow.dying",
    "vnet.interface",
    "exec",
    "stop",
];

/// Prefixes of jail(8) pseudo-parameter families.
const PSEUDO_PREFIXES: &[&str] = &["exec.", "mount.", "stop."];

/// Whether `name` is a jail(8) pseudo-parameter (`exec.start`,
/// `mount.fstab`, `mount.devfs`, `interface`, `ip_hostname`, `depend`, ...),
/// which jail_set(2) must never receive.
///
/// References: jail(8) ("Pseudo-parameters").
pub fn is_pseudo_parameter(name: &str) -> bool {
    PSEUDO_EXACT.contains(&name) || PSEUDO_PREFIXES.iter().any(|p| name.starts_with(p))
}

impl ParamSpec {
    /// Checks `value` (already of the right type) against this parameter's
    /// limits.
    pub(crate) fn validate(&self, value: &Value) -> Result<(), ParamError> {
        let param = || self.name.to_owned();
        match value {
            Value::String(s) => self.validate_string(s)?,
            Value::JailSys(JailSys::Disable)
                if self.ty == (ParamType::JailSys { disable: false }) =>
            {
                return Err(ParamError::DisableRefused { param: param() });
            }
            Value::Int(v) => self.validate_int(i64::from(*v))?,
            Value::Ipv4(addrs) => check_ipv4(self.name, addrs)?,
            Value::Ipv6(addrs) => check_ipv6(self.name, addrs)?,
            _ => {}
        }
        Ok(())
    }

    fn validate_int(&self, v: i64) -> Result<(), ParamError> {
        match self.rule {
            Rule::Range(min, max) if !(min..=max).contains(&v) => Err(ParamError::OutOfRange {
                param: self.name.to_owned(),
                value: v,
                min,
                max,
            }),
            Rule::NonZero if v == 0 => Err(ParamError::OutOfRange {
                param: self.name.to_owned(),
                value: v,
                min: 1,
                max: i64::from(i32::MAX),
            }),
            _ => Ok(()),
        }
    }

    fn validate_string(&self, s: &str) -> Result<(), ParamError> {
        if self.rule == Rule::JailName {
            return super::HierarchicalName::new(s).map(drop);
        }
        if s.contains('\0') {
            return Err(ParamError::ContainsNul {
                param: self.name.to_owned(),
            });
        }
        if let ParamType::String { max_len: Some(max) } = self.ty
            && s.len() > max
        {
            return Err(ParamError::TooLong {
                param: self.name.to_owned(),
                len: s.len(),
                max,
            });
        }
        if self.rule == Rule::NonEmpty && s.is_empty() {
            return Err(ParamError::Empty {
                param: self.name.to_owned(),
            });
        }
        Ok(())
    }
}

/// The kernel refuses 0.0.0.0, 255.255.255.255 and duplicates.
pub(crate) fn check_ipv4(param: &str, addrs: &[std::net::Ipv4Addr]) -> Result<(), ParamError> {
    let mut seen = HashSet::new();
    for addr in addrs {
        if addr.is_unspecified() || addr.is_broadcast() {
            return Err(ParamError::InvalidAddress {
                param: param.to_owned(),
                addr: addr.to_string(),
            });
        }
        if !seen.insert(addr) {
            return Err(ParamError::DuplicateAddress {
                param: param.to_owned(),
                addr: addr.to_string(),
            });
        }
    }
    Ok(())
}

/// The kernel refuses `::` and duplicates.
pub(crate) fn check_ipv6(param: &str, addrs: &[std::net::Ipv6Addr]) -> Result<(), ParamError> {
    let mut seen = HashSet::new();
    for addr in addrs {
        if addr.is_unspecified() {
            return Err(ParamError::InvalidAddress {
                param: param.to_owned(),
                addr: addr.to_string(),
            });
        }
        if !seen.insert(addr) {
            return Err(ParamError::DuplicateAddress {
                param: param.to_owned(),
                addr: addr.to_string(),
            });
        }
    }
    Ok(())
}
