//! Kernel jail parameters: their types, their values and the rules the
//! kernel applies to them, checked here before any system call.
//!
//! A [`Param`] is a name and a [`Value`] that together are valid for
//! jail_set(2): the name is a kernel parameter (never a jail(8)
//! pseudo-parameter such as `mount.fstab` or `exec.start`), and a value for a
//! parameter this crate knows has the right type and lies within the
//! kernel's limits.

mod format;
mod table;
mod values;

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

pub use format::{ParamFormat, parse_param_format};
pub use table::{KNOWN_PARAMS, ParamSpec, is_pseudo_parameter, known_param};
pub use values::{
    Allow, ChildrenMax, DevfsRuleset, EnforceStatfs, HierarchicalName, Hostname, Ipv4Addrs,
    Ipv6Addrs, JailName, JailPath, OsRelDate, OsRelease, Securelevel,
};

/// How the kernel stores a parameter, as its `security.jail.param` sysctl
/// describes it.
///
/// References: jail(2), sysctl(3), libjail's `jailparam_init(3)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// C `int` (format `I`).
    Int,
    /// C `unsigned int` (format `IU`).
    Uint,
    /// C `long` (format `L`).
    Long,
    /// C `unsigned long` (format `LU`).
    Ulong,
    /// `int64_t` (format `Q`).
    Int64,
    /// `uint64_t` (format `QU`).
    Uint64,
    /// NUL-terminated string; `max_len` counts bytes without the NUL.
    String {
        /// The longest value the kernel accepts, in bytes, if known.
        max_len: Option<usize>,
    },
    /// Boolean flag (format `B`), sent as `name` or `noname` with no value.
    Bool,
    /// `disable`, `new` or `inherit` (format `E,jailsys`).
    JailSys {
        /// Whether the kernel accepts `disable` for this parameter.
        disable: bool,
    },
    /// Array of `struct in_addr` (format `S,in_addr,a`).
    Ipv4Addrs,
    /// Array of `struct in6_addr` (format `S,in6_addr,a`).
    Ipv6Addrs,
}

impl ParamType {
    /// The size in bytes of one value in jail_get(2)'s buffer: the element
    /// size for address arrays, the buffer size (NUL included) for strings.
    ///
    /// References: jail(2).
    pub fn value_size(self) -> Option<usize> {
        Some(match self {
            Self::Int | Self::Uint | Self::Bool | Self::JailSys { .. } => 4,
            Self::Long | Self::Ulong => std::mem::size_of::<libc::c_long>(),
            Self::Int64 | Self::Uint64 => 8,
            Self::String { max_len } => max_len? + 1,
            Self::Ipv4Addrs => 4,
            Self::Ipv6Addrs => 16,
        })
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Int => "int",
            Self::Uint => "unsigned int",
            Self::Long => "long",
            Self::Ulong => "unsigned long",
            Self::Int64 => "int64",
            Self::Uint64 => "uint64",
            Self::String { .. } => "string",
            Self::Bool => "boolean",
            Self::JailSys { .. } => "jailsys",
            Self::Ipv4Addrs => "IPv4 address list",
            Self::Ipv6Addrs => "IPv6 address list",
        };
        f.write_str(text)
    }
}

/// When the kernel lets a parameter be set.
///
/// References: jail(2) ("CTLFLAG_RDTUN" parameters are create-only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Settable on create and on update.
    ReadWrite,
    /// Settable only when the jail is created.
    CreateOnly,
    /// Never settable; jail_get(2) only.
    ReadOnly,
}

/// The value of a jailsys parameter (`host`, `vnet`, `ip4`, `ip6`, and
/// module parameters such as `sysvshm`).
///
/// References: jail(8) ("disable", "new", "inherit").
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[doc(alias = "JAIL_SYS_NEW")]
pub enum JailSys {
    /// `JAIL_SYS_DISABLE` (0): the feature is off in the jail.
    Disable,
    /// `JAIL_SYS_NEW` (1): the jail gets its own instance.
    New,
    /// `JAIL_SYS_INHERIT` (2): the jail shares its parent's.
    Inherit,
}

impl JailSys {
    /// The integer the kernel uses.
    ///
    /// References: jail(2), `<sys/jail.h>`.
    pub const fn as_raw(self) -> i32 {
        match self {
            Self::Disable => 0,
            Self::New => 1,
            Self::Inherit => 2,
        }
    }

    /// The value for an integer the kernel returned, if it is one of the three.
    ///
    /// References: jail(2), `<sys/jail.h>`.
    pub const fn from_raw(raw: i32) -> Option<Self> {
        match raw {
            0 => Some(Self::Disable),
            1 => Some(Self::New),
            2 => Some(Self::Inherit),
            _ => None,
        }
    }

    /// The word jail(8) uses.
    ///
    /// References: jail(8).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::New => "new",
            Self::Inherit => "inherit",
        }
    }
}

/// A typed parameter value.
///
/// References: jail(2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// C `int`.
    Int(i32),
    /// C `unsigned int`.
    Uint(u32),
    /// C `long`.
    Long(i64),
    /// C `unsigned long`.
    Ulong(u64),
    /// `int64_t`.
    Int64(i64),
    /// `uint64_t`.
    Uint64(u64),
    /// A string, without its terminating NUL.
    String(String),
    /// A boolean flag.
    Bool(bool),
    /// A jailsys mode.
    JailSys(JailSys),
    /// IPv4 addresses, the primary first.
    Ipv4(Vec<Ipv4Addr>),
    /// IPv6 addresses, the primary first.
    Ipv6(Vec<Ipv6Addr>),
}

impl Value {
    /// Whether this value can be stored in a parameter of type `ty`.
    ///
    /// References: jail(2).
    pub fn fits(&self, ty: ParamType) -> bool {
        matches!(
            (self, ty),
            (Self::Int(_), ParamType::Int)
                | (Self::Uint(_), ParamType::Uint)
                | (Self::Long(_), ParamType::Long)
                | (Self::Ulong(_), ParamType::Ulong)
                | (Self::Int64(_), ParamType::Int64)
                | (Self::Uint64(_), ParamType::Uint64)
                | (Self::String(_), ParamType::String { .. })
                | (Self::Bool(_), ParamType::Bool)
                | (Self::JailSys(_), ParamType::JailSys { .. })
                | (Self::Ipv4(_), ParamType::Ipv4Addrs)
                | (Self::Ipv6(_), ParamType::Ipv6Addrs)
        )
    }

    /// The bytes jail_set(2) receives for this value, in native byte order
    /// (addresses in network order), or `None` for a boolean, whose value
    /// is a NULL pointer of length 0.
    ///
    /// References: jail(2).
    pub fn encode(&self) -> Option<Vec<u8>> {
        Some(match self {
            Self::Int(v) => v.to_ne_bytes().to_vec(),
            Self::Uint(v) => v.to_ne_bytes().to_vec(),
            Self::Long(v) => encode_long(*v),
            Self::Ulong(v) => encode_ulong(*v),
            Self::Int64(v) => v.to_ne_bytes().to_vec(),
            Self::Uint64(v) => v.to_ne_bytes().to_vec(),
            Self::String(s) => {
                let mut bytes = Vec::with_capacity(s.len() + 1);
                bytes.extend_from_slice(s.as_bytes());
                bytes.push(0);
                bytes
            }
            Self::Bool(_) => return None,
            Self::JailSys(mode) => mode.as_raw().to_ne_bytes().to_vec(),
            Self::Ipv4(addrs) => addrs.iter().flat_map(|a| a.octets()).collect(),
            Self::Ipv6(addrs) => addrs.iter().flat_map(|a| a.octets()).collect(),
        })
    }

    /// Reads a value of type `ty` from the bytes jail_get(2) returned.
    ///
    /// Booleans come back as a C `int` (0 or 1); jailsys values as an `int`.
    ///
    /// References: jail(2).
    pub fn decode(ty: ParamType, bytes: &[u8]) -> Option<Self> {
        Some(match ty {
            ParamType::Int => Self::Int(i32::from_ne_bytes(bytes.try_into().ok()?)),
            ParamType::Uint => Self::Uint(u32::from_ne_bytes(bytes.try_into().ok()?)),
            ParamType::Long => Self::Long(decode_long(bytes)?),
            ParamType::Ulong => Self::Ulong(decode_ulong(bytes)?),
            ParamType::Int64 => Self::Int64(i64::from_ne_bytes(bytes.try_into().ok()?)),
            ParamType::Uint64 => Self::Uint64(u64::from_ne_bytes(bytes.try_into().ok()?)),
            ParamType::String { .. } => {
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                Self::String(String::from_utf8_lossy(&bytes[..end]).into_owned())
            }
            ParamType::Bool => Self::Bool(i32::from_ne_bytes(bytes.try_into().ok()?) != 0),
            ParamType::JailSys { .. } => Self::JailSys(JailSys::from_raw(i32::from_ne_bytes(
                bytes.try_into().ok()?,
            ))?),
            ParamType::Ipv4Addrs => {
                let chunks = bytes.chunks_exact(4);
                if !chunks.remainder().is_empty() {
                    return None;
                }
                Self::Ipv4(
                    chunks
                        .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
                        .collect(),
                )
            }
            ParamType::Ipv6Addrs => {
                let chunks = bytes.chunks_exact(16);
                if !chunks.remainder().is_empty() {
                    return None;
                }
                let addr = |c: &[u8]| Ipv6Addr::from(<[u8; 16]>::try_from(c).unwrap_or([0; 16]));
                Self::Ipv6(chunks.map(addr).collect())
            }
        })
    }

    /// Parses the text form jail(8) uses: numbers in decimal, `true`/`false`,
    /// `disable`/`new`/`inherit`, and comma-separated address lists.
    ///
    /// A jailsys word in an address list is refused: `ip6.addr=inherit` is
    /// an error; `ip6=inherit` is the parameter that takes the mode.
    ///
    /// References: jail(8).
    pub fn parse(name: &str, ty: ParamType, text: &str) -> Result<Self, ParamError> {
        let bad = |expected: &'static str| ParamError::InvalidText {
            param: name.to_owned(),
            text: text.to_owned(),
            expected,
        };
        Ok(match ty {
            ParamType::Int => Self::Int(text.parse().map_err(|_| bad("an integer"))?),
            ParamType::Uint => Self::Uint(text.parse().map_err(|_| bad("an unsigned integer"))?),
            ParamType::Long => Self::Long(text.parse().map_err(|_| bad("an integer"))?),
            ParamType::Ulong => Self::Ulong(text.parse().map_err(|_| bad("an unsigned integer"))?),
            ParamType::Int64 => Self::Int64(text.parse().map_err(|_| bad("an integer"))?),
            ParamType::Uint64 => {
                Self::Uint64(text.parse().map_err(|_| bad("an unsigned integer"))?)
            }
            ParamType::String { .. } => Self::String(text.to_owned()),
            ParamType::Bool => match text.to_ascii_lowercase().as_str() {
                "true" | "1" => Self::Bool(true),
                "false" | "0" => Self::Bool(false),
                _ => return Err(bad("true or false")),
            },
            ParamType::JailSys { .. } => match text.to_ascii_lowercase().as_str() {
                "disable" | "0" => Self::JailSys(JailSys::Disable),
                "new" | "1" => Self::JailSys(JailSys::New),
                "inherit" | "2" => Self::JailSys(JailSys::Inherit),
                _ => return Err(bad("disable, new or inherit")),
            },
            ParamType::Ipv4Addrs => Self::Ipv4(parse_list(name, text, "an IPv4 address")?),
            ParamType::Ipv6Addrs => Self::Ipv6(parse_list(name, text, "an IPv6 address")?),
        })
    }
}

fn parse_list<A: std::str::FromStr>(
    name: &str,
    text: &str,
    expected: &'static str,
) -> Result<Vec<A>, ParamError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|item| {
            item.trim().parse().map_err(|_| ParamError::InvalidText {
                param: name.to_owned(),
                text: item.trim().to_owned(),
                expected,
            })
        })
        .collect()
}

fn encode_long(v: i64) -> Vec<u8> {
    // `long` is 8 bytes on every 64-bit FreeBSD target and 4 on i386 and
    // armv7, where the constructors have already refused wider values.
    match std::mem::size_of::<libc::c_long>() {
        4 => (v as i32).to_ne_bytes().to_vec(),
        _ => v.to_ne_bytes().to_vec(),
    }
}

fn encode_ulong(v: u64) -> Vec<u8> {
    match std::mem::size_of::<libc::c_ulong>() {
        4 => (v as u32).to_ne_bytes().to_vec(),
        _ => v.to_ne_bytes().to_vec(),
    }
}

fn decode_long(bytes: &[u8]) -> Option<i64> {
    match bytes.len() {
        4 => Some(i32::from_ne_bytes(bytes.try_into().ok()?).into()),
        8 => Some(i64::from_ne_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

fn decode_ulong(bytes: &[u8]) -> Option<u64> {
    match bytes.len() {
        4 => Some(u32::from_ne_bytes(bytes.try_into().ok()?).into()),
        8 => Some(u64::from_ne_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Uint(v) => write!(f, "{v}"),
            Self::Long(v) | Self::Int64(v) => write!(f, "{v}"),
            Self::Ulong(v) | Self::Uint64(v) => write!(f, "{v}"),
            Self::String(s) => f.write_str(s),
            Self::Bool(b) => write!(f, "{b}"),
            Self::JailSys(mode) => f.write_str(mode.as_str()),
            Self::Ipv4(addrs) => write_list(f, addrs),
            Self::Ipv6(addrs) => write_list(f, addrs),
        }
    }
}

fn write_list<A: fmt::Display>(f: &mut fmt::Formatter<'_>, addrs: &[A]) -> fmt::Result {
    for (i, addr) in addrs.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{addr}")?;
    }
    Ok(())
}

/// A value refused before any system call, or a parameter the running
/// kernel does not have. Each variant names the offending input.
///
/// References: jail(2), jail(8).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// A jail name broke one of the kernel's rules, or the dot rule.
    #[error("invalid jail name {name:?}: {problem}")]
    InvalidJailName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        problem: NameProblem,
    },
    /// A string value is longer than the kernel's buffer for it.
    #[error("{param}: value of {len} bytes is longer than the {max} bytes the kernel accepts")]
    TooLong {
        /// The parameter.
        param: String,
        /// The length given, in bytes.
        len: usize,
        /// The longest accepted, in bytes, without the NUL.
        max: usize,
    },
    /// A string value the kernel refuses when empty.
    #[error("{param}: value cannot be empty")]
    Empty {
        /// The parameter.
        param: String,
    },
    /// A name or string value with a NUL byte inside it.
    #[error("{param}: value contains a NUL byte")]
    ContainsNul {
        /// The parameter (or the name itself).
        param: String,
    },
    /// A number outside the range the kernel accepts.
    #[error("{param}: {value} is out of range {min}..={max}")]
    OutOfRange {
        /// The parameter.
        param: String,
        /// The value given.
        value: i64,
        /// The smallest accepted.
        min: i64,
        /// The largest accepted.
        max: i64,
    },
    /// `disable` for a jailsys parameter that has no disabled state.
    #[error("{param}: \"disable\" is not accepted; use \"new\" or \"inherit\"")]
    DisableRefused {
        /// The parameter (`vnet` or `host`).
        param: String,
    },
    /// A jail(8) pseudo-parameter, which jail_set(2) never accepts.
    #[error(
        "{name}: a jail(8) pseudo-parameter, not a kernel parameter; use jailctl::jail8 for it"
    )]
    PseudoParameter {
        /// The name as given.
        name: String,
    },
    /// A parameter name that cannot be a kernel parameter.
    #[error("invalid parameter name {name:?}")]
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// A value of the wrong type for the parameter.
    #[error("{param}: expected a {expected} value, got {got:?}")]
    TypeMismatch {
        /// The parameter.
        param: String,
        /// The parameter's type.
        expected: ParamType,
        /// The value given.
        got: Value,
    },
    /// Text that does not parse as the parameter's type.
    #[error("{param}: {text:?} is not {expected}")]
    InvalidText {
        /// The parameter.
        param: String,
        /// The text given.
        text: String,
        /// What was expected.
        expected: &'static str,
    },
    /// An address the kernel refuses (unspecified, or IPv4 broadcast).
    #[error("{param}: {addr} cannot be a jail address")]
    InvalidAddress {
        /// The parameter.
        param: String,
        /// The address.
        addr: String,
    },
    /// An address given twice.
    #[error("{param}: {addr} is listed twice")]
    DuplicateAddress {
        /// The parameter.
        param: String,
        /// The address.
        addr: String,
    },
    /// A create-only parameter in an update.
    #[error("{param}: cannot be changed after creation")]
    CreateOnly {
        /// The parameter.
        param: String,
    },
    /// A read-only parameter in a create or update.
    #[error("{param}: read-only parameter")]
    ReadOnly {
        /// The parameter.
        param: String,
    },
    /// `ip6.*` on a kernel built without IPv6.
    #[error("{param}: this kernel has no IPv6 jail support (no security.jail.param.{param})")]
    Ipv6Unsupported {
        /// The parameter.
        param: String,
    },
    /// `ip4.*` on a kernel built without IPv4.
    #[error("{param}: this kernel has no IPv4 jail support (no security.jail.param.{param})")]
    Ipv4Unsupported {
        /// The parameter.
        param: String,
    },
    /// A parameter the running kernel does not know.
    #[error("unknown parameter: {name}")]
    UnknownParameter {
        /// The name as given.
        name: String,
    },
    /// Address lists (or `ip4`/`ip6`) together with `vnet`.
    #[error("{param}: vnet jails cannot have IP address restrictions")]
    VnetWithAddresses {
        /// The address parameter.
        param: String,
    },
    /// Two parameters that contradict each other.
    #[error("{first} and {second} conflict: {reason}")]
    Conflict {
        /// One parameter.
        first: String,
        /// The other.
        second: String,
        /// Why they cannot go together.
        reason: &'static str,
    },
    /// A create without `persist`.
    #[error("new jail must persist or attach: set persist")]
    MustPersistOrAttach,
    /// A sysctl format string this crate cannot read.
    #[error("{name}: unsupported parameter format {format:?}")]
    UnsupportedFormat {
        /// The parameter.
        name: String,
        /// The format string.
        format: String,
    },
}

/// What is wrong with a jail name.
///
/// References: jail(8) ("name").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// The name is longer than 255 bytes.
    TooLong,
    /// The name contains a NUL byte.
    Nul,
    /// The name contains a dot, the hierarchy separator.
    Dot,
    /// The name is purely numeric, which the kernel reserves for jids.
    Numeric,
    /// A component of a hierarchical name is empty.
    EmptyComponent,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty",
            Self::TooLong => "longer than 255 bytes",
            Self::Nul => "contains a NUL byte",
            Self::Dot => "contains '.', the jail hierarchy separator",
            Self::Numeric => "purely numeric names are reserved for jail IDs",
            Self::EmptyComponent => "empty component between dots",
        })
    }
}

/// A kernel parameter with a value, ready for jail_set(2).
///
/// References: jail(2), jail(8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    name: String,
    value: Value,
}

impl Param {
    /// A parameter by name.
    ///
    /// The name must be a kernel parameter: jail(8) pseudo-parameters
    /// (`mount.*`, `exec.*`, `interface`, `ip_hostname`, `depend`, ...) are
    /// refused with [`ParamError::PseudoParameter`]. A name this crate knows
    /// is checked against its type and limits; a boolean may be given in its
    /// `no` form (`allow.noraw_sockets` with `true` is stored as
    /// `allow.raw_sockets` with `false`). A name this crate does not know is
    /// typed at run time from the kernel's `security.jail.param` sysctl
    /// before it is sent.
    ///
    /// References: jail(8) ("PARAMETERS").
    pub fn new(name: &str, value: Value) -> Result<Self, ParamError> {
        check_param_name(name)?;
        if let Some(spec) = known_param(name) {
            return Self::checked(spec, value);
        }
        if let (Some(base), Value::Bool(b)) = (yes_name(name), &value)
            && let Some(spec) = known_param(&base)
            && spec.ty == ParamType::Bool
        {
            return Self::checked(spec, Value::Bool(!b));
        }
        Ok(Self {
            name: name.to_owned(),
            value,
        })
    }

    /// A parameter by name with its value in jail(8)'s text form, typed from
    /// `ty`, or from this crate's table when `ty` is `None`.
    ///
    /// References: jail(8).
    pub fn parse(name: &str, text: &str, ty: Option<ParamType>) -> Result<Self, ParamError> {
        check_param_name(name)?;
        let ty = match (ty, known_param(name)) {
            (Some(ty), _) => ty,
            (None, Some(spec)) => spec.ty,
            (None, None) => {
                return Err(ParamError::UnknownParameter {
                    name: name.to_owned(),
                });
            }
        };
        Self::new(name, Value::parse(name, ty, text)?)
    }

    fn checked(spec: &ParamSpec, value: Value) -> Result<Self, ParamError> {
        if !value.fits(spec.ty) {
            return Err(ParamError::TypeMismatch {
                param: spec.name.to_owned(),
                expected: spec.ty,
                got: value,
            });
        }
        spec.validate(&value)?;
        Ok(Self {
            name: spec.name.to_owned(),
            value,
        })
    }

    /// Builds a parameter whose value a typed constructor already checked.
    pub(crate) fn trusted(name: &'static str, value: Value) -> Self {
        Self {
            name: name.to_owned(),
            value,
        }
    }

    /// The parameter's name, in its positive form for booleans.
    ///
    /// References: jail(8).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameter's value.
    ///
    /// References: jail(8).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The name as sent to jail_set(2): for a false boolean, the `no` form,
    /// with `no` after the last dot (`allow.noraw_sockets`, `nopersist`).
    ///
    /// References: jail(2), jail(8) (boolean parameters).
    pub fn wire_name(&self) -> String {
        match self.value {
            Value::Bool(false) => no_name(&self.name),
            _ => self.name.clone(),
        }
    }
}

impl fmt::Display for Param {
    /// Prints the parameter the way `jail -v` does: `name=value`, and bare
    /// `name` / `noname` for booleans.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::Bool(_) => f.write_str(&self.wire_name()),
            value => write!(f, "{}={value}", self.name),
        }
    }
}

/// The `no` form of a boolean name: `no` goes after the last dot.
pub(crate) fn no_name(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((head, last)) => format!("{head}.no{last}"),
        None => format!("no{name}"),
    }
}

/// The positive form of a `no` name, if the last component starts with `no`.
fn yes_name(name: &str) -> Option<String> {
    match name.rsplit_once('.') {
        Some((head, last)) => last.strip_prefix("no").map(|rest| format!("{head}.{rest}")),
        None => name.strip_prefix("no").map(str::to_owned),
    }
}

fn check_param_name(name: &str) -> Result<(), ParamError> {
    if is_pseudo_parameter(name) {
        return Err(ParamError::PseudoParameter {
            name: name.to_owned(),
        });
    }
    if name.contains('\0') {
        return Err(ParamError::ContainsNul {
            param: name.to_owned(),
        });
    }
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    // `errmsg` and `lastjid` are parts of the calls, not parameters.
    if name == "errmsg" || name == "lastjid" || !name.split('.').all(component_ok) {
        return Err(ParamError::InvalidName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
