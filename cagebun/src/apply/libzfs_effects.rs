//! [`LibzfsEffects`]: the ZFS effects through zfsctl's libzfs bindings.
//!
//! References: libzfs, zfs(8).

use std::collections::BTreeMap;

use zfsctl::{CreateKind, DatasetName, PropSource, Zfs};

use super::effects::{EffectError, ZfsEffects};

/// ZFS for real, through a loaded libzfs. Works wherever OpenZFS 2.x does
/// (FreeBSD, and Linux with the ZFS module).
///
/// References: libzfs `zfs_create`, `zfs_clone`, `zfs_mount`,
/// `zfs_prop_set`, `zfs_prop_inherit`, `zfs_destroy`.
#[derive(Debug)]
pub struct LibzfsEffects {
    zfs: Zfs,
}

impl LibzfsEffects {
    /// Loads libzfs.
    ///
    /// References: libzfs `libzfs_init`.
    pub fn open() -> Result<Self, EffectError> {
        Ok(Self { zfs: Zfs::open()? })
    }
}

impl ZfsEffects for LibzfsEffects {
    fn create_filesystem(
        &self,
        name: &DatasetName,
        properties: &[(String, String)],
    ) -> Result<(), EffectError> {
        let props: Vec<(&str, &str)> = properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.zfs.create(name, CreateKind::Filesystem, &props)?;
        Ok(())
    }

    fn clone_snapshot(
        &self,
        snapshot: &DatasetName,
        target: &DatasetName,
    ) -> Result<(), EffectError> {
        self.zfs.dataset(snapshot)?.clone_to(target, &[])?;
        Ok(())
    }

    fn mount(&self, name: &DatasetName) -> Result<(), EffectError> {
        Ok(self.zfs.dataset(name)?.mount()?)
    }

    fn unmount(&self, name: &DatasetName) -> Result<(), EffectError> {
        Ok(self.zfs.dataset(name)?.unmount()?)
    }

    fn set_property(
        &self,
        name: &DatasetName,
        property: &str,
        value: &str,
    ) -> Result<(), EffectError> {
        Ok(self.zfs.dataset(name)?.set(property, value)?)
    }

    fn inherit_property(&self, name: &DatasetName, property: &str) -> Result<(), EffectError> {
        Ok(self.zfs.dataset(name)?.inherit(property)?)
    }

    fn destroy(&self, name: &DatasetName) -> Result<(), EffectError> {
        Ok(self.zfs.dataset(name)?.destroy(false)?)
    }

    fn exists(&self, name: &DatasetName) -> Result<bool, EffectError> {
        Ok(self.zfs.exists(name))
    }

    fn local_user_properties(
        &self,
        name: &DatasetName,
    ) -> Result<BTreeMap<String, String>, EffectError> {
        Ok(self
            .zfs
            .dataset(name)?
            .user_props()
            .into_iter()
            .filter(|(_, v)| v.source == PropSource::Local)
            .map(|(k, v)| (k, v.value))
            .collect())
    }
}
