//! Jails created, read, used, updated and removed on a real FreeBSD kernel.
//! These tests need root; they skip out loud without it, and every jail
//! they create is removed by a guard even when an assertion fails.

#[cfg(target_os = "freebsd")]
mod freebsd {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::atomic::{AtomicU32, Ordering};

    use jailctl::{
        Allow, Error, HierarchicalName, Hostname, Jail, JailCommandExt, JailName, JailPath,
        JailSpec, Jid, ParamError, Value, jails,
    };

    /// Whether the tests can create jails here; prints why not.
    pub(crate) fn can_create_jails() -> bool {
        let uid = Command::new("id").arg("-u").output().ok().map(|o| o.stdout);
        if uid.as_deref() != Some(b"0\n".as_slice()) {
            eprintln!("skipped: creating jails requires root");
            return false;
        }
        let jailed = Command::new("sysctl")
            .args(["-n", "security.jail.jailed"])
            .output();
        if jailed.ok().map(|o| o.stdout).as_deref() == Some(b"1\n".as_slice()) {
            eprintln!("skipped: running inside a jail");
            return false;
        }
        true
    }

    /// Removes the jail and its root directory when dropped.
    struct Scratch {
        jid: Option<Jid>,
        root: PathBuf,
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            if let Some(jid) = self.jid.take() {
                let _ = Jail::from_jid(jid).remove();
            }
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    fn unique(tag: &str) -> String {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        format!("jailctl_{tag}_{}_{n}", std::process::id())
    }

    /// A temporary root holding a static `/bin/hostname` (the crunched
    /// `/rescue` binary picks its tool by the name it runs under).
    fn scratch_root(name: &str) -> Option<Scratch> {
        let root = std::env::temp_dir().join(name);
        std::fs::create_dir_all(root.join("bin")).expect("create the jail root");
        let scratch = Scratch { jid: None, root };
        let rescue = Path::new("/rescue/rescue");
        if !rescue.exists() {
            eprintln!("skipped: /rescue/rescue is missing, nothing to run in the jail");
            return None;
        }
        std::fs::copy(rescue, scratch.root.join("bin/hostname")).expect("copy /rescue/rescue");
        Some(scratch)
    }

    fn spec(name: &str, root: &Path, hostname: &str) -> JailSpec {
        JailSpec::new()
            .name(JailName::new(name).unwrap())
            .path(JailPath::new(root).unwrap())
            .hostname(Hostname::new(hostname).unwrap())
            .allow(Allow::RawSockets, false)
            .persist(true)
    }

    pub(crate) fn lifecycle() {
        let name = unique("life");
        let Some(mut scratch) = scratch_root(&name) else {
            return;
        };
        let root = std::fs::canonicalize(&scratch.root).unwrap();

        // Create, and read the parameters back.
        let jail = Jail::create(&spec(&name, &root, "mq.example.org")).expect("create");
        scratch.jid = Some(jail.jid());
        let info = jail.info().expect("jail_get");
        assert_eq!(info.get("name"), Some(&Value::String(name.clone())));
        assert_eq!(
            info.get("path"),
            Some(&Value::String(root.to_str().unwrap().into()))
        );
        assert_eq!(
            info.get("host.hostname"),
            Some(&Value::String("mq.example.org".into()))
        );
        assert_eq!(info.get("persist"), Some(&Value::Bool(true)));
        assert_eq!(info.get("allow.raw_sockets"), Some(&Value::Bool(false)));
        assert_eq!(info.get("dying"), Some(&Value::Bool(false)));
        assert_eq!(info.get("enforce_statfs"), Some(&Value::Int(2)));

        // Find it by name and in the list of all jails.
        let by_name = Jail::find_by_name(&HierarchicalName::new(&name).unwrap()).unwrap();
        assert_eq!(by_name.jid(), jail.jid());
        assert!(jails().any(|j| j.map(|j| j.jid()).ok() == Some(jail.jid())));

        // Run a program inside: it sees the jail's host name.
        let out = Command::new("/bin/hostname")
            .jail(jail.jid())
            .output()
            .expect("spawn");
        assert!(out.status.success(), "{out:?}");
        assert_eq!(out.stdout, b"mq.example.org\n");

        // Update a parameter; a create-only one is refused before the call.
        let rename = JailSpec::new().hostname(Hostname::new("mq2.example.org").unwrap());
        jail.update(&rename).expect("update");
        let got = jail.get(&["host.hostname"]).unwrap();
        assert_eq!(
            got,
            vec![(
                "host.hostname".into(),
                Value::String("mq2.example.org".into())
            )]
        );
        let moved = JailSpec::new().path(JailPath::new("/").unwrap());
        assert!(matches!(
            jail.update(&moved),
            Err(Error::Param(ParamError::CreateOnly { ref param })) if param == "path"
        ));

        // Remove it.
        let jid = scratch.jid.take().unwrap();
        Jail::from_jid(jid).remove().expect("remove");
        let gone = Jail::find(jid).unwrap_err();
        match gone {
            Error::Kernel(e) => assert_eq!(e.errno().raw(), libc::ENOENT),
            other => panic!("expected ENOENT, got {other}"),
        }
    }

    pub(crate) fn kernel_errors_keep_errno_and_errmsg() {
        let name = unique("dup");
        let Some(mut scratch) = scratch_root(&name) else {
            return;
        };
        let root = std::fs::canonicalize(&scratch.root).unwrap();
        let jail = Jail::create(&spec(&name, &root, "dup")).expect("create");
        scratch.jid = Some(jail.jid());

        let err = Jail::create(&spec(&name, &root, "dup")).unwrap_err();
        let Error::Kernel(err) = err else {
            panic!("expected a kernel error, got {err}")
        };
        assert_eq!(err.errno().raw(), libc::EEXIST);
        assert_eq!(
            err.errmsg(),
            Some(format!("jail \"{name}\" already exists").as_str())
        );
        assert_eq!(
            err.to_string(),
            format!("{name}: jail_set: jail \"{name}\" already exists")
        );
    }

    pub(crate) fn clearing_persist_lets_an_empty_jail_go() {
        let name = unique("persist");
        let Some(mut scratch) = scratch_root(&name) else {
            return;
        };
        let root = std::fs::canonicalize(&scratch.root).unwrap();
        let jail = Jail::create(&spec(&name, &root, "p")).expect("create");
        scratch.jid = Some(jail.jid());
        jail.clear_persist().expect("clear persist");
        let Err(Error::Kernel(err)) = Jail::find(jail.jid()) else {
            panic!("jail {} still alive without persist", jail.jid())
        };
        assert_eq!(err.errno().raw(), libc::ENOENT);
    }
}

#[test]
#[cfg_attr(not(target_os = "freebsd"), ignore = "needs FreeBSD")]
fn create_read_run_update_remove() {
    #[cfg(target_os = "freebsd")]
    if freebsd::can_create_jails() {
        freebsd::lifecycle();
    }
    #[cfg(not(target_os = "freebsd"))]
    panic!("jails need FreeBSD");
}

#[test]
#[cfg_attr(not(target_os = "freebsd"), ignore = "needs FreeBSD")]
fn duplicate_name_reports_errno_and_kernel_message() {
    #[cfg(target_os = "freebsd")]
    if freebsd::can_create_jails() {
        freebsd::kernel_errors_keep_errno_and_errmsg();
    }
    #[cfg(not(target_os = "freebsd"))]
    panic!("jails need FreeBSD");
}

#[test]
#[cfg_attr(not(target_os = "freebsd"), ignore = "needs FreeBSD")]
fn clear_persist_removes_an_empty_jail() {
    #[cfg(target_os = "freebsd")]
    if freebsd::can_create_jails() {
        freebsd::clearing_persist_lets_an_empty_jail_go();
    }
    #[cfg(not(target_os = "freebsd"))]
    panic!("jails need FreeBSD");
}
