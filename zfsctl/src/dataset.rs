//! An open dataset and the operations on it.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::os::fd::AsFd;

use tracing::debug;

use crate::error::{Error, Result};
use crate::name::{DatasetName, NameKind};
use crate::property::{PropName, PropSource, PropValue};
use crate::sys::{RenameFlags, UserPropEntry, ZfsHandle, zfs_type, zprop_source};
use crate::user_prop::UserProp;
use crate::user_props_tree::UserPropMap;
use crate::zfs::{Zfs, c_string, wrong_kind};

/// What kind of object a [`Dataset`] is, from `zfs_get_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetKind {
    /// A filesystem.
    Filesystem,
    /// A volume.
    Volume,
    /// A snapshot.
    Snapshot,
    /// Any other `zfs_type_t` value.
    Other(i32),
}

/// An open filesystem, volume or snapshot; borrows the [`Zfs`] it came from.
#[doc(alias = "zfs_handle_t")]
pub struct Dataset<'z> {
    zfs: &'z Zfs,
    handle: ZfsHandle<'z>,
    name: DatasetName,
    _not_thread_safe: PhantomData<*mut ()>,
}

/// One dataset of a listing, with the properties asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// The dataset's name.
    pub name: DatasetName,
    /// Its kind.
    pub kind: DatasetKind,
    /// Each property asked for, in the order asked, with its value; `None`
    /// when the dataset has no value for it (an unset user property, or a
    /// native property that does not apply).
    pub props: Vec<(PropName, Option<PropValue>)>,
}

impl ListEntry {
    /// The value of the property named `name`, if it was asked for and set.
    pub fn get(&self, name: &str) -> Option<&PropValue> {
        self.props
            .iter()
            .find(|(p, _)| p.as_str() == name)
            .and_then(|(_, v)| v.as_ref())
    }
}

impl<'z> Dataset<'z> {
    pub(crate) fn new(zfs: &'z Zfs, handle: ZfsHandle<'z>, name: DatasetName) -> Self {
        Self {
            zfs,
            handle,
            name,
            _not_thread_safe: PhantomData,
        }
    }

    fn adopt(zfs: &'z Zfs, handle: ZfsHandle<'z>) -> Result<Self> {
        let name = DatasetName::new(handle.name())?;
        Ok(Self::new(zfs, handle, name))
    }

    /// The dataset's name.
    pub fn name(&self) -> &DatasetName {
        &self.name
    }

    /// Filesystem, volume or snapshot.
    ///
    /// References: libzfs `zfs_get_type`.
    #[doc(alias = "zfs_get_type")]
    pub fn kind(&self) -> DatasetKind {
        kind_of(self.handle.kind())
    }

    fn fail(&self, operation: &'static str) -> Error {
        self.zfs.failure(operation, self.name.as_str())
    }

    /// Reads a native property in parsable form (`zfs get -p`) with its source.
    ///
    /// `Ok(None)` when libzfs has no value for it on this dataset (e.g.
    /// `volsize` of a filesystem, or `origin` of a dataset that is not a clone).
    /// A name unknown to the loaded libzfs is [`Error::UnknownProperty`]; use
    /// [`Dataset::user_prop`] for user properties.
    ///
    /// References: libzfs `zfs_name_to_prop`, `zfs_prop_get`.
    #[doc(alias = "zfs_prop_get")]
    pub fn prop(&self, name: &str) -> Result<Option<PropValue>> {
        let prop = self.zfs.native_prop(name)?;
        Ok(self.native_value(name, prop))
    }

    fn native_value(&self, name: &str, prop: i32) -> Option<PropValue> {
        debug!(dataset = %self.name, prop = name, number = prop, literal = true, "zfs_prop_get()");
        let (value, source, from) = self.handle.prop_get(prop, true)?;
        let source = match source {
            zprop_source::LOCAL => PropSource::Local,
            zprop_source::INHERITED => PropSource::Inherited(from),
            zprop_source::DEFAULT => PropSource::Default,
            zprop_source::RECEIVED => PropSource::Received,
            zprop_source::TEMPORARY => PropSource::Temporary,
            zprop_source::NONE => PropSource::None,
            _ => PropSource::None,
        };
        Some(PropValue { value, source })
    }

    /// Reads a user property; `None` when neither set here nor inherited.
    ///
    /// References: libzfs `zfs_get_user_props`.
    #[doc(alias = "zfs_get_user_props")]
    pub fn user_prop(&self, name: &UserProp) -> Option<PropValue> {
        self.user_props().remove(name.as_str())
    }

    /// Every user property set on or inherited by this dataset, by name,
    /// read from one `zfs_get_user_props` nvlist.
    ///
    /// References: libzfs `zfs_get_user_props`.
    pub fn user_props(&self) -> BTreeMap<String, PropValue> {
        debug!(dataset = %self.name, "zfs_get_user_props()");
        let own = self.name.as_str();
        let entries = self.handle.user_props();
        entries
            .into_iter()
            .map(|e| (e.name.clone(), user_value(own, e)))
            .collect()
    }

    /// Sets a native or user property (a name with a `:` is a user property).
    ///
    /// References: libzfs `zfs_prop_set`.
    #[doc(alias = "zfs_prop_set")]
    pub fn set(&self, name: &str, value: &str) -> Result<()> {
        let (cname, cvalue) = self.zfs.checked_prop(name, value)?;
        debug!(dataset = %self.name, prop = name, value, "zfs_prop_set()");
        if self.handle.prop_set(&cname, &cvalue) != 0 {
            return Err(self.fail("zfs_prop_set"));
        }
        Ok(())
    }

    /// Clears a local value so the property is inherited again (`zfs inherit`).
    /// For a user property with no parent value this removes it.
    ///
    /// References: libzfs `zfs_prop_inherit`.
    #[doc(alias = "zfs_prop_inherit")]
    pub fn inherit(&self, name: &str) -> Result<()> {
        let (cname, _) = self.zfs.checked_prop(name, "")?;
        debug!(dataset = %self.name, prop = name, received = false, "zfs_prop_inherit()");
        if self.handle.prop_inherit(&cname) != 0 {
            return Err(self.fail("zfs_prop_inherit"));
        }
        Ok(())
    }

    /// Mounts a filesystem at its `mountpoint` with its own options.
    ///
    /// References: libzfs `zfs_mount`.
    #[doc(alias = "zfs_mount")]
    pub fn mount(&self) -> Result<()> {
        debug!(dataset = %self.name, options = "", flags = 0, "zfs_mount()");
        if self.handle.mount() != 0 {
            return Err(self.fail("zfs_mount"));
        }
        Ok(())
    }

    /// Unmounts a filesystem, without force.
    ///
    /// References: libzfs `zfs_unmount`.
    #[doc(alias = "zfs_unmount")]
    pub fn unmount(&self) -> Result<()> {
        debug!(dataset = %self.name, flags = 0, "zfs_unmount()");
        if self.handle.unmount() != 0 {
            return Err(self.fail("zfs_unmount"));
        }
        Ok(())
    }

    /// Whether the filesystem is mounted.
    ///
    /// References: libzfs `zfs_is_mounted`.
    #[doc(alias = "zfs_is_mounted")]
    pub fn is_mounted(&self) -> bool {
        debug!(dataset = %self.name, "zfs_is_mounted()");
        self.handle.is_mounted()
    }

    /// Renames the dataset (or snapshot) to `to` and returns it reopened
    /// under the new name. Mounted filesystems are remounted by libzfs.
    ///
    /// Snapshots of descendants are not renamed along (`zfs rename -r`).
    ///
    /// References: libzfs `zfs_rename`.
    #[doc(alias = "zfs_rename")]
    pub fn rename(self, to: &DatasetName) -> Result<Dataset<'z>> {
        let target = c_string(to.as_str())?;
        let flags = RenameFlags::default();
        debug!(from = %self.name, to = %to, recursive = false, "zfs_rename()");
        if self.handle.rename(&target, flags) != 0 {
            return Err(self.fail("zfs_rename"));
        }
        let zfs = self.zfs;
        drop(self);
        zfs.dataset(to)
    }

    /// Renames without unmounting (`zfs rename -u`): mounted filesystems stay
    /// where they are until next mounted.
    ///
    /// References: libzfs `zfs_rename`.
    pub fn rename_no_unmount(self, to: &DatasetName) -> Result<Dataset<'z>> {
        let target = c_string(to.as_str())?;
        let flags = RenameFlags(RenameFlags::NOUNMOUNT);
        debug!(from = %self.name, to = %to, nounmount = true, "zfs_rename()");
        if self.handle.rename(&target, flags) != 0 {
            return Err(self.fail("zfs_rename"));
        }
        let zfs = self.zfs;
        drop(self);
        zfs.dataset(to)
    }

    /// Rolls back to `snap`, which must be this dataset's most recent
    /// snapshot; later snapshots are not destroyed (unlike `zfs rollback -r`),
    /// so an older one is refused by libzfs.
    ///
    /// References: libzfs `zfs_rollback`.
    #[doc(alias = "zfs_rollback")]
    pub fn rollback(&self, snap: &DatasetName) -> Result<()> {
        if snap.kind() != NameKind::Snapshot || snap.dataset() != self.name {
            return Err(wrong_kind(
                "zfs_rollback",
                snap,
                "a snapshot of this dataset",
            ));
        }
        let snapshot = self.zfs.dataset(snap)?;
        debug!(dataset = %self.name, snap = %snap, force = false, "zfs_rollback()");
        if self.handle.rollback(&snapshot.handle, false) != 0 {
            return Err(self.fail("zfs_rollback"));
        }
        Ok(())
    }

    /// Clones this snapshot into the new dataset `target` with `props`, and
    /// opens the clone. The clone is not mounted.
    ///
    /// A clone starts with the snapshot's data and native properties but not
    /// the origin's user properties: set those in `props` if wanted.
    ///
    /// References: libzfs `zfs_clone`.
    #[doc(alias = "zfs_clone")]
    pub fn clone_to(&self, target: &DatasetName, props: &[(&str, &str)]) -> Result<Dataset<'z>> {
        if self.name.kind() != NameKind::Snapshot {
            return Err(wrong_kind("zfs_clone", &self.name, "a snapshot"));
        }
        let ctarget = c_string(target.as_str())?;
        let list = self.zfs.prop_list(target, props)?;
        debug!(snap = %self.name, target = %target, props = ?props, "zfs_clone()");
        if self.handle.clone_to(&ctarget, list.as_ref()) != 0 {
            return Err(self.fail("zfs_clone"));
        }
        self.zfs.dataset(target)
    }

    /// Promotes this clone: its origin snapshot, and the snapshots before it,
    /// move to this dataset and the former parent becomes the clone.
    ///
    /// References: libzfs `zfs_promote`.
    #[doc(alias = "zfs_promote")]
    pub fn promote(&self) -> Result<()> {
        debug!(dataset = %self.name, "zfs_promote()");
        if self.handle.promote() != 0 {
            return Err(self.fail("zfs_promote"));
        }
        Ok(())
    }

    /// Destroys the dataset, unmounting it first. With `recursive`, its
    /// descendants and all their snapshots go first (`zfs destroy -r`);
    /// without, a dataset that has children or snapshots is refused with
    /// [`Error::HasDependents`] before anything is unmounted. A pool's root
    /// dataset is refused with [`Error::PoolRoot`].
    ///
    /// Clones of the snapshots outside this tree are not destroyed
    /// (`zfs destroy -R`); such a snapshot makes the call fail partway, with
    /// the datasets visited before it already gone.
    ///
    /// References: libzfs `zfs_destroy`, `zfs_unmount`, `zfs_iter_filesystems_v2`,
    /// `zfs_iter_snapshots_v2`.
    #[doc(alias = "zfs_destroy")]
    pub fn destroy(self, recursive: bool) -> Result<()> {
        if self.name.is_pool_root() {
            return Err(Error::PoolRoot(self.name));
        }
        let (children, snapshots) = (self.children()?, self.snapshots()?);
        if !recursive && (!children.is_empty() || !snapshots.is_empty()) {
            return Err(Error::HasDependents {
                dataset: self.name,
                children: children.len(),
                snapshots: snapshots.len(),
            });
        }

        // Depth first: descendants, then this dataset's snapshots, then itself.
        for child in children {
            child.destroy(true)?;
        }
        for snap in snapshots {
            snap.destroy(false)?;
        }
        if self.kind() == DatasetKind::Filesystem && self.is_mounted() {
            self.unmount()?;
        }
        debug!(dataset = %self.name, defer = false, "zfs_destroy()");
        let Dataset {
            zfs, handle, name, ..
        } = self;
        if handle.destroy() != 0 {
            return Err(zfs.failure("zfs_destroy", name.as_str()));
        }
        Ok(())
    }

    /// The child filesystems and volumes, one level down, sorted by name.
    ///
    /// References: libzfs `zfs_iter_filesystems_v2` (2.2+) or
    /// `zfs_iter_filesystems` (2.1).
    #[doc(alias = "zfs_iter_filesystems")]
    pub fn children(&self) -> Result<Vec<Dataset<'z>>> {
        debug!(dataset = %self.name, flags = 0, "zfs_iter_filesystems()");
        let (rc, handles) = self.handle.children();
        let mut children = adopt_all(self.zfs, handles)?;
        children.sort_by(|a, b| a.name.cmp(&b.name));
        if rc != 0 {
            return Err(self.fail("zfs_iter_filesystems"));
        }
        Ok(children)
    }

    /// The snapshots of this dataset, in the order libzfs returns them.
    ///
    /// References: libzfs `zfs_iter_snapshots_v2` (2.2+) or
    /// `zfs_iter_snapshots` (2.1).
    #[doc(alias = "zfs_iter_snapshots")]
    pub fn snapshots(&self) -> Result<Vec<Dataset<'z>>> {
        debug!(dataset = %self.name, flags = 0, "zfs_iter_snapshots()");
        let (rc, handles) = self.handle.snapshots();
        let snaps = adopt_all(self.zfs, handles)?;
        if rc != 0 {
            return Err(self.fail("zfs_iter_snapshots"));
        }
        Ok(snaps)
    }

    /// Lists this dataset and, with `recursive`, all its descendant
    /// filesystems and volumes (each parent first, then its children in name
    /// order, which is `zfs list -r`'s order unless a sibling's name sorts
    /// before `/`, e.g. `a-b` beside `a/x`),
    /// with the properties `props`, in one walk over open handles.
    ///
    /// User properties are read from one `zfs_get_user_props` nvlist per
    /// dataset; native ones with one `zfs_prop_get` each. Snapshots are not
    /// listed.
    ///
    /// References: libzfs `zfs_iter_filesystems_v2`, `zfs_prop_get`,
    /// `zfs_get_user_props`.
    pub fn list(&self, recursive: bool, props: &[PropName]) -> Result<Vec<ListEntry>> {
        let mut natives = Vec::new();
        for p in props {
            if let PropName::Native(n) = p {
                natives.push((n.as_str(), self.zfs.native_prop(n)?));
            }
        }
        let wants_user = props.iter().any(|p| matches!(p, PropName::User(_)));
        let mut out = Vec::new();
        self.list_into(recursive, props, &natives, wants_user, &mut out)?;
        Ok(out)
    }

    fn list_into(
        &self,
        recursive: bool,
        props: &[PropName],
        natives: &[(&str, i32)],
        wants_user: bool,
        out: &mut Vec<ListEntry>,
    ) -> Result<()> {
        let mut user = if wants_user {
            self.user_props()
        } else {
            BTreeMap::new()
        };
        let values = props
            .iter()
            .map(|p| {
                let value = match p {
                    PropName::User(u) => user.remove(u.as_str()),
                    PropName::Native(n) => natives
                        .iter()
                        .find(|(name, _)| name == n)
                        .and_then(|&(name, number)| self.native_value(name, number)),
                };
                (p.clone(), value)
            })
            .collect();
        out.push(ListEntry {
            name: self.name.clone(),
            kind: self.kind(),
            props: values,
        });
        if recursive {
            for child in self.children()? {
                child.list_into(true, props, natives, wants_user, out)?;
            }
        }
        Ok(())
    }

    /// Every user property of this dataset and of all its descendant
    /// filesystems and volumes, parent before children and children in name
    /// order, read with one `zfs_get_user_props` per dataset on a walk over
    /// open handles. Inherited and received values are included.
    /// [`Zfs::user_props_recursive`] returns the same list, read in the
    /// kernel.
    ///
    /// References: libzfs `zfs_get_user_props`, `zfs_iter_filesystems_v2`.
    pub fn walk_user_props(&self) -> Result<Vec<(DatasetName, UserPropMap)>> {
        let mut out = Vec::new();
        self.walk_user_props_into(&mut out)?;
        Ok(out)
    }

    fn walk_user_props_into(&self, out: &mut Vec<(DatasetName, UserPropMap)>) -> Result<()> {
        let mut props = UserPropMap::new();
        for (name, value) in self.user_props() {
            props.insert(UserProp::new(name)?, value.value);
        }
        out.push((self.name.clone(), props));
        for child in self.children()? {
            child.walk_user_props_into(out)?;
        }
        Ok(())
    }

    /// Writes a send stream of this snapshot to `fd`; see [`Zfs::send`].
    ///
    /// References: libzfs_core `lzc_send`.
    pub fn send(&self, from: Option<&DatasetName>, fd: impl AsFd) -> Result<()> {
        self.zfs.send(&self.name, from, fd)
    }
}

impl std::fmt::Debug for Dataset<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn kind_of(raw: i32) -> DatasetKind {
    match raw {
        zfs_type::FILESYSTEM => DatasetKind::Filesystem,
        zfs_type::VOLUME => DatasetKind::Volume,
        zfs_type::SNAPSHOT => DatasetKind::Snapshot,
        other => DatasetKind::Other(other),
    }
}

fn adopt_all<'z>(zfs: &'z Zfs, handles: Vec<ZfsHandle<'z>>) -> Result<Vec<Dataset<'z>>> {
    handles
        .into_iter()
        .map(|h| Dataset::adopt(zfs, h))
        .collect()
}

/// Reads the `source` field of a user property the way `zfs get` does.
fn user_value(own_name: &str, entry: UserPropEntry) -> PropValue {
    let source = if entry.source == own_name {
        PropSource::Local
    } else if entry.source == "$recvd" {
        PropSource::Received
    } else {
        PropSource::Inherited(entry.source)
    };
    PropValue {
        value: entry.value,
        source,
    }
}
