//! Property names, values and where a value comes from.

use std::fmt;

use crate::user_prop::UserProp;

/// Where a property's value comes from, as `zfs get` shows it in its SOURCE column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropSource {
    /// Set on this dataset.
    Local,
    /// Inherited from the named dataset.
    Inherited(String),
    /// The built-in default.
    Default,
    /// Set by `zfs receive`.
    Received,
    /// A temporary mount option.
    Temporary,
    /// Not applicable: read-only statistics such as `used` or `type`.
    None,
}

impl fmt::Display for PropSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropSource::Local => f.write_str("local"),
            PropSource::Inherited(from) => write!(f, "inherited from {from}"),
            PropSource::Default => f.write_str("default"),
            PropSource::Received => f.write_str("received"),
            PropSource::Temporary => f.write_str("temporary"),
            PropSource::None => f.write_str("-"),
        }
    }
}

/// A property value in its parsable form (`zfs get -p`) and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropValue {
    /// The value exactly as libzfs printed it, numbers in bytes or plain integers.
    pub value: String,
    /// Where the value comes from.
    pub source: PropSource,
}

impl PropValue {
    /// The value as an unsigned integer (`used`, `quota`, `volsize`...).
    ///
    /// `none` (an unset quota) reads as `None`, like any non-numeric value.
    pub fn as_u64(&self) -> Option<u64> {
        self.value.parse().ok()
    }

    /// The value as a boolean: `on`/`yes` is true, `off`/`no` is false.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value.as_str() {
            "on" | "yes" => Some(true),
            "off" | "no" => Some(false),
            _ => None,
        }
    }

    /// Parses the value with [`str::parse`].
    pub fn parse<T: std::str::FromStr>(&self) -> Result<T, T::Err> {
        self.value.parse()
    }
}

/// A property to read: a native one by its zfs(8) name, or a user property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PropName {
    /// A native property such as `mountpoint`; checked against the loaded
    /// libzfs when used.
    Native(String),
    /// A user property such as `org.freebsd.iocage:release`.
    User(UserProp),
}

impl PropName {
    /// A name with a `:` is a user property and is validated as one; any other
    /// name is taken as native.
    pub fn parse(name: &str) -> Result<Self, crate::Error> {
        if name.contains(':') {
            Ok(PropName::User(UserProp::new(name)?))
        } else {
            Ok(PropName::Native(name.to_owned()))
        }
    }

    /// The name as zfs(8) spells it.
    pub fn as_str(&self) -> &str {
        match self {
            PropName::Native(n) => n,
            PropName::User(u) => u.as_str(),
        }
    }
}

impl fmt::Display for PropName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<UserProp> for PropName {
    fn from(u: UserProp) -> Self {
        PropName::User(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values() {
        let v = |s: &str| PropValue {
            value: s.into(),
            source: PropSource::Default,
        };
        assert_eq!(v("268435456").as_u64(), Some(268_435_456));
        assert_eq!(v("none").as_u64(), None);
        assert_eq!(v("on").as_bool(), Some(true));
        assert_eq!(v("off").as_bool(), Some(false));
        assert_eq!(v("lz4").as_bool(), None);
        assert_eq!(v("1.50").parse::<f64>(), Ok(1.5));
    }

    #[test]
    fn sources_print_like_zfs_get() {
        assert_eq!(
            PropSource::Inherited("tank/a".into()).to_string(),
            "inherited from tank/a"
        );
        assert_eq!(PropSource::Local.to_string(), "local");
        assert_eq!(PropSource::None.to_string(), "-");
    }

    #[test]
    fn prop_names_split_on_colon() {
        assert_eq!(
            PropName::parse("quota").unwrap(),
            PropName::Native("quota".into())
        );
        let user = PropName::parse("org.example:x").unwrap();
        assert_eq!(
            user,
            PropName::User(UserProp::new("org.example:x").unwrap())
        );
        assert!(matches!(
            PropName::parse("org.example:X"),
            Err(crate::Error::UserProp(_))
        ));
    }
}
