//! The cage as cagebun renders it: the default spec, planned and rendered
//! into the stage directory with owners set by name on this host.
//!
//! The rendered files name each other by their paths in the jail
//! (`ERL_INETRC='/usr/local/etc/rabbitmq/erl_inetrc'`). So that the broker
//! reads them at those paths, it runs in a mount namespace of its own where
//! the staged `/usr/local/etc` of the jail is bound over this host's; the host
//! itself is not touched.

use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};

use cagebun::names::AccountName;
use cagebun::plan::staged_path;
use cagebun::{CageSpec, FileRole, PipeMode, Plan, RenderOptions};

use super::cage_layout::{BrokerFiles, CageLayout, ServerPipe, StageDir};
use super::cage_network::CageAddresses;

/// The default spec, with the groups FreeBSD calls `wheel` set to `root`:
/// Debian has no `wheel` group to give the key and the rc files.
pub fn default_spec_for_this_host() -> Result<CageSpec, String> {
    let root = AccountName::new("root").map_err(|error| error.to_string())?;
    let mut spec = CageSpec::default();
    spec.spiped.key_group = root.clone();
    spec.system_group = root;
    Ok(spec)
}

/// The namespace's addresses, from the spec: its private addresses on `lo`,
/// its public address on the veth, and `::1` of the public /64 outside.
pub fn addresses_of(spec: &CageSpec) -> Result<CageAddresses, String> {
    let private_v4 = spec
        .private
        .ipv4
        .ok_or("the spec has no private IPv4 address")?;
    let private_v6 = spec
        .private
        .ipv6
        .ok_or("the spec has no private IPv6 address")?;
    let public = spec.public.address;
    let mut segments = public.segments();
    let interface_id = if segments[4..] == [0, 0, 0, 1] { 2 } else { 1 };
    segments[4..].copy_from_slice(&[0, 0, 0, interface_id]);
    Ok(CageAddresses {
        private_v4: IpAddr::V4(private_v4),
        private_v6: IpAddr::V6(private_v6),
        public,
        outside: Ipv6Addr::from(segments),
    })
}

/// Plans and renders `spec` under `stage`, and the layout to run it with.
pub fn render_layout(spec: &CageSpec, stage: &StageDir) -> Result<CageLayout, String> {
    let plan = spec.plan().map_err(|error| format!("plan: {error}"))?;
    let render_root = stage.root.join("render");
    plan.render(&render_root, &RenderOptions { chown: true })
        .map_err(|error| format!("render: {error}"))?;
    let jail_root = spec.dataset.jail_root();

    // The broker's files, by their paths in the jail.
    let in_jail = |role: FileRole| -> Option<PathBuf> {
        let file = plan.file(role)?;
        Some(Path::new("/").join(file.path.strip_prefix(&jail_root).ok()?))
    };
    let env = in_jail(FileRole::RabbitmqEnv).ok_or("the plan has no rabbitmq-env.conf")?;
    let etc = env
        .parent()
        .ok_or("rabbitmq-env.conf has no directory")?
        .to_owned();
    let files = BrokerFiles {
        config: in_jail(FileRole::RabbitmqConfig)
            .or_else(|| in_jail(FileRole::RabbitmqConf))
            .ok_or("the plan has no rabbitmq.config nor rabbitmq.conf")?,
        advanced_config: in_jail(FileRole::AdvancedConfig)
            .unwrap_or_else(|| etc.join("advanced.config")),
        enabled_plugins: in_jail(FileRole::EnabledPlugins)
            .ok_or("the plan has no enabled_plugins")?,
        erl_inetrc: in_jail(FileRole::ErlInetrc),
        env,
    };

    // The jail's configuration directory, bound over the host's.
    let mount_target = etc
        .parent()
        .ok_or("the broker's directory has no parent")?
        .to_owned();
    if !mount_target.is_dir() {
        return Err(format!(
            "{} does not exist here to bind the jail's over",
            mount_target.display()
        ));
    }
    let mount_source = staged_path(
        &render_root,
        &jail_root.join(mount_target.strip_prefix("/").unwrap_or(&mount_target)),
    );

    let (server_pipes, key) = server_pipes(&plan, &render_root)?;
    Ok(CageLayout {
        files,
        key,
        server_pipes,
        intended: spec.intended_listeners(),
        user: spec.rabbitmq.user.clone(),
        password: spec.rabbitmq.password.0.clone(),
        bind_mount: Some((mount_source, mount_target)),
    })
}

/// The plan's server pipes and the staged path of their key.
fn server_pipes(plan: &Plan, render_root: &Path) -> Result<(Vec<ServerPipe>, PathBuf), String> {
    let servers: Vec<_> = plan
        .pipes()
        .into_iter()
        .filter(|pipe| pipe.mode == PipeMode::Server)
        .collect();
    let key = servers
        .first()
        .ok_or("the plan has no server pipe")?
        .key
        .clone();
    if servers.iter().any(|pipe| pipe.key != key) {
        return Err("the plan's server pipes use more than one key".to_owned());
    }
    let pipes = servers
        .iter()
        .map(|pipe| ServerPipe {
            name: pipe.name.clone(),
            source: pipe.source,
            target: pipe.target,
        })
        .collect();
    Ok((pipes, staged_path(render_root, &key)))
}
