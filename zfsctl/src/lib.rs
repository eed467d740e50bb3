//! Safe bindings for the OpenZFS 2.x `libzfs`, loaded at run time.
//!
//! zfsctl covers what a jail manager needs from ZFS: datasets (create with
//! properties, destroy, rename, mount), snapshots, rollback, clones and
//! promotion, native and user properties with their source, recursive
//! listings, send and receive streams, and the user properties in which
//! iocage keeps jail settings.
//!
//! ```no_run
//! use zfsctl::{CreateKind, DatasetName, Zfs};
//!
//! let zfs = Zfs::open()?;
//! let name = DatasetName::new("tank/jails/mq")?;
//! let ds = zfs.create(&name, CreateKind::Filesystem, &[("org.freebsd.iocage:release", "14.2-RELEASE")])?;
//! ds.mount()?;
//! # Ok::<(), zfsctl::Error>(())
//! ```
//!
//! # How the library is found
//!
//! `libzfs`, `libnvpair` and `libzfs_core` are opened with dlopen(3) when
//! [`Zfs::open`] runs, trying the sonames in [`LIBZFS_SONAMES`],
//! [`LIBNVPAIR_SONAMES`] and [`LIBZFS_CORE_SONAMES`]; no C header or library
//! is needed to build, so the crate cross-compiles for FreeBSD from Linux.
//! Symbols whose names changed between releases are resolved at load time
//! (`zfs_iter_filesystems_v2` in 2.2 and later, `zfs_iter_filesystems`
//! before). No structure layout or property number is compiled in.
//!
//! # Threads
//!
//! libzfs is not thread-safe: [`Zfs`] and [`Dataset`] are neither `Send` nor
//! `Sync`, and a `Dataset` borrows the `Zfs` it came from.
//!
//! # Limitations
//!
//! - Send streams are plain (no `-R`, `-p`, raw, compressed or resumable
//!   streams); receive applies no properties and does not resume.
//! - Recursive destroy does not follow clones outside the tree (`-R`), and
//!   rollback only goes to the latest snapshot (no `-r`).
//! - Rename does not rename descendants' snapshots (`zfs rename -r`).
//! - Pools are not created or destroyed here; use zpool(8).
//! - [`Zfs::user_props_recursive`] reads in the kernel only as root (channel
//!   programs need it); otherwise, or without `lzc_channel_program_nosync`,
//!   it falls back to the slower walk over open handles. On FreeBSD the
//!   instruction-limit errno is taken to be `ETIMEDOUT`, unchecked.
//! - Tested against OpenZFS 2.3.2 on Linux; 2.1 and FreeBSD are supported by
//!   symbol and soname choice but were only checked by compiling.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(unsafe_code)]

mod dataset;
mod error;
pub mod iocage;
mod name;
mod property;
#[allow(unsafe_code)]
mod sys;
mod user_prop;
mod user_props_tree;
mod zfs;

pub use dataset::{Dataset, DatasetKind, ListEntry};
pub use error::{Error, LibzfsErrno, Result};
pub use name::{DatasetName, NameError, NameKind, ZFS_MAX_DATASET_NAME_LEN};
pub use property::{PropName, PropSource, PropValue};
pub use sys::{LIBNVPAIR_SONAMES, LIBZFS_CORE_SONAMES, LIBZFS_SONAMES, LoadError};
pub use user_prop::{UserProp, UserPropError, ZAP_MAXNAMELEN, ZAP_MAXVALUELEN};
pub use user_props_tree::{ProgramLimits, UserPropMap, UserPropsTree};
pub use zfs::{CreateKind, Zfs};
