//! Owned handles over `libzfs_handle_t`, `zfs_handle_t` and `nvlist_t`.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::{self, NonNull};

use super::library::{
    IterFilesystems, IterSnapshots, Library, RawLibzfs, RawNvList, RawNvPair, RawZfs, RenameFlags,
};

/// Size of the value and source buffers handed to `zfs_prop_get`: the largest
/// `ZFS_MAXPROPLEN` of any 2.x release (`ZAP_MAXVALUELEN` in 2.3).
const PROP_BUF_LEN: usize = 8192;

const B_FALSE: c_int = 0;
const B_TRUE: c_int = 1;

fn boolean(b: bool) -> c_int {
    if b { B_TRUE } else { B_FALSE }
}

/// Copies a C string the library owns; NULL reads as empty.
fn copy_c_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: libzfs and libnvpair return NUL-terminated strings that stay
    // valid until the next call on the same handle; we copy at once.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// An initialised `libzfs_handle_t` with the library it came from.
pub(crate) struct Libzfs {
    lib: Library,
    raw: NonNull<RawLibzfs>,
}

impl Libzfs {
    /// `libzfs_init`; on failure the `errno` and `libzfs_error_init` text.
    pub(crate) fn init(lib: Library) -> Result<Self, (i32, String)> {
        // SAFETY: libzfs_init takes no arguments and returns NULL on failure.
        let raw = unsafe { (lib.zfs.libzfs_init)() };
        let Some(raw) = NonNull::new(raw) else {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            // SAFETY: libzfs_error_init accepts any errno and returns a static string.
            let text = copy_c_str(unsafe { (lib.zfs.libzfs_error_init)(errno) });
            return Err((errno, text));
        };
        // SAFETY: `raw` is the live handle just returned by libzfs_init.
        unsafe { (lib.zfs.libzfs_print_on_error)(raw.as_ptr(), B_FALSE) };
        // SAFETY: libzfs_core_init takes no arguments; it is reference counted
        // and balanced by libzfs_core_fini in Drop.
        unsafe { (lib.core.libzfs_core_init)() };
        Ok(Self { lib, raw })
    }

    pub(crate) fn library(&self) -> &Library {
        &self.lib
    }

    /// `libzfs_errno` and `libzfs_error_description` of the last failure.
    pub(crate) fn last_error(&self) -> (i32, String) {
        // SAFETY: `self.raw` is live until Drop.
        let errno = unsafe { (self.lib.zfs.libzfs_errno)(self.raw.as_ptr()) };
        // SAFETY: as above; the returned text lives in the handle and is copied.
        let text =
            copy_c_str(unsafe { (self.lib.zfs.libzfs_error_description)(self.raw.as_ptr()) });
        (errno, text)
    }

    pub(crate) fn dataset_exists(&self, name: &CStr, types: c_int) -> bool {
        // SAFETY: live handle and NUL-terminated name.
        unsafe { (self.lib.zfs.zfs_dataset_exists)(self.raw.as_ptr(), name.as_ptr(), types) != 0 }
    }

    pub(crate) fn open(&self, name: &CStr, types: c_int) -> Option<ZfsHandle<'_>> {
        // SAFETY: live handle and NUL-terminated name; NULL means failure.
        let raw = unsafe { (self.lib.zfs.zfs_open)(self.raw.as_ptr(), name.as_ptr(), types) };
        NonNull::new(raw).map(|raw| ZfsHandle { lz: self, raw })
    }

    pub(crate) fn create(&self, name: &CStr, ty: c_int, props: Option<&NvList<'_>>) -> c_int {
        let props = props.map_or(ptr::null_mut(), NvList::as_ptr);
        // SAFETY: live handle, NUL-terminated name, NULL or live nvlist that
        // zfs_create only reads.
        unsafe { (self.lib.zfs.zfs_create)(self.raw.as_ptr(), name.as_ptr(), ty, props) }
    }

    pub(crate) fn snapshot(
        &self,
        name: &CStr,
        recursive: bool,
        props: Option<&NvList<'_>>,
    ) -> c_int {
        let props = props.map_or(ptr::null_mut(), NvList::as_ptr);
        let recursive = boolean(recursive);
        // SAFETY: live handle, NUL-terminated name, NULL or live nvlist.
        unsafe { (self.lib.zfs.zfs_snapshot)(self.raw.as_ptr(), name.as_ptr(), recursive, props) }
    }

    /// `zfs_name_to_prop`; `None` for a name that is not a native property.
    pub(crate) fn name_to_prop(&self, name: &CStr) -> Option<c_int> {
        // SAFETY: NUL-terminated name; the function only reads tables.
        let prop = unsafe { (self.lib.zfs.zfs_name_to_prop)(name.as_ptr()) };
        (prop >= 0).then_some(prop)
    }

    pub(crate) fn new_nvlist(&self) -> Option<NvList<'_>> {
        NvList::new(&self.lib)
    }

    /// `lzc_send`; returns an errno value, 0 on success.
    pub(crate) fn send(&self, snap: &CStr, from: Option<&CStr>, fd: BorrowedFd<'_>) -> c_int {
        let from = from.map_or(ptr::null(), CStr::as_ptr);
        // SAFETY: NUL-terminated names (or NULL `from`) and an open descriptor
        // that outlives the call; flags 0 asks for a plain stream.
        unsafe { (self.lib.core.lzc_send)(snap.as_ptr(), from, fd.as_raw_fd(), 0) }
    }

    /// `lzc_channel_program_nosync`: the errno value it returned (0 on
    /// success) and its output nvlist read into Rust, empty when it gave
    /// none. `None` when libzfs_core lacks the function.
    pub(crate) fn channel_program_nosync(
        &self,
        pool: &CStr,
        program: &CStr,
        limits: (u64, u64),
        args: &NvList<'_>,
    ) -> Option<(c_int, Vec<(String, NvValue)>)> {
        let run = self.lib.channel_program_nosync?;
        let (instructions, memory) = limits;
        let mut out: *mut RawNvList = ptr::null_mut();
        // SAFETY: NUL-terminated pool name and program, a live argument
        // nvlist the call only reads, and a writable out pointer that the
        // call leaves NULL or sets to an nvlist the caller then owns.
        let rc = unsafe {
            run(
                pool.as_ptr(),
                program.as_ptr(),
                instructions,
                memory,
                args.as_ptr(),
                &mut out,
            )
        };
        let output = NonNull::new(out).map(|raw| NvList {
            lib: &self.lib,
            raw,
        });
        Some((rc, output.map(|list| list.values()).unwrap_or_default()))
    }

    /// `lzc_receive`; returns an errno value, 0 on success.
    pub(crate) fn receive(&self, snap: &CStr, force: bool, fd: BorrowedFd<'_>) -> c_int {
        let (force, raw) = (boolean(force), B_FALSE);
        // SAFETY: NUL-terminated snapshot name, NULL props and origin, and an
        // open descriptor that outlives the call.
        unsafe {
            (self.lib.core.lzc_receive)(
                snap.as_ptr(),
                ptr::null_mut(),
                ptr::null(),
                force,
                raw,
                fd.as_raw_fd(),
            )
        }
    }
}

impl Drop for Libzfs {
    fn drop(&mut self) {
        // SAFETY: balances the libzfs_core_init in `init`.
        unsafe { (self.lib.core.libzfs_core_fini)() };
        // SAFETY: every ZfsHandle borrows `self`, so none is left open.
        unsafe { (self.lib.zfs.libzfs_fini)(self.raw.as_ptr()) };
    }
}

/// One property of `zfs_get_user_props`: name, value and `source` field.
pub(crate) struct UserPropEntry {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) source: String,
}

/// An open `zfs_handle_t`, closed on drop.
pub(crate) struct ZfsHandle<'l> {
    lz: &'l Libzfs,
    raw: NonNull<RawZfs>,
}

impl<'l> ZfsHandle<'l> {
    fn lib(&self) -> &'l Library {
        &self.lz.lib
    }

    /// `zfs_get_name`.
    pub(crate) fn name(&self) -> String {
        // SAFETY: live handle; the name lives in the handle and is copied.
        copy_c_str(unsafe { (self.lib().zfs.zfs_get_name)(self.raw.as_ptr()) })
    }

    /// `zfs_get_type`.
    pub(crate) fn kind(&self) -> c_int {
        // SAFETY: live handle.
        unsafe { (self.lib().zfs.zfs_get_type)(self.raw.as_ptr()) }
    }

    /// `zfs_destroy` without deferral; consumes the handle.
    pub(crate) fn destroy(self) -> c_int {
        // SAFETY: live handle; it is closed by Drop afterwards, as zfs(8) does.
        unsafe { (self.lib().zfs.zfs_destroy)(self.raw.as_ptr(), B_FALSE) }
    }

    pub(crate) fn rename(&self, target: &CStr, flags: RenameFlags) -> c_int {
        // SAFETY: live handle, NUL-terminated target, flags passed by value.
        unsafe { (self.lib().zfs.zfs_rename)(self.raw.as_ptr(), target.as_ptr(), flags) }
    }

    /// `zfs_mount` with default options.
    pub(crate) fn mount(&self) -> c_int {
        // SAFETY: live handle; NULL options means the dataset's own.
        unsafe { (self.lib().zfs.zfs_mount)(self.raw.as_ptr(), ptr::null(), 0) }
    }

    /// `zfs_unmount` of every mount point, without force.
    pub(crate) fn unmount(&self) -> c_int {
        // SAFETY: live handle; NULL mount point means wherever it is mounted.
        unsafe { (self.lib().zfs.zfs_unmount)(self.raw.as_ptr(), ptr::null(), 0) }
    }

    pub(crate) fn is_mounted(&self) -> bool {
        // SAFETY: live handle; a NULL `where` asks for no path to be returned.
        unsafe { (self.lib().zfs.zfs_is_mounted)(self.raw.as_ptr(), ptr::null_mut()) != 0 }
    }

    pub(crate) fn rollback(&self, snap: &ZfsHandle<'_>, force: bool) -> c_int {
        let force = boolean(force);
        // SAFETY: two live handles of the same library handle.
        unsafe { (self.lib().zfs.zfs_rollback)(self.raw.as_ptr(), snap.raw.as_ptr(), force) }
    }

    pub(crate) fn clone_to(&self, target: &CStr, props: Option<&NvList<'_>>) -> c_int {
        let props = props.map_or(ptr::null_mut(), NvList::as_ptr);
        // SAFETY: live snapshot handle, NUL-terminated target, NULL or live nvlist.
        unsafe { (self.lib().zfs.zfs_clone)(self.raw.as_ptr(), target.as_ptr(), props) }
    }

    pub(crate) fn promote(&self) -> c_int {
        // SAFETY: live handle.
        unsafe { (self.lib().zfs.zfs_promote)(self.raw.as_ptr()) }
    }

    /// `zfs_prop_get` with a source buffer: value, `zprop_source_t` and the
    /// source text (the dataset inherited from). `None` when libzfs has no
    /// value for this property on this dataset.
    pub(crate) fn prop_get(&self, prop: c_int, literal: bool) -> Option<(String, c_int, String)> {
        let mut value = vec![0 as c_char; PROP_BUF_LEN];
        let mut source_text = vec![0 as c_char; PROP_BUF_LEN];
        let mut source: c_int = 0;
        // SAFETY: live handle; both buffers are writable for the lengths given.
        let rc = unsafe {
            (self.lib().zfs.zfs_prop_get)(
                self.raw.as_ptr(),
                prop,
                value.as_mut_ptr(),
                value.len(),
                &mut source,
                source_text.as_mut_ptr(),
                source_text.len(),
                boolean(literal),
            )
        };
        (rc == 0).then(|| {
            (
                copy_c_str(value.as_ptr()),
                source,
                copy_c_str(source_text.as_ptr()),
            )
        })
    }

    pub(crate) fn prop_set(&self, name: &CStr, value: &CStr) -> c_int {
        // SAFETY: live handle and NUL-terminated strings.
        unsafe { (self.lib().zfs.zfs_prop_set)(self.raw.as_ptr(), name.as_ptr(), value.as_ptr()) }
    }

    pub(crate) fn prop_inherit(&self, name: &CStr) -> c_int {
        // SAFETY: live handle and NUL-terminated name; B_FALSE: not `-S`.
        unsafe { (self.lib().zfs.zfs_prop_inherit)(self.raw.as_ptr(), name.as_ptr(), B_FALSE) }
    }

    /// Every user property of `zfs_get_user_props`, read in one pass.
    pub(crate) fn user_props(&self) -> Vec<UserPropEntry> {
        // SAFETY: live handle; the nvlist belongs to the handle, never freed here.
        let list = unsafe { (self.lib().zfs.zfs_get_user_props)(self.raw.as_ptr()) };
        let mut out = Vec::new();
        if list.is_null() {
            return out;
        }
        let nv = &self.lib().nv;
        let mut pair: *mut RawNvPair = ptr::null_mut();
        loop {
            // SAFETY: `list` is live; `pair` is NULL or the previous pair of it.
            pair = unsafe { (nv.nvlist_next_nvpair)(list, pair) };
            if pair.is_null() {
                return out;
            }
            // SAFETY: `pair` is a live pair of `list`.
            let name = copy_c_str(unsafe { (nv.nvpair_name)(pair) });
            let mut inner: *mut RawNvList = ptr::null_mut();
            // SAFETY: `pair` is live; the call fails without writing on a type mismatch.
            if unsafe { (nv.nvpair_value_nvlist)(pair, &mut inner) } != 0 {
                continue;
            }
            let value = lookup_string(self.lib(), inner, c"value");
            let source = lookup_string(self.lib(), inner, c"source");
            out.push(UserPropEntry {
                name,
                value,
                source,
            });
        }
    }

    /// Child filesystems and volumes, through the 2.2+ or the 2.1 iterator.
    pub(crate) fn children(&self) -> (c_int, Vec<ZfsHandle<'l>>) {
        let mut found: Vec<NonNull<RawZfs>> = Vec::new();
        let data = (&mut found as *mut Vec<NonNull<RawZfs>>).cast::<c_void>();
        let rc = match self.lib().iter_filesystems {
            // SAFETY: live handle; `collect_handle` reads `data` as the vector above.
            IterFilesystems::V2(f) => unsafe { f(self.raw.as_ptr(), 0, collect_handle, data) },
            // SAFETY: as above.
            IterFilesystems::V1(f) => unsafe { f(self.raw.as_ptr(), collect_handle, data) },
        };
        (rc, self.adopt(found))
    }

    /// Snapshots of this dataset, through the 2.2+ or the 2.1 iterator.
    pub(crate) fn snapshots(&self) -> (c_int, Vec<ZfsHandle<'l>>) {
        let mut found: Vec<NonNull<RawZfs>> = Vec::new();
        let data = (&mut found as *mut Vec<NonNull<RawZfs>>).cast::<c_void>();
        let (f, first) = match self.lib().iter_snapshots {
            // Flags 0: full handles. Simple B_FALSE: the same.
            IterSnapshots::V2(f) | IterSnapshots::V1(f) => (f, 0),
        };
        // SAFETY: live handle; `collect_handle` reads `data` as the vector
        // above; txg bounds 0 mean no bound.
        let rc = unsafe { f(self.raw.as_ptr(), first, collect_handle, data, 0, 0) };
        (rc, self.adopt(found))
    }

    fn adopt(&self, raw: Vec<NonNull<RawZfs>>) -> Vec<ZfsHandle<'l>> {
        raw.into_iter()
            .map(|raw| ZfsHandle { lz: self.lz, raw })
            .collect()
    }
}

impl Drop for ZfsHandle<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle is live and owned by `self`.
        unsafe { (self.lib().zfs.zfs_close)(self.raw.as_ptr()) };
    }
}

/// `zfs_iter_f` that moves each handle into a `Vec<NonNull<RawZfs>>`.
unsafe extern "C" fn collect_handle(zhp: *mut RawZfs, data: *mut c_void) -> c_int {
    // SAFETY: `data` is the `&mut Vec` passed by `children` or `snapshots`,
    // alive and not otherwise borrowed for the duration of the iteration.
    let found = unsafe { &mut *data.cast::<Vec<NonNull<RawZfs>>>() };
    if let Some(zhp) = NonNull::new(zhp) {
        found.push(zhp);
    }
    0
}

fn lookup_string(lib: &Library, list: *mut RawNvList, key: &CStr) -> String {
    let mut value: *const c_char = ptr::null();
    // SAFETY: `list` is a live nvlist owned by a handle; `key` is NUL-terminated.
    let rc = unsafe { (lib.nv.nvlist_lookup_string)(list, key.as_ptr(), &mut value) };
    if rc == 0 {
        copy_c_str(value)
    } else {
        String::new()
    }
}

/// A value of an nvlist copied into Rust: a string, a nested nvlist, or a
/// pair of any other type, which is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NvValue {
    String(String),
    List(Vec<(String, NvValue)>),
    Other,
}

/// Copies every pair of `list`, in order, nested nvlists included.
fn read_pairs(lib: &Library, list: *mut RawNvList) -> Vec<(String, NvValue)> {
    let mut out = Vec::new();
    let mut pair: *mut RawNvPair = ptr::null_mut();
    loop {
        // SAFETY: `list` is live; `pair` is NULL or the previous pair of it.
        pair = unsafe { (lib.nv.nvlist_next_nvpair)(list, pair) };
        if pair.is_null() {
            return out;
        }
        // SAFETY: `pair` is a live pair of `list`.
        let name = copy_c_str(unsafe { (lib.nv.nvpair_name)(pair) });
        out.push((name, read_value(lib, pair)));
    }
}

fn read_value(lib: &Library, pair: *mut RawNvPair) -> NvValue {
    let mut text: *const c_char = ptr::null();
    // SAFETY: `pair` is live; the call fails without writing on a type mismatch.
    if unsafe { (lib.nv.nvpair_value_string)(pair, &mut text) } == 0 {
        return NvValue::String(copy_c_str(text));
    }
    let mut inner: *mut RawNvList = ptr::null_mut();
    // SAFETY: as above; the nested list belongs to the pair and is only read.
    if unsafe { (lib.nv.nvpair_value_nvlist)(pair, &mut inner) } == 0 && !inner.is_null() {
        return NvValue::List(read_pairs(lib, inner));
    }
    NvValue::Other
}

/// An owned `nvlist_t` of unique names, freed on drop.
pub(crate) struct NvList<'l> {
    lib: &'l Library,
    raw: NonNull<RawNvList>,
}

impl<'l> NvList<'l> {
    fn new(lib: &'l Library) -> Option<Self> {
        const NV_UNIQUE_NAME: u32 = 0x1;
        let mut raw: *mut RawNvList = ptr::null_mut();
        // SAFETY: `raw` is a writable out pointer; kmflag 0 is the userland default.
        let rc = unsafe { (lib.nv.nvlist_alloc)(&mut raw, NV_UNIQUE_NAME, 0) };
        if rc != 0 {
            return None;
        }
        NonNull::new(raw).map(|raw| NvList { lib, raw })
    }

    /// `nvlist_add_string`; returns an errno value, 0 on success.
    pub(crate) fn add_string(&mut self, name: &CString, value: &CString) -> c_int {
        // SAFETY: live list; both strings are NUL-terminated and copied by the call.
        unsafe { (self.lib.nv.nvlist_add_string)(self.raw.as_ptr(), name.as_ptr(), value.as_ptr()) }
    }

    /// Every pair, copied into Rust.
    pub(crate) fn values(&self) -> Vec<(String, NvValue)> {
        read_pairs(self.lib, self.raw.as_ptr())
    }

    fn as_ptr(&self) -> *mut RawNvList {
        self.raw.as_ptr()
    }
}

impl Drop for NvList<'_> {
    fn drop(&mut self) {
        // SAFETY: the list is live and owned by `self`.
        unsafe { (self.lib.nv.nvlist_free)(self.raw.as_ptr()) };
    }
}
