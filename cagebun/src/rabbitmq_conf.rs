//! Values in RabbitMQ's `rabbitmq.conf` (the `key = value` format).
//!
//! A value is the rest of the line after `=`, trimmed of spaces and tabs.
//! There is no quoting and no escaping: quotes and backslashes are literal,
//! `#` anywhere starts a comment, `$(name)` is replaced by another setting or
//! an environment variable, and bytes are converted to Latin-1. A value that
//! these rules would change is refused here with [`ConfValueError`]; the
//! planner then writes that setting into `advanced.config` instead, which
//! overrides `rabbitmq.conf`.
//!
//! References: RabbitMQ "Configuration" guide (rabbitmq.conf format),
//! `deps/rabbit/docs/rabbitmq.conf.example`.

use std::net::{IpAddr, SocketAddr};

use thiserror::Error;

/// Why a value cannot be written in `rabbitmq.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("rabbitmq.conf: {key} = {value:?}: {reason}")]
pub struct ConfValueError {
    /// Setting the value was meant for.
    pub key: String,
    /// The refused value.
    pub value: String,
    /// Which rule it breaks.
    pub reason: &'static str,
}

/// Checks that `value` reads back unchanged as the value of `key`, and
/// returns the `key = value` line.
///
/// References: RabbitMQ "Configuration" guide.
pub fn conf_line(key: &str, value: &str) -> Result<String, ConfValueError> {
    let refuse = |reason| {
        Err(ConfValueError {
            key: key.to_owned(),
            value: value.to_owned(),
            reason,
        })
    };
    if value.is_empty() {
        return refuse("empty value");
    }
    if value.starts_with([' ', '\t']) || value.ends_with([' ', '\t']) {
        return refuse("leading or trailing blanks are trimmed");
    }
    if value.contains('#') {
        return refuse("'#' starts a comment");
    }
    if value.contains("$(") {
        return refuse("'$(' starts a variable reference");
    }
    if value.contains(['\r', '\n']) {
        return refuse("line breaks end the value");
    }
    if value.bytes().any(|b| b >= 0x80) {
        return refuse("bytes of 0x80 and above are converted to Latin-1");
    }
    if value.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return refuse("control characters");
    }
    Ok(format!("{key} = {value}\n"))
}

/// An address as `rabbitmq.conf` spells it: no brackets around IPv6
/// (`::7:5672`). Link-local IPv6 addresses are refused: without a scope they
/// are ambiguous and the format has no way to write one.
///
/// References: `deps/rabbit/docs/rabbitmq.conf.example`
/// (`listeners.tcp.local_v6 = ::1:5672`).
pub fn listener_value(key: &str, address: SocketAddr) -> Result<String, ConfValueError> {
    let ip = address_value(key, address.ip())?;
    Ok(format!("{ip}:{}", address.port()))
}

/// A bare address as `rabbitmq.conf` spells it (`management.tcp.ip = ::7`),
/// with the same refusal of link-local IPv6 as [`listener_value`].
///
/// References: RabbitMQ "Management Plugin" guide.
pub fn address_value(key: &str, address: IpAddr) -> Result<String, ConfValueError> {
    if let IpAddr::V6(v6) = address
        && v6.segments()[0] & 0xffc0 == 0xfe80
    {
        return Err(ConfValueError {
            key: key.to_owned(),
            value: v6.to_string(),
            reason: "a link-local address needs a scope, which rabbitmq.conf cannot write",
        });
    }
    Ok(address.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_value_line() {
        assert_eq!(
            conf_line("default_user", "elmer").unwrap(),
            "default_user = elmer\n"
        );
        assert_eq!(
            conf_line("default_vhost", "/").unwrap(),
            "default_vhost = /\n"
        );
    }

    #[test]
    fn each_refusal_rule() {
        let reason = |v: &str| conf_line("default_pass", v).unwrap_err().reason;
        assert_eq!(reason(""), "empty value");
        assert_eq!(reason(" x"), "leading or trailing blanks are trimmed");
        assert_eq!(reason("x\t"), "leading or trailing blanks are trimmed");
        assert_eq!(reason("a#b"), "'#' starts a comment");
        assert_eq!(reason("a$(HOME)"), "'$(' starts a variable reference");
        assert_eq!(reason("a\nb"), "line breaks end the value");
        assert_eq!(reason("a\rb"), "line breaks end the value");
        assert_eq!(
            reason("fudé"),
            "bytes of 0x80 and above are converted to Latin-1"
        );
        assert_eq!(reason("a\u{1}b"), "control characters");
    }

    #[test]
    fn quotes_and_backslashes_pass_unchanged() {
        assert_eq!(conf_line("k", r#"a"b\c'"#).unwrap(), "k = a\"b\\c'\n");
    }

    #[test]
    fn ipv6_listener_has_no_brackets() {
        let addr: SocketAddr = "[fd00::53]:5672".parse().unwrap();
        assert_eq!(
            listener_value("listeners.tcp.1", addr).unwrap(),
            "fd00::53:5672"
        );
        let addr: SocketAddr = "127.0.0.7:5672".parse().unwrap();
        assert_eq!(
            listener_value("listeners.tcp.1", addr).unwrap(),
            "127.0.0.7:5672"
        );
    }

    #[test]
    fn link_local_is_refused() {
        let addr: SocketAddr = "[fe80::1]:5672".parse().unwrap();
        let err = listener_value("listeners.tcp.1", addr).unwrap_err();
        assert_eq!(err.value, "fe80::1");
    }
}
