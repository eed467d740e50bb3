//! Errors of every zfsctl operation.

use std::fmt;

use crate::name::{DatasetName, NameError};
use crate::sys::LoadError;
use crate::user_prop::UserPropError;

/// A libzfs error number, as returned by `libzfs_errno` (`EZFS_*`).
///
/// An open newtype: any number libzfs reports is kept, named or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LibzfsErrno(pub i32);

impl LibzfsErrno {
    /// `EZFS_SUCCESS`: libzfs recorded no error.
    pub const SUCCESS: Self = Self(0);
    /// `EZFS_NOMEM`.
    pub const NOMEM: Self = Self(2000);
    /// `EZFS_BADPROP`: invalid property value.
    pub const BADPROP: Self = Self(2001);
    /// `EZFS_BUSY`: pool or dataset is busy.
    pub const BUSY: Self = Self(2007);
    /// `EZFS_EXISTS`: pool or dataset already exists.
    pub const EXISTS: Self = Self(2008);
    /// `EZFS_NOENT`: no such pool or dataset.
    pub const NOENT: Self = Self(2009);
}

impl fmt::Display for LibzfsErrno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Everything that can go wrong in zfsctl.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A library or symbol could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// `libzfs_init` failed, typically because `/dev/zfs` is absent.
    #[error("libzfs_init: {message} (errno {errno})")]
    Init {
        /// The `errno` left by `libzfs_init`.
        errno: i32,
        /// `libzfs_error_init`'s explanation.
        message: String,
    },
    /// A libzfs call failed.
    #[error("{dataset}: {operation}: {description} (libzfs error {errno})")]
    Libzfs {
        /// The libzfs function, e.g. `zfs_create`.
        operation: &'static str,
        /// The dataset (or snapshot) operated on.
        dataset: String,
        /// `libzfs_errno`.
        errno: LibzfsErrno,
        /// `libzfs_error_description`.
        description: String,
    },
    /// A libzfs_core or libnvpair call failed with an `errno` value.
    #[error("{dataset}: {operation}: {source}")]
    Os {
        /// The function, e.g. `lzc_send`.
        operation: &'static str,
        /// The dataset (or snapshot) operated on.
        dataset: String,
        /// The `errno` value returned.
        source: std::io::Error,
    },
    /// A dataset name failed validation.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A user property name failed validation.
    #[error(transparent)]
    UserProp(#[from] UserPropError),
    /// A name is neither a native property of this libzfs nor a user property.
    #[error("{0:?} is not a property known to this libzfs")]
    UnknownProperty(String),
    /// A string holds a NUL byte and cannot be passed to C.
    #[error("{0:?} contains a NUL byte")]
    Nul(String),
    /// A property value has `ZAP_MAXVALUELEN` bytes or more.
    #[error("value of {prop} is {len} bytes long; the limit is 8191")]
    ValueTooLong {
        /// The property.
        prop: String,
        /// The value's length in bytes.
        len: usize,
    },
    /// Destroying a pool's root dataset was asked; only `zpool destroy` may.
    #[error("{0}: refusing to destroy a pool's root dataset")]
    PoolRoot(DatasetName),
    /// A non-recursive destroy of a dataset that has children or snapshots.
    #[error(
        "{dataset}: zfs_destroy: has {children} children and {snapshots} snapshots; destroy recursively"
    )]
    HasDependents {
        /// The dataset.
        dataset: DatasetName,
        /// How many child filesystems and volumes it has.
        children: usize,
        /// How many snapshots it has.
        snapshots: usize,
    },
    /// The name has the wrong kind for the operation (a snapshot where a
    /// filesystem is needed, or the reverse).
    #[error("{dataset}: {operation}: expected {expected}")]
    WrongKind {
        /// The operation.
        operation: &'static str,
        /// The dataset given.
        dataset: String,
        /// What was expected, e.g. `a snapshot`.
        expected: &'static str,
    },
}

impl Error {
    /// The libzfs error number, for [`Error::Libzfs`].
    pub fn libzfs_errno(&self) -> Option<LibzfsErrno> {
        match self {
            Error::Libzfs { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
