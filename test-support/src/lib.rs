//! Support for the workspace's tests that need a real ZFS kernel module: a
//! throwaway pool on a file vdev, and commands whose output is the
//! independent witness of what the code under test did.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Size of every test pool's file vdev: small, since the pools live in RAM.
const VDEV_BYTES: u64 = 128 << 20;

/// Variables under which a missing `/dev/zfs` fails a test instead of
/// skipping it.
const REQUIRE_ZFS_VARS: [&str; 2] = ["CAGEBUN_REQUIRE_ZFS", "ZFSCTL_REQUIRE_ZFS"];

/// A pool on a sparse file under `/run`, mounted at `/run/<name>`, destroyed
/// with everything in it when dropped, even when the test fails.
///
/// References: zpool-create(8), zpool-destroy(8).
#[derive(Debug)]
pub struct TestPool {
    name: String,
    vdev: PathBuf,
}

impl TestPool {
    /// Creates the pool `<prefix><pid><tag>`, or returns `None` after
    /// printing why when `/dev/zfs` is absent.
    ///
    /// # Panics
    ///
    /// When `/dev/zfs` is absent and `CAGEBUN_REQUIRE_ZFS=1` or
    /// `ZFSCTL_REQUIRE_ZFS=1` is set, or when the pool cannot be created.
    pub fn create(prefix: &str, tag: &str) -> Option<TestPool> {
        if !Path::new("/dev/zfs").exists() {
            let required = REQUIRE_ZFS_VARS
                .iter()
                .any(|var| std::env::var(var).as_deref() == Ok("1"));
            assert!(
                !required,
                "real ZFS is required here, but /dev/zfs is absent"
            );
            println!("skipped: /dev/zfs is absent (no ZFS kernel module)");
            return None;
        }
        let name = format!("{prefix}{}{tag}", std::process::id());
        let vdev = PathBuf::from(format!("/run/{name}.img"));
        let file = fs::File::create(&vdev).expect("create the vdev file");
        file.set_len(VDEV_BYTES).expect("size the vdev file");
        let pool = TestPool { name, vdev };
        let mountpoint = format!("mountpoint={}", pool.mountpoint().display());
        run_checked(&[
            "zpool",
            "create",
            "-O",
            &mountpoint,
            &pool.name,
            pool.vdev.to_str().expect("UTF-8 vdev path"),
        ]);
        Some(pool)
    }

    /// The pool's name, which is also its root dataset's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the pool's root dataset is mounted.
    pub fn mountpoint(&self) -> PathBuf {
        PathBuf::from(format!("/run/{}", self.name))
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

/// Runs `args[0]` with the rest as arguments and returns its standard output.
///
/// # Panics
///
/// When the command cannot be started, fails, or prints anything but UTF-8;
/// the message carries the command and its standard error.
pub fn run_checked(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}
