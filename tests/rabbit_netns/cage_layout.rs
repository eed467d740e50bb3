//! The files a run gives the broker and spiped, in a stage directory of its
//! own, and what the run expects of them.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use cagebun::audit::Listener;

use super::cage_network::run;

/// A numeric user and group, looked up by name.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    /// User ID.
    pub uid: u32,
    /// Group ID.
    pub gid: u32,
}

impl Owner {
    /// `root:root`.
    pub const ROOT: Owner = Owner { uid: 0, gid: 0 };

    /// The user `name` and its primary group, from id(1).
    pub fn of_user(name: &str) -> Result<Self, String> {
        let number = |flag: &str| -> Result<u32, String> {
            let text = run(std::process::Command::new("id").args([flag, name]))?;
            text.trim()
                .parse()
                .map_err(|_| format!("id {flag} {name} printed {text:?}"))
        };
        Ok(Owner {
            uid: number("-u")?,
            gid: number("-g")?,
        })
    }

    /// `root:` the group of this owner.
    pub fn root_with_group_of(self) -> Owner {
        Owner {
            uid: 0,
            gid: self.gid,
        }
    }
}

/// A directory of this run under the system's temporary directory:
/// `etc/` for the files the broker and spiped read, `run/` for what the
/// broker writes. Removed on drop.
#[derive(Debug)]
pub struct StageDir {
    /// The directory itself.
    pub root: PathBuf,
}

/// Counts the stage directories created by this process, for unique names.
static STAGES_CREATED: AtomicU32 = AtomicU32::new(0);

impl StageDir {
    /// Creates the directory with `etc/` (root, 0755) and `run/home`,
    /// `run/mnesia`, `run/log` (owned by `broker`, 0700).
    pub fn create(broker: Owner) -> Result<Self, String> {
        let serial = STAGES_CREATED.fetch_add(1, Ordering::SeqCst);
        let root =
            std::env::temp_dir().join(format!("cagebun-e2e-{}-{serial}", std::process::id()));
        let stage = StageDir { root };
        let fail = |what: &Path, error: std::io::Error| format!("{}: {error}", what.display());
        for dir in [stage.etc(), stage.run()] {
            fs::create_dir_all(&dir).map_err(|e| fail(&dir, e))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
                .map_err(|e| fail(&dir, e))?;
        }
        fs::set_permissions(&stage.root, fs::Permissions::from_mode(0o755))
            .map_err(|e| fail(&stage.root, e))?;
        for dir in ["home", "mnesia", "log"].map(|name| stage.run().join(name)) {
            fs::create_dir(&dir).map_err(|e| fail(&dir, e))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| fail(&dir, e))?;
            chown(&dir, Some(broker.uid), Some(broker.gid)).map_err(|e| fail(&dir, e))?;
        }
        Ok(stage)
    }

    /// Where the configuration files go.
    pub fn etc(&self) -> PathBuf {
        self.root.join("etc")
    }

    /// Where the broker writes: HOME, mnesia, logs.
    pub fn run(&self) -> PathBuf {
        self.root.join("run")
    }
}

impl Drop for StageDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Writes `contents` to `path` with `mode` and `owner`.
pub fn install_file(path: &Path, contents: &[u8], mode: u32, owner: Owner) -> Result<(), String> {
    let fail = |error: std::io::Error| format!("{}: {error}", path.display());
    let mut file = fs::File::create(path).map_err(fail)?;
    file.write_all(contents).map_err(fail)?;
    chown(path, Some(owner.uid), Some(owner.gid)).map_err(fail)?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(fail)
}

/// The broker's files, by the environment variable that points at each.
#[derive(Debug, Clone)]
pub struct BrokerFiles {
    /// `RABBITMQ_CONF_ENV_FILE`: rabbitmq-env.conf.
    pub env: PathBuf,
    /// `RABBITMQ_CONFIG_FILE`: rabbitmq.config or rabbitmq.conf.
    pub config: PathBuf,
    /// `RABBITMQ_ADVANCED_CONFIG_FILE`: advanced.config; pointed at even
    /// when absent, so that the system's is not read.
    pub advanced_config: PathBuf,
    /// `RABBITMQ_ENABLED_PLUGINS_FILE`: enabled_plugins.
    pub enabled_plugins: PathBuf,
    /// `ERL_INETRC`: the Erlang resolver configuration, when there is one.
    pub erl_inetrc: Option<PathBuf>,
}

/// A spiped pipe that decrypts: it listens on `source` and connects to
/// `target` in the cage.
#[derive(Debug, Clone)]
pub struct ServerPipe {
    /// Name of the pipe (`RMQ`, `RMQADMIN`).
    pub name: String,
    /// Where it listens (the public address).
    pub source: SocketAddr,
    /// The broker listener it forwards to.
    pub target: SocketAddr,
}

/// Everything one run starts the broker and spiped with.
#[derive(Debug, Clone)]
pub struct CageLayout {
    /// The broker's files.
    pub files: BrokerFiles,
    /// The spiped key.
    pub key: PathBuf,
    /// The server pipes to run in the cage.
    pub server_pipes: Vec<ServerPipe>,
    /// The listeners the cage should have.
    pub intended: Vec<Listener>,
    /// The broker user that replaces guest.
    pub user: String,
    /// Its password.
    pub password: String,
    /// A directory of the stage the broker sees at another path (source,
    /// target), in a mount namespace of its own.
    pub bind_mount: Option<(PathBuf, PathBuf)>,
}
