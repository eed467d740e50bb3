//! The `MANIFEST` file of a FreeBSD release: one line per distribution set.
//!
//! Each line has six tab-separated fields, as the release build writes them:
//!
//! ```text
//! base.txz<TAB><sha256><TAB><entry count><TAB>base<TAB>"Base system (MANDATORY)"<TAB>on
//! ```
//!
//! The name of the set's file, its SHA-256 in hex, the number of entries the
//! archive lists, the set's name without `.txz`, a description in double
//! quotes, and whether the installer selects it by default (`on` or `off`).
//!
//! References: FreeBSD's `release/scripts/make-manifest.sh`, bsdinstall's
//! `distfetch` and `checksum` scripts.

use std::collections::BTreeMap;
use std::fmt;

/// The file name of a distribution set, such as `base.txz` or `lib32.txz`.
///
/// Lowercase ASCII letters, digits, `-` and `_`, then `.txz`.
///
/// References: bsdinstall's `distfetch`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DistSetName(String);

/// A refused distribution set name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{name:?} is not a distribution set file name (lowercase letters, digits, '-', '_', then .txz)"
)]
pub struct InvalidDistSetName {
    /// The refused name.
    pub name: String,
}

impl DistSetName {
    /// Checks `name`, for example `base.txz`.
    ///
    /// # Errors
    ///
    /// [`InvalidDistSetName`] naming `name` when it does not end in `.txz`
    /// or has other characters than lowercase letters, digits, `-` and `_`.
    ///
    /// References: bsdinstall's `distfetch`.
    pub fn new(name: &str) -> Result<Self, InvalidDistSetName> {
        let stem = name.strip_suffix(".txz").unwrap_or_default();
        let valid_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if !stem.is_empty() && stem.chars().all(valid_char) {
            Ok(Self(name.to_string()))
        } else {
            Err(InvalidDistSetName {
                name: name.to_string(),
            })
        }
    }

    /// The file name, `base.txz`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The set's name without `.txz`, `base`.
    pub fn dist(&self) -> &str {
        self.0.strip_suffix(".txz").unwrap_or(&self.0)
    }
}

impl fmt::Display for DistSetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A SHA-256 digest.
///
/// References: `sha256(1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// Reads 64 hexadecimal digits, either case.
    ///
    /// Returns `None` for any other text.
    pub fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 64 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Self(bytes))
    }

    /// Wraps raw digest bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

/// One line of a `MANIFEST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The set's file name, `base.txz`.
    pub name: DistSetName,
    /// The SHA-256 of the set's file.
    pub sha256: Sha256Digest,
    /// How many entries the archive lists (`tar tvf | wc -l` at release
    /// time); used for progress only.
    pub entry_count: u64,
    /// The description, without its quotes.
    pub description: String,
    /// Whether the installer selects the set by default.
    pub selected_by_default: bool,
}

/// A parsed `MANIFEST`: its entries by set name.
///
/// References: FreeBSD's `release/scripts/make-manifest.sh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    entries: BTreeMap<DistSetName, ManifestEntry>,
}

/// What is wrong with a `MANIFEST` line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestLineError {
    /// The line does not have six tab-separated fields.
    #[error("expected 6 tab-separated fields, found {found}")]
    FieldCount {
        /// How many fields the line has.
        found: usize,
    },
    /// The first field is not a set file name.
    #[error(transparent)]
    SetName(#[from] InvalidDistSetName),
    /// The second field is not 64 hexadecimal digits.
    #[error("{text:?} is not a SHA-256 in hex")]
    Checksum {
        /// The field.
        text: String,
    },
    /// The third field is not a count.
    #[error("{text:?} is not an entry count")]
    EntryCount {
        /// The field.
        text: String,
    },
    /// The fourth field is not the file name without `.txz`.
    #[error("set {dist:?} does not match file {file:?}")]
    DistMismatch {
        /// The fourth field.
        dist: String,
        /// The first field.
        file: String,
    },
    /// The fifth field is not wrapped in double quotes.
    #[error("description {text:?} is not in double quotes")]
    Description {
        /// The field.
        text: String,
    },
    /// The sixth field is neither `on` nor `off`.
    #[error("{text:?} is neither 'on' nor 'off'")]
    Default {
        /// The field.
        text: String,
    },
    /// A set already appeared on an earlier line.
    #[error("set {name} is listed twice")]
    Duplicate {
        /// The repeated set.
        name: DistSetName,
    },
}

/// A `MANIFEST` that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// A line is malformed.
    #[error("MANIFEST line {line}: {error} (line: {text:?})")]
    Line {
        /// The line number, from 1.
        line: usize,
        /// The line's text.
        text: String,
        /// What is wrong with it.
        error: ManifestLineError,
    },
    /// The file lists no set at all.
    #[error("MANIFEST lists no distribution set")]
    Empty,
}

impl Manifest {
    /// Parses the text of a `MANIFEST`. Empty lines are skipped; every other
    /// line must be well formed.
    ///
    /// # Errors
    ///
    /// [`ManifestError::Line`] with the line number and text of the first
    /// malformed line, or [`ManifestError::Empty`].
    ///
    /// References: FreeBSD's `release/scripts/make-manifest.sh`.
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let mut entries = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            if line.is_empty() {
                continue;
            }
            let line_error = |error| ManifestError::Line {
                line: index + 1,
                text: line.to_string(),
                error,
            };
            let entry = parse_line(line).map_err(line_error)?;
            if entries.contains_key(&entry.name) {
                return Err(line_error(ManifestLineError::Duplicate {
                    name: entry.name,
                }));
            }
            entries.insert(entry.name.clone(), entry);
        }
        if entries.is_empty() {
            return Err(ManifestError::Empty);
        }
        Ok(Self { entries })
    }

    /// The entry for `name`, if listed.
    pub fn get(&self, name: &DistSetName) -> Option<&ManifestEntry> {
        self.entries.get(name)
    }

    /// Every entry, by set name.
    pub fn entries(&self) -> impl Iterator<Item = &ManifestEntry> {
        self.entries.values()
    }
}

fn parse_line(line: &str) -> Result<ManifestEntry, ManifestLineError> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [file, checksum, count, dist, description, default] = fields[..] else {
        return Err(ManifestLineError::FieldCount {
            found: fields.len(),
        });
    };
    let name = DistSetName::new(file)?;
    let sha256 = Sha256Digest::from_hex(checksum).ok_or_else(|| ManifestLineError::Checksum {
        text: checksum.to_string(),
    })?;
    let entry_count = parse_count(count)?;
    if dist != name.dist() {
        return Err(ManifestLineError::DistMismatch {
            dist: dist.to_string(),
            file: file.to_string(),
        });
    }
    let description = description
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .ok_or_else(|| ManifestLineError::Description {
            text: description.to_string(),
        })?;
    let selected_by_default = match default {
        "on" => true,
        "off" => false,
        other => {
            return Err(ManifestLineError::Default {
                text: other.to_string(),
            });
        }
    };
    Ok(ManifestEntry {
        name,
        sha256,
        entry_count,
        description: description.to_string(),
        selected_by_default,
    })
}

/// A decimal count: digits only, no sign, no spaces.
fn parse_count(text: &str) -> Result<u64, ManifestLineError> {
    let error = || ManifestLineError::EntryCount {
        text: text.to_string(),
    };
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(error());
    }
    text.parse().map_err(|_| error())
}
