//! A Linux network namespace standing in for a non-vnet FreeBSD jail.
//!
//! Inside: `lo` up with the cage's private addresses and one end of a veth
//! pair with its public address. Outside, in the namespace the test runs
//! in: the other end with another address of the public /64, so that the
//! public address is reachable from here and from nowhere else.

use std::net::{IpAddr, Ipv6Addr};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// Prefix length of the public network shared by the two veth ends.
pub const PUBLIC_PREFIX_LEN: u8 = 64;

/// The addresses a cage namespace is built with.
#[derive(Debug, Clone)]
pub struct CageAddresses {
    /// Private IPv4 address on the cage's `lo` (`127.0.0.7`), as a /8.
    pub private_v4: IpAddr,
    /// Private IPv6 address on the cage's `lo` (`::7`), as a /128.
    pub private_v6: IpAddr,
    /// Public address on the cage's veth end (`2001:db8::7`).
    pub public: Ipv6Addr,
    /// Address of the outside veth end, in the public address's /64.
    pub outside: Ipv6Addr,
}

/// A network namespace and veth pair this test created; both are removed
/// by [`CageNetwork::remove`], or on drop.
#[derive(Debug)]
pub struct CageNetwork {
    /// Name of the namespace (`ip netns`).
    pub namespace: String,
    /// Name of the veth end outside the namespace.
    pub outside_link: String,
    /// Name of the veth end inside the namespace.
    pub inside_link: String,
    /// Addresses it was built with.
    pub addresses: CageAddresses,
    removed: bool,
}

/// Counts the namespaces created by this process, for unique names.
static NAMESPACES_CREATED: AtomicU32 = AtomicU32::new(0);

impl CageNetwork {
    /// Creates a namespace with a name unique to this process and run, and
    /// its veth pair. On a failure, removes what it had created.
    pub fn create(addresses: CageAddresses) -> Result<Self, String> {
        let serial = NAMESPACES_CREATED.fetch_add(1, Ordering::SeqCst);
        let tag = format!("cb{}x{serial}", std::process::id());
        let mut network = CageNetwork {
            namespace: format!("cagebun-e2e-{tag}"),
            outside_link: format!("{tag}o"),
            inside_link: format!("{tag}i"),
            addresses,
            removed: false,
        };
        if let Err(error) = network.build() {
            network.remove();
            return Err(error);
        }
        Ok(network)
    }

    fn build(&self) -> Result<(), String> {
        let ns = self.namespace.as_str();
        let a = &self.addresses;
        let private_v4 = format!("{}/8", a.private_v4);
        let private_v6 = format!("{}/128", a.private_v6);
        let public = format!("{}/{PUBLIC_PREFIX_LEN}", a.public);
        let outside = format!("{}/{PUBLIC_PREFIX_LEN}", a.outside);

        // The cage's loopback with its private addresses.
        ip(&["netns", "add", ns])?;
        ip(&["-n", ns, "link", "set", "lo", "up"])?;
        ip(&["-n", ns, "addr", "add", &private_v4, "dev", "lo"])?;
        ip(&["-n", ns, "-6", "addr", "add", &private_v6, "dev", "lo"])?;

        // The veth pair carrying the public network, without duplicate
        // address detection so that both addresses work at once.
        ip(&[
            "link",
            "add",
            &self.outside_link,
            "type",
            "veth",
            "peer",
            "name",
            &self.inside_link,
            "netns",
            ns,
        ])?;
        ip(&["addr", "add", &outside, "dev", &self.outside_link, "nodad"])?;
        ip(&["link", "set", &self.outside_link, "up"])?;
        ip(&[
            "-n",
            ns,
            "addr",
            "add",
            &public,
            "dev",
            &self.inside_link,
            "nodad",
        ])?;
        ip(&["-n", ns, "link", "set", &self.inside_link, "up"])?;
        Ok(())
    }

    /// A command that runs `program` inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.namespace, program]);
        command
    }

    /// The PIDs of every process whose network namespace is this one.
    pub fn pids(&self) -> Vec<u32> {
        match ip(&["netns", "pids", &self.namespace]) {
            Ok(text) => text
                .split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Deletes the namespace (which takes its veth end along) and the outside
    /// veth end if it is still there. Errors are ignored: whatever is left is
    /// what [`CageNetwork::leftovers`] reports.
    pub fn remove(&mut self) {
        if self.removed {
            return;
        }
        self.removed = true;
        let _ = ip(&["netns", "del", &self.namespace]);
        if link_exists(&self.outside_link) {
            let _ = ip(&["link", "del", &self.outside_link]);
        }
    }

    /// What of this network is still there: the namespace, the outside link.
    pub fn leftovers(&self) -> Vec<String> {
        let mut left = Vec::new();
        if namespace_exists(&self.namespace) {
            left.push(format!("namespace {}", self.namespace));
        }
        if link_exists(&self.outside_link) {
            left.push(format!("link {}", self.outside_link));
        }
        left
    }
}

impl Drop for CageNetwork {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Whether `ip netns list` names `namespace`.
pub fn namespace_exists(namespace: &str) -> bool {
    ip(&["netns", "list"]).is_ok_and(|list| {
        list.lines()
            .any(|line| line.split_whitespace().next() == Some(namespace))
    })
}

/// Whether a link of that name exists in this namespace.
pub fn link_exists(link: &str) -> bool {
    ip(&["link", "show", "dev", link]).is_ok()
}

/// Runs ip(8) with `args`; its standard output, or an error naming the
/// command and what it printed on standard error.
pub fn ip(args: &[&str]) -> Result<String, String> {
    run(Command::new("ip").args(args))
}

/// Runs `command` to its end; its standard output, or an error naming the
/// command, its exit status and standard error.
pub fn run(command: &mut Command) -> Result<String, String> {
    let Output {
        status,
        stdout,
        stderr,
    } = command
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if status.success() {
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    } else {
        Err(format!(
            "{command:?}: {status}: {}",
            String::from_utf8_lossy(&stderr).trim()
        ))
    }
}
