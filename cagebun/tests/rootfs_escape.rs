//! Writes into a jail root refuse every planted link, FIFO and climbing path,
//! and change nothing outside the root.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use cagebun::rootfs::{FileMode, JailRoot, Owner, RelPathError, RootfsError};

/// Every entry under `dir` (links not followed), with type, mode, owner,
/// size, mtime and, for files, contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let mut line = format!(
                "{:?} {:o} {}:{} {} {}.{}",
                meta.file_type(),
                meta.mode(),
                meta.uid(),
                meta.gid(),
                meta.len(),
                meta.mtime(),
                meta.mtime_nsec()
            );
            if meta.is_file() {
                line.push_str(&String::from_utf8_lossy(&fs::read(&path).unwrap()));
            } else if meta.is_symlink() {
                line.push_str(&fs::read_link(&path).unwrap().display().to_string());
            } else if meta.is_dir() {
                pending.push(path.clone());
            }
            entries.insert(path, line);
        }
    }
    entries
}

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn running_as_root() -> bool {
    if rustix::process::geteuid().is_root() {
        true
    } else {
        eprintln!("skipped: needs root to chown to other ids");
        false
    }
}

struct Planted {
    _temp: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
}

/// A root full of traps next to an `outside` directory that must not change.
fn plant() -> Planted {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("root");
    let outside = temp.path().join("outside");
    fs::create_dir(&root).unwrap();
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("secret"), "host secret\n").unwrap();
    fs::set_permissions(outside.join("secret"), fs::Permissions::from_mode(0o600)).unwrap();

    symlink(outside.join("secret"), root.join("absolute_link")).unwrap();
    symlink("../outside/secret", root.join("relative_link")).unwrap();
    symlink("../outside", root.join("linked_dir")).unwrap();
    symlink(outside.join("not-there-yet"), root.join("dangling_link")).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        root.join("fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    fs::write(root.join("plain_file"), "inside\n").unwrap();
    Planted {
        _temp: temp,
        root,
        outside,
    }
}

fn mode(bits: u32) -> FileMode {
    FileMode::new(bits).unwrap()
}

#[test]
fn every_planted_trap_is_refused_and_outside_is_untouched() {
    let planted = plant();
    let outside_before = snapshot(&planted.outside);
    let root_before = snapshot(&planted.root);
    let jail = JailRoot::open(&planted.root).unwrap();
    let owner = Owner::ROOT;

    for name in ["absolute_link", "relative_link", "dangling_link"] {
        let error = jail.write_file(name, b"x", mode(0o644), owner).unwrap_err();
        assert!(
            matches!(&error, RootfsError::NotARegularFile { path, found: "symbolic link" }
                if path.to_string() == name),
            "{name}: {error}"
        );
    }
    let error = jail
        .write_file("fifo", b"x", mode(0o644), owner)
        .unwrap_err();
    assert!(
        matches!(&error, RootfsError::NotARegularFile { found: "FIFO", .. }),
        "{error}"
    );

    let error = jail
        .write_file("linked_dir/secret", b"x", mode(0o644), owner)
        .unwrap_err();
    assert!(
        matches!(&error, RootfsError::LinkInPath { component, .. } if component == Path::new("linked_dir")),
        "{error}"
    );
    let error = jail
        .create_dir_all("linked_dir/sub/dir", mode(0o755), owner)
        .unwrap_err();
    assert!(
        matches!(&error, RootfsError::LinkInPath { component, .. } if component == Path::new("linked_dir")),
        "{error}"
    );
    let error = jail.remove_file("linked_dir/secret").unwrap_err();
    assert!(matches!(&error, RootfsError::LinkInPath { .. }), "{error}");

    let error = jail
        .write_file("plain_file/x", b"x", mode(0o644), owner)
        .unwrap_err();
    assert!(
        matches!(&error, RootfsError::NotADirectory { component, .. } if component == Path::new("plain_file")),
        "{error}"
    );

    let error = jail
        .write_file("../outside/secret", b"x", mode(0o644), owner)
        .unwrap_err();
    assert!(
        matches!(&error, RootfsError::InvalidPath(RelPathError::ParentComponent { path })
            if path == Path::new("../outside/secret")),
        "{error}"
    );
    let absolute = planted.outside.join("secret");
    let error = jail
        .write_file(&absolute, b"x", mode(0o644), owner)
        .unwrap_err();
    assert!(
        matches!(&error, RootfsError::InvalidPath(RelPathError::Absolute { path }) if *path == absolute),
        "{error}"
    );
    let error = jail
        .write_file("a/b", b"x", mode(0o644), owner)
        .unwrap_err();
    assert!(
        matches!(&error, RootfsError::MissingDirectory { component, .. } if component == Path::new("a")),
        "{error}"
    );

    // Nothing changed on either side: no target written, no temporary left.
    assert_eq!(snapshot(&planted.outside), outside_before);
    assert_eq!(snapshot(&planted.root), root_before);
    assert!(!planted.outside.join("not-there-yet").exists());
}

#[test]
fn removing_a_link_removes_the_link_not_its_target() {
    let planted = plant();
    let jail = JailRoot::open(&planted.root).unwrap();
    jail.remove_file("absolute_link").unwrap();
    jail.remove_file("relative_link").unwrap();
    assert!(fs::symlink_metadata(planted.root.join("absolute_link")).is_err());
    assert_eq!(
        fs::read_to_string(planted.outside.join("secret")).unwrap(),
        "host secret\n"
    );
}

#[test]
fn write_file_sets_exact_mode_and_owner_and_replaces_a_regular_file() {
    if !running_as_root() {
        return;
    }
    let planted = plant();
    let jail = JailRoot::open(&planted.root).unwrap();
    let owner = Owner {
        uid: 1234,
        gid: 5678,
    };
    jail.create_dir_all("usr/local/etc", mode(0o750), owner)
        .unwrap();
    for dir in ["usr", "usr/local", "usr/local/etc"] {
        let meta = fs::symlink_metadata(planted.root.join(dir)).unwrap();
        assert!(meta.is_dir());
        assert_eq!(mode_of(&planted.root.join(dir)), 0o750, "{dir}");
        assert_eq!((meta.uid(), meta.gid()), (1234, 5678), "{dir}");
    }

    jail.write_file("usr/local/etc/app.conf", b"first\n", mode(0o640), owner)
        .unwrap();
    jail.write_file("usr/local/etc/app.conf", b"second\n", mode(0o600), owner)
        .unwrap();
    let conf = planted.root.join("usr/local/etc/app.conf");
    assert_eq!(fs::read_to_string(&conf).unwrap(), "second\n");
    assert_eq!(mode_of(&conf), 0o600);
    let meta = fs::metadata(&conf).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (1234, 5678));

    // Set-id bits survive the chown because the mode is set after it.
    jail.write_file("plain_file", b"#!/bin/sh\n", mode(0o4755), owner)
        .unwrap();
    assert_eq!(mode_of(&planted.root.join("plain_file")), 0o4755);

    // An existing directory keeps its mode.
    jail.create_dir_all("usr/local", mode(0o700), Owner::ROOT)
        .unwrap();
    assert_eq!(mode_of(&planted.root.join("usr/local")), 0o750);

    let names: Vec<String> = fs::read_dir(planted.root.join("usr/local/etc"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["app.conf".to_string()]);
}

#[test]
fn invalid_mode_is_refused_by_value() {
    let error = FileMode::new(0o10644).unwrap_err();
    assert_eq!(error.mode, 0o10644);
    assert_eq!(error.to_string(), "mode 0o10644 has bits outside 0o7777");
}
