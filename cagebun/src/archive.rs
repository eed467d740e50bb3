//! Snapshots, rollback, and moving a cage between pools or hosts as a file.
//!
//! A cage is a tree of datasets (the cage's own and its `root` below it).
//! [`snapshot`] takes `<cage>@<label>` of the whole tree at once;
//! [`rollback`] returns every dataset of the tree to it. [`export`] writes
//! full ZFS send streams of one snapshot of every dataset of the tree into
//! one archive file; [`import`] recreates the tree from it under another
//! parent, refusing a cage name that is already taken and destroying
//! whatever it created when any step fails.
//!
//! # Archive file
//!
//! The 8 bytes `CBZARC01`, a little-endian `u32` length and that many bytes
//! of JSON (the cage's leaf name, the label, and per dataset its path
//! relative to the cage and its locally set user properties), then, per
//! dataset in the order listed (parents first), a little-endian `u64`
//! length and that many bytes of a plain full send stream. The user
//! properties are carried in the JSON because a plain stream holds none.
//!
//! # Limitations
//!
//! - Full streams only: incremental export is not offered.
//! - Native properties (`mountpoint`, `compression`, quotas) are not
//!   carried; imported datasets inherit them from their new parent.
//! - Rollback goes only to the latest snapshot of each dataset; an older
//!   label is refused with the later snapshots named (destroy them first).
//! - The cage should be stopped: rollback and export do not stop its jail.
//! - Imported datasets are not mounted.
//!
//! References: zfs(8) `snapshot -r`, `rollback`, `send`, `receive`;
//! zfsprops(7) "User Properties".

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use zfsctl::{DatasetName, PropName, PropSource, Zfs};

use crate::inventory::{JAIL_NAME_PROPERTY, cages_parent};

/// The first bytes of an archive file.
pub const ARCHIVE_MAGIC: &[u8; 8] = b"CBZARC01";
/// The longest label accepted.
pub const MAX_LABEL_LEN: usize = 64;
/// The longest JSON header accepted when importing.
pub const MAX_HEADER_LEN: u32 = 1 << 20;

/// A snapshot label: 1 to [`MAX_LABEL_LEN`] ASCII letters, digits, `_`,
/// `-`, `.` and `:`, starting with a letter or digit.
///
/// References: zfs(8) "Snapshot names".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SnapshotLabel(String);

impl SnapshotLabel {
    /// Checks `label` and wraps it.
    pub fn new(label: &str) -> Result<Self, ArchiveError> {
        let bad = |reason: &'static str| ArchiveError::BadLabel {
            label: label.to_owned(),
            reason,
        };
        if label.is_empty() || label.len() > MAX_LABEL_LEN {
            return Err(bad("must be 1 to 64 characters"));
        }
        if !label.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(bad("must start with a letter or digit"));
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
        {
            return Err(bad("may hold only letters, digits, '_', '-', '.' and ':'"));
        }
        Ok(Self(label.to_owned()))
    }

    /// The label as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SnapshotLabel {
    type Error = ArchiveError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<SnapshotLabel> for String {
    fn from(label: SnapshotLabel) -> Self {
        label.0
    }
}

/// What went wrong; each names the dataset, snapshot, file or value.
#[derive(Debug, Error)]
pub enum ArchiveError {
    /// The label breaks [`SnapshotLabel`]'s rules.
    #[error("snapshot label {label:?}: {reason}")]
    BadLabel {
        /// The refused label.
        label: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A dataset name could not be formed.
    #[error("dataset name {name:?}: {source}")]
    BadName {
        /// The refused name.
        name: String,
        /// What was wrong.
        source: zfsctl::NameError,
    },
    /// The cage's dataset does not exist.
    #[error("cage dataset {0} does not exist")]
    NoSuchCage(String),
    /// A dataset of the tree lacks the snapshot.
    #[error("snapshot {0} does not exist")]
    NoSuchSnapshot(String),
    /// The snapshot already exists.
    #[error("snapshot {0} already exists")]
    SnapshotExists(String),
    /// Rollback target is not the latest snapshot of a dataset.
    #[error("{dataset}: snapshot {label} is not the latest; later: {later:?}")]
    LaterSnapshots {
        /// The dataset.
        dataset: String,
        /// The label asked for.
        label: String,
        /// Its later snapshots, oldest first.
        later: Vec<String>,
    },
    /// Import target dataset already exists.
    #[error("cage dataset {0} already exists")]
    DatasetExists(String),
    /// A cage with that jail name is already on the target pool.
    #[error("cage name {name:?} is already used by {dataset}")]
    CageNameTaken {
        /// The jail name.
        name: String,
        /// The dataset that has it.
        dataset: String,
    },
    /// The file is not an archive this code reads.
    #[error("{path}: not a cage archive: {reason}")]
    BadArchive {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// Reading or writing the archive file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// libzfs failed.
    #[error(transparent)]
    Zfs(#[from] zfsctl::Error),
    /// Reading the target pool's cages failed.
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
    /// The import failed and the datasets it made could not all be removed.
    #[error("{error}; removing {dataset} afterwards also failed: {cleanup}")]
    ImportCleanup {
        /// The first failure.
        error: Box<ArchiveError>,
        /// The dataset left behind.
        dataset: String,
        /// Why removing it failed.
        cleanup: zfsctl::Error,
    },
}

/// One dataset of an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedDataset {
    /// Path below the cage's dataset; empty for the cage's own.
    pub relative: String,
    /// User properties set on it locally, restored on import.
    pub user_properties: BTreeMap<String, String>,
}

/// The JSON header of an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveHeader {
    /// The cage dataset's last component, e.g. `rabbit`.
    pub cage: String,
    /// The snapshot label exported.
    pub label: SnapshotLabel,
    /// The datasets, parents first.
    pub datasets: Vec<ArchivedDataset>,
}

fn name(text: String) -> Result<DatasetName, ArchiveError> {
    DatasetName::new(text.clone()).map_err(|source| ArchiveError::BadName { name: text, source })
}

/// The cage's dataset and its descendant filesystems, parents first.
fn tree(zfs: &Zfs, cage: &DatasetName) -> Result<Vec<DatasetName>, ArchiveError> {
    if !zfs.exists(cage) {
        return Err(ArchiveError::NoSuchCage(cage.to_string()));
    }
    let listing = zfs.dataset(cage)?.list(true, &[])?;
    Ok(listing.into_iter().map(|e| e.name).collect())
}

/// The path of `dataset` below `cage` (`""` for the cage itself).
fn relative_of(cage: &DatasetName, dataset: &DatasetName) -> String {
    dataset
        .as_str()
        .strip_prefix(cage.as_str())
        .map(|rest| rest.trim_start_matches('/').to_owned())
        .unwrap_or_default()
}

/// Takes `<cage>@<label>` of the cage's dataset and all its descendants in
/// one atomic call, and returns the snapshot's name.
///
/// References: zfs(8) `snapshot -r`.
pub fn snapshot(
    zfs: &Zfs,
    cage: &DatasetName,
    label: &SnapshotLabel,
) -> Result<DatasetName, ArchiveError> {
    let snap = name(format!("{cage}@{}", label.as_str()))?;
    if !zfs.exists(cage) {
        return Err(ArchiveError::NoSuchCage(cage.to_string()));
    }
    if zfs.exists(&snap) {
        return Err(ArchiveError::SnapshotExists(snap.to_string()));
    }
    tracing::debug!(snapshot = %snap, recursive = true, "snapshot cage");
    zfs.snapshot(&snap, true, &[])?;
    Ok(snap)
}

/// Rolls every dataset of the cage's tree back to its snapshot `label`,
/// which must exist on each and be the latest of each; everything is
/// checked before the first dataset is rolled back.
///
/// References: zfs(8) `rollback`.
pub fn rollback(zfs: &Zfs, cage: &DatasetName, label: &SnapshotLabel) -> Result<(), ArchiveError> {
    let datasets = tree(zfs, cage)?;
    let mut targets = Vec::new();
    for dataset in &datasets {
        let snap = name(format!("{dataset}@{}", label.as_str()))?;
        if !zfs.exists(&snap) {
            return Err(ArchiveError::NoSuchSnapshot(snap.to_string()));
        }
        let mut snaps: Vec<(u64, String)> = Vec::new();
        for s in zfs.dataset(dataset)?.snapshots()? {
            let txg = s.prop("createtxg")?.and_then(|v| v.as_u64()).unwrap_or(0);
            snaps.push((txg, s.name().to_string()));
        }
        snaps.sort();
        let position = snaps.iter().position(|(_, n)| n == snap.as_str());
        let later: Vec<String> = position
            .map(|p| snaps[p + 1..].iter().map(|(_, n)| n.clone()).collect())
            .unwrap_or_default();
        if !later.is_empty() {
            return Err(ArchiveError::LaterSnapshots {
                dataset: dataset.to_string(),
                label: label.as_str().to_owned(),
                later,
            });
        }
        targets.push((dataset.clone(), snap));
    }
    for (dataset, snap) in targets {
        tracing::debug!(dataset = %dataset, snapshot = %snap, "rollback");
        zfs.dataset(&dataset)?.rollback(&snap)?;
    }
    Ok(())
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes the snapshot `label` of every dataset of the cage's tree to the
/// new file `path` as an archive; an existing file is refused. Returns the
/// header written and the size of each stream, in the header's order.
///
/// References: zfs(8) `send`.
pub fn export(
    zfs: &Zfs,
    cage: &DatasetName,
    label: &SnapshotLabel,
    path: &Path,
) -> Result<(ArchiveHeader, Vec<u64>), ArchiveError> {
    let datasets = tree(zfs, cage)?;
    let mut entries = Vec::new();
    for dataset in &datasets {
        let snap = name(format!("{dataset}@{}", label.as_str()))?;
        if !zfs.exists(&snap) {
            return Err(ArchiveError::NoSuchSnapshot(snap.to_string()));
        }
        let user_properties = zfs
            .dataset(dataset)?
            .user_props()
            .into_iter()
            .filter(|(_, v)| matches!(v.source, PropSource::Local | PropSource::Received))
            .map(|(k, v)| (k, v.value))
            .collect();
        entries.push(ArchivedDataset {
            relative: relative_of(cage, dataset),
            user_properties,
        });
    }
    let cage_leaf = cage
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let header = ArchiveHeader {
        cage: cage_leaf,
        label: label.clone(),
        datasets: entries,
    };
    match write_archive(zfs, &datasets, &header, path) {
        Ok(sizes) => Ok((header, sizes)),
        Err(error) => {
            // Only a file this call created is removed: create_new refused
            // any file that was there before.
            if !matches!(error, ArchiveError::Io { ref source, .. }
                if source.kind() == std::io::ErrorKind::AlreadyExists)
            {
                let _ = std::fs::remove_file(path);
            }
            Err(error)
        }
    }
}

fn write_archive(
    zfs: &Zfs,
    datasets: &[DatasetName],
    header: &ArchiveHeader,
    path: &Path,
) -> Result<Vec<u64>, ArchiveError> {
    let err = io_error(path);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(&err)?;
    let header_json = serde_json::to_vec(header).expect("header serializes");
    let header_len = u32::try_from(header_json.len())
        .ok()
        .filter(|len| *len <= MAX_HEADER_LEN)
        .ok_or_else(|| ArchiveError::BadArchive {
            path: path.to_owned(),
            reason: format!("header of {} bytes is too long", header_json.len()),
        })?;
    file.write_all(ARCHIVE_MAGIC).map_err(&err)?;
    file.write_all(&header_len.to_le_bytes()).map_err(&err)?;
    file.write_all(&header_json).map_err(&err)?;
    let mut sizes = Vec::new();
    for dataset in datasets {
        let snap = name(format!("{dataset}@{}", header.label.as_str()))?;
        // The stream's length is known only once it is written: reserve its
        // 8 bytes, let the kernel write the stream at the file's offset,
        // then fill the length in.
        let length_at = file.stream_position().map_err(&err)?;
        file.write_all(&0u64.to_le_bytes()).map_err(&err)?;
        tracing::debug!(snapshot = %snap, file = %path.display(), "send full stream");
        zfs.send(&snap, None, &file)?;
        let end = file.seek(SeekFrom::End(0)).map_err(&err)?;
        let bytes = end - length_at - 8;
        file.seek(SeekFrom::Start(length_at)).map_err(&err)?;
        file.write_all(&bytes.to_le_bytes()).map_err(&err)?;
        file.seek(SeekFrom::Start(end)).map_err(&err)?;
        sizes.push(bytes);
    }
    file.sync_all().map_err(&err)?;
    Ok(sizes)
}

/// Reads an archive's header, leaving `file` at the first stream.
pub fn read_header(file: &mut File, path: &Path) -> Result<ArchiveHeader, ArchiveError> {
    let err = io_error(path);
    let bad = |reason: String| ArchiveError::BadArchive {
        path: path.to_owned(),
        reason,
    };
    let mut magic = [0u8; 8];
    file.read_exact(&mut magic)
        .map_err(|_| bad("shorter than its 8-byte magic".to_owned()))?;
    if &magic != ARCHIVE_MAGIC {
        return Err(bad(format!("starts with {magic:02x?}, not CBZARC01")));
    }
    let mut len = [0u8; 4];
    file.read_exact(&mut len).map_err(&err)?;
    let len = u32::from_le_bytes(len);
    if len > MAX_HEADER_LEN {
        return Err(bad(format!(
            "header of {len} bytes, more than {MAX_HEADER_LEN}"
        )));
    }
    let mut json = vec![0u8; len as usize];
    file.read_exact(&mut json).map_err(&err)?;
    let header: ArchiveHeader =
        serde_json::from_slice(&json).map_err(|e| bad(format!("header: {e}")))?;
    if header.datasets.first().map(|d| d.relative.as_str()) != Some("") {
        return Err(bad("the first dataset is not the cage's own".to_owned()));
    }
    for dataset in &header.datasets {
        let ok = dataset.relative.is_empty()
            || dataset
                .relative
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if !ok {
            return Err(bad(format!("dataset path {:?}", dataset.relative)));
        }
    }
    Ok(header)
}

/// Recreates the archived cage as `<parent>/<cage>` with its snapshot and
/// user properties. Refused when that dataset exists or when a child of
/// the parent pool's `cagebun/cages` already has the archived
/// `org.cagebun:jail_name`. On any failure, whatever the import created is destroyed.
///
/// References: zfs(8) `receive`, `destroy -r`.
pub fn import(zfs: &Zfs, path: &Path, parent: &DatasetName) -> Result<DatasetName, ArchiveError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let header = read_header(&mut file, path)?;
    let cage = name(format!("{parent}/{}", header.cage))?;
    if zfs.exists(&cage) {
        return Err(ArchiveError::DatasetExists(cage.to_string()));
    }
    if let Some(jail_name) = header.datasets[0].user_properties.get(JAIL_NAME_PROPERTY)
        && let Some(dataset) = dataset_with_jail_name(zfs, parent.pool(), jail_name)?
    {
        return Err(ArchiveError::CageNameTaken {
            name: jail_name.clone(),
            dataset,
        });
    }
    match receive_all(zfs, &mut file, path, &header, &cage) {
        Ok(()) => Ok(cage),
        Err(error) => {
            if !zfs.exists(&cage) {
                return Err(error);
            }
            tracing::debug!(dataset = %cage, "destroy after failed import");
            match zfs.dataset(&cage).and_then(|d| d.destroy(true)) {
                Ok(()) => Err(error),
                Err(cleanup) => Err(ArchiveError::ImportCleanup {
                    error: Box::new(error),
                    dataset: cage.to_string(),
                    cleanup,
                }),
            }
        }
    }
}

/// The child of `<pool>/cagebun/cages` whose own `org.cagebun:jail_name`
/// is `jail_name`, whether or not its other properties make a readable
/// record.
fn dataset_with_jail_name(
    zfs: &Zfs,
    pool: &str,
    jail_name: &str,
) -> Result<Option<String>, ArchiveError> {
    let parent = cages_parent(pool)?;
    if !zfs.exists(&parent) {
        return Ok(None);
    }
    let property = PropName::parse(JAIL_NAME_PROPERTY)?;
    let listing = zfs.dataset(&parent)?.list(true, &[property])?;
    Ok(listing
        .into_iter()
        .filter(|entry| entry.name.parent().as_ref() == Some(&parent))
        .find(|entry| {
            entry.get(JAIL_NAME_PROPERTY).is_some_and(|v| {
                v.value == jail_name && matches!(v.source, PropSource::Local | PropSource::Received)
            })
        })
        .map(|entry| entry.name.to_string()))
}

fn receive_all(
    zfs: &Zfs,
    file: &mut File,
    path: &Path,
    header: &ArchiveHeader,
    cage: &DatasetName,
) -> Result<(), ArchiveError> {
    let err = io_error(path);
    for dataset in &header.datasets {
        let target = if dataset.relative.is_empty() {
            cage.clone()
        } else {
            name(format!("{cage}/{}", dataset.relative))?
        };
        let snap = name(format!("{target}@{}", header.label.as_str()))?;
        let mut len = [0u8; 8];
        file.read_exact(&mut len).map_err(&err)?;
        let len = u64::from_le_bytes(len);
        let start = file.stream_position().map_err(&err)?;
        tracing::debug!(snapshot = %snap, file = %path.display(), offset = start, "receive full stream");
        zfs.receive(&snap, false, &*file)?;
        file.seek(SeekFrom::Start(start + len)).map_err(&err)?;
        let received = zfs.dataset(&target)?;
        for (property, value) in &dataset.user_properties {
            received.set(property, value)?;
        }
    }
    Ok(())
}
