//! Opening the OpenZFS libraries and resolving their symbols.

use std::ffi::{c_char, c_int, c_uint, c_void};
use std::marker::{PhantomData, PhantomPinned};

use libloading::Library as DlLibrary;

/// Sonames tried, in order, for `libzfs`.
#[cfg(target_os = "freebsd")]
pub const LIBZFS_SONAMES: &[&str] = &["libzfs.so.4", "libzfs.so.6"];
/// Sonames tried, in order, for `libnvpair`.
#[cfg(target_os = "freebsd")]
pub const LIBNVPAIR_SONAMES: &[&str] = &["libnvpair.so.2", "libnvpair.so.3"];
/// Sonames tried, in order, for `libzfs_core`.
#[cfg(target_os = "freebsd")]
pub const LIBZFS_CORE_SONAMES: &[&str] = &["libzfs_core.so.2", "libzfs_core.so.3"];

/// Sonames tried, in order, for `libzfs`.
#[cfg(not(target_os = "freebsd"))]
pub const LIBZFS_SONAMES: &[&str] = &["libzfs.so.6", "libzfs.so.5", "libzfs.so.4"];
/// Sonames tried, in order, for `libnvpair`.
#[cfg(not(target_os = "freebsd"))]
pub const LIBNVPAIR_SONAMES: &[&str] = &["libnvpair.so.3", "libnvpair.so.1"];
/// Sonames tried, in order, for `libzfs_core`.
#[cfg(not(target_os = "freebsd"))]
pub const LIBZFS_CORE_SONAMES: &[&str] = &["libzfs_core.so.3", "libzfs_core.so.1"];

/// A library or one of its symbols could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// None of the candidate sonames could be opened.
    #[error("cannot load {library}: tried {tried:?}; last error: {last_error}")]
    LibraryNotFound {
        /// The library wanted, e.g. `libzfs`.
        library: &'static str,
        /// Every soname tried, in order.
        tried: Vec<String>,
        /// What the dynamic loader said about the last one.
        last_error: String,
    },
    /// The library was opened but lacks a symbol zfsctl needs.
    #[error("{soname} has no symbol {symbol}")]
    SymbolNotFound {
        /// The soname that was opened.
        soname: String,
        /// The missing symbol.
        symbol: &'static str,
    },
}

/// Opaque `libzfs_handle_t`.
#[repr(C)]
pub(crate) struct RawLibzfs {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque `zfs_handle_t`.
#[repr(C)]
pub(crate) struct RawZfs {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque `nvlist_t`.
#[repr(C)]
pub(crate) struct RawNvList {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque `nvpair_t`.
#[repr(C)]
pub(crate) struct RawNvPair {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `renameflags_t`: bit 0 `recursive`, bit 1 `nounmount`, bit 2 `forceunmount`.
///
/// The C type is a structure of `unsigned int` bit fields, passed by value;
/// on the supported ABIs that is one `unsigned int` with the first field in
/// the lowest bit.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RenameFlags(pub(crate) c_uint);

impl RenameFlags {
    pub(crate) const NOUNMOUNT: c_uint = 1 << 1;
}

/// `zfs_iter_f`.
pub(crate) type IterFn = unsafe extern "C" fn(*mut RawZfs, *mut c_void) -> c_int;

/// Declares a table of function pointers and how to resolve it by name.
macro_rules! fn_table {
    ($table:ident { $($name:ident: $ty:ty,)* }) => {
        #[derive(Clone, Copy)]
        pub(crate) struct $table {
            $(pub(crate) $name: $ty,)*
        }

        impl $table {
            fn resolve(lib: &DlLibrary, soname: &str) -> Result<Self, LoadError> {
                Ok(Self {
                    $(
                        // SAFETY: the field type is the C prototype of the
                        // symbol of the same name, as declared by libzfs.h,
                        // libzfs_core.h and sys/nvpair.h in OpenZFS 2.1 to 2.3.
                        $name: unsafe { symbol::<$ty>(lib, soname, stringify!($name)) }?,
                    )*
                })
            }
        }
    };
}

fn_table!(ZfsFns {
    libzfs_init: unsafe extern "C" fn() -> *mut RawLibzfs,
    libzfs_fini: unsafe extern "C" fn(*mut RawLibzfs),
    libzfs_errno: unsafe extern "C" fn(*mut RawLibzfs) -> c_int,
    libzfs_error_description: unsafe extern "C" fn(*mut RawLibzfs) -> *const c_char,
    libzfs_error_init: unsafe extern "C" fn(c_int) -> *const c_char,
    libzfs_print_on_error: unsafe extern "C" fn(*mut RawLibzfs, c_int),
    zfs_open: unsafe extern "C" fn(*mut RawLibzfs, *const c_char, c_int) -> *mut RawZfs,
    zfs_close: unsafe extern "C" fn(*mut RawZfs),
    zfs_get_name: unsafe extern "C" fn(*const RawZfs) -> *const c_char,
    zfs_get_type: unsafe extern "C" fn(*const RawZfs) -> c_int,
    zfs_dataset_exists: unsafe extern "C" fn(*mut RawLibzfs, *const c_char, c_int) -> c_int,
    zfs_create: unsafe extern "C" fn(*mut RawLibzfs, *const c_char, c_int, *mut RawNvList) -> c_int,
    zfs_destroy: unsafe extern "C" fn(*mut RawZfs, c_int) -> c_int,
    zfs_rename: unsafe extern "C" fn(*mut RawZfs, *const c_char, RenameFlags) -> c_int,
    zfs_mount: unsafe extern "C" fn(*mut RawZfs, *const c_char, c_int) -> c_int,
    zfs_unmount: unsafe extern "C" fn(*mut RawZfs, *const c_char, c_int) -> c_int,
    zfs_is_mounted: unsafe extern "C" fn(*mut RawZfs, *mut *mut c_char) -> c_int,
    zfs_snapshot: unsafe extern "C" fn(*mut RawLibzfs, *const c_char, c_int, *mut RawNvList) -> c_int,
    zfs_rollback: unsafe extern "C" fn(*mut RawZfs, *mut RawZfs, c_int) -> c_int,
    zfs_clone: unsafe extern "C" fn(*mut RawZfs, *const c_char, *mut RawNvList) -> c_int,
    zfs_promote: unsafe extern "C" fn(*mut RawZfs) -> c_int,
    zfs_name_to_prop: unsafe extern "C" fn(*const c_char) -> c_int,
    zfs_prop_get: unsafe extern "C" fn(
        *mut RawZfs, c_int, *mut c_char, usize, *mut c_int, *mut c_char, usize, c_int,
    ) -> c_int,
    zfs_prop_set: unsafe extern "C" fn(*mut RawZfs, *const c_char, *const c_char) -> c_int,
    zfs_prop_inherit: unsafe extern "C" fn(*mut RawZfs, *const c_char, c_int) -> c_int,
    zfs_get_user_props: unsafe extern "C" fn(*mut RawZfs) -> *mut RawNvList,
});

fn_table!(NvFns {
    nvlist_alloc: unsafe extern "C" fn(*mut *mut RawNvList, c_uint, c_int) -> c_int,
    nvlist_free: unsafe extern "C" fn(*mut RawNvList),
    nvlist_add_string: unsafe extern "C" fn(*mut RawNvList, *const c_char, *const c_char) -> c_int,
    nvlist_lookup_string:
        unsafe extern "C" fn(*mut RawNvList, *const c_char, *mut *const c_char) -> c_int,
    nvlist_next_nvpair: unsafe extern "C" fn(*mut RawNvList, *mut RawNvPair) -> *mut RawNvPair,
    nvpair_name: unsafe extern "C" fn(*mut RawNvPair) -> *const c_char,
    nvpair_value_nvlist: unsafe extern "C" fn(*mut RawNvPair, *mut *mut RawNvList) -> c_int,
    nvpair_value_string: unsafe extern "C" fn(*mut RawNvPair, *mut *const c_char) -> c_int,
});

fn_table!(CoreFns {
    libzfs_core_init: unsafe extern "C" fn() -> c_int,
    libzfs_core_fini: unsafe extern "C" fn(),
    lzc_send: unsafe extern "C" fn(*const c_char, *const c_char, c_int, c_int) -> c_int,
    lzc_receive: unsafe extern "C" fn(
        *const c_char, *mut RawNvList, *const c_char, c_int, c_int, c_int,
    ) -> c_int,
});

/// `lzc_channel_program_nosync`: pool, program, instruction limit, memory
/// limit, argument nvlist, out pointer for the result nvlist.
pub(crate) type ChannelProgramFn = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    u64,
    u64,
    *mut RawNvList,
    *mut *mut RawNvList,
) -> c_int;

/// `zfs_iter_filesystems_v2` (2.2 and later) or `zfs_iter_filesystems`.
#[derive(Clone, Copy)]
pub(crate) enum IterFilesystems {
    V2(unsafe extern "C" fn(*mut RawZfs, c_int, IterFn, *mut c_void) -> c_int),
    V1(unsafe extern "C" fn(*mut RawZfs, IterFn, *mut c_void) -> c_int),
}

/// `zfs_iter_snapshots_v2` (2.2 and later) or `zfs_iter_snapshots`.
#[derive(Clone, Copy)]
pub(crate) enum IterSnapshots {
    V2(unsafe extern "C" fn(*mut RawZfs, c_int, IterFn, *mut c_void, u64, u64) -> c_int),
    V1(unsafe extern "C" fn(*mut RawZfs, c_int, IterFn, *mut c_void, u64, u64) -> c_int),
}

/// The three OpenZFS libraries, opened, with every symbol zfsctl calls.
pub(crate) struct Library {
    pub(crate) zfs: ZfsFns,
    pub(crate) nv: NvFns,
    pub(crate) core: CoreFns,
    pub(crate) iter_filesystems: IterFilesystems,
    pub(crate) iter_snapshots: IterSnapshots,
    /// Optional: a libzfs_core without it still loads.
    pub(crate) channel_program_nosync: Option<ChannelProgramFn>,
    pub(crate) soname: String,
    _libs: [DlLibrary; 3],
}

impl Library {
    /// Opens the first soname of each list that loads and resolves all symbols.
    pub(crate) fn load(
        libzfs: &[&str],
        libnvpair: &[&str],
        libzfs_core: &[&str],
    ) -> Result<Self, LoadError> {
        let (zfs_lib, soname) = open_first("libzfs", libzfs)?;
        let (nv_lib, nv_soname) = open_first("libnvpair", libnvpair)?;
        let (core_lib, core_soname) = open_first("libzfs_core", libzfs_core)?;

        let zfs = ZfsFns::resolve(&zfs_lib, &soname)?;
        let nv = NvFns::resolve(&nv_lib, &nv_soname)?;
        let core = CoreFns::resolve(&core_lib, &core_soname)?;
        let iter_filesystems = resolve_iter_filesystems(&zfs_lib, &soname)?;
        let iter_snapshots = resolve_iter_snapshots(&zfs_lib, &soname)?;
        // SAFETY: `ChannelProgramFn` is the prototype of
        // lzc_channel_program_nosync in libzfs_core.h 2.1 to 2.3.
        let channel_program_nosync = unsafe {
            symbol::<ChannelProgramFn>(&core_lib, &core_soname, "lzc_channel_program_nosync")
        }
        .ok();
        Ok(Self {
            zfs,
            nv,
            core,
            iter_filesystems,
            iter_snapshots,
            channel_program_nosync,
            soname,
            _libs: [zfs_lib, nv_lib, core_lib],
        })
    }

    /// Whether the 2.2+ `_v2` iterators were found.
    pub(crate) fn has_v2_iterators(&self) -> bool {
        matches!(self.iter_filesystems, IterFilesystems::V2(_))
    }
}

fn open_first(library: &'static str, sonames: &[&str]) -> Result<(DlLibrary, String), LoadError> {
    let mut last_error = String::from("no soname to try");
    for soname in sonames {
        // SAFETY: the OpenZFS libraries run no initialisers that make demands
        // on the caller; loading one has no effect beyond mapping it.
        match unsafe { DlLibrary::new(soname) } {
            Ok(lib) => return Ok((lib, (*soname).to_owned())),
            Err(e) => last_error = e.to_string(),
        }
    }
    Err(LoadError::LibraryNotFound {
        library,
        tried: sonames.iter().map(|s| (*s).to_owned()).collect(),
        last_error,
    })
}

/// Resolves `name` in `lib` as a value of type `T`.
///
/// # Safety
///
/// `T` must be the function pointer type matching the C prototype of `name`.
unsafe fn symbol<T: Copy>(
    lib: &DlLibrary,
    soname: &str,
    name: &'static str,
) -> Result<T, LoadError> {
    // SAFETY: the caller guarantees that `T` matches the symbol's prototype.
    let found = unsafe { lib.get::<T>(name.as_bytes()) };
    found.map(|s| *s).map_err(|_| LoadError::SymbolNotFound {
        soname: soname.to_owned(),
        symbol: name,
    })
}

fn resolve_iter_filesystems(lib: &DlLibrary, soname: &str) -> Result<IterFilesystems, LoadError> {
    type V2 = unsafe extern "C" fn(*mut RawZfs, c_int, IterFn, *mut c_void) -> c_int;
    type V1 = unsafe extern "C" fn(*mut RawZfs, IterFn, *mut c_void) -> c_int;
    // SAFETY: `V2` is the prototype of zfs_iter_filesystems_v2 in libzfs.h 2.2+.
    if let Ok(f) = unsafe { symbol::<V2>(lib, soname, "zfs_iter_filesystems_v2") } {
        return Ok(IterFilesystems::V2(f));
    }
    // SAFETY: `V1` is the prototype of zfs_iter_filesystems in libzfs.h 2.1 to 2.3.
    unsafe { symbol::<V1>(lib, soname, "zfs_iter_filesystems") }.map(IterFilesystems::V1)
}

fn resolve_iter_snapshots(lib: &DlLibrary, soname: &str) -> Result<IterSnapshots, LoadError> {
    type F = unsafe extern "C" fn(*mut RawZfs, c_int, IterFn, *mut c_void, u64, u64) -> c_int;
    // SAFETY: `F` is the prototype of zfs_iter_snapshots_v2 in libzfs.h 2.2+
    // (the second argument is the flags word).
    if let Ok(f) = unsafe { symbol::<F>(lib, soname, "zfs_iter_snapshots_v2") } {
        return Ok(IterSnapshots::V2(f));
    }
    // SAFETY: `F` is the prototype of zfs_iter_snapshots in libzfs.h 2.1 to 2.3
    // (the second argument is the `simple` boolean_t).
    unsafe { symbol::<F>(lib, soname, "zfs_iter_snapshots") }.map(IterSnapshots::V1)
}
