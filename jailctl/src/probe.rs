//! What the running kernel knows: the `security.jail.param.<name>` sysctls,
//! looked up once per name and cached, and the checks made against them
//! before any jail_set(2).

use crate::Param;
use crate::error::Error;
use crate::param::{Access, ParamError, ParamType, Value, known_param};
use crate::spec::SetMode;

/// A source of parameter types: the kernel's sysctl tree on FreeBSD
/// (`KernelParams`), or a fixed table in tests.
///
/// References: sysctl(8) `security.jail.param`.
pub trait ParamProbe {
    /// The type and access of `name`, or `None` when the kernel has no such
    /// parameter.
    ///
    /// References: sysctl(3).
    fn lookup(&self, name: &str) -> Result<Option<(ParamType, Access)>, Error>;
}

/// Checks `params` against what `probe` says the kernel has, for a call in
/// `mode`; no system call is made when this fails.
///
/// - a parameter the kernel lacks is refused: `ip6.*` as
///   [`ParamError::Ipv6Unsupported`], `ip4.*` as
///   [`ParamError::Ipv4Unsupported`], others as
///   [`ParamError::UnknownParameter`];
/// - a parameter not in this crate's table gets the kernel's type, and a
///   value of another type is refused;
/// - read-only parameters, and create-only ones on update, are refused.
///
/// References: jail(2), sysctl(8) `security.jail.param`.
pub fn check_against_kernel(
    params: &[Param],
    mode: SetMode,
    probe: &dyn ParamProbe,
) -> Result<(), Error> {
    for param in params {
        let name = param.name();
        let Some((kernel_ty, kernel_access)) = probe.lookup(name)? else {
            return Err(missing(name).into());
        };
        let (ty, access) = match known_param(name) {
            Some(spec) => (spec.ty, spec.access),
            None => (kernel_ty, kernel_access),
        };
        check_value(name, ty, param.value())?;
        check_access(name, access, mode)?;
    }
    Ok(())
}

fn missing(name: &str) -> ParamError {
    let param = name.to_owned();
    if name == "ip6" || name.starts_with("ip6.") {
        ParamError::Ipv6Unsupported { param }
    } else if name == "ip4" || name.starts_with("ip4.") {
        ParamError::Ipv4Unsupported { param }
    } else {
        ParamError::UnknownParameter { name: param }
    }
}

fn check_value(name: &str, ty: ParamType, value: &Value) -> Result<(), ParamError> {
    if !value.fits(ty) {
        return Err(ParamError::TypeMismatch {
            param: name.to_owned(),
            expected: ty,
            got: value.clone(),
        });
    }
    if let (ParamType::String { max_len: Some(max) }, Value::String(s)) = (ty, value)
        && s.len() > max
    {
        return Err(ParamError::TooLong {
            param: name.to_owned(),
            len: s.len(),
            max,
        });
    }
    Ok(())
}

/// Refuses read-only parameters, and create-only ones on update.
pub(crate) fn check_access(name: &str, access: Access, mode: SetMode) -> Result<(), ParamError> {
    match (access, mode) {
        (Access::ReadOnly, _) => Err(ParamError::ReadOnly {
            param: name.to_owned(),
        }),
        (Access::CreateOnly, SetMode::Update) => Err(ParamError::CreateOnly {
            param: name.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// The running kernel's `security.jail.param` tree, read with sysctl(3).
/// Each name is looked up once per process; the answer is cached.
///
/// References: sysctl(3), sysctl(8) `security.jail.param`.
#[cfg(target_os = "freebsd")]
#[derive(Clone, Copy, Debug, Default)]
pub struct KernelParams;

#[cfg(target_os = "freebsd")]
type Cache = std::collections::HashMap<String, Option<(ParamType, Access)>>;

#[cfg(target_os = "freebsd")]
impl ParamProbe for KernelParams {
    fn lookup(&self, name: &str) -> Result<Option<(ParamType, Access)>, Error> {
        use std::sync::{Mutex, OnceLock};
        static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(hit) = cache.lock().ok().and_then(|c| c.get(name).copied()) {
            return Ok(hit);
        }
        let found = lookup_sysctl(name)?;
        if let Ok(mut c) = cache.lock() {
            c.insert(name.to_owned(), found);
        }
        Ok(found)
    }
}

#[cfg(target_os = "freebsd")]
fn lookup_sysctl(name: &str) -> Result<Option<(ParamType, Access)>, Error> {
    use crate::error::{KernelError, Operation};
    use crate::param::{ParamFormat, parse_param_format};
    use crate::sys;

    let fail = |errno| KernelError::new(Operation::ParamLookup, None, errno, None);
    let full = format!("security.jail.param.{name}");
    tracing::debug!("sysctl name2oid {full}");
    let oid = match sys::name_to_oid(&full) {
        Ok(oid) => oid,
        Err(errno) if errno.raw() == libc::ENOENT => return Ok(None),
        Err(errno) => return Err(fail(errno).into()),
    };

    // A node is described by its child with an empty name, numbered next to
    // the node itself.
    let mut oid = oid;
    let (mut kind, mut format) = sys::oid_format(&oid).map_err(fail)?;
    if kind & 0xf == 1 {
        let Some(child) = empty_child(&oid) else {
            return Ok(None);
        };
        (kind, format) = sys::oid_format(&child).map_err(fail)?;
        oid = child;
    }
    let size = if kind & 0xf == 3 {
        let value = sys::oid_value(&oid).map_err(fail)?;
        Some(String::from_utf8_lossy(&value).into_owned())
    } else {
        None
    };
    match parse_param_format(name, kind, &format, size.as_deref())? {
        ParamFormat::Param { ty, access } => Ok(Some((ty, access))),
        ParamFormat::Node => Ok(None),
    }
}

#[cfg(target_os = "freebsd")]
fn empty_child(node: &[libc::c_int]) -> Option<Vec<libc::c_int>> {
    let last = *node.last()?;
    [last - 1, last + 1].into_iter().find_map(|number| {
        let mut child = node.to_vec();
        child.push(number);
        let name = crate::sys::oid_name(&child).ok()?;
        let text = name.strip_suffix(b"\0").unwrap_or(&name);
        text.ends_with(b".").then_some(child)
    })
}
