//! [`Jail`]: a handle on a running jail, and the calls made on it.

use crate::error::{Error, KernelError, Operation};
use crate::info::JailInfo;
use crate::iovec::JailIovecs;
use crate::param::{HierarchicalName, KNOWN_PARAMS, ParamType, Value, known_param};
use crate::probe::{KernelParams, ParamProbe, check_against_kernel};
use crate::spec::{JailSpec, SetMode};
use crate::{Jid, sys};

/// Most addresses read back per family: the kernel's default
/// `security.jail.jail_max_af_ips`.
const MAX_ADDRS: usize = 255;

/// A running jail, known by its jid.
///
/// Dropping a `Jail` does nothing to the jail; call [`Jail::remove`].
///
/// References: jail(2), jail(8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jail {
    jid: Jid,
}

fn kernel_error(
    op: Operation,
    jail: Option<String>,
    iov: &JailIovecs,
    errno: crate::Errno,
) -> Error {
    KernelError::new(op, jail, errno, iov.errmsg()).into()
}

fn jid_from(raw: i32) -> Jid {
    // The kernel returns jids of 1 and up on success.
    Jid::from_raw(raw).unwrap_or(Jid::from_raw(i32::MAX).expect("i32::MAX is positive"))
}

impl Jail {
    /// A handle on jail `jid`, without checking that it exists.
    ///
    /// References: jail(2).
    pub fn from_jid(jid: Jid) -> Self {
        Self { jid }
    }

    /// The jail's ID.
    ///
    /// References: jail(2).
    pub fn jid(&self) -> Jid {
        self.jid
    }

    /// Creates a jail from `spec` (which must set `persist`), after checking
    /// it as a whole and against the running kernel's parameters.
    ///
    /// References: jail_set(2) with `JAIL_CREATE`.
    #[doc(alias = "jail_set")]
    pub fn create(spec: &JailSpec) -> Result<Self, Error> {
        spec.check(SetMode::Create)?;
        check_against_kernel(spec.params(), SetMode::Create, &KernelParams)?;
        let mut iov = spec.to_iovecs();
        tracing::debug!("jail_set(JAIL_CREATE) {iov}");
        match sys::jail_set(&mut iov, libc::JAIL_CREATE) {
            Ok(jid) => Ok(Self { jid: jid_from(jid) }),
            Err(errno) => Err(kernel_error(Operation::Create, spec.label(), &iov, errno)),
        }
    }

    /// Changes the parameters in `spec` on this jail; create-only
    /// parameters are refused before the call.
    ///
    /// References: jail_set(2) with `JAIL_UPDATE`.
    #[doc(alias = "jail_set")]
    pub fn update(&self, spec: &JailSpec) -> Result<(), Error> {
        spec.check(SetMode::Update)?;
        check_against_kernel(spec.params(), SetMode::Update, &KernelParams)?;
        let mut iov = JailIovecs::new();
        iov.push_key(
            "jid",
            self.jid.get().to_ne_bytes().to_vec(),
            self.jid.to_string(),
        )?;
        for param in spec.params() {
            iov.push_param(param);
        }
        tracing::debug!("jail_set(JAIL_UPDATE) {iov}");
        sys::jail_set(&mut iov, libc::JAIL_UPDATE)
            .map(drop)
            .map_err(|errno| {
                kernel_error(Operation::Update, Some(self.jid.to_string()), &iov, errno)
            })
    }

    /// Clears `persist`: the jail goes away once its last process exits
    /// (at once, if it has none).
    ///
    /// References: jail_set(2), jail(8) ("persist").
    pub fn clear_persist(&self) -> Result<(), Error> {
        self.update(&JailSpec::new().persist(false))
    }

    /// Finds a running jail by jid.
    ///
    /// References: jail_get(2).
    #[doc(alias = "jail_get")]
    pub fn find(jid: Jid) -> Result<Self, Error> {
        let mut iov = JailIovecs::new();
        iov.push_key("jid", jid.get().to_ne_bytes().to_vec(), jid.to_string())?;
        tracing::debug!("jail_get {iov}");
        sys::jail_get(&mut iov, 0)
            .map(|raw| Self { jid: jid_from(raw) })
            .map_err(|errno| kernel_error(Operation::Get, Some(jid.to_string()), &iov, errno))
    }

    /// Finds a running jail by name (a child jail as `parent.child`).
    ///
    /// References: jail_get(2).
    #[doc(alias = "jail_get")]
    pub fn find_by_name(name: &HierarchicalName) -> Result<Self, Error> {
        let mut iov = JailIovecs::new();
        let mut bytes = name.as_str().as_bytes().to_vec();
        bytes.push(0);
        iov.push_key("name", bytes, name.to_string())?;
        tracing::debug!("jail_get {iov}");
        sys::jail_get(&mut iov, 0)
            .map(|raw| Self { jid: jid_from(raw) })
            .map_err(|errno| kernel_error(Operation::Get, Some(name.to_string()), &iov, errno))
    }

    /// Reads the named parameters; each is typed from this crate's table or
    /// the kernel's sysctl. The kernel refuses the whole call if it lacks
    /// one of them.
    ///
    /// Limitations: at most 255 addresses per family are read back (the
    /// kernel's default `security.jail.jail_max_af_ips`); a jail with more
    /// fails with `EINVAL`.
    ///
    /// References: jail_get(2).
    #[doc(alias = "jail_get")]
    pub fn get(&self, names: &[&str]) -> Result<Vec<(String, Value)>, Error> {
        let mut iov = JailIovecs::new();
        iov.push_key(
            "jid",
            self.jid.get().to_ne_bytes().to_vec(),
            self.jid.to_string(),
        )?;
        let mut types = Vec::with_capacity(names.len());
        for &name in names.iter().filter(|&&n| n != "jid") {
            let ty = param_type(name)?;
            iov.push_out(name, out_capacity(name, ty)?)?;
            types.push((name, ty));
        }
        tracing::debug!("jail_get {iov}");
        sys::jail_get(&mut iov, 0).map_err(|errno| {
            kernel_error(Operation::Get, Some(self.jid.to_string()), &iov, errno)
        })?;
        types
            .into_iter()
            .map(|(name, ty)| {
                let bytes = iov.value(name).unwrap_or_default();
                Value::decode(ty, bytes)
                    .map(|v| (name.to_owned(), v))
                    .ok_or(Error::Decode {
                        param: name.to_owned(),
                        len: bytes.len(),
                    })
            })
            .collect()
    }

    /// Reads every parameter of this crate's table that the running kernel
    /// has, `jid` first.
    ///
    /// References: jail_get(2), jls(8).
    pub fn info(&self) -> Result<JailInfo, Error> {
        let mut names = Vec::new();
        for spec in KNOWN_PARAMS.iter().filter(|s| s.name != "jid") {
            if KernelParams.lookup(spec.name)?.is_some() {
                names.push(spec.name);
            }
        }
        let mut params = vec![("jid".to_owned(), Value::Int(self.jid.get()))];
        params.extend(self.get(&names)?);
        Ok(JailInfo::new(self.jid, params))
    }

    /// Moves the calling process into this jail. Every thread of the
    /// process is affected; to run a program inside a jail, prefer
    /// [`crate::JailCommandExt`].
    ///
    /// References: jail_attach(2).
    #[doc(alias = "jail_attach")]
    pub fn attach(&self) -> Result<(), Error> {
        tracing::debug!("jail_attach jid={}", self.jid);
        sys::jail_attach(self.jid.get()).map_err(|errno| {
            KernelError::new(Operation::Attach, Some(self.jid.to_string()), errno, None).into()
        })
    }

    /// Removes the jail: kills its processes and, with its last reference,
    /// the jail itself; its children go first.
    ///
    /// References: jail_remove(2).
    #[doc(alias = "jail_remove")]
    pub fn remove(self) -> Result<(), Error> {
        tracing::debug!("jail_remove jid={}", self.jid);
        sys::jail_remove(self.jid.get()).map_err(|errno| {
            KernelError::new(Operation::Remove, Some(self.jid.to_string()), errno, None).into()
        })
    }
}

fn param_type(name: &str) -> Result<ParamType, Error> {
    if let Some(spec) = known_param(name) {
        return Ok(spec.ty);
    }
    match KernelParams.lookup(name)? {
        Some((ty, _)) => Ok(ty),
        None => Err(crate::ParamError::UnknownParameter {
            name: name.to_owned(),
        }
        .into()),
    }
}

fn out_capacity(name: &str, ty: ParamType) -> Result<usize, Error> {
    let ty = match ty {
        ParamType::String { max_len: None } => param_kernel_type(name)?,
        other => other,
    };
    let unknown = || crate::ParamError::UnknownParameter {
        name: name.to_owned(),
    };
    let size = ty.value_size().ok_or_else(unknown)?;
    Ok(match ty {
        ParamType::Ipv4Addrs | ParamType::Ipv6Addrs => size * MAX_ADDRS,
        _ => size,
    })
}

fn param_kernel_type(name: &str) -> Result<ParamType, Error> {
    match KernelParams.lookup(name)? {
        Some((ty, _)) => Ok(ty),
        None => Err(crate::ParamError::UnknownParameter {
            name: name.to_owned(),
        }
        .into()),
    }
}

/// Every running jail visible from here, in jid order, found with
/// jail_get(2)'s `lastjid` key.
///
/// References: jail_get(2) (`lastjid`), jls(8).
pub fn jails() -> Jails {
    Jails {
        last: 0,
        done: false,
    }
}

/// The iterator [`jails`] returns.
///
/// References: jail_get(2).
#[derive(Debug)]
pub struct Jails {
    last: i32,
    done: bool,
}

impl Iterator for Jails {
    type Item = Result<Jail, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut iov = JailIovecs::new();
        if let Err(e) = iov.push_key(
            "lastjid",
            self.last.to_ne_bytes().to_vec(),
            self.last.to_string(),
        ) {
            self.done = true;
            return Some(Err(e.into()));
        }
        tracing::debug!("jail_get {iov}");
        match sys::jail_get(&mut iov, 0) {
            Ok(raw) => {
                self.last = raw;
                Some(Ok(Jail { jid: jid_from(raw) }))
            }
            Err(errno) if errno.raw() == libc::ENOENT => {
                self.done = true;
                None
            }
            Err(errno) => {
                self.done = true;
                Some(Err(kernel_error(Operation::Get, None, &iov, errno)))
            }
        }
    }
}
