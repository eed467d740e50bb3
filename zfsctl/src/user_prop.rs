//! Validated user property names.

use std::fmt;

/// Longest property name the kernel stores, counting the terminating NUL.
///
/// References: `ZAP_MAXNAMELEN` in OpenZFS `sys/fs/zfs.h`.
pub const ZAP_MAXNAMELEN: usize = 256;

/// Longest property value the kernel stores, counting the terminating NUL.
///
/// References: `ZAP_MAXVALUELEN` in OpenZFS `sys/fs/zfs.h`.
pub const ZAP_MAXVALUELEN: usize = 8192;

/// Why a string is not a valid user property name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserPropError {
    /// The name has no `:`, so ZFS would take it for a native property.
    #[error("user property {0:?} has no `:`")]
    NoColon(String),
    /// A character outside `a-z 0-9 - _ . :`.
    #[error("user property {name:?} contains the invalid character {ch:?}")]
    InvalidChar {
        /// The offending name.
        name: String,
        /// The first character that is not allowed.
        ch: char,
    },
    /// The name has `ZAP_MAXNAMELEN` bytes or more.
    #[error("user property {name:?} is {len} bytes long; the limit is 255")]
    TooLong {
        /// The offending name.
        name: String,
        /// Its length in bytes.
        len: usize,
    },
}

impl UserPropError {
    /// The invalid character, for [`UserPropError::InvalidChar`].
    pub fn invalid_char(&self) -> Option<char> {
        match self {
            UserPropError::InvalidChar { ch, .. } => Some(*ch),
            _ => None,
        }
    }
}

/// A valid ZFS user property name such as `org.freebsd.iocage:ip6_addr`.
///
/// The rules are exactly the kernel's: every character is one of
/// `a-z 0-9 - _ . :`, at least one `:` is present (OpenZFS `zfs_prop_user`),
/// and the name is shorter than [`ZAP_MAXNAMELEN`] bytes (the check in
/// `zfs_ioctl.c`). Characters are checked before the colon, so
/// `IP6_ADDR` is refused for its `I`, not for the missing colon.
///
/// zfsctl is not stricter than the kernel: a name made of a bare `:` is
/// accepted, because `zfs set :=x` accepts it too. Upper-case letters are
/// refused, as the kernel refuses them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserProp(String);

impl UserProp {
    /// Checks `name` and wraps it.
    ///
    /// References: OpenZFS `zfs_prop_user` in `zfs_prop.c`.
    #[doc(alias = "zfs_prop_user")]
    pub fn new(name: impl Into<String>) -> Result<Self, UserPropError> {
        let name = name.into();
        if let Some(ch) = name.chars().find(|&c| !valid_user_prop_char(c)) {
            return Err(UserPropError::InvalidChar { name, ch });
        }
        if !name.contains(':') {
            return Err(UserPropError::NoColon(name));
        }
        if name.len() >= ZAP_MAXNAMELEN {
            let len = name.len();
            return Err(UserPropError::TooLong { name, len });
        }
        Ok(Self(name))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The namespace part, before the first `:` (`org.freebsd.iocage`).
    pub fn namespace(&self) -> &str {
        self.0.split_once(':').map_or("", |(ns, _)| ns)
    }

    /// The key part, after the first `:` (`ip6_addr`).
    pub fn key(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, key)| key)
    }
}

fn valid_user_prop_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | ':')
}

impl fmt::Display for UserProp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UserProp {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for UserProp {
    type Err = UserPropError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_namespaced_lower_case_names() {
        let p = UserProp::new("org.example:ip6_addr").unwrap();
        assert_eq!(p.as_str(), "org.example:ip6_addr");
        assert_eq!(p.namespace(), "org.example");
        assert_eq!(p.key(), "ip6_addr");
        let p = UserProp::new("org.freebsd.iocage:ip6_addr").unwrap();
        assert_eq!(p.key(), "ip6_addr");
    }

    #[test]
    fn bare_colon_is_accepted_like_the_kernel() {
        let p = UserProp::new(":").unwrap();
        assert_eq!((p.namespace(), p.key()), ("", ""));
    }

    #[test]
    fn refuses_names_the_kernel_refuses() {
        assert_eq!(
            UserProp::new("ip6_addr"),
            Err(UserPropError::NoColon("ip6_addr".into()))
        );
        assert_eq!(
            UserProp::new(""),
            Err(UserPropError::NoColon(String::new()))
        );
        assert_eq!(
            UserProp::new("org.example:IP6_ADDR")
                .unwrap_err()
                .invalid_char(),
            Some('I')
        );
        assert_eq!(
            UserProp::new("org.example:ip6 addr")
                .unwrap_err()
                .invalid_char(),
            Some(' ')
        );
        assert_eq!(UserProp::new("IP6").unwrap_err().invalid_char(), Some('I'));
        assert_eq!(
            UserProp::new("a:b/c").unwrap_err().invalid_char(),
            Some('/')
        );
    }

    #[test]
    fn length_limit_is_255_bytes() {
        let ok = format!("a:{}", "b".repeat(253));
        assert_eq!(UserProp::new(ok.clone()).unwrap().as_str().len(), 255);
        let long = format!("{ok}c");
        assert_eq!(
            UserProp::new(long.clone()),
            Err(UserPropError::TooLong {
                name: long,
                len: 256
            })
        );
    }
}
