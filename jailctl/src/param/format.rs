//! Reading a parameter's type from its `security.jail.param.<name>` sysctl:
//! the kind word (`CTLTYPE_*` and `CTLFLAG_*` bits) and the format string.

use super::{Access, ParamError, ParamType};

// Values from FreeBSD's <sys/sysctl.h>.
const CTLTYPE: u32 = 0xf;
const CTLTYPE_NODE: u32 = 1;
const CTLTYPE_INT: u32 = 2;
const CTLTYPE_STRING: u32 = 3;
const CTLTYPE_S64: u32 = 4;
const CTLTYPE_STRUCT: u32 = 5;
const CTLTYPE_UINT: u32 = 6;
const CTLTYPE_LONG: u32 = 7;
const CTLTYPE_ULONG: u32 = 8;
const CTLTYPE_U64: u32 = 9;
const CTLFLAG_WR: u32 = 0x4000_0000;
const CTLFLAG_TUN: u32 = 0x0008_0000;

/// What a `security.jail.param` sysctl says about a parameter.
///
/// References: sysctl(3), jail(8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamFormat {
    /// A parameter of this type and access.
    Param {
        /// How the kernel stores it.
        ty: ParamType,
        /// When it can be set.
        access: Access,
    },
    /// A node (`allow.mount`, `host`, `ip4`): the parameter of the same name
    /// is described by the node's child with an empty name.
    Node,
}

/// Reads a parameter's type from its sysctl kind word and format string.
///
/// `string_size` is the sysctl's value for a string parameter: the size of
/// the kernel's buffer as decimal text, NUL included (`"256"` for
/// `host.hostname`). Access follows the flags: writable parameters are
/// read-write, `CTLFLAG_RDTUN` ones create-only, the rest read-only.
///
/// References: sysctl(3), libjail's `jailparam_init(3)`.
pub fn parse_param_format(
    name: &str,
    kind: u32,
    format: &str,
    string_size: Option<&str>,
) -> Result<ParamFormat, ParamError> {
    let unsupported = || ParamError::UnsupportedFormat {
        name: name.to_owned(),
        format: format.to_owned(),
    };
    let access = if kind & CTLFLAG_WR != 0 {
        Access::ReadWrite
    } else if kind & CTLFLAG_TUN != 0 {
        Access::CreateOnly
    } else {
        Access::ReadOnly
    };

    // Integer kinds carry their meaning in the format string.
    let ty = match (kind & CTLTYPE, format) {
        (CTLTYPE_NODE, _) => return Ok(ParamFormat::Node),
        (CTLTYPE_INT, f) if f.starts_with('B') => ParamType::Bool,
        (CTLTYPE_INT, "E,jailsys") => ParamType::JailSys { disable: true },
        (CTLTYPE_INT, _) => ParamType::Int,
        (CTLTYPE_UINT, _) => ParamType::Uint,
        (CTLTYPE_LONG, _) => ParamType::Long,
        (CTLTYPE_ULONG, _) => ParamType::Ulong,
        (CTLTYPE_S64, _) => ParamType::Int64,
        (CTLTYPE_U64, _) => ParamType::Uint64,
        (CTLTYPE_STRING, _) => {
            let size: usize = string_size
                .and_then(|s| s.trim_end_matches('\0').trim().parse().ok())
                .ok_or_else(unsupported)?;
            ParamType::String {
                max_len: Some(size.saturating_sub(1)),
            }
        }
        (CTLTYPE_STRUCT, "S,in_addr,a") => ParamType::Ipv4Addrs,
        (CTLTYPE_STRUCT, "S,in6_addr,a") => ParamType::Ipv6Addrs,
        _ => return Err(unsupported()),
    };
    Ok(ParamFormat::Param { ty, access })
}
