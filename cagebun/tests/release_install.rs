//! Installing release sets from a loopback HTTP mirror and a local
//! directory: good, interrupted, corrupted and hostile downloads.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use cagebun::release::{
    Arch, DirectoryTarget, DistSetName, DistSite, ExtractError, FileFlags, ManifestError,
    ManifestLineError, ProgressEvent, ReleaseError, ReleaseInstaller, ReleaseName,
};
use cagebun::rootfs::{RelPath, RelPathError, RootfsError};
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

const MTIME: u64 = 1_700_000_000;

// ---- a loopback mirror ---------------------------------------------------

#[derive(Default)]
struct Content {
    files: HashMap<String, Vec<u8>>,
    /// Path whose next full GET sends only this many body bytes, then closes.
    cut_next: Option<(String, usize)>,
    /// Every request: path and the Range start asked for.
    log: Vec<(String, Option<u64>)>,
}

struct Mirror {
    port: u16,
    content: Arc<Mutex<Content>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

const SITE_PATH: &str = "/pub/FreeBSD/releases/amd64/amd64/14.3-RELEASE";

impl Mirror {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let content = Arc::new(Mutex::new(Content::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let content = Arc::clone(&content);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        answer(stream, &content);
                    }
                }
            })
        };
        Self {
            port,
            content,
            stop,
            thread: Some(thread),
        }
    }

    fn put(&self, name: &str, data: Vec<u8>) {
        let mut content = self.content.lock().unwrap();
        content.files.insert(format!("{SITE_PATH}/{name}"), data);
    }

    fn cut_next(&self, name: &str, bytes: usize) {
        self.content.lock().unwrap().cut_next = Some((format!("{SITE_PATH}/{name}"), bytes));
    }

    fn log(&self) -> Vec<(String, Option<u64>)> {
        self.content.lock().unwrap().log.clone()
    }

    fn mirror_url(&self) -> String {
        format!("http://127.0.0.1:{}/pub/FreeBSD", self.port)
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(mut stream: TcpStream, content: &Mutex<Content>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("range: bytes=") {
            range = value.trim().trim_end_matches('-').parse::<u64>().ok();
        }
    }
    let (reply, cut) = {
        let mut content = content.lock().unwrap();
        content.log.push((path.clone(), range));
        let cut = match &content.cut_next {
            Some((cut_path, bytes)) if *cut_path == path && range.is_none() => Some(*bytes),
            _ => None,
        };
        if cut.is_some() {
            content.cut_next = None;
        }
        (content.files.get(&path).cloned(), cut)
    };
    let response = match (reply, range) {
        (None, _) => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        (Some(data), Some(start)) if start >= data.len() as u64 => format!(
            "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            data.len()
        )
        .into_bytes(),
        (Some(data), Some(start)) => {
            let body = &data[start as usize..];
            let mut out = format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {}-{}/{}\r\nConnection: close\r\n\r\n",
                body.len(),
                start,
                data.len() - 1,
                data.len()
            )
            .into_bytes();
            out.extend_from_slice(body);
            out
        }
        (Some(data), None) => {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                data.len()
            )
            .into_bytes();
            out.extend_from_slice(&data[..cut.unwrap_or(data.len())]);
            out
        }
    };
    let _ = stream.write_all(&response);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

// ---- fixtures -------------------------------------------------------------

fn header(kind: EntryType, mode: u32, uid: u64, gid: u64, size: u64) -> Header {
    let mut header = Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_uid(uid);
    header.set_gid(gid);
    header.set_mtime(MTIME);
    header.set_size(size);
    header
}

/// Appends an entry with name and link written byte for byte, unchecked.
fn raw_entry(
    builder: &mut tar::Builder<Vec<u8>>,
    mut header: Header,
    name: &str,
    link: Option<&str>,
    data: &[u8],
) {
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    if let Some(link) = link {
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    header.set_cksum();
    builder.append(&header, data).unwrap();
}

fn txz(tar_bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut &tar_bytes[..], &mut out).unwrap();
    out
}

/// A small base set with every kind of entry a release holds.
fn base_set() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let dir = |mode| header(EntryType::Directory, mode, 0, 0, 0);
    raw_entry(&mut b, dir(0o755), "./", None, b"");
    raw_entry(&mut b, dir(0o755), "./etc/", None, b"");
    let motd = b"Welcome to a cage.\n";
    raw_entry(
        &mut b,
        header(EntryType::Regular, 0o644, 0, 0, motd.len() as u64),
        "./etc/motd",
        None,
        motd,
    );
    raw_entry(
        &mut b,
        header(EntryType::Symlink, 0o755, 0, 0, 0),
        "./etc/termcap",
        Some("/usr/share/misc/termcap"),
        b"",
    );
    raw_entry(&mut b, dir(0o755), "./usr/", None, b"");
    raw_entry(&mut b, dir(0o755), "./usr/bin/", None, b"");
    b.append_pax_extensions([("SCHILY.fflags", b"schg".as_slice())])
        .unwrap();
    let passwd = b"\x7fELF passwd";
    raw_entry(
        &mut b,
        header(EntryType::Regular, 0o4555, 0, 0, passwd.len() as u64),
        "./usr/bin/passwd",
        None,
        passwd,
    );
    raw_entry(
        &mut b,
        header(EntryType::Link, 0o4555, 0, 0, 0),
        "./usr/bin/chpass",
        Some("./usr/bin/passwd"),
        b"",
    );
    raw_entry(&mut b, dir(0o755), "./var/", None, b"");
    b.append_pax_extensions([("SCHILY.fflags", b"schg".as_slice())])
        .unwrap();
    raw_entry(&mut b, dir(0o555), "./var/empty/", None, b"");
    let owned = b"owned by 1234:5678\n";
    raw_entry(
        &mut b,
        header(EntryType::Regular, 0o600, 1234, 5678, owned.len() as u64),
        "./var/owned",
        None,
        owned,
    );
    raw_entry(
        &mut b,
        header(EntryType::Symlink, 0o755, 0, 0, 0),
        "./sys",
        Some("usr/src/sys"),
        b"",
    );
    txz(&b.into_inner().unwrap())
}

fn lib32_set() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    raw_entry(
        &mut b,
        header(EntryType::Directory, 0o755, 0, 0, 0),
        "./usr/lib32/",
        None,
        b"",
    );
    let lib = b"lib32 libc";
    raw_entry(
        &mut b,
        header(EntryType::Regular, 0o444, 0, 0, lib.len() as u64),
        "./usr/lib32/libc.so.7",
        None,
        lib,
    );
    txz(&b.into_inner().unwrap())
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn manifest_line(name: &str, data: &[u8], count: u64) -> String {
    let dist = name.trim_end_matches(".txz");
    format!(
        "{name}\t{}\t{count}\t{dist}\t\"{dist} set\"\ton\n",
        sha256_hex(data)
    )
}

// ---- test plumbing ----------------------------------------------------------

struct Scene {
    temp: tempfile::TempDir,
    downloads: PathBuf,
    target: PathBuf,
    outside: PathBuf,
}

fn scene() -> Scene {
    let temp = tempfile::tempdir().unwrap();
    let downloads = temp.path().join("downloads");
    let outside = temp.path().join("outside");
    fs::create_dir(&downloads).unwrap();
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("secret"), "host secret\n").unwrap();
    Scene {
        target: temp.path().join("release"),
        temp,
        downloads,
        outside,
    }
}

fn release() -> ReleaseName {
    ReleaseName::new("14.3-RELEASE").unwrap()
}

fn amd64() -> Arch {
    Arch::new("amd64").unwrap()
}

fn http_site(mirror: &Mirror) -> DistSite {
    DistSite::for_release(&mirror.mirror_url(), &release(), &amd64()).unwrap()
}

fn set(name: &str) -> DistSetName {
    DistSetName::new(name).unwrap()
}

fn install(
    site: DistSite,
    scene: &Scene,
    sets: &[&str],
) -> Result<cagebun::release::InstalledRelease, ReleaseError> {
    let mut installer = ReleaseInstaller::new(release(), amd64(), site, &scene.downloads);
    for name in sets {
        installer = installer.with_set(set(name));
    }
    installer.install(&mut DirectoryTarget::new(&scene.target))
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, u64, Vec<u8>)> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let data = if meta.is_file() {
                fs::read(&path).unwrap()
            } else {
                Vec::new()
            };
            if meta.is_dir() {
                pending.push(path.clone());
            }
            entries.insert(path, (meta.mode(), meta.len(), data));
        }
    }
    entries
}

fn running_as_root() -> bool {
    let root = rustix::process::geteuid().is_root();
    if !root {
        eprintln!("skipped: extraction restores numeric owners, which needs root");
    }
    root
}

fn publish_good_release(mirror: &Mirror) -> (Vec<u8>, Vec<u8>) {
    let (base, lib32) = (base_set(), lib32_set());
    let manifest = manifest_line("base.txz", &base, 12) + &manifest_line("lib32.txz", &lib32, 2);
    mirror.put("MANIFEST", manifest.into_bytes());
    mirror.put("base.txz", base.clone());
    mirror.put("lib32.txz", lib32.clone());
    (base, lib32)
}

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

// ---- tests ------------------------------------------------------------------

#[test]
fn good_download_installs_every_entry_with_its_metadata() {
    if !running_as_root() {
        return;
    }
    let mirror = Mirror::start();
    let (base, _) = publish_good_release(&mirror);
    let scene = scene();
    let mut events = Vec::new();
    let mut record = |event: &ProgressEvent<'_>| events.push(format!("{event:?}"));
    let installed = ReleaseInstaller::new(release(), amd64(), http_site(&mirror), &scene.downloads)
        .with_set(set("lib32.txz"))
        .with_progress(&mut record)
        .install(&mut DirectoryTarget::new(&scene.target))
        .unwrap();

    let root = &scene.target;
    assert_eq!(installed.root, *root);
    let counts: Vec<(String, u64)> = installed
        .sets
        .iter()
        .map(|s| (s.set.to_string(), s.entries))
        .collect();
    assert_eq!(
        counts,
        vec![("base.txz".to_string(), 11), ("lib32.txz".to_string(), 2)]
    );
    assert_eq!(listing(root), ["etc", "sys", "usr", "var"]);
    assert_eq!(
        fs::read_to_string(root.join("etc/motd")).unwrap(),
        "Welcome to a cage.\n"
    );
    assert_eq!(mode_of(&root.join("etc/motd")), 0o644);
    assert_eq!(
        fs::metadata(root.join("etc/motd")).unwrap().mtime(),
        MTIME as i64
    );
    assert_eq!(
        fs::metadata(root.join("etc")).unwrap().mtime(),
        MTIME as i64
    );
    assert_eq!(mode_of(&root.join("usr/bin/passwd")), 0o4555);
    assert_eq!(
        fs::metadata(root.join("usr/bin/passwd")).unwrap().ino(),
        fs::metadata(root.join("usr/bin/chpass")).unwrap().ino()
    );
    assert_eq!(mode_of(&root.join("var/empty")), 0o555);
    let owned = fs::metadata(root.join("var/owned")).unwrap();
    assert_eq!(
        (owned.uid(), owned.gid(), owned.mode() & 0o7777),
        (1234, 5678, 0o600)
    );
    assert_eq!(
        fs::read_link(root.join("sys")).unwrap(),
        Path::new("usr/src/sys")
    );
    assert_eq!(
        fs::read_link(root.join("etc/termcap")).unwrap(),
        Path::new("/usr/share/misc/termcap")
    );
    assert_eq!(
        fs::read(root.join("usr/lib32/libc.so.7")).unwrap(),
        b"lib32 libc"
    );
    let schg = FileFlags::parse("schg").unwrap();
    assert_eq!(
        installed.file_flags,
        vec![
            (RelPath::new("usr/bin/passwd").unwrap(), schg.clone()),
            (RelPath::new("var/empty").unwrap(), schg),
        ]
    );
    assert_eq!(installed.file_flags_applied, cfg!(target_os = "freebsd"));
    assert_eq!(listing(&scene.downloads), ["base.txz", "lib32.txz"]);

    let base_len = base.len() as u64;
    let last_download = events
        .iter()
        .rev()
        .find(|e| e.starts_with("Downloading") && e.contains("base.txz"))
        .unwrap();
    assert!(
        last_download.ends_with(&format!("received: {base_len}, total: Some({base_len}) }}")),
        "{last_download}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("Extracting") && e.contains("entries: 11, expected_entries: 12"))
    );
    assert_eq!(
        events.iter().filter(|e| e.starts_with("Extracted")).count(),
        2
    );
}

#[test]
fn interrupted_download_resumes_with_a_range_request() {
    if !running_as_root() {
        return;
    }
    let mirror = Mirror::start();
    let (base, _) = publish_good_release(&mirror);
    let half = base.len() / 2;
    mirror.cut_next("base.txz", half);
    let scene = scene();

    let error = install(http_site(&mirror), &scene, &[]).unwrap_err();
    assert!(
        matches!(&error, ReleaseError::Interrupted { received, .. } if *received == half as u64),
        "{error}"
    );
    assert_eq!(listing(&scene.downloads), ["base.txz.part"]);
    assert_eq!(
        fs::metadata(scene.downloads.join("base.txz.part"))
            .unwrap()
            .len(),
        half as u64
    );
    assert!(!scene.target.exists());

    let installed = install(http_site(&mirror), &scene, &[]).unwrap();
    assert_eq!(installed.sets[0].entries, 11);
    assert_eq!(listing(&scene.downloads), ["base.txz"]);
    let base_path = format!("{SITE_PATH}/base.txz");
    let base_requests: Vec<Option<u64>> = mirror
        .log()
        .into_iter()
        .filter(|(path, _)| *path == base_path)
        .map(|(_, range)| range)
        .collect();
    assert_eq!(base_requests, vec![None, Some(half as u64)]);
}

#[test]
fn checksum_mismatch_leaves_no_file_and_no_tree() {
    let mirror = Mirror::start();
    let base = base_set();
    let mut corrupted = base.clone();
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 0xff;
    mirror.put(
        "MANIFEST",
        manifest_line("base.txz", &base, 12).into_bytes(),
    );
    mirror.put("base.txz", corrupted.clone());
    let scene = scene();

    let error = install(http_site(&mirror), &scene, &[]).unwrap_err();
    match &error {
        ReleaseError::ChecksumMismatch {
            set,
            expected,
            actual,
        } => {
            assert_eq!(set.as_str(), "base.txz");
            assert_eq!(expected.to_string(), sha256_hex(&base));
            assert_eq!(actual.to_string(), sha256_hex(&corrupted));
        }
        other => panic!("unexpected error: {other}"),
    }
    assert!(listing(&scene.downloads).is_empty());
    assert!(!scene.target.exists());
}

#[test]
fn malformed_manifest_is_refused_with_its_line() {
    let mirror = Mirror::start();
    mirror.put(
        "MANIFEST",
        b"base.txz\tabc\t12\tbase\t\"Base system (MANDATORY)\"\ton\n".to_vec(),
    );
    let scene = scene();
    let error = install(http_site(&mirror), &scene, &[]).unwrap_err();
    match &error {
        ReleaseError::Manifest {
            source: ManifestError::Line { line, error, .. },
            ..
        } => {
            assert_eq!(*line, 1);
            assert_eq!(
                *error,
                ManifestLineError::Checksum {
                    text: "abc".to_string()
                }
            );
        }
        other => panic!("unexpected error: {other}"),
    }
    assert!(listing(&scene.downloads).is_empty());
}

#[test]
fn missing_sets_are_reported_by_name() {
    let mirror = Mirror::start();
    let base = base_set();
    mirror.put(
        "MANIFEST",
        (manifest_line("base.txz", &base, 12) + &manifest_line("src.txz", b"src", 1)).into_bytes(),
    );
    mirror.put("base.txz", base);
    let scene = scene();

    let error = install(http_site(&mirror), &scene, &["games.txz"]).unwrap_err();
    assert!(
        matches!(&error, ReleaseError::SetNotInManifest { set, .. } if set.as_str() == "games.txz"),
        "{error}"
    );
    let error = install(http_site(&mirror), &scene, &["src.txz"]).unwrap_err();
    let expected = format!("http://127.0.0.1:{}{SITE_PATH}/src.txz", mirror.port);
    assert!(
        matches!(&error, ReleaseError::NotOnSite { location } if *location == expected),
        "{error}"
    );
    assert!(!scene.target.exists());
}

#[test]
fn local_directory_and_file_url_sites_install() {
    if !running_as_root() {
        return;
    }
    let scene = scene();
    let mirror_dir = scene.temp.path().join("mirror");
    fs::create_dir(&mirror_dir).unwrap();
    let base = base_set();
    fs::write(
        mirror_dir.join("MANIFEST"),
        manifest_line("base.txz", &base, 12),
    )
    .unwrap();
    fs::write(mirror_dir.join("base.txz"), &base).unwrap();

    let site = DistSite::parse(&format!("file://{}", mirror_dir.display())).unwrap();
    assert_eq!(
        site,
        DistSite::Local {
            dir: mirror_dir.clone()
        }
    );
    let installed = install(site, &scene, &[]).unwrap();
    assert_eq!(installed.sets[0].entries, 11);
    assert_eq!(
        fs::read(scene.target.join("usr/bin/chpass")).unwrap(),
        b"\x7fELF passwd"
    );
}

/// Installs a base set made of `entries` and checks that it is refused with
/// nothing left in the target and nothing changed outside.
fn assert_refused(build: impl FnOnce(&mut tar::Builder<Vec<u8>>, &Path)) -> ExtractError {
    let scene = scene();
    let mut builder = tar::Builder::new(Vec::new());
    let motd = b"written before the hostile entry\n";
    raw_entry(
        &mut builder,
        header(EntryType::Directory, 0o755, 0, 0, 0),
        "etc/",
        None,
        b"",
    );
    raw_entry(
        &mut builder,
        header(EntryType::Regular, 0o644, 0, 0, motd.len() as u64),
        "etc/motd",
        None,
        motd,
    );
    build(&mut builder, &scene.outside);
    let base = txz(&builder.into_inner().unwrap());
    let mirror = Mirror::start();
    mirror.put("MANIFEST", manifest_line("base.txz", &base, 3).into_bytes());
    mirror.put("base.txz", base);
    let outside_before = snapshot(&scene.outside);

    let error = install(http_site(&mirror), &scene, &[]).unwrap_err();
    assert_eq!(snapshot(&scene.outside), outside_before);
    assert!(!scene.target.exists(), "target left behind after {error}");
    match error {
        ReleaseError::Extract(error) => error,
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn hostile_parent_path_is_refused() {
    let error = assert_refused(|b, _| {
        raw_entry(
            b,
            header(EntryType::Regular, 0o644, 0, 0, 1),
            "../outside/x",
            None,
            b"x",
        );
    });
    assert!(
        matches!(&error, ExtractError::UnsafePath { entry, reason: RelPathError::ParentComponent { .. }, .. }
            if entry == Path::new("../outside/x")),
        "{error}"
    );
}

#[test]
fn hostile_absolute_path_is_refused() {
    let mut name = String::new();
    let error = assert_refused(|b, outside| {
        name = format!("{}/planted", outside.display());
        raw_entry(
            b,
            header(EntryType::Regular, 0o644, 0, 0, 1),
            &name,
            None,
            b"x",
        );
    });
    assert!(
        matches!(&error, ExtractError::UnsafePath { entry, reason: RelPathError::Absolute { .. }, .. }
            if *entry == Path::new(&name)),
        "{error}"
    );
}

#[test]
fn hostile_symlink_climbing_out_is_refused() {
    let error = assert_refused(|b, _| {
        raw_entry(
            b,
            header(EntryType::Symlink, 0o755, 0, 0, 0),
            "etc/escape",
            Some("../../outside"),
            b"",
        );
    });
    assert!(
        matches!(&error, ExtractError::LinkOutside { entry, target, .. }
            if entry.to_string() == "etc/escape" && target == Path::new("../../outside")),
        "{error}"
    );
}

#[test]
fn hostile_write_through_a_planted_symlink_is_refused() {
    let error = assert_refused(|b, outside| {
        let target = outside.display().to_string();
        raw_entry(
            b,
            header(EntryType::Symlink, 0o755, 0, 0, 0),
            "jump",
            Some(&target),
            b"",
        );
        raw_entry(
            b,
            header(EntryType::Regular, 0o644, 0, 0, 1),
            "jump/planted",
            None,
            b"x",
        );
    });
    assert!(
        matches!(&error, ExtractError::Write { source: RootfsError::LinkInPath { component, .. }, .. }
            if component == Path::new("jump")),
        "{error}"
    );
}

#[test]
fn hostile_hard_link_out_of_the_root_is_refused() {
    let error = assert_refused(|b, _| {
        raw_entry(
            b,
            header(EntryType::Link, 0o644, 0, 0, 0),
            "etc/stolen",
            Some("../outside/secret"),
            b"",
        );
    });
    assert!(
        matches!(&error, ExtractError::HardLinkOutside { entry, reason: RelPathError::ParentComponent { .. }, .. }
            if entry.to_string() == "etc/stolen"),
        "{error}"
    );
}

#[test]
fn non_empty_target_is_refused_and_kept() {
    let mirror = Mirror::start();
    publish_good_release(&mirror);
    let scene = scene();
    fs::create_dir(&scene.target).unwrap();
    fs::write(scene.target.join("keep"), "mine").unwrap();
    let error = install(http_site(&mirror), &scene, &[]).unwrap_err();
    assert!(
        matches!(&error, ReleaseError::TargetNotEmpty { path } if *path == scene.target),
        "{error}"
    );
    assert_eq!(listing(&scene.target), ["keep"]);
}
