//! Snapshots, rollback, export and import of a cage on a real pool, with
//! zfs(8) as the witness.
//!
//! Skips, saying why, when `/dev/zfs` is absent, unless
//! `CAGEBUN_REQUIRE_ZFS=1` (then it fails). Makes its own pool on a sparse
//! file under `/run` and destroys it in a guard.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use cagebun::archive::{self, ArchiveError, SnapshotLabel};
use zfsctl::{DatasetName, Zfs};

struct TestPool {
    name: String,
    vdev: PathBuf,
}

impl TestPool {
    fn create(tag: &str) -> Option<TestPool> {
        if !std::path::Path::new("/dev/zfs").exists() {
            assert!(
                std::env::var("CAGEBUN_REQUIRE_ZFS").as_deref() != Ok("1"),
                "CAGEBUN_REQUIRE_ZFS=1 but /dev/zfs is absent"
            );
            println!("skipped: /dev/zfs is absent (no ZFS kernel module)");
            return None;
        }
        let name = format!("cba{}{tag}", std::process::id());
        let vdev = PathBuf::from(format!("/run/{name}.img"));
        fs::File::create(&vdev).unwrap().set_len(128 << 20).unwrap();
        let pool = TestPool { name, vdev };
        let mountpoint = format!("mountpoint=/run/{}", pool.name);
        run(&[
            "zpool",
            "create",
            "-O",
            &mountpoint,
            &pool.name,
            pool.vdev.to_str().unwrap(),
        ]);
        Some(pool)
    }

    /// A cage `rabbit` with a `root` child holding `etc/motd`.
    fn make_cage(&self) -> DatasetName {
        let cage = format!("{}/cagebun/cages/rabbit", self.name);
        run(&[
            "zfs",
            "create",
            "-p",
            &format!("{}/cagebun/cages", self.name),
        ]);
        run(&[
            "zfs",
            "create",
            "-o",
            "org.cagebun:jail_name=rabbit",
            "-o",
            "org.cagebun:priority=10",
            &cage,
        ]);
        run(&["zfs", "create", &format!("{cage}/root")]);
        fs::create_dir_all(self.motd().parent().unwrap()).unwrap();
        fs::write(self.motd(), "before\n").unwrap();
        DatasetName::new(cage).unwrap()
    }

    fn motd(&self) -> PathBuf {
        PathBuf::from(format!(
            "/run/{}/cagebun/cages/rabbit/root/etc/motd",
            self.name
        ))
    }
}

impl Drop for TestPool {
    fn drop(&mut self) {
        let status = Command::new("zpool")
            .args(["destroy", "-f", &self.name])
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("zpool destroy {} failed: {status:?}", self.name);
        }
        let _ = fs::remove_file(&self.vdev);
    }
}

fn run(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[test]
fn labels_are_validated_and_name_the_value() {
    for (bad, reason) in [
        ("", "must be 1 to 64 characters"),
        ("-x", "must start with a letter or digit"),
        (
            "a/b",
            "may hold only letters, digits, '_', '-', '.' and ':'",
        ),
        (
            "a@b",
            "may hold only letters, digits, '_', '-', '.' and ':'",
        ),
        (
            "with space",
            "may hold only letters, digits, '_', '-', '.' and ':'",
        ),
    ] {
        match SnapshotLabel::new(bad) {
            Err(ArchiveError::BadLabel { label, reason: r }) => {
                assert_eq!((label.as_str(), r), (bad, reason));
            }
            other => panic!("{bad:?}: expected BadLabel, got {other:?}"),
        }
    }
    assert!(SnapshotLabel::new(&"a".repeat(65)).is_err());
    assert_eq!(
        SnapshotLabel::new("2024-06-01T12:00.pre_upgrade")
            .unwrap()
            .as_str(),
        "2024-06-01T12:00.pre_upgrade"
    );
}

#[test]
fn snapshot_and_rollback_cover_the_whole_tree() {
    let Some(pool) = TestPool::create("snap") else {
        return;
    };
    let cage = pool.make_cage();
    let zfs = Zfs::open().unwrap();
    let before = SnapshotLabel::new("before").unwrap();
    let snap = archive::snapshot(&zfs, &cage, &before).unwrap();
    assert_eq!(snap.as_str(), format!("{cage}@before"));
    assert_eq!(
        lines(&run(&[
            "zfs",
            "list",
            "-H",
            "-t",
            "snapshot",
            "-o",
            "name",
            "-s",
            "name",
            "-r",
            cage.as_str()
        ])),
        [format!("{cage}/root@before"), format!("{cage}@before")]
    );
    match archive::snapshot(&zfs, &cage, &before) {
        Err(ArchiveError::SnapshotExists(name)) => assert_eq!(name, format!("{cage}@before")),
        other => panic!("expected SnapshotExists, got {other:?}"),
    }

    fs::write(pool.motd(), "after\n").unwrap();
    archive::rollback(&zfs, &cage, &before).unwrap();
    assert_eq!(fs::read_to_string(pool.motd()).unwrap(), "before\n");

    // A later snapshot blocks rollback to the earlier one, before anything moves.
    fs::write(pool.motd(), "changed\n").unwrap();
    archive::snapshot(&zfs, &cage, &SnapshotLabel::new("later").unwrap()).unwrap();
    match archive::rollback(&zfs, &cage, &before) {
        Err(ArchiveError::LaterSnapshots {
            dataset,
            label,
            later,
        }) => {
            assert_eq!((dataset, label), (cage.to_string(), "before".to_owned()));
            assert_eq!(later, [format!("{cage}@later")]);
        }
        other => panic!("expected LaterSnapshots, got {other:?}"),
    }
    assert_eq!(fs::read_to_string(pool.motd()).unwrap(), "changed\n");
    match archive::rollback(&zfs, &cage, &SnapshotLabel::new("never").unwrap()) {
        Err(ArchiveError::NoSuchSnapshot(name)) => assert_eq!(name, format!("{cage}@never")),
        other => panic!("expected NoSuchSnapshot, got {other:?}"),
    }
}

#[test]
fn export_import_round_trip_refusals_and_clean_failure() {
    let Some(pool) = TestPool::create("exp") else {
        return;
    };
    let cage = pool.make_cage();
    let zfs = Zfs::open().unwrap();
    let label = SnapshotLabel::new("move").unwrap();
    archive::snapshot(&zfs, &cage, &label).unwrap();
    let file = PathBuf::from(format!("/run/{}.cbz", pool.name));
    let _ = fs::remove_file(&file);
    let (header, sizes) = archive::export(&zfs, &cage, &label, &file).unwrap();
    assert_eq!(header.cage, "rabbit");
    let relatives: Vec<&str> = header
        .datasets
        .iter()
        .map(|d| d.relative.as_str())
        .collect();
    assert_eq!(relatives, ["", "root"]);
    assert_eq!(
        header.datasets[0]
            .user_properties
            .get("org.cagebun:priority")
            .map(String::as_str),
        Some("10")
    );
    // Witness: each stream is exactly as long as zfs send's for that snapshot.
    for (relative, size) in [("", sizes[0]), ("/root", sizes[1])] {
        let out = Command::new("zfs")
            .args(["send", &format!("{cage}{relative}@move")])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout.len() as u64, size, "stream of {relative:?}");
    }
    let json_len = fs::read(&file).unwrap()[8..12]
        .try_into()
        .map(u32::from_le_bytes)
        .unwrap();
    assert_eq!(
        fs::metadata(&file).unwrap().len(),
        12 + u64::from(json_len) + 8 + sizes[0] + 8 + sizes[1]
    );
    // Export refuses to overwrite.
    assert!(matches!(
        archive::export(&zfs, &cage, &label, &file),
        Err(ArchiveError::Io { .. })
    ));
    assert!(file.exists());

    // The name is taken while the original is there, whatever the parent.
    let parent = DatasetName::new(format!("{}/cagebun/cages", pool.name)).unwrap();
    match archive::import(&zfs, &file, &parent) {
        Err(ArchiveError::DatasetExists(name)) => assert_eq!(name, cage.to_string()),
        other => panic!("expected DatasetExists, got {other:?}"),
    }
    run(&["zfs", "create", &format!("{}/elsewhere", pool.name)]);
    let elsewhere = DatasetName::new(format!("{}/elsewhere", pool.name)).unwrap();
    match archive::import(&zfs, &file, &elsewhere) {
        Err(ArchiveError::CageNameTaken { name, dataset }) => {
            assert_eq!((name.as_str(), dataset), ("rabbit", cage.to_string()));
        }
        other => panic!("expected CageNameTaken, got {other:?}"),
    }

    // A truncated archive fails in the second stream and leaves nothing.
    run(&["zfs", "destroy", "-r", cage.as_str()]);
    let cut = PathBuf::from(format!("/run/{}-cut.cbz", pool.name));
    let mut bytes = fs::read(&file).unwrap();
    let second_stream = 12 + json_len as usize + 8 + sizes[0] as usize + 8;
    bytes.truncate(second_stream + sizes[1] as usize / 2);
    fs::write(&cut, &bytes).unwrap();
    assert!(archive::import(&zfs, &cut, &parent).is_err());
    assert_eq!(
        lines(&run(&[
            "zfs",
            "list",
            "-H",
            "-t",
            "all",
            "-o",
            "name",
            "-r",
            parent.as_str()
        ])),
        [parent.to_string()]
    );

    // The real import restores data, snapshot and user properties.
    let imported = archive::import(&zfs, &file, &parent).unwrap();
    assert_eq!(imported, cage);
    assert_eq!(
        lines(&run(&[
            "zfs",
            "list",
            "-H",
            "-t",
            "all",
            "-o",
            "name",
            "-s",
            "name",
            "-r",
            parent.as_str()
        ])),
        [
            parent.to_string(),
            cage.to_string(),
            format!("{cage}/root"),
            format!("{cage}/root@move"),
            format!("{cage}@move"),
        ]
    );
    assert_eq!(
        run(&[
            "zfs",
            "get",
            "-H",
            "-o",
            "value,source",
            "org.cagebun:priority",
            cage.as_str()
        ]),
        "10\tlocal\n"
    );
    run(&["zfs", "mount", cage.as_str()]);
    run(&["zfs", "mount", &format!("{cage}/root")]);
    assert_eq!(fs::read_to_string(pool.motd()).unwrap(), "before\n");

    let mut not_archive = PathBuf::from(&cut);
    not_archive.set_extension("txt");
    fs::write(&not_archive, "hello").unwrap();
    match archive::import(&zfs, &not_archive, &elsewhere) {
        Err(ArchiveError::BadArchive { reason, .. }) => {
            assert_eq!(reason, "shorter than its 8-byte magic")
        }
        other => panic!("expected BadArchive, got {other:?}"),
    }
    let _ = fs::remove_file(&file);
    let _ = fs::remove_file(&cut);
    let _ = fs::remove_file(&not_archive);
}
