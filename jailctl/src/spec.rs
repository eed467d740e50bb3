//! [`JailSpec`]: the parameters of one jail_set(2) call, checked as a whole.

use crate::param::{
    Allow, ChildrenMax, DevfsRuleset, EnforceStatfs, HierarchicalName, Hostname, Ipv4Addrs,
    Ipv6Addrs, JailName, JailPath, JailSys, OsRelDate, OsRelease, Param, ParamError, Securelevel,
    Value, known_param,
};
use crate::probe::check_access;

/// Whether a jail_set(2) call creates a jail or updates one.
///
/// References: jail(2) (`JAIL_CREATE`, `JAIL_UPDATE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetMode {
    /// `JAIL_CREATE`.
    #[doc(alias = "JAIL_CREATE")]
    Create,
    /// `JAIL_UPDATE`.
    #[doc(alias = "JAIL_UPDATE")]
    Update,
}

/// The kernel parameters of one jail_set(2) call, in the order given; a
/// parameter set twice keeps its first place and its last value.
///
/// Nothing here can express a jail(8) pseudo-parameter: those are
/// carried out by [`crate::jail8`].
///
/// ```
/// use jailctl::{Allow, Hostname, JailName, JailPath, JailSpec, SetMode};
///
/// let spec = JailSpec::new()
///     .name(JailName::new("mq")?)
///     .path(JailPath::new("/jails/mq")?)
///     .hostname(Hostname::new("mq.example.org")?)
///     .allow(Allow::RawSockets, false)
///     .persist(true);
/// spec.check(SetMode::Create)?;
/// assert_eq!(
///     spec.to_string(),
///     "name=mq path=/jails/mq host.hostname=mq.example.org allow.noraw_sockets persist"
/// );
/// # Ok::<(), jailctl::ParamError>(())
/// ```
///
/// References: jail(2), jail(8).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JailSpec {
    params: Vec<Param>,
}

impl JailSpec {
    /// An empty set of parameters.
    ///
    /// References: jail(2).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `param`, replacing the value of an earlier one of the same name.
    ///
    /// References: jail(8).
    pub fn param(mut self, param: impl Into<Param>) -> Self {
        let param = param.into();
        match self.params.iter_mut().find(|p| p.name() == param.name()) {
            Some(slot) => *slot = param,
            None => self.params.push(param),
        }
        self
    }

    /// `name`: a single-component name.
    ///
    /// References: jail(8) ("name").
    pub fn name(self, name: JailName) -> Self {
        self.param(name)
    }

    /// `name`: a child jail's name, with its parents (`web.db`).
    ///
    /// References: jail(8) ("HIERARCHICAL JAILS").
    pub fn hierarchical_name(self, name: HierarchicalName) -> Self {
        self.param(name)
    }

    /// `path`: the root directory (create only).
    ///
    /// References: jail(8) ("path").
    pub fn path(self, path: JailPath) -> Self {
        self.param(path)
    }

    /// `host.hostname`.
    ///
    /// References: jail(8) ("host.hostname").
    pub fn hostname(self, name: Hostname) -> Self {
        self.param(name)
    }

    /// `persist`: keep the jail when no process is left in it.
    ///
    /// References: jail(8) ("persist").
    pub fn persist(self, persist: bool) -> Self {
        self.param(Param::trusted("persist", Value::Bool(persist)))
    }

    /// One `allow.*` permission.
    ///
    /// References: jail(8) ("allow.*").
    pub fn allow(self, allow: Allow, allowed: bool) -> Self {
        self.param(allow.param(allowed))
    }

    /// `enforce_statfs`.
    ///
    /// References: jail(8) ("enforce_statfs").
    pub fn enforce_statfs(self, level: EnforceStatfs) -> Self {
        self.param(level)
    }

    /// `securelevel`.
    ///
    /// References: jail(8) ("securelevel").
    pub fn securelevel(self, level: Securelevel) -> Self {
        self.param(level)
    }

    /// `devfs_ruleset`.
    ///
    /// References: jail(8) ("devfs_ruleset").
    pub fn devfs_ruleset(self, ruleset: DevfsRuleset) -> Self {
        self.param(ruleset)
    }

    /// `children.max`.
    ///
    /// References: jail(8) ("children.max").
    pub fn children_max(self, max: ChildrenMax) -> Self {
        self.param(max)
    }

    /// `osrelease` (create only).
    ///
    /// References: jail(8) ("osrelease").
    pub fn osrelease(self, release: OsRelease) -> Self {
        self.param(release)
    }

    /// `osreldate` (create only).
    ///
    /// References: jail(8) ("osreldate").
    pub fn osreldate(self, date: OsRelDate) -> Self {
        self.param(date)
    }

    /// `ip4.addr`; the first address is the primary.
    ///
    /// References: jail(8) ("ip4.addr").
    pub fn ip4_addrs(self, addrs: Ipv4Addrs) -> Self {
        self.param(addrs)
    }

    /// `ip6.addr`; the first address is the primary.
    ///
    /// References: jail(8) ("ip6.addr").
    pub fn ip6_addrs(self, addrs: Ipv6Addrs) -> Self {
        self.param(addrs)
    }

    /// A jailsys parameter (`vnet`, `host`, `ip4`, `ip6`, `sysvshm`, ...);
    /// `disable` is refused for `vnet` and `host`, which have none.
    ///
    /// References: jail(8) ("vnet", "host", "ip4", "ip6").
    pub fn jailsys(self, name: &str, mode: JailSys) -> Result<Self, ParamError> {
        Ok(self.param(Param::new(name, Value::JailSys(mode))?))
    }

    /// The parameters, in call order.
    ///
    /// References: jail(2).
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.params
            .iter()
            .find(|p| p.name() == name)
            .map(Param::value)
    }

    /// Checks the rules that concern the set as a whole, as kern_jail.c
    /// applies them, before any call:
    ///
    /// - a new jail must set `persist` (this crate never creates with
    ///   `JAIL_ATTACH`);
    /// - read-only parameters are refused, and create-only ones on update;
    /// - any `vnet` value together with `ip4`, `ip6` or an address list is
    ///   refused ("vnet jails cannot have IP address restrictions");
    /// - an address list conflicts with its family set to `disable` or
    ///   `inherit`, and `host.*` with `host=inherit`.
    ///
    /// References: jail(2), jail(8).
    pub fn check(&self, mode: SetMode) -> Result<(), ParamError> {
        if mode == SetMode::Create && self.get("persist") != Some(&Value::Bool(true)) {
            return Err(ParamError::MustPersistOrAttach);
        }
        for param in &self.params {
            if let Some(spec) = known_param(param.name()) {
                check_access(spec.name, spec.access, mode)?;
            }
        }
        if self.get("vnet").is_some() {
            for name in ["ip4", "ip6", "ip4.addr", "ip6.addr"] {
                if self.get(name).is_some() {
                    return Err(ParamError::VnetWithAddresses {
                        param: name.to_owned(),
                    });
                }
            }
        }
        self.check_family("ip4", "ip4.addr")?;
        self.check_family("ip6", "ip6.addr")?;
        self.check_host()
    }

    fn check_family(&self, mode: &str, addrs: &str) -> Result<(), ParamError> {
        let conflict = |reason| ParamError::Conflict {
            first: mode.to_owned(),
            second: addrs.to_owned(),
            reason,
        };
        match (self.get(mode), self.get(addrs)) {
            (Some(Value::JailSys(JailSys::Inherit)), Some(_)) => Err(conflict(
                "an address list makes the jail's own list (\"new\")",
            )),
            (Some(Value::JailSys(JailSys::Disable)), Some(Value::Ipv4(a))) if !a.is_empty() => {
                Err(conflict("a disabled family cannot have addresses"))
            }
            (Some(Value::JailSys(JailSys::Disable)), Some(Value::Ipv6(a))) if !a.is_empty() => {
                Err(conflict("a disabled family cannot have addresses"))
            }
            _ => Ok(()),
        }
    }

    fn check_host(&self) -> Result<(), ParamError> {
        if self.get("host") != Some(&Value::JailSys(JailSys::Inherit)) {
            return Ok(());
        }
        match self.params.iter().find(|p| p.name().starts_with("host.")) {
            Some(p) => Err(ParamError::Conflict {
                first: "host".into(),
                second: p.name().to_owned(),
                reason: "setting host.* gives the jail its own host information (\"new\")",
            }),
            None => Ok(()),
        }
    }

    /// The iovec list for jail_set(2).
    ///
    /// References: jail(2).
    pub fn to_iovecs(&self) -> crate::JailIovecs {
        let mut iov = crate::JailIovecs::new();
        for param in &self.params {
            iov.push_param(param);
        }
        iov
    }

    /// The name to print in errors: `name` if set, else `jid`.
    #[cfg_attr(not(target_os = "freebsd"), allow(dead_code))]
    pub(crate) fn label(&self) -> Option<String> {
        self.get("name")
            .or_else(|| self.get("jid"))
            .map(ToString::to_string)
    }
}

impl std::fmt::Display for JailSpec {
    /// The parameters as `jail -v` prints them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, param) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{param}")?;
        }
        Ok(())
    }
}
