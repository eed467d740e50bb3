//! The plan: an ordered, inspectable list of what building a cage takes.
//!
//! A plan is made from a checked [`CageSpec`] and holds no secrets beyond
//! what the files themselves hold (the spiped key is planned, not generated:
//! [`Plan::render`](crate::render) creates it).
//!
//! References: zfs(8) `create`, jail(8), jail(2), pkg(8), spiped(1),
//! rc.conf(5).

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::audit::Listener;
use crate::rabbitmq_files::{self, RABBITMQ_ETC};
use crate::spec::{CageSpec, SpecError};

/// Which file a [`PlannedFile`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileRole {
    /// `rabbitmq-env.conf` in the jail.
    RabbitmqEnv,
    /// The classic `rabbitmq.config` in the jail.
    RabbitmqConfig,
    /// `rabbitmq.conf` in the jail.
    RabbitmqConf,
    /// `advanced.config` in the jail.
    AdvancedConfig,
    /// `enabled_plugins` in the jail.
    EnabledPlugins,
    /// The `erl_inetrc` file in the jail.
    ErlInetrc,
    /// The jail's `/etc/rc.conf`.
    JailRcConf,
    /// The host's `/etc/rc.conf.d/spiped`.
    SpipedRcConf,
    /// The host's spiped key.
    SpipedKey,
}

/// What a planned file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileContent {
    /// This text.
    Text(String),
    /// Random bytes from the operating system, made when the file is first
    /// written and kept afterwards.
    RandomKey {
        /// How many bytes.
        bytes: usize,
    },
}

/// One file: where it goes on the host, who owns it, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFile {
    /// Which file it is.
    pub role: FileRole,
    /// Absolute path on the host (jail files lie under the jail root).
    pub path: PathBuf,
    /// Owner's name.
    pub owner: String,
    /// Group's name.
    pub group: String,
    /// Permission bits, e.g. `0o440`.
    pub mode: u32,
    /// Content.
    pub content: FileContent,
}

impl PlannedFile {
    /// The text content, or `None` for a key.
    pub fn text(&self) -> Option<&str> {
        match &self.content {
            FileContent::Text(text) => Some(text),
            FileContent::RandomKey { .. } => None,
        }
    }
}

/// Which way a spiped pipe goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PipeMode {
    /// Decrypts (`-d`): listens on the public address, sends clear text to
    /// the broker.
    Server,
    /// Encrypts (`-e`): listens on a client's loopback, sends to the
    /// server pipe.
    Client,
}

/// One spiped pipe.
///
/// References: spiped(1) `-d`, `-e`, `-s`, `-t`, `-k`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpipedPipe {
    /// Name in `spiped_pipes`.
    pub name: String,
    /// Direction.
    pub mode: PipeMode,
    /// Address it listens on.
    pub source: SocketAddr,
    /// Address it connects to.
    pub target: SocketAddr,
    /// Key file.
    pub key: PathBuf,
}

/// A jailsys value.
///
/// References: jail(8) "jailsys" parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JailSys {
    /// Not available in the jail.
    Disable,
    /// The jail's own.
    New,
    /// The parent's.
    Inherit,
}

/// A kernel jail parameter's value.
///
/// References: jail(2), jail(8) "Parameters".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JailParamValue {
    /// A string.
    String(String),
    /// An integer.
    Int(i64),
    /// A boolean flag.
    Bool(bool),
    /// A jailsys mode.
    JailSys(JailSys),
    /// IPv4 addresses, the primary first.
    Ip4(Vec<Ipv4Addr>),
    /// IPv6 addresses, the primary first.
    Ip6(Vec<Ipv6Addr>),
}

impl fmt::Display for JailParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T: fmt::Display>(items: &[T]) -> String {
            items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
        }
        match self {
            JailParamValue::String(s) => f.write_str(s),
            JailParamValue::Int(i) => write!(f, "{i}"),
            JailParamValue::Bool(b) => write!(f, "{b}"),
            JailParamValue::JailSys(JailSys::Disable) => f.write_str("disable"),
            JailParamValue::JailSys(JailSys::New) => f.write_str("new"),
            JailParamValue::JailSys(JailSys::Inherit) => f.write_str("inherit"),
            JailParamValue::Ip4(a) => f.write_str(&list(a)),
            JailParamValue::Ip6(a) => f.write_str(&list(a)),
        }
    }
}

/// A kernel parameter, keyed by its sysctl spelling (`ip6.addr`,
/// `host.hostname`, `allow.raw_sockets`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JailParam {
    /// Parameter name.
    pub name: String,
    /// Value.
    pub value: JailParamValue,
}

/// A jail(8) pseudo-parameter, never sent to jail(2): the
/// `interface|address/prefix` aliases, `mount.devfs`, `exec.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PseudoParam {
    /// Parameter name as jail.conf(5) writes it.
    pub name: String,
    /// Value as jail.conf(5) writes it (unquoted).
    pub value: String,
}

/// The jail to create.
///
/// References: jail(8), jail.conf(5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JailPlan {
    /// Jail name.
    pub name: String,
    /// Kernel parameters, in the order they are set.
    pub params: Vec<JailParam>,
    /// jail(8) pseudo-parameters.
    pub pseudo: Vec<PseudoParam>,
}

/// Where a package or service goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The host.
    Host,
    /// The jail.
    Jail,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Create a ZFS file system with these properties.
    CreateDataset {
        /// Dataset name.
        name: String,
        /// Properties set at creation, native and user (`org.cagebun:*`).
        properties: BTreeMap<String, String>,
    },
    /// Put a FreeBSD release's base system into the jail root.
    InstallRelease {
        /// Release name.
        release: String,
        /// Jail root on the host.
        root: PathBuf,
    },
    /// Install packages.
    InstallPackages {
        /// Host or jail.
        target: Target,
        /// Package names.
        packages: Vec<String>,
    },
    /// Write a file.
    WriteFile(PlannedFile),
    /// Run a spiped pipe.
    Pipe(SpipedPipe),
    /// Create the jail.
    CreateJail(JailPlan),
    /// Enable a service in rc.conf and start it.
    EnableService {
        /// Host or jail.
        target: Target,
        /// rc script name.
        name: String,
    },
}

/// The ordered steps that build a cage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// The user properties that record the spec on the cage's dataset: the
/// identity and network settings one per property, and the whole spec in
/// chunks ([`crate::inventory::spec_properties`]). The password is not
/// among them: dataset properties are readable by every
/// user of the host.
///
/// References: zfsprops(7) "User Properties".
fn dataset_user_properties(spec: &CageSpec) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    let mut put = |name: &str, value: String| {
        props.insert(format!("org.cagebun:{name}"), value);
    };
    put("jail_name", spec.name.to_string());
    put("hostname", spec.hostname.to_string());
    put("release", spec.release.to_string());
    put(
        "public_address",
        format!(
            "{}|{}/{}",
            spec.public.interface, spec.public.address, spec.public.prefix_len
        ),
    );
    if let Some(v4) = spec.private.ipv4 {
        put(
            "private_ipv4",
            format!("{}|{v4}/32", spec.private.interface),
        );
    }
    if let Some(v6) = spec.private.ipv6 {
        put(
            "private_ipv6",
            format!("{}|{v6}/128", spec.private.interface),
        );
    }
    put("rabbitmq_version", spec.rabbitmq.version.to_string());
    put(
        "config_format",
        format!("{:?}", spec.rabbitmq.config_format).to_lowercase(),
    );
    props.append(&mut crate::inventory::spec_properties(spec));
    props
}

fn jail_plan(spec: &CageSpec) -> JailPlan {
    let root = spec.dataset.jail_root();
    let param = |name: &str, value| JailParam {
        name: name.to_owned(),
        value,
    };
    let pseudo = |name: &str, value: String| PseudoParam {
        name: name.to_owned(),
        value,
    };
    let mut params = vec![
        param("name", JailParamValue::String(spec.name.to_string())),
        param("path", JailParamValue::String(root.display().to_string())),
        param(
            "host.hostname",
            JailParamValue::String(spec.hostname.to_string()),
        ),
    ];
    // Private addresses first: the kernel rewrites binds to 127.0.0.1 and ::1
    // onto the primary (first) address of each family.
    match spec.private.ipv4 {
        Some(v4) => params.push(param("ip4.addr", JailParamValue::Ip4(vec![v4]))),
        None => params.push(param("ip4", JailParamValue::JailSys(JailSys::Disable))),
    }
    let mut ip6: Vec<Ipv6Addr> = spec.private.ipv6.into_iter().collect();
    ip6.push(spec.public.address);
    params.push(param("ip6.addr", JailParamValue::Ip6(ip6)));
    params.extend([
        param("devfs_ruleset", JailParamValue::Int(4)),
        param("enforce_statfs", JailParamValue::Int(2)),
        param("allow.raw_sockets", JailParamValue::Bool(false)),
    ]);

    let private_if = &spec.private.interface;
    let mut pseudos = Vec::new();
    if let Some(v4) = spec.private.ipv4 {
        pseudos.push(pseudo("ip4.addr", format!("{private_if}|{v4}/32")));
    }
    if let Some(v6) = spec.private.ipv6 {
        pseudos.push(pseudo("ip6.addr", format!("{private_if}|{v6}/128")));
    }
    let public = &spec.public;
    pseudos.push(pseudo(
        "ip6.addr",
        format!(
            "{}|{}/{}",
            public.interface, public.address, public.prefix_len
        ),
    ));
    pseudos.extend([
        pseudo("mount.devfs", "true".to_owned()),
        pseudo("exec.clean", "true".to_owned()),
        pseudo("exec.start", "/bin/sh /etc/rc".to_owned()),
        pseudo("exec.stop", "/bin/sh /etc/rc.shutdown jail".to_owned()),
    ]);
    JailPlan {
        name: spec.name.to_string(),
        params,
        pseudo: pseudos,
    }
}

/// Refuses two planned files at one path, and a planned file below another.
fn check_file_paths(plan: &Plan) -> Result<(), SpecError> {
    let files: Vec<&PlannedFile> = plan.files().collect();
    for (i, first) in files.iter().enumerate() {
        for second in &files[i + 1..] {
            if first.path == second.path {
                return Err(SpecError::DuplicateFilePath {
                    path: first.path.clone(),
                    first: first.role,
                    second: second.role,
                });
            }
            for (outer, inner) in [(first, second), (second, first)] {
                if inner.path.starts_with(&outer.path) {
                    return Err(SpecError::FileBelowFile {
                        outer: outer.path.clone(),
                        outer_role: outer.role,
                        inner: inner.path.clone(),
                        inner_role: inner.role,
                    });
                }
            }
        }
    }
    Ok(())
}

fn pipes(spec: &CageSpec) -> Vec<SpipedPipe> {
    let key = spec.spiped.key.as_path().to_owned();
    let public = IpAddr::V6(spec.public.address);
    let private = spec.listener_address();
    let mut out = Vec::new();
    for pipe in &spec.spiped.pipes {
        out.push(SpipedPipe {
            name: pipe.name.to_string(),
            mode: PipeMode::Server,
            source: SocketAddr::new(public, pipe.port),
            target: SocketAddr::new(private, pipe.port),
            key: key.clone(),
        });
    }
    for pipe in &spec.spiped.pipes {
        out.push(SpipedPipe {
            name: pipe.name.to_string(),
            mode: PipeMode::Client,
            source: SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), pipe.port),
            target: SocketAddr::new(public, pipe.port),
            key: key.clone(),
        });
    }
    out
}

impl CageSpec {
    /// Plans the cage: checks the spec and writes every file's content.
    ///
    /// References: jail(8), zfs(8), rabbitmq-env.conf(5), spiped(1).
    pub fn plan(&self) -> Result<Plan, SpecError> {
        self.validate()?;
        let root = self.dataset.jail_root();
        let jail_etc = |name: &str| root.join(RABBITMQ_ETC.trim_start_matches('/')).join(name);
        let rabbit = &self.rabbitmq;
        let config_file = |role, name: &str, content: String| {
            Step::WriteFile(PlannedFile {
                role,
                path: jail_etc(name),
                owner: rabbit.config_owner.to_string(),
                group: rabbit.config_group.to_string(),
                mode: 0o440,
                content: FileContent::Text(content),
            })
        };

        // Datasets, base system and packages.
        let mut mountpoint = BTreeMap::new();
        mountpoint.insert("mountpoint".to_owned(), self.dataset.mountpoint.to_string());
        let mut cage_props = dataset_user_properties(self);
        cage_props.append(&mut mountpoint);
        let mut steps = vec![
            Step::CreateDataset {
                name: self.dataset.name.to_string(),
                properties: cage_props,
            },
            Step::CreateDataset {
                name: format!("{}/root", self.dataset.name),
                properties: BTreeMap::new(),
            },
            Step::InstallRelease {
                release: self.release.to_string(),
                root: root.clone(),
            },
            Step::InstallPackages {
                target: Target::Jail,
                packages: self.packages.iter().map(ToString::to_string).collect(),
            },
        ];

        // RabbitMQ's files in the jail.
        steps.push(config_file(
            FileRole::RabbitmqEnv,
            "rabbitmq-env.conf",
            rabbitmq_files::rabbitmq_env(self)?,
        ));
        if rabbitmq_files::is_classic(self) {
            steps.push(config_file(
                FileRole::RabbitmqConfig,
                "rabbitmq.config",
                rabbitmq_files::rabbitmq_config(self),
            ));
        } else {
            let (conf, advanced) = rabbitmq_files::rabbitmq_conf_and_advanced(self)?;
            steps.push(config_file(FileRole::RabbitmqConf, "rabbitmq.conf", conf));
            steps.push(config_file(
                FileRole::AdvancedConfig,
                "advanced.config",
                advanced,
            ));
        }
        steps.push(config_file(
            FileRole::EnabledPlugins,
            "enabled_plugins",
            rabbitmq_files::enabled_plugins(self),
        ));
        steps.push(config_file(
            FileRole::ErlInetrc,
            "erl_inetrc",
            rabbitmq_files::erl_inetrc(self),
        ));
        steps.push(Step::WriteFile(PlannedFile {
            role: FileRole::JailRcConf,
            path: root.join("etc/rc.conf"),
            owner: "root".to_owned(),
            group: self.system_group.to_string(),
            mode: 0o644,
            content: FileContent::Text(rabbitmq_files::jail_rc_conf(self)?),
        }));

        // spiped on the host: package, key, rc.conf.d, pipes.
        let pipes = pipes(self);
        steps.push(Step::InstallPackages {
            target: Target::Host,
            packages: self.host_packages.iter().map(ToString::to_string).collect(),
        });
        steps.push(Step::WriteFile(PlannedFile {
            role: FileRole::SpipedKey,
            path: self.spiped.key.as_path().to_owned(),
            owner: self.spiped.key_owner.to_string(),
            group: self.spiped.key_group.to_string(),
            mode: 0o400,
            content: FileContent::RandomKey {
                bytes: crate::render::KEY_LEN,
            },
        }));
        steps.push(Step::WriteFile(PlannedFile {
            role: FileRole::SpipedRcConf,
            path: PathBuf::from("/etc/rc.conf.d/spiped"),
            owner: "root".to_owned(),
            group: self.system_group.to_string(),
            mode: 0o644,
            content: FileContent::Text(rabbitmq_files::spiped_rc_conf(self, &pipes)?),
        }));
        steps.extend(pipes.into_iter().map(Step::Pipe));

        // The jail and the services.
        steps.push(Step::CreateJail(jail_plan(self)));
        steps.push(Step::EnableService {
            target: Target::Host,
            name: "spiped".to_owned(),
        });
        steps.push(Step::EnableService {
            target: Target::Jail,
            name: "rabbitmq".to_owned(),
        });
        let plan = Plan { steps };
        check_file_paths(&plan)?;
        Ok(plan)
    }

    /// The listeners the cage should show once running: the broker's on the
    /// private listener address, the distribution on the distribution
    /// address, epmd on `ERL_EPMD_ADDRESS` and also on 127.0.0.1 (when the
    /// cage has IPv4) and ::1, which epmd always binds (in a FreeBSD jail the
    /// kernel moves those onto the jail's primary address of each family; on
    /// a Linux stand-in they stay), and spiped's server pipes on the public
    /// address. Sorted.
    ///
    /// References: epmd(1), sockstat(1).
    pub fn intended_listeners(&self) -> Vec<Listener> {
        let listener = |addr: IpAddr, port: u16, process: &str| Listener {
            addr,
            port,
            process: process.to_owned(),
        };
        let private = self.listener_address();
        let distribution = self.distribution_address();
        let ports = &self.rabbitmq.listeners;
        let mut out: Vec<Listener> = self
            .listener_ports()
            .into_iter()
            .filter(|(name, _)| !matches!(*name, "distribution" | "epmd"))
            .map(|(_, port)| listener(private, port, "beam.smp"))
            .collect();
        out.push(listener(distribution, ports.distribution, "beam.smp"));
        out.push(listener(distribution, ports.epmd, "epmd"));
        if self.private.ipv4.is_some() && distribution != IpAddr::V4(Ipv4Addr::LOCALHOST) {
            out.push(listener(
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                ports.epmd,
                "epmd",
            ));
        }
        out.push(listener(
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            ports.epmd,
            "epmd",
        ));
        for pipe in &self.spiped.pipes {
            out.push(listener(
                IpAddr::V6(self.public.address),
                pipe.port,
                "spiped",
            ));
        }
        out.sort();
        out
    }
}

impl Plan {
    /// The planned file of that role, if the plan has one.
    pub fn file(&self, role: FileRole) -> Option<&PlannedFile> {
        self.files().find(|f| f.role == role)
    }

    /// Every planned file, in order.
    pub fn files(&self) -> impl Iterator<Item = &PlannedFile> {
        self.steps.iter().filter_map(|s| match s {
            Step::WriteFile(f) => Some(f),
            _ => None,
        })
    }

    /// Every spiped pipe, server pipes first.
    pub fn pipes(&self) -> Vec<&SpipedPipe> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Pipe(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    /// The jail to create.
    pub fn jail(&self) -> Option<&JailPlan> {
        self.steps.iter().find_map(|s| match s {
            Step::CreateJail(j) => Some(j),
            _ => None,
        })
    }
}

fn target_name(target: Target) -> &'static str {
    match target {
        Target::Host => "on the host",
        Target::Jail => "in the jail",
    }
}

fn write_file_step(f: &mut fmt::Formatter<'_>, file: &PlannedFile) -> fmt::Result {
    let path = file.path.display();
    let (owner, group, mode, role) = (&file.owner, &file.group, file.mode, file.role);
    match &file.content {
        FileContent::Text(text) => {
            writeln!(
                f,
                "write {path} {owner}:{group} {mode:04o} ({role:?}, {} bytes)",
                text.len()
            )?;
            for line in text.lines() {
                writeln!(f, "    | {line}")?;
            }
            Ok(())
        }
        FileContent::RandomKey { bytes } => writeln!(
            f,
            "write {path} {owner}:{group} {mode:04o} ({role:?}, {bytes} random bytes, kept if present)"
        ),
    }
}

/// One line per step, file contents indented under their step: a dry run.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            match step {
                Step::CreateDataset { name, properties } => {
                    let props: Vec<String> =
                        properties.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    writeln!(f, "zfs create {name} {}", props.join(" "))?;
                }
                Step::InstallRelease { release, root } => {
                    writeln!(f, "install FreeBSD {release} base into {}", root.display())?;
                }
                Step::InstallPackages { target, packages } => {
                    writeln!(
                        f,
                        "pkg install {} {}",
                        target_name(*target),
                        packages.join(" ")
                    )?;
                }
                Step::WriteFile(file) => write_file_step(f, file)?,
                Step::Pipe(p) => writeln!(
                    f,
                    "spiped {:?} {}: {} -> {} key {}",
                    p.mode,
                    p.name,
                    p.source,
                    p.target,
                    p.key.display()
                )?,
                Step::CreateJail(jail) => {
                    writeln!(f, "jail create {}", jail.name)?;
                    for p in &jail.params {
                        writeln!(f, "    param {} = {}", p.name, p.value)?;
                    }
                    for p in &jail.pseudo {
                        writeln!(f, "    jail(8) {} = {}", p.name, p.value)?;
                    }
                }
                Step::EnableService { target, name } => {
                    writeln!(
                        f,
                        "service {name} enable and start {}",
                        target_name(*target)
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// The path `path` (absolute) takes under the staging root `stage`.
pub fn staged_path(stage: &Path, path: &Path) -> PathBuf {
    stage.join(path.strip_prefix("/").unwrap_or(path))
}
