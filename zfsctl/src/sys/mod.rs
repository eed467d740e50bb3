//! The raw layer: every `unsafe` block of the crate lives under this module.
//!
//! Contract kept by this layer for the safe layer above it:
//!
//! - `libzfs`, `libnvpair` and `libzfs_core` are opened at run time by soname;
//!   a missing library or symbol is a [`LoadError`], never a crash, except
//!   `lzc_channel_program_nosync`, which is optional.
//! - Only opaque pointers cross the boundary; no C structure is laid out here
//!   except `renameflags_t`, a single `unsigned int` of bit fields.
//! - Property numbers are never compiled in; they are looked up by name.
//! - Every handle type owns its C object and frees it on drop, and borrows the
//!   library handle it came from, so nothing outlives `libzfs_fini`.
//! - No type here is `Send` or `Sync`: libzfs handles are not thread-safe.
//! - Functions return the C status unchanged; the safe layer turns a failure
//!   into an error using [`Libzfs::last_error`].

mod handle;
mod library;

pub(crate) use handle::{Libzfs, NvList, NvValue, UserPropEntry, ZfsHandle};
pub use library::{LIBNVPAIR_SONAMES, LIBZFS_CORE_SONAMES, LIBZFS_SONAMES, LoadError};
pub(crate) use library::{Library, RenameFlags};

/// `zfs_type_t` bits, the same in every OpenZFS 2.x release.
pub(crate) mod zfs_type {
    pub const FILESYSTEM: i32 = 1 << 0;
    pub const SNAPSHOT: i32 = 1 << 1;
    pub const VOLUME: i32 = 1 << 2;
    pub const DATASET: i32 = FILESYSTEM | SNAPSHOT | VOLUME;
}

/// `zprop_source_t` bits, the same in every OpenZFS 2.x release.
pub(crate) mod zprop_source {
    pub const NONE: i32 = 0x1;
    pub const DEFAULT: i32 = 0x2;
    pub const TEMPORARY: i32 = 0x4;
    pub const LOCAL: i32 = 0x8;
    pub const INHERITED: i32 = 0x10;
    pub const RECEIVED: i32 = 0x20;
}
