//! Where release files come from, and downloading them with resume.
//!
//! A set is downloaded to `<name>.part` in the download directory; an
//! interrupted download keeps that file and the next attempt asks only for
//! the missing bytes (an HTTP `Range` request, or a seek for a local mirror).
//! Once the transfer ends, the whole file is hashed: a match renames it to
//! `<name>`, a mismatch removes it.
//!
//! References: bsdinstall's `distfetch`, RFC 9110 section 14 (range
//! requests), `sha256(1)`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::manifest::{Manifest, ManifestEntry, Sha256Digest};
use super::{Arch, ProgressEvent, ReleaseError, ReleaseName};

/// The largest `MANIFEST` accepted: real ones are under 1 KiB.
const MANIFEST_LIMIT: u64 = 1024 * 1024;

/// How much is read and written at a time.
const CHUNK: usize = 64 * 1024;

/// The directory that holds a release's `MANIFEST` and `.txz` sets, on an
/// HTTP(S) mirror or on a local file system.
///
/// References: bsdinstall's `BSDINSTALL_DISTSITE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistSite {
    /// An `http://` or `https://` URL ending in `/`.
    Http {
        /// The URL of the directory.
        url: String,
    },
    /// A local directory, from a `file://` URL or a plain path.
    Local {
        /// The directory.
        dir: PathBuf,
    },
}

/// A location that cannot serve release files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location:?} is not a distribution site: {reason}")]
pub struct InvalidDistSite {
    /// The refused location.
    pub location: String,
    /// Why.
    pub reason: &'static str,
}

impl DistSite {
    /// Reads `location`: an `http://` or `https://` URL, a `file://` URL or
    /// a plain directory path, naming the directory that holds `MANIFEST`.
    ///
    /// # Errors
    ///
    /// [`InvalidDistSite`] naming `location` for another scheme, an empty
    /// location, or a URL with a query, fragment or whitespace.
    ///
    /// References: RFC 3986, RFC 8089 (`file` URLs).
    pub fn parse(location: &str) -> Result<Self, InvalidDistSite> {
        let invalid = |reason| InvalidDistSite {
            location: location.to_string(),
            reason,
        };
        if location.is_empty() {
            return Err(invalid("it is empty"));
        }
        if location.contains(|c: char| c.is_whitespace() || c == '?' || c == '#') {
            return Err(invalid("it contains whitespace, '?' or '#'"));
        }
        if let Some(path) = location.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(invalid("a file URL needs an absolute path, file:///dir"));
            }
            return Ok(Self::Local { dir: path.into() });
        }
        if location.starts_with("http://") || location.starts_with("https://") {
            let host = location.split_once("://").map_or("", |(_, rest)| rest);
            if host.is_empty() || host.starts_with('/') {
                return Err(invalid("the URL has no host"));
            }
            let mut url = location.to_string();
            if !url.ends_with('/') {
                url.push('/');
            }
            return Ok(Self::Http { url });
        }
        if location.contains("://") {
            return Err(invalid("only http, https and file URLs are supported"));
        }
        Ok(Self::Local {
            dir: location.into(),
        })
    }

    /// The site of `release` for `arch` on a mirror laid out as FreeBSD's
    /// are: `<mirror>/releases/<machine>/<machine_arch>/<release>/`.
    ///
    /// # Errors
    ///
    /// [`InvalidDistSite`] naming `mirror`, as for [`DistSite::parse`].
    ///
    /// References: bsdinstall's `mirrorselect`.
    pub fn for_release(
        mirror: &str,
        release: &ReleaseName,
        arch: &Arch,
    ) -> Result<Self, InvalidDistSite> {
        let base = mirror.trim_end_matches('/');
        let subdir = format!(
            "releases/{}/{}/{}",
            arch.machine(),
            arch.machine_arch(),
            release
        );
        Self::parse(&format!("{base}/{subdir}/")).map_err(|error| InvalidDistSite {
            location: mirror.to_string(),
            reason: error.reason,
        })
    }

    /// Where `file` is on this site, as text for messages.
    pub fn location_of(&self, file: &str) -> String {
        match self {
            Self::Http { url } => format!("{url}{file}"),
            Self::Local { dir } => dir.join(file).display().to_string(),
        }
    }
}

/// Fetches files from one [`DistSite`].
#[derive(Debug)]
pub(crate) struct SiteClient {
    site: DistSite,
    agent: ureq::Agent,
}

/// An open source of bytes, starting at `offset`.
struct Opened {
    reader: Box<dyn Read + Send>,
    offset: u64,
    total: Option<u64>,
}

impl SiteClient {
    pub(crate) fn new(site: DistSite) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_recv_body(None)
            .build()
            .into();
        Self { site, agent }
    }

    pub(crate) fn site(&self) -> &DistSite {
        &self.site
    }

    /// Reads and parses the site's `MANIFEST`.
    pub(crate) fn fetch_manifest(&self) -> Result<Manifest, ReleaseError> {
        let location = self.site.location_of("MANIFEST");
        tracing::debug!(%location, "fetch MANIFEST");
        let opened = self.open("MANIFEST", 0)?;
        let mut text = String::new();
        opened
            .reader
            .take(MANIFEST_LIMIT)
            .read_to_string(&mut text)
            .map_err(|error| ReleaseError::Transfer {
                location: location.clone(),
                message: error.to_string(),
            })?;
        Manifest::parse(&text).map_err(|source| ReleaseError::Manifest { location, source })
    }

    /// Downloads and verifies `entry` into `dir`, returning the verified
    /// file's path.
    pub(crate) fn download_set(
        &self,
        entry: &ManifestEntry,
        dir: &Path,
        progress: &mut dyn FnMut(&ProgressEvent<'_>),
    ) -> Result<PathBuf, ReleaseError> {
        let name = entry.name.as_str();
        let done = dir.join(name);
        let part = dir.join(format!("{name}.part"));

        // A verified file from an earlier run is kept.
        if done.exists() {
            progress(&ProgressEvent::Verifying { set: &entry.name });
            if hash_file(&done)? == entry.sha256 {
                tracing::debug!(path = %done.display(), "already downloaded and verified");
                return Ok(done);
            }
            remove(&done)?;
        }

        // Transfer what is missing.
        let have = fs::metadata(&part).map_or(0, |meta| meta.len());
        let opened = self.open(name, have)?;
        let location = self.site.location_of(name);
        let received = append_to_part(&part, opened, &location, |received, total| {
            progress(&ProgressEvent::Downloading {
                set: &entry.name,
                received,
                total,
            });
        })?;
        tracing::debug!(%location, received, "transfer complete");

        // Verify the whole file.
        progress(&ProgressEvent::Verifying { set: &entry.name });
        let actual = hash_file(&part)?;
        if actual != entry.sha256 {
            remove(&part)?;
            return Err(ReleaseError::ChecksumMismatch {
                set: entry.name.clone(),
                expected: entry.sha256,
                actual,
            });
        }
        fs::rename(&part, &done).map_err(|source| ReleaseError::DownloadFile {
            path: part.clone(),
            source,
        })?;
        Ok(done)
    }

    /// Opens `file` at byte `offset` (or at 0 when the source cannot
    /// resume).
    fn open(&self, file: &str, offset: u64) -> Result<Opened, ReleaseError> {
        match &self.site {
            DistSite::Http { url } => self.open_http(&format!("{url}{file}"), offset),
            DistSite::Local { dir } => open_local(&dir.join(file), offset),
        }
    }

    fn open_http(&self, url: &str, offset: u64) -> Result<Opened, ReleaseError> {
        let mut request = self.agent.get(url);
        if offset > 0 {
            request = request.header("Range", format!("bytes={offset}-"));
        }
        tracing::debug!(%url, offset, "GET");
        let response = request.call().map_err(|error| ReleaseError::Transfer {
            location: url.to_string(),
            message: error.to_string(),
        })?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_string)
        };
        let length = header("content-length").and_then(|text| text.parse::<u64>().ok());
        let content_range = header("content-range");
        let reader: Box<dyn Read + Send> = Box::new(response.into_body().into_reader());
        match status {
            200 => Ok(Opened {
                reader,
                offset: 0,
                total: length,
            }),
            206 => {
                let total = parse_content_range(content_range.as_deref(), offset).ok_or_else(|| {
                    ReleaseError::Transfer {
                        location: url.to_string(),
                        message: format!(
                            "asked for bytes from {offset}, server answered Content-Range {content_range:?}"
                        ),
                    }
                })?;
                Ok(Opened {
                    reader,
                    offset,
                    total: Some(total),
                })
            }
            // The part file already holds every byte.
            416 if offset > 0 => Ok(Opened {
                reader: Box::new(io::empty()),
                offset,
                total: Some(offset),
            }),
            404 => Err(ReleaseError::NotOnSite {
                location: url.to_string(),
            }),
            _ => Err(ReleaseError::HttpStatus {
                location: url.to_string(),
                status,
            }),
        }
    }
}

fn open_local(path: &Path, offset: u64) -> Result<Opened, ReleaseError> {
    tracing::debug!(path = %path.display(), offset, "open local file");
    let mut file = File::open(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ReleaseError::NotOnSite {
            location: path.display().to_string(),
        },
        _ => ReleaseError::DownloadFile {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let len = file
        .metadata()
        .map_err(|source| ReleaseError::DownloadFile {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    let offset = if offset <= len { offset } else { 0 };
    file.seek(SeekFrom::Start(offset))
        .map_err(|source| ReleaseError::DownloadFile {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(Opened {
        reader: Box::new(file),
        offset,
        total: Some(len),
    })
}

/// The full length from `Content-Range: bytes <offset>-<last>/<length>`,
/// when it starts at `offset`.
fn parse_content_range(value: Option<&str>, offset: u64) -> Option<u64> {
    let (range, length) = value?.strip_prefix("bytes ")?.split_once('/')?;
    let (first, _) = range.split_once('-')?;
    (first.parse::<u64>().ok()? == offset).then_some(())?;
    length.parse().ok()
}

/// Writes `opened` into `part` from its offset, reporting bytes on disk;
/// returns the part file's final length.
fn append_to_part(
    part: &Path,
    mut opened: Opened,
    location: &str,
    mut report: impl FnMut(u64, Option<u64>),
) -> Result<u64, ReleaseError> {
    let file_error = |source| ReleaseError::DownloadFile {
        path: part.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(part)
        .map_err(file_error)?;
    file.set_len(opened.offset).map_err(file_error)?;
    file.seek(SeekFrom::Start(opened.offset))
        .map_err(file_error)?;

    let mut received = opened.offset;
    let mut buffer = vec![0u8; CHUNK];
    report(received, opened.total);
    loop {
        let count = match opened.reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                file.sync_all().map_err(file_error)?;
                return Err(ReleaseError::Interrupted {
                    location: location.to_string(),
                    received,
                    message: error.to_string(),
                });
            }
        };
        file.write_all(&buffer[..count]).map_err(file_error)?;
        received += count as u64;
        report(received, opened.total);
    }
    file.sync_all().map_err(file_error)?;
    match opened.total {
        Some(total) if received < total => Err(ReleaseError::Interrupted {
            location: location.to_string(),
            received,
            message: format!("connection closed after {received} of {total} bytes"),
        }),
        _ => Ok(received),
    }
}

/// The SHA-256 of the file at `path`.
pub(crate) fn hash_file(path: &Path) -> Result<Sha256Digest, ReleaseError> {
    let file_error = |source| ReleaseError::DownloadFile {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(file_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let count = file.read(&mut buffer).map_err(file_error)?;
        if count == 0 {
            break;
        }
        hasher.update(&buffer[..count]);
    }
    Ok(Sha256Digest::from_bytes(hasher.finalize().into()))
}

fn remove(path: &Path) -> Result<(), ReleaseError> {
    tracing::debug!(path = %path.display(), "remove");
    fs::remove_file(path).map_err(|source| ReleaseError::DownloadFile {
        path: path.to_path_buf(),
        source,
    })
}
