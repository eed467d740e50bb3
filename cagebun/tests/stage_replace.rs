//! Replacing a staging directory: only stages cagebun made are replaced, and
//! the spiped key survives a re-render.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use cagebun::stage::{STAGE_MARKER, StageError, replace_stage};
use cagebun::{CageSpec, Plan, RenderOptions};
use sha2::{Digest, Sha256};

fn plan() -> Plan {
    CageSpec::default().plan().unwrap()
}

fn key_sha256(stage: &Path) -> [u8; 32] {
    let key = fs::read(stage.join("usr/local/etc/spiped/rabbit.key")).unwrap();
    assert_eq!(key.len(), 32);
    Sha256::digest(&key).into()
}

#[test]
fn a_directory_not_made_by_cagebun_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let important = dir.path().join("important");
    fs::create_dir(&important).unwrap();
    fs::write(important.join("thesis.txt"), "x").unwrap();

    let err = replace_stage(&plan(), &important, &RenderOptions::default()).unwrap_err();
    assert!(matches!(&err, StageError::NotAStage { path } if path == &important));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not empty and not a stage made by cagebun (no .cagebun-stage); refusing to replace it",
            important.display()
        )
    );
    assert_eq!(
        fs::read_to_string(important.join("thesis.txt")).unwrap(),
        "x"
    );
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["important"]);
}

#[test]
fn a_symlinked_stage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    fs::create_dir(&real).unwrap();
    let link = dir.path().join("link");
    symlink(&real, &link).unwrap();
    let err = replace_stage(&plan(), &link, &RenderOptions::default()).unwrap_err();
    assert!(matches!(&err, StageError::Symlink { path } if path == &link));
    assert!(!dir.path().join("link.old").exists());
    assert!(!dir.path().join("link.new").exists());
    assert_eq!(fs::read_dir(&real).unwrap().count(), 0);
}

#[test]
fn a_leftover_old_directory_not_made_by_cagebun_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let stage = dir.path().join("stage");
    let old = dir.path().join("stage.old");
    fs::create_dir(&old).unwrap();
    fs::write(old.join("keep"), "y").unwrap();
    let err = replace_stage(&plan(), &stage, &RenderOptions::default()).unwrap_err();
    assert!(matches!(&err, StageError::NotAStage { path } if path == &old));
    assert_eq!(fs::read_to_string(old.join("keep")).unwrap(), "y");
    assert!(!stage.exists());
}

#[test]
fn an_empty_directory_and_an_own_stage_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let stage = dir.path().join("stage");
    fs::create_dir(&stage).unwrap();
    replace_stage(&plan(), &stage, &RenderOptions::default()).unwrap();
    assert!(stage.join(STAGE_MARKER).is_file());
    fs::write(stage.join("stray"), "z").unwrap();
    replace_stage(&plan(), &stage, &RenderOptions::default()).unwrap();
    assert!(!stage.join("stray").exists());
    assert!(stage.join("etc/rc.conf.d/spiped").is_file());
    assert!(!dir.path().join("stage.old").exists());
    assert!(!dir.path().join("stage.new").exists());
}

#[test]
fn the_spiped_key_is_kept_across_renders() {
    let dir = tempfile::tempdir().unwrap();
    let stage = dir.path().join("stage");
    let first = replace_stage(&plan(), &stage, &RenderOptions::default()).unwrap();
    assert_eq!(first.kept_key, None);
    let before = key_sha256(&stage);
    let second = replace_stage(&plan(), &stage, &RenderOptions::default()).unwrap();
    assert_eq!(
        second.kept_key,
        Some(stage.join("usr/local/etc/spiped/rabbit.key"))
    );
    assert_eq!(key_sha256(&stage), before);
    let mode = fs::metadata(stage.join("usr/local/etc/spiped/rabbit.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o400);
}
