//! Validated dataset names.

use std::fmt;

/// Longest dataset name the kernel accepts, counting the terminating NUL.
///
/// References: `ZFS_MAX_DATASET_NAME_LEN` in OpenZFS `sys/fs/zfs.h`.
pub const ZFS_MAX_DATASET_NAME_LEN: usize = 256;

/// Why a string is not a valid dataset name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is empty.
    #[error("dataset name is empty")]
    Empty,
    /// The name has `ZFS_MAX_DATASET_NAME_LEN` bytes or more.
    #[error("dataset name {name:?} is {len} bytes long; the limit is 255")]
    TooLong {
        /// The offending name.
        name: String,
        /// Its length in bytes.
        len: usize,
    },
    /// A component between two delimiters is empty (`a//b`, `a/`, `a@`).
    #[error("dataset name {0:?} has an empty component")]
    EmptyComponent(String),
    /// A component is `.` or `..`.
    #[error("dataset name {0:?} has a `.` or `..` component")]
    DotComponent(String),
    /// A character outside `A-Z a-z 0-9 - _ . : space` and the delimiters.
    #[error("dataset name {name:?} contains the invalid character {ch:?}")]
    InvalidChar {
        /// The offending name.
        name: String,
        /// The first character that is not allowed.
        ch: char,
    },
    /// More than one `@` or `#`, or a `/` after one of them.
    #[error("dataset name {0:?} has a misplaced `@`, `#` or `/`")]
    MisplacedDelimiter(String),
    /// The pool name does not begin with a letter.
    #[error("dataset name {0:?} does not begin with a letter")]
    PoolNameStart(String),
}

/// The kind of object a [`DatasetName`] names, judged from its spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A filesystem or volume: `pool/a/b`.
    Dataset,
    /// A snapshot: `pool/a@snap`.
    Snapshot,
    /// A bookmark: `pool/a#mark`.
    Bookmark,
}

/// A syntactically valid ZFS dataset, snapshot or bookmark name.
///
/// The rules are those of OpenZFS `entity_namecheck`: components of
/// `A-Z a-z 0-9 - _ . :` and space, separated by `/`, no empty, `.` or `..`
/// component, at most one `@` or `#` followed by no `/`, and fewer than
/// [`ZFS_MAX_DATASET_NAME_LEN`] bytes.
///
/// zfsctl is stricter than the kernel in two ways: `%` (which the kernel
/// reserves for its own temporary names) is refused, and the pool name must
/// begin with a letter, as `zpool create` requires. Reserved pool names such
/// as `mirror` or `log` are not checked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatasetName(String);

impl DatasetName {
    /// Checks `name` and wraps it.
    ///
    /// References: OpenZFS `entity_namecheck` in `zfs_namecheck.c`.
    #[doc(alias = "zfs_name_valid")]
    pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
        let name = name.into();
        check_name(&name)?;
        Ok(Self(name))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this names a dataset, a snapshot or a bookmark.
    pub fn kind(&self) -> NameKind {
        if self.0.contains('@') {
            NameKind::Snapshot
        } else if self.0.contains('#') {
            NameKind::Bookmark
        } else {
            NameKind::Dataset
        }
    }

    /// The pool part: everything before the first `/`, `@` or `#`.
    pub fn pool(&self) -> &str {
        let end = self.0.find(['/', '@', '#']).unwrap_or(self.0.len());
        &self.0[..end]
    }

    /// Whether this is a pool's root dataset (`tank`, not `tank/a`).
    pub fn is_pool_root(&self) -> bool {
        self.kind() == NameKind::Dataset && !self.0.contains('/')
    }

    /// The dataset part of a snapshot or bookmark name; the name itself otherwise.
    pub fn dataset(&self) -> DatasetName {
        let end = self.0.find(['@', '#']).unwrap_or(self.0.len());
        DatasetName(self.0[..end].to_owned())
    }

    /// The parent dataset, or `None` for a pool's root dataset.
    ///
    /// For a snapshot or bookmark this is the dataset it belongs to.
    pub fn parent(&self) -> Option<DatasetName> {
        match self.kind() {
            NameKind::Dataset => self
                .0
                .rfind('/')
                .map(|i| DatasetName(self.0[..i].to_owned())),
            NameKind::Snapshot | NameKind::Bookmark => Some(self.dataset()),
        }
    }

    /// The child dataset `self/component`.
    pub fn child(&self, component: &str) -> Result<DatasetName, NameError> {
        DatasetName::new(format!("{}/{component}", self.0))
    }

    /// The snapshot `self@snap`.
    pub fn snapshot(&self, snap: &str) -> Result<DatasetName, NameError> {
        DatasetName::new(format!("{}@{snap}", self.dataset().0))
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for DatasetName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for DatasetName {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

fn valid_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | ' ')
}

fn check_name(name: &str) -> Result<(), NameError> {
    // Length and emptiness come first, as in the kernel.
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() >= ZFS_MAX_DATASET_NAME_LEN {
        return Err(NameError::TooLong {
            name: name.to_owned(),
            len: name.len(),
        });
    }

    // Characters, then the shape of the delimiters.
    if let Some(ch) = name
        .chars()
        .find(|&c| !valid_name_char(c) && !"/@#".contains(c))
    {
        return Err(NameError::InvalidChar {
            name: name.to_owned(),
            ch,
        });
    }
    let (path, tail) = match name.find(['@', '#']) {
        Some(i) => (&name[..i], Some(&name[i + 1..])),
        None => (name, None),
    };
    if let Some(tail) = tail {
        if tail.contains(['@', '#', '/']) {
            return Err(NameError::MisplacedDelimiter(name.to_owned()));
        }
        if tail.is_empty() {
            return Err(NameError::EmptyComponent(name.to_owned()));
        }
    }

    // Each path component.
    for component in path.split('/') {
        if component.is_empty() {
            return Err(NameError::EmptyComponent(name.to_owned()));
        }
        if component == "." || component == ".." {
            return Err(NameError::DotComponent(name.to_owned()));
        }
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(NameError::PoolNameStart(name.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(name: &str) -> NameError {
        DatasetName::new(name).unwrap_err()
    }

    #[test]
    fn accepts_datasets_snapshots_and_bookmarks() {
        let fs = DatasetName::new("tank/jails/mq 1").unwrap();
        assert_eq!(fs.kind(), NameKind::Dataset);
        assert_eq!(fs.pool(), "tank");
        assert_eq!(fs.parent().unwrap().as_str(), "tank/jails");
        assert!(!fs.is_pool_root());

        let snap = DatasetName::new("tank/jails@2024-01-01_x:y.z").unwrap();
        assert_eq!(snap.kind(), NameKind::Snapshot);
        assert_eq!(snap.dataset().as_str(), "tank/jails");
        assert_eq!(snap.parent().unwrap().as_str(), "tank/jails");

        let mark = DatasetName::new("tank#m").unwrap();
        assert_eq!(mark.kind(), NameKind::Bookmark);
        assert_eq!(mark.pool(), "tank");

        let root = DatasetName::new("tank").unwrap();
        assert!(root.is_pool_root());
        assert_eq!(root.parent(), None);
        assert_eq!(root.child("a").unwrap().as_str(), "tank/a");
        assert_eq!(root.snapshot("s").unwrap().as_str(), "tank@s");
        assert_eq!(snap.snapshot("t").unwrap().as_str(), "tank/jails@t");
    }

    #[test]
    fn length_limit_is_255_bytes() {
        let ok = format!("t{}", "a".repeat(254));
        assert_eq!(DatasetName::new(ok.clone()).unwrap().as_str().len(), 255);
        let long = format!("{ok}b");
        assert_eq!(
            err(&long),
            NameError::TooLong {
                name: long.clone(),
                len: 256
            }
        );
    }

    #[test]
    fn refuses_bad_components() {
        assert_eq!(err(""), NameError::Empty);
        assert_eq!(err("tank//a"), NameError::EmptyComponent("tank//a".into()));
        assert_eq!(err("tank/"), NameError::EmptyComponent("tank/".into()));
        assert_eq!(err("/tank"), NameError::EmptyComponent("/tank".into()));
        assert_eq!(err("tank@"), NameError::EmptyComponent("tank@".into()));
        assert_eq!(err("tank/./a"), NameError::DotComponent("tank/./a".into()));
        assert_eq!(err("tank/.."), NameError::DotComponent("tank/..".into()));
        assert_eq!(err("1tank"), NameError::PoolNameStart("1tank".into()));
    }

    #[test]
    fn refuses_bad_characters_and_delimiters() {
        assert_eq!(
            err("tank/a*b"),
            NameError::InvalidChar {
                name: "tank/a*b".into(),
                ch: '*'
            }
        );
        assert_eq!(
            err("tank/%tmp"),
            NameError::InvalidChar {
                name: "tank/%tmp".into(),
                ch: '%'
            }
        );
        assert_eq!(
            err("tank/é"),
            NameError::InvalidChar {
                name: "tank/é".into(),
                ch: 'é'
            }
        );
        assert_eq!(
            err("tank@a@b"),
            NameError::MisplacedDelimiter("tank@a@b".into())
        );
        assert_eq!(
            err("tank@a#b"),
            NameError::MisplacedDelimiter("tank@a#b".into())
        );
        assert_eq!(
            err("tank@a/b"),
            NameError::MisplacedDelimiter("tank@a/b".into())
        );
    }
}
