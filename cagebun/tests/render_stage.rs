//! Rendering into a staging directory: contents, modes, the spiped key
//! (its length and mode), symbolic links and roll-back.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use cagebun::names::AccountName;
use cagebun::plan::staged_path;
use cagebun::{CageSpec, FileRole, Plan, RenderError, RenderOptions};

fn plan() -> Plan {
    CageSpec::default().plan().unwrap()
}

fn key_path(stage: &Path) -> PathBuf {
    stage.join("usr/local/etc/spiped/rabbit.key")
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Every file below `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            out.push(path.strip_prefix(dir).unwrap().to_owned());
            for child in tree(&path) {
                out.push(path.strip_prefix(dir).unwrap().join(child));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn files_land_at_their_host_paths_with_their_modes() {
    let dir = tempfile::tempdir().unwrap();
    let stage = dir.path().join("stage");
    let plan = plan();
    let report = plan.render(&stage, &RenderOptions::default()).unwrap();
    assert_eq!(report.written.len(), 7);
    let config = stage.join("cagebun/cages/rabbit/root/usr/local/etc/rabbitmq/rabbitmq.config");
    let expected = plan.file(FileRole::RabbitmqConfig).unwrap().text().unwrap();
    assert_eq!(fs::read_to_string(&config).unwrap(), expected);
    assert_eq!(mode(&config), 0o440);
    assert_eq!(mode(&stage.join("etc/rc.conf.d/spiped")), 0o644);
    let key = key_path(&stage);
    assert_eq!(mode(&key), 0o400);
    assert_eq!(fs::read(&key).unwrap().len(), 32);
    // No temporary file is left beside the rendered ones.
    assert!(
        tree(&stage)
            .iter()
            .all(|p| !p.to_string_lossy().contains("cagebun-new"))
    );
}

#[test]
fn rendering_again_keeps_a_good_key() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan();
    plan.render(dir.path(), &RenderOptions::default()).unwrap();
    let first = fs::read(key_path(dir.path())).unwrap();
    let report = plan.render(dir.path(), &RenderOptions::default()).unwrap();
    assert_eq!(report.kept_key, Some(key_path(dir.path())));
    assert_eq!(fs::read(key_path(dir.path())).unwrap(), first);
    assert_eq!(report.written.len(), 6);
}

fn place_key(stage: &Path, bytes: &[u8], mode: u32) -> PathBuf {
    let key = key_path(stage);
    fs::create_dir_all(key.parent().unwrap()).unwrap();
    fs::write(&key, bytes).unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(mode)).unwrap();
    key
}

#[test]
fn empty_key_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let key = place_key(dir.path(), b"", 0o400);
    let before = tree(dir.path());
    let err = plan()
        .render(dir.path(), &RenderOptions::default())
        .unwrap_err();
    assert!(
        matches!(&err, RenderError::KeyTooShort { path, len: 0 } if *path == key),
        "{err}"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn key_readable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    place_key(dir.path(), &[7u8; 32], 0o644);
    let err = plan()
        .render(dir.path(), &RenderOptions::default())
        .unwrap_err();
    assert!(
        matches!(err, RenderError::KeyReadableByOthers { mode: 0o644, .. }),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    place_key(dir.path(), &[7u8; 31], 0o400);
    let err = plan()
        .render(dir.path(), &RenderOptions::default())
        .unwrap_err();
    assert!(
        matches!(err, RenderError::KeyTooShort { len: 31, .. }),
        "{err}"
    );
}

#[test]
fn symlink_inside_the_stage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("cagebun/cages/rabbit")).unwrap();
    let link = dir.path().join("cagebun/cages/rabbit/root");
    symlink(elsewhere.path(), &link).unwrap();
    let err = plan()
        .render(dir.path(), &RenderOptions::default())
        .unwrap_err();
    assert!(
        matches!(&err, RenderError::SymlinkInStage { path } if *path == link),
        "{err}"
    );
    assert!(tree(elsewhere.path()).is_empty());
    assert_eq!(tree(dir.path()).len(), 4);
}

#[test]
fn refused_path_is_found_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("etc")).unwrap();
    fs::write(dir.path().join("etc/rc.conf.d"), b"not a directory").unwrap();
    let before = tree(dir.path());
    let err = plan()
        .render(dir.path(), &RenderOptions::default())
        .unwrap_err();
    assert!(
        matches!(&err, RenderError::NotADirectory { path } if path.ends_with("etc/rc.conf.d")),
        "{err}"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn failure_after_writes_removes_everything_written() {
    // The jail's files and the key are written before the host's
    // rc.conf.d/spiped, whose temporary name is taken by a directory here.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("etc/rc.conf.d/.spiped.cagebun-new")).unwrap();
    let before = tree(dir.path());
    let err = plan()
        .render(dir.path(), &RenderOptions::default())
        .unwrap_err();
    assert!(
        matches!(&err, RenderError::NotARegularFile { path } if path.ends_with(".spiped.cagebun-new")),
        "{err}"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn chown_by_name_on_this_host() {
    let ids = |name: &str| nix::unistd::Group::from_name(name).ok().flatten();
    if !nix::unistd::geteuid().is_root() || ids("rabbitmq").is_none() {
        eprintln!("skipped: needs root and a rabbitmq group on this host");
        return;
    }
    let rabbitmq_gid = ids("rabbitmq").unwrap().gid.as_raw();
    // Debian has no wheel group.
    let mut spec = CageSpec {
        system_group: AccountName::new("root").unwrap(),
        ..CageSpec::default()
    };
    spec.spiped.key_group = AccountName::new("root").unwrap();
    let plan = spec.plan().unwrap();
    let dir = tempfile::tempdir().unwrap();
    plan.render(dir.path(), &RenderOptions { chown: true })
        .unwrap();
    let env = staged_path(dir.path(), &plan.file(FileRole::RabbitmqEnv).unwrap().path);
    let meta = fs::metadata(&env).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (0, rabbitmq_gid));
    let key = fs::metadata(key_path(dir.path())).unwrap();
    assert_eq!((key.uid(), key.gid(), key.mode() & 0o7777), (0, 0, 0o400));
}

#[test]
fn unknown_group_is_refused_before_writing() {
    let mut spec = CageSpec::default();
    spec.rabbitmq.config_group = AccountName::new("no_such_group_cagebun").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = spec
        .plan()
        .unwrap()
        .render(dir.path(), &RenderOptions { chown: true })
        .unwrap_err();
    assert!(
        matches!(&err, RenderError::UnknownGroup(g) if g == "no_such_group_cagebun"),
        "{err}"
    );
    assert!(tree(dir.path()).is_empty());
}
