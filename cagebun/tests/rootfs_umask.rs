//! The umask neither loosens a planned mode nor changes the final one.
//!
//! This runs alone in its own test binary because the umask is process-wide.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use cagebun::rootfs::{FileMode, JailRoot, Owner};
use rustix::fs::Mode;

#[test]
fn final_mode_is_exactly_the_planned_one_under_any_umask() {
    let temp = tempfile::tempdir().unwrap();
    let jail = JailRoot::open(temp.path()).unwrap();
    let owner = Owner {
        uid: rustix::process::geteuid().as_raw(),
        gid: rustix::process::getegid().as_raw(),
    };
    let cases = [
        (0o000, 0o600, "open-umask-private"),
        (0o000, 0o640, "open-umask-group"),
        (0o077, 0o644, "tight-umask-public"),
        (0o077, 0o2750, "tight-umask-setgid"),
        (0o022, 0o660, "usual-umask-group-write"),
    ];
    for (umask, planned, name) in cases {
        let previous = rustix::process::umask(Mode::from_raw_mode(umask));
        jail.write_file(name, b"x", FileMode::new(planned).unwrap(), owner)
            .unwrap();
        jail.create_dir_all(format!("{name}.d"), FileMode::new(planned).unwrap(), owner)
            .unwrap();
        rustix::process::umask(previous);
        for path in [
            temp.path().join(name),
            temp.path().join(format!("{name}.d")),
        ] {
            let actual = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
            assert_eq!(actual, planned, "umask {umask:o}: {}", path.display());
        }
    }
}
