//! Validated names and paths of a cage spec: each value that exists is valid.
//!
//! References: jail(8) "name", hostname(1) and RFC 1123 (host names),
//! zfs(8) "Dataset names", pw(8) (user and group names), pkg(8).

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A name or path refused by its constructor.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} {value:?}: {reason}")]
pub struct NameError {
    /// Which kind of name it was meant to be (`jail name`, `hostname`, ...).
    pub kind: &'static str,
    /// The refused value.
    pub value: String,
    /// Which rule it breaks.
    pub reason: String,
}

fn refuse<T>(kind: &'static str, value: &str, reason: impl Into<String>) -> Result<T, NameError> {
    Err(NameError {
        kind,
        value: value.to_owned(),
        reason: reason.into(),
    })
}

macro_rules! validated_name {
    ($(#[$doc:meta])* $name:ident, $check:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks `value` and wraps it.
            pub fn new(value: &str) -> Result<Self, NameError> {
                $check(value)?;
                Ok(Self(value.to_owned()))
            }

            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $check(&value)?;
                Ok(Self(value))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

validated_name!(
    /// A jail name: letters, digits, `_` and `-`, not purely numeric (the
    /// kernel reads a number as a jid) and without `.` (the separator of the
    /// jail hierarchy: `mq.example.org` would name jail `org` inside `example`
    /// inside `mq`). The host name is a separate setting.
    ///
    /// References: jail(8) "name", jail(2).
    JailName,
    check_jail_name
);

fn check_jail_name(value: &str) -> Result<(), NameError> {
    const KIND: &str = "jail name";
    if value.is_empty() {
        return refuse(KIND, value, "empty");
    }
    if value.len() > 255 {
        return refuse(KIND, value, "longer than 255 bytes");
    }
    if value.contains('.') {
        return refuse(
            KIND,
            value,
            "'.' separates parent and child jails; use '_' or '-'",
        );
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return refuse(KIND, value, "purely numeric names are read as jail ids");
    }
    if value.starts_with('-') {
        return refuse(
            KIND,
            value,
            "starts with '-', which jail(8) and jls(8) read as an option",
        );
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return refuse(
            KIND,
            value,
            format!("character {c:?} is not a letter, digit, '_' or '-'"),
        );
    }
    Ok(())
}

validated_name!(
    /// A DNS host name: labels of 1 to 63 letters, digits and `-` (not at
    /// either end), 253 bytes at most. Used for the jail's `host.hostname`
    /// and for the host part of the RabbitMQ node name.
    ///
    /// References: RFC 1123 section 2.1, hostname(1).
    Hostname,
    check_hostname
);

fn check_hostname(value: &str) -> Result<(), NameError> {
    const KIND: &str = "hostname";
    if value.is_empty() {
        return refuse(KIND, value, "empty");
    }
    if value.len() > 253 {
        return refuse(KIND, value, format!("{} bytes, more than 253", value.len()));
    }
    for label in value.split('.') {
        if label.is_empty() {
            return refuse(KIND, value, "empty label");
        }
        if label.len() > 63 {
            return refuse(
                KIND,
                value,
                format!("label of {} bytes, more than 63", label.len()),
            );
        }
        if label.starts_with('-') || label.ends_with('-') {
            return refuse(
                KIND,
                value,
                format!("label {label:?} starts or ends with '-'"),
            );
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return refuse(KIND, value, format!("character {c:?} in label {label:?}"));
        }
    }
    Ok(())
}

validated_name!(
    /// A FreeBSD release name such as `14.3-RELEASE`, `14.3-RELEASE-p2`,
    /// `15.0-BETA3` or `15.0-RC1`.
    ///
    /// References: freebsd-version(1), uname(1).
    FreebsdRelease,
    check_release
);

fn check_release(value: &str) -> Result<(), NameError> {
    const KIND: &str = "FreeBSD release";
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((version, branch)) = value.split_once('-') else {
        return refuse(KIND, value, "expected MAJOR.MINOR-RELEASE");
    };
    let version_ok = matches!(version.split_once('.'), Some((a, b)) if digits(a) && digits(b));
    let branch_ok = branch == "RELEASE"
        || branch.strip_prefix("RELEASE-p").is_some_and(digits)
        || branch.strip_prefix("BETA").is_some_and(digits)
        || branch.strip_prefix("RC").is_some_and(digits);
    if version_ok && branch_ok {
        Ok(())
    } else {
        refuse(
            KIND,
            value,
            "expected MAJOR.MINOR-RELEASE, -RELEASE-pN, -BETAn or -RCn",
        )
    }
}

validated_name!(
    /// A network interface name such as `em0` or `lo0`: a lower-case
    /// letter, then letters, digits, `_` or `.`, 15 bytes at most.
    ///
    /// References: ifconfig(8), `IFNAMSIZ` in net/if.h.
    InterfaceName,
    check_interface
);

fn check_interface(value: &str) -> Result<(), NameError> {
    check_word(
        "interface name",
        value,
        Some(15),
        |c| c.is_ascii_lowercase(),
        |c| c.is_ascii_alphanumeric() || c == '_' || c == '.',
        "expected a lower-case letter, then letters, digits, '_' or '.'",
    )
}

/// Checks a one-word name: at most `max_len` bytes, a first character that
/// `first` accepts and further characters that `rest` accepts; refuses with
/// `expected` otherwise.
fn check_word(
    kind: &'static str,
    value: &str,
    max_len: Option<usize>,
    first: fn(char) -> bool,
    rest: fn(char) -> bool,
    expected: &str,
) -> Result<(), NameError> {
    if let Some(max) = max_len.filter(|max| value.len() > *max) {
        return refuse(kind, value, format!("longer than {max} bytes"));
    }
    let mut chars = value.chars();
    if chars.next().is_some_and(first) && chars.all(rest) {
        Ok(())
    } else {
        refuse(kind, value, expected)
    }
}

validated_name!(
    /// A ZFS file system name `pool/parent/child`: components of letters,
    /// digits, `_`, `-`, `.` and `:`, no `@` or `#`, 255 bytes at most.
    ///
    /// References: zfs(8) "Component Naming Requirements".
    DatasetName,
    check_dataset
);

fn check_dataset(value: &str) -> Result<(), NameError> {
    const KIND: &str = "dataset";
    if value.len() > 255 {
        return refuse(KIND, value, "longer than 255 bytes");
    }
    if !value.contains('/') {
        return refuse(KIND, value, "expected pool/dataset, not a bare pool");
    }
    for component in value.split('/') {
        if component.is_empty() {
            return refuse(KIND, value, "empty component");
        }
        if component == "." || component == ".." {
            return refuse(KIND, value, "'.' and '..' are not dataset names");
        }
        let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':');
        if let Some(c) = component.chars().find(|c| !ok(*c)) {
            return refuse(
                KIND,
                value,
                format!("character {c:?} in component {component:?}"),
            );
        }
    }
    Ok(())
}

validated_name!(
    /// A user or group name: a letter or `_`, then letters, digits, `_`,
    /// `-` or `.`, 32 bytes at most.
    ///
    /// References: pw(8), passwd(5), group(5).
    AccountName,
    check_account
);

fn check_account(value: &str) -> Result<(), NameError> {
    check_word(
        "user or group name",
        value,
        Some(32),
        |c| c.is_ascii_alphabetic() || c == '_',
        |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'),
        "expected a letter or '_', then letters, digits, '_', '-' or '.'",
    )
}

validated_name!(
    /// A package name as pkg(8) installs it (`rabbitmq`, `spiped`, `erlang-runtime26`).
    ///
    /// References: pkg-install(8).
    PackageName,
    check_package
);

fn check_package(value: &str) -> Result<(), NameError> {
    check_word(
        "package name",
        value,
        None,
        |c| c.is_ascii_alphanumeric(),
        |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+'),
        "expected letters, digits, '_', '-', '.' or '+', not starting with a sign",
    )
}

validated_name!(
    /// The name of a spiped pipe in the rc script's `spiped_pipes` list:
    /// letters, digits and `_` (the script builds variable names from it,
    /// such as `spiped_pipe_RMQ_mode`).
    ///
    /// References: the spiped port's rc script (`sysutils/spiped`).
    PipeName,
    check_pipe_name
);

fn check_pipe_name(value: &str) -> Result<(), NameError> {
    if !value.is_empty()
        && value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(())
    } else {
        refuse(
            "pipe name",
            value,
            "expected 1 to 32 letters, digits or '_'",
        )
    }
}

validated_name!(
    /// A RabbitMQ user tag such as `administrator`, written as an Erlang
    /// atom: a lower-case letter, then lower-case letters, digits and `_`.
    ///
    /// References: rabbitmqctl(8) `set_user_tags`.
    UserTag,
    check_user_tag
);

fn check_user_tag(value: &str) -> Result<(), NameError> {
    let mut bytes = value.bytes();
    let first_ok = matches!(bytes.next(), Some(b'a'..=b'z'));
    if first_ok && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        Ok(())
    } else {
        refuse(
            "user tag",
            value,
            "expected a lower-case letter, then a-z, 0-9 or '_'",
        )
    }
}

validated_name!(
    /// An Erlang node name `name@host`, where `name` is letters, digits, `_`
    /// and `-` and `host` is a [`Hostname`].
    ///
    /// References: erl(1) `-sname`, rabbitmq-env.conf(5) `NODENAME`.
    NodeName,
    check_node_name
);

fn check_node_name(value: &str) -> Result<(), NameError> {
    const KIND: &str = "node name";
    if value.len() > 255 {
        return refuse(
            KIND,
            value,
            format!("{} bytes, more than an Erlang atom's 255", value.len()),
        );
    }
    let Some((name, host)) = value.split_once('@') else {
        return refuse(KIND, value, "expected name@host");
    };
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return refuse(
            KIND,
            value,
            "the part before '@' must be letters, digits, '_' or '-'",
        );
    }
    check_hostname(host).map_err(|e| NameError {
        kind: KIND,
        value: value.to_owned(),
        reason: format!("host part: {}", e.reason),
    })
}

impl NodeName {
    /// The host part, after `@`.
    pub fn host(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, host)| host)
    }

    /// Whether the host part holds a dot, which makes the name a long name:
    /// Erlang then needs `-name` (`USE_LONGNAME=true` in rabbitmq-env.conf)
    /// and refuses it as a short name.
    ///
    /// References: erl(1) `-name`, `-sname`; rabbitmq-env.conf(5)
    /// `USE_LONGNAME`.
    pub fn is_long(&self) -> bool {
        self.host().contains('.')
    }
}

/// An absolute path on the host or in the jail: no `.` or `..` components,
/// no empty components, no NUL or line feed, and none of the blanks or glob
/// characters (`*`, `?`, `[`) that an unquoted shell expansion would change
/// (the spiped rc script passes its key path unquoted).
///
/// References: path_resolution(7), sh(1) "Field Splitting", "Pathname Expansion".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AbsolutePath(PathBuf);

impl AbsolutePath {
    /// Checks `value` and wraps it.
    pub fn new(value: &str) -> Result<Self, NameError> {
        const KIND: &str = "path";
        if !value.starts_with('/') {
            return refuse(KIND, value, "not absolute");
        }
        if value.len() > 1 && value.ends_with('/') {
            return refuse(KIND, value, "ends with '/'");
        }
        if value.contains("//") {
            return refuse(KIND, value, "empty component");
        }
        if let Some(c) = value
            .chars()
            .find(|c| matches!(c, '\0' | '\n' | ' ' | '\t' | '\r' | '*' | '?' | '['))
        {
            return refuse(
                KIND,
                value,
                format!("character {c:?} would be changed by the shell"),
            );
        }
        let path = PathBuf::from(value);
        if path
            .components()
            .any(|c| matches!(c, Component::CurDir | Component::ParentDir))
        {
            return refuse(KIND, value, "'.' and '..' components");
        }
        Ok(Self(path))
    }

    /// The path.
    pub fn as_path(&self) -> &Path {
        &self.0
    }

    /// This path with `relative` appended; `relative` is written by cagebun
    /// and holds only plain components.
    pub fn join(&self, relative: &str) -> PathBuf {
        self.0.join(relative.trim_start_matches('/'))
    }
}

impl TryFrom<String> for AbsolutePath {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<AbsolutePath> for String {
    fn from(value: AbsolutePath) -> Self {
        value.0.to_string_lossy().into_owned()
    }
}

impl fmt::Display for AbsolutePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_jail_name_is_refused() {
        let err = JailName::new("mq.example.org").unwrap_err();
        assert_eq!(err.value, "mq.example.org");
        assert_eq!(
            err.reason,
            "'.' separates parent and child jails; use '_' or '-'"
        );
        assert!(JailName::new("42").is_err());
        assert!(JailName::new("rabbit").is_ok());
        assert!(JailName::new("rabbit-2").is_ok());
    }

    #[test]
    fn hostname_label_and_total_lengths() {
        let label63 = "a".repeat(63);
        let label64 = "a".repeat(64);
        assert!(Hostname::new(&label63).is_ok());
        assert_eq!(
            Hostname::new(&label64).unwrap_err().reason,
            "label of 64 bytes, more than 63"
        );
        // 4 labels of 63 plus 3 dots = 255 bytes: too long in total.
        let long = [label63.as_str(); 4].join(".");
        assert_eq!(
            Hostname::new(&long).unwrap_err().reason,
            "255 bytes, more than 253"
        );
        let just = format!("{}.{}.{}.{}", label63, label63, label63, "a".repeat(61));
        assert_eq!(just.len(), 253);
        assert!(Hostname::new(&just).is_ok());
        assert!(Hostname::new(&"a".repeat(256)).is_err());
        assert!(Hostname::new("-bad.example.org").is_err());
        assert!(Hostname::new("under_score.example.org").is_err());
    }

    #[test]
    fn releases() {
        for ok in ["14.3-RELEASE", "14.3-RELEASE-p2", "15.0-BETA3", "15.0-RC1"] {
            assert!(FreebsdRelease::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "14.3",
            "14-RELEASE",
            "14.3-release",
            "14.3-RELEASE-p",
            "x.3-RELEASE",
        ] {
            assert!(FreebsdRelease::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn node_name_checks_its_host_part() {
        let node = NodeName::new("rabbit@localhost").unwrap();
        assert_eq!(node.host(), "localhost");
        assert!(NodeName::new("rabbit").is_err());
        let err = NodeName::new(&format!("rabbit@{}", "a".repeat(64))).unwrap_err();
        assert_eq!(err.reason, "host part: label of 64 bytes, more than 63");
    }

    #[test]
    fn paths_the_shell_would_change_are_refused() {
        assert!(AbsolutePath::new("/usr/local/etc/spiped/rabbit.key").is_ok());
        assert!(AbsolutePath::new("relative/key").is_err());
        assert!(AbsolutePath::new("/a b/key").is_err());
        assert!(AbsolutePath::new("/keys/*.key").is_err());
        assert!(AbsolutePath::new("/a/../b").is_err());
        assert!(AbsolutePath::new("/a//b").is_err());
    }

    #[test]
    fn datasets_and_accounts() {
        assert!(DatasetName::new("zroot/cagebun/cages/rabbit").is_ok());
        assert!(DatasetName::new("zroot").is_err());
        assert!(DatasetName::new("zroot/a@snap").is_err());
        assert!(AccountName::new("rabbitmq").is_ok());
        assert!(AccountName::new("1x").is_err());
        assert!(PipeName::new("RMQADMIN").is_ok());
        assert!(PipeName::new("RMQ-ADMIN").is_err());
        assert!(PackageName::new("-f").is_err());
    }
}
