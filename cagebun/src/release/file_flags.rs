//! File flags as a tar archive carries them in its `SCHILY.fflags` pax
//! header, such as `schg` on `/usr/bin/passwd` or `/var/empty`.
//!
//! References: `chflags(1)`, `chflags(2)`, `strtofflags(3)`, `tar(5)`.

use std::collections::BTreeSet;
use std::fmt;

/// One file flag, by the name `chflags(1)` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileFlag {
    /// `arch`: archived (`SF_ARCHIVED`).
    #[doc(alias = "SF_ARCHIVED")]
    Archived,
    /// `sappnd`: system append-only (`SF_APPEND`).
    #[doc(alias = "SF_APPEND")]
    SystemAppendOnly,
    /// `schg`: system immutable (`SF_IMMUTABLE`).
    #[doc(alias = "SF_IMMUTABLE")]
    SystemImmutable,
    /// `sunlnk`: system undeletable (`SF_NOUNLINK`).
    #[doc(alias = "SF_NOUNLINK")]
    SystemNoUnlink,
    /// `uappnd`: user append-only (`UF_APPEND`).
    #[doc(alias = "UF_APPEND")]
    UserAppendOnly,
    /// `uarch`: needs archiving (`UF_ARCHIVE`).
    #[doc(alias = "UF_ARCHIVE")]
    UserArchive,
    /// `uchg`: user immutable (`UF_IMMUTABLE`).
    #[doc(alias = "UF_IMMUTABLE")]
    UserImmutable,
    /// `uunlnk`: user undeletable (`UF_NOUNLINK`).
    #[doc(alias = "UF_NOUNLINK")]
    UserNoUnlink,
    /// `nodump`: skipped by `dump(8)` (`UF_NODUMP`).
    #[doc(alias = "UF_NODUMP")]
    NoDump,
    /// `hidden`: hidden from listings (`UF_HIDDEN`).
    #[doc(alias = "UF_HIDDEN")]
    Hidden,
    /// `offline`: offline (`UF_OFFLINE`).
    #[doc(alias = "UF_OFFLINE")]
    Offline,
    /// `opaque`: opaque in a union mount (`UF_OPAQUE`).
    #[doc(alias = "UF_OPAQUE")]
    Opaque,
    /// `rdonly`: read-only (`UF_READONLY`).
    #[doc(alias = "UF_READONLY")]
    ReadOnly,
    /// `reparse`: Windows reparse point (`UF_REPARSE`).
    #[doc(alias = "UF_REPARSE")]
    Reparse,
    /// `sparse`: sparse (`UF_SPARSE`).
    #[doc(alias = "UF_SPARSE")]
    Sparse,
    /// `system`: DOS system file (`UF_SYSTEM`).
    #[doc(alias = "UF_SYSTEM")]
    System,
}

/// Every flag with the names `strtofflags(3)` accepts for it; the first is
/// the one `fflagstostr(3)` prints.
const NAMES: &[(FileFlag, &[&str])] = &[
    (FileFlag::Archived, &["arch", "archived"]),
    (FileFlag::SystemAppendOnly, &["sappnd", "sappend"]),
    (
        FileFlag::SystemImmutable,
        &["schg", "schange", "simmutable"],
    ),
    (FileFlag::SystemNoUnlink, &["sunlnk", "sunlink"]),
    (FileFlag::UserAppendOnly, &["uappnd", "uappend"]),
    (FileFlag::UserArchive, &["uarch", "uarchive"]),
    (FileFlag::UserImmutable, &["uchg", "uchange", "uimmutable"]),
    (FileFlag::UserNoUnlink, &["uunlnk", "uunlink"]),
    (FileFlag::NoDump, &["nodump"]),
    (FileFlag::Hidden, &["hidden", "uhidden"]),
    (FileFlag::Offline, &["offline", "uoffline"]),
    (FileFlag::Opaque, &["opaque"]),
    (FileFlag::ReadOnly, &["rdonly", "readonly", "urdonly"]),
    (FileFlag::Reparse, &["reparse", "ureparse"]),
    (FileFlag::Sparse, &["sparse", "usparse"]),
    (FileFlag::System, &["system", "usystem"]),
];

impl FileFlag {
    /// The name `chflags(1)` and `ls -lo` print, such as `schg`.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(flag, _)| *flag == self)
            .map_or("", |(_, names)| names[0])
    }

    fn from_name(name: &str) -> Option<Self> {
        NAMES
            .iter()
            .find(|(_, names)| names.contains(&name))
            .map(|(flag, _)| *flag)
    }

    #[cfg(target_os = "freebsd")]
    fn to_nix(self) -> nix::sys::stat::FileFlag {
        use nix::sys::stat::FileFlag as F;
        match self {
            FileFlag::Archived => F::SF_ARCHIVED,
            FileFlag::SystemAppendOnly => F::SF_APPEND,
            FileFlag::SystemImmutable => F::SF_IMMUTABLE,
            FileFlag::SystemNoUnlink => F::SF_NOUNLINK,
            FileFlag::UserAppendOnly => F::UF_APPEND,
            FileFlag::UserArchive => F::UF_ARCHIVE,
            FileFlag::UserImmutable => F::UF_IMMUTABLE,
            FileFlag::UserNoUnlink => F::UF_NOUNLINK,
            FileFlag::NoDump => F::UF_NODUMP,
            FileFlag::Hidden => F::UF_HIDDEN,
            FileFlag::Offline => F::UF_OFFLINE,
            FileFlag::Opaque => F::UF_OPAQUE,
            FileFlag::ReadOnly => F::UF_READONLY,
            FileFlag::Reparse => F::UF_REPARSE,
            FileFlag::Sparse => F::UF_SPARSE,
            FileFlag::System => F::UF_SYSTEM,
        }
    }
}

/// A set of file flags, such as `schg,uarch`.
///
/// References: `strtofflags(3)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FileFlags(BTreeSet<FileFlag>);

/// A flag name that `strtofflags(3)` would not set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} in {list:?} is not a file flag name")]
pub struct UnknownFileFlag {
    /// The unknown name.
    pub name: String,
    /// The whole list it came in.
    pub list: String,
}

impl FileFlags {
    /// Reads a comma-separated list of flag names, as `SCHILY.fflags` holds
    /// it. An empty list is an empty set.
    ///
    /// # Errors
    ///
    /// [`UnknownFileFlag`] naming the first unknown name, including the
    /// negated forms (`nouchg`, `dump`), which a pax header never carries.
    ///
    /// References: `strtofflags(3)`.
    pub fn parse(list: &str) -> Result<Self, UnknownFileFlag> {
        let names = list
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty());
        names
            .map(|name| {
                FileFlag::from_name(name).ok_or_else(|| UnknownFileFlag {
                    name: name.to_string(),
                    list: list.to_string(),
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether no flag is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The flags, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = FileFlag> + '_ {
        self.0.iter().copied()
    }

    /// The flags as `chflags(2)` takes them.
    #[cfg(target_os = "freebsd")]
    pub(crate) fn to_nix(&self) -> nix::sys::stat::FileFlag {
        self.iter()
            .fold(nix::sys::stat::FileFlag::empty(), |all, flag| {
                all | flag.to_nix()
            })
    }
}

impl fmt::Display for FileFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(FileFlag::name).collect();
        f.write_str(&names.join(","))
    }
}
