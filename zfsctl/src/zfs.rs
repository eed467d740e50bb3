//! The library handle: loading libzfs, and operations addressed by name.

use std::ffi::CString;
use std::marker::PhantomData;
use std::os::fd::AsFd;

use tracing::debug;

use crate::dataset::Dataset;
use crate::error::{Error, LibzfsErrno, Result};
use crate::name::{DatasetName, NameKind};
use crate::sys::{self, Library, Libzfs, NvList, zfs_type};
use crate::user_prop::{UserProp, ZAP_MAXVALUELEN};

/// What [`Zfs::create`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// A filesystem.
    Filesystem,
    /// A volume of `size` bytes (`volsize`).
    Volume {
        /// Size in bytes; libzfs rounds it to the block size.
        size: u64,
    },
}

/// An open libzfs: the loaded libraries and a `libzfs_handle_t`.
///
/// libzfs is not thread-safe, so `Zfs` is neither `Send` nor `Sync`, and every
/// [`Dataset`] borrows it. Open one `Zfs` per thread if several are needed.
#[doc(alias = "libzfs_handle_t")]
pub struct Zfs {
    pub(crate) lz: Libzfs,
    _not_thread_safe: PhantomData<*mut ()>,
}

impl Zfs {
    /// Loads libzfs, libnvpair and libzfs_core by their usual sonames
    /// ([`sys::LIBZFS_SONAMES`] and the like) and calls `libzfs_init`.
    ///
    /// Fails with [`Error::Load`] when a library or symbol is missing and with
    /// [`Error::Init`] when the kernel module is not there (`/dev/zfs`).
    /// On Linux, `libzfs_init` itself tries `modprobe zfs` first.
    ///
    /// References: libzfs `libzfs_init`.
    #[doc(alias = "libzfs_init")]
    pub fn open() -> Result<Self> {
        Self::open_with(
            sys::LIBZFS_SONAMES,
            sys::LIBNVPAIR_SONAMES,
            sys::LIBZFS_CORE_SONAMES,
        )
    }

    /// Like [`Zfs::open`], trying the given sonames (or paths) in order.
    ///
    /// References: libzfs `libzfs_init`; dlopen(3).
    pub fn open_with(libzfs: &[&str], libnvpair: &[&str], libzfs_core: &[&str]) -> Result<Self> {
        let lib = Library::load(libzfs, libnvpair, libzfs_core)?;
        debug!(soname = %lib.soname, v2_iterators = lib.has_v2_iterators(), "libzfs_init()");
        let lz = Libzfs::init(lib).map_err(|(errno, message)| Error::Init { errno, message })?;
        Ok(Self {
            lz,
            _not_thread_safe: PhantomData,
        })
    }

    /// The soname libzfs was loaded from, e.g. `libzfs.so.6`.
    pub fn soname(&self) -> &str {
        &self.lz.library().soname
    }

    /// Builds the error for a failed libzfs call from `libzfs_errno` and
    /// `libzfs_error_description`.
    pub(crate) fn failure(&self, operation: &'static str, dataset: &str) -> Error {
        let (errno, description) = self.lz.last_error();
        Error::Libzfs {
            operation,
            dataset: dataset.to_owned(),
            errno: LibzfsErrno(errno),
            description,
        }
    }

    /// Whether a dataset, snapshot or volume of this name exists.
    ///
    /// References: libzfs `zfs_dataset_exists`.
    #[doc(alias = "zfs_dataset_exists")]
    pub fn exists(&self, name: &DatasetName) -> bool {
        let cname = c_string(name.as_str()).expect("a DatasetName holds no NUL");
        debug!(name = %name, "zfs_dataset_exists()");
        self.lz.dataset_exists(&cname, zfs_type::DATASET)
    }

    /// Opens a filesystem, volume or snapshot.
    ///
    /// References: libzfs `zfs_open`.
    #[doc(alias = "zfs_open")]
    pub fn dataset(&self, name: &DatasetName) -> Result<Dataset<'_>> {
        let cname = c_string(name.as_str())?;
        debug!(name = %name, types = zfs_type::DATASET, "zfs_open()");
        match self.lz.open(&cname, zfs_type::DATASET) {
            Some(handle) => Ok(Dataset::new(self, handle, name.clone())),
            None => Err(self.failure("zfs_open", name.as_str())),
        }
    }

    /// Creates a filesystem or volume with `props` set in the same call, and
    /// opens it. The new filesystem is not mounted; see [`Dataset::mount`].
    ///
    /// Property names are checked before the call: a name with a `:` must be
    /// a valid [`UserProp`], any other must be a native property of the
    /// loaded libzfs.
    ///
    /// References: libzfs `zfs_create`.
    #[doc(alias = "zfs_create")]
    pub fn create(
        &self,
        name: &DatasetName,
        kind: CreateKind,
        props: &[(&str, &str)],
    ) -> Result<Dataset<'_>> {
        if name.kind() != NameKind::Dataset {
            return Err(wrong_kind(
                "zfs_create",
                name,
                "a filesystem or volume name",
            ));
        }
        let cname = c_string(name.as_str())?;
        let size;
        let (ty, mut all): (i32, Vec<(&str, &str)>) = match kind {
            CreateKind::Filesystem => (zfs_type::FILESYSTEM, Vec::new()),
            CreateKind::Volume { size: bytes } => {
                size = bytes.to_string();
                (zfs_type::VOLUME, vec![("volsize", size.as_str())])
            }
        };
        all.extend_from_slice(props);
        let list = self.prop_list(name, &all)?;
        debug!(name = %name, r#type = ty, props = ?all, "zfs_create()");
        if self.lz.create(&cname, ty, list.as_ref()) != 0 {
            return Err(self.failure("zfs_create", name.as_str()));
        }
        self.dataset(name)
    }

    /// Takes the snapshot `snap` (`pool/fs@name`), of the descendants too when
    /// `recursive`, with `props` (user properties) set on it.
    ///
    /// References: libzfs `zfs_snapshot`.
    #[doc(alias = "zfs_snapshot")]
    pub fn snapshot(
        &self,
        snap: &DatasetName,
        recursive: bool,
        props: &[(&str, &str)],
    ) -> Result<()> {
        if snap.kind() != NameKind::Snapshot {
            return Err(wrong_kind("zfs_snapshot", snap, "a snapshot name"));
        }
        let cname = c_string(snap.as_str())?;
        let list = self.prop_list(snap, props)?;
        debug!(name = %snap, recursive, props = ?props, "zfs_snapshot()");
        if self.lz.snapshot(&cname, recursive, list.as_ref()) != 0 {
            return Err(self.failure("zfs_snapshot", snap.as_str()));
        }
        Ok(())
    }

    /// Writes a send stream of snapshot `snap` to `fd`: a full stream, or an
    /// incremental one from the earlier snapshot `from` of the same dataset.
    ///
    /// The stream is a plain one: no raw, compressed, large-block or embedded
    /// data flags, and no properties (`zfs send -p`) or descendants (`-R`).
    ///
    /// References: libzfs_core `lzc_send`.
    #[doc(alias = "lzc_send")]
    pub fn send(
        &self,
        snap: &DatasetName,
        from: Option<&DatasetName>,
        fd: impl AsFd,
    ) -> Result<()> {
        if snap.kind() != NameKind::Snapshot {
            return Err(wrong_kind("lzc_send", snap, "a snapshot name"));
        }
        let csnap = c_string(snap.as_str())?;
        let cfrom = from.map(|f| c_string(f.as_str())).transpose()?;
        let fd = fd.as_fd();
        debug!(snap = %snap, from = ?from.map(DatasetName::as_str), ?fd, "lzc_send()");
        os_result(self.lz.send(&csnap, cfrom.as_deref(), fd), "lzc_send", snap)
    }

    /// Reads a send stream from `fd` and creates snapshot `snap` from it.
    ///
    /// A full stream needs a dataset that does not exist yet; an incremental
    /// one needs the dataset to hold the stream's starting snapshot as its
    /// latest. `force` rolls the dataset back to that snapshot first
    /// (`zfs receive -F`, without destroying anything else).
    ///
    /// References: libzfs_core `lzc_receive`.
    #[doc(alias = "lzc_receive")]
    pub fn receive(&self, snap: &DatasetName, force: bool, fd: impl AsFd) -> Result<()> {
        if snap.kind() != NameKind::Snapshot {
            return Err(wrong_kind("lzc_receive", snap, "a snapshot name"));
        }
        let csnap = c_string(snap.as_str())?;
        let fd = fd.as_fd();
        debug!(snap = %snap, force, ?fd, "lzc_receive()");
        os_result(self.lz.receive(&csnap, force, fd), "lzc_receive", snap)
    }

    /// Checks `props` and packs them into an nvlist; `None` when empty.
    pub(crate) fn prop_list(
        &self,
        dataset: &DatasetName,
        props: &[(&str, &str)],
    ) -> Result<Option<NvList<'_>>> {
        if props.is_empty() {
            return Ok(None);
        }
        let mut list = self.lz.new_nvlist().ok_or_else(|| Error::Os {
            operation: "nvlist_alloc",
            dataset: dataset.to_string(),
            source: std::io::Error::from_raw_os_error(libc::ENOMEM),
        })?;
        for (name, value) in props {
            let (cname, cvalue) = self.checked_prop(name, value)?;
            let rc = list.add_string(&cname, &cvalue);
            os_result(rc, "nvlist_add_string", dataset)?;
        }
        Ok(Some(list))
    }

    /// Packs `pairs` into an nvlist of strings, without checking the names
    /// as properties.
    pub(crate) fn string_list(
        &self,
        dataset: &DatasetName,
        pairs: &[(&str, &str)],
    ) -> Result<NvList<'_>> {
        let mut list = self.lz.new_nvlist().ok_or_else(|| Error::Os {
            operation: "nvlist_alloc",
            dataset: dataset.to_string(),
            source: std::io::Error::from_raw_os_error(libc::ENOMEM),
        })?;
        for (name, value) in pairs {
            let rc = list.add_string(&c_string(name)?, &c_string(value)?);
            os_result(rc, "nvlist_add_string", dataset)?;
        }
        Ok(list)
    }

    /// Validates a property name and value and turns both into C strings.
    pub(crate) fn checked_prop(&self, name: &str, value: &str) -> Result<(CString, CString)> {
        let cname = c_string(name)?;
        if name.contains(':') {
            UserProp::new(name)?;
        } else if self.lz.name_to_prop(&cname).is_none() {
            return Err(Error::UnknownProperty(name.to_owned()));
        }
        if value.len() >= ZAP_MAXVALUELEN {
            return Err(Error::ValueTooLong {
                prop: name.to_owned(),
                len: value.len(),
            });
        }
        Ok((cname, c_string(value)?))
    }

    /// The run-time number of a native property.
    pub(crate) fn native_prop(&self, name: &str) -> Result<i32> {
        let cname = c_string(name)?;
        self.lz
            .name_to_prop(&cname)
            .ok_or_else(|| Error::UnknownProperty(name.to_owned()))
    }
}

impl std::fmt::Debug for Zfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zfs")
            .field("soname", &self.soname())
            .finish_non_exhaustive()
    }
}

pub(crate) fn c_string(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::Nul(s.to_owned()))
}

pub(crate) fn wrong_kind(
    operation: &'static str,
    name: &DatasetName,
    expected: &'static str,
) -> Error {
    Error::WrongKind {
        operation,
        dataset: name.to_string(),
        expected,
    }
}

fn os_result(rc: i32, operation: &'static str, dataset: &DatasetName) -> Result<()> {
    if rc == 0 {
        return Ok(());
    }
    Err(Error::Os {
        operation,
        dataset: dataset.to_string(),
        source: std::io::Error::from_raw_os_error(rc),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::LoadError;

    #[test]
    fn missing_library_is_a_typed_error() {
        let absent = ["libzfs-absent.so.99", "/nonexistent/libzfs.so"];
        let err =
            Zfs::open_with(&absent, sys::LIBNVPAIR_SONAMES, sys::LIBZFS_CORE_SONAMES).unwrap_err();
        match err {
            Error::Load(LoadError::LibraryNotFound {
                library,
                tried,
                last_error,
            }) => {
                assert_eq!(library, "libzfs");
                assert_eq!(tried, absent);
                assert!(
                    last_error.contains("/nonexistent/libzfs.so"),
                    "{last_error}"
                );
            }
            other => panic!("expected LibraryNotFound, got {other:?}"),
        }
    }

    #[test]
    #[cfg_attr(not(target_os = "linux"), ignore = "names the Linux libc soname")]
    fn missing_symbol_is_a_typed_error() {
        // libc loads but is not libzfs: the first symbol looked up is missing.
        let err = Zfs::open_with(
            &["libc.so.6"],
            sys::LIBNVPAIR_SONAMES,
            sys::LIBZFS_CORE_SONAMES,
        );
        match err {
            Err(Error::Load(LoadError::SymbolNotFound { soname, symbol })) => {
                assert_eq!((soname.as_str(), symbol), ("libc.so.6", "libzfs_init"));
            }
            Err(Error::Load(LoadError::LibraryNotFound { library, .. })) => {
                println!("skipped: {library} is not installed");
            }
            other => panic!("expected SymbolNotFound, got {other:?}"),
        }
    }

    #[test]
    fn init_without_dev_zfs_is_a_typed_error() {
        if std::path::Path::new("/dev/zfs").exists() {
            println!("skipped: /dev/zfs exists, so libzfs_init would succeed");
            return;
        }
        match Zfs::open() {
            Err(Error::Init { errno, message }) => {
                assert_ne!(errno, 0);
                assert!(!message.is_empty());
            }
            Err(Error::Load(e)) => println!("skipped: libzfs is not installed: {e}"),
            other => panic!("expected Error::Init, got {other:?}"),
        }
    }
}
