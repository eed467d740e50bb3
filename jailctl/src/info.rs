//! [`JailInfo`]: one jail's parameters as read back, and their JSON forms
//! in the shapes `jls --libxo=json` prints.

use serde_json::{Map, Value as Json, json};

use crate::Jid;
use crate::param::Value;

/// The `__version` jls(8) writes into its JSON output.
pub const JLS_XO_VERSION: &str = "2";

/// One jail and the parameters read back from it, in the order read.
///
/// References: jls(8), jail_get(2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JailInfo {
    jid: Jid,
    params: Vec<(String, Value)>,
}

impl JailInfo {
    /// Builds the record for `jid` from parameters already read.
    ///
    /// References: jls(8).
    pub fn new(jid: Jid, params: Vec<(String, Value)>) -> Self {
        Self { jid, params }
    }

    /// The jail's ID.
    ///
    /// References: jls(8).
    pub fn jid(&self) -> Jid {
        self.jid
    }

    /// Every parameter read, in order.
    ///
    /// References: jls(8).
    pub fn params(&self) -> &[(String, Value)] {
        &self.params
    }

    /// The value of one parameter, if it was read.
    ///
    /// References: jls(8).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn text(&self, name: &str) -> String {
        match self.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    /// The primary IPv4 address as jls(8) prints it, or an empty string.
    fn primary_ipv4(&self) -> String {
        match self.get("ip4.addr") {
            Some(Value::Ipv4(addrs)) => addrs.first().map(ToString::to_string).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// The default `jls` row: `jid`, `ipv4` (the primary address),
    /// `hostname`, `path`.
    ///
    /// References: jls(8).
    pub fn default_row(&self) -> Json {
        json!({
            "jid": self.jid.get(),
            "ipv4": self.primary_ipv4(),
            "hostname": self.text("host.hostname"),
            "path": self.text("path"),
        })
    }

    /// The `jls -n` row: every parameter by name; booleans as JSON
    /// booleans, address lists as arrays of strings, everything else as
    /// the string jls(8) prints (numbers included, as libxo quotes `%s`).
    ///
    /// References: jls(8) (`-n`), libxo(3).
    pub fn all_params_row(&self) -> Json {
        let mut row = Map::new();
        for (name, value) in &self.params {
            let json = match value {
                Value::Bool(b) => Json::Bool(*b),
                Value::Ipv4(addrs) => addrs.iter().map(|a| Json::String(a.to_string())).collect(),
                Value::Ipv6(addrs) => addrs.iter().map(|a| Json::String(a.to_string())).collect(),
                other => Json::String(other.to_string()),
            };
            row.insert(name.clone(), json);
        }
        Json::Object(row)
    }
}

/// The whole `jls --libxo=json` document around `rows`:
/// `{"__version": "2", "jail-information": {"jail": [...]}}`.
///
/// References: jls(8), libxo(3).
pub fn jls_document(rows: Vec<Json>) -> Json {
    json!({
        "__version": JLS_XO_VERSION,
        "jail-information": { "jail": rows },
    })
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use serde_json::json;

    use super::*;
    use crate::JailSys;

    fn sample() -> JailInfo {
        JailInfo::new(
            Jid::from_raw(3).unwrap(),
            vec![
                ("jid".into(), Value::Int(3)),
                (
                    "host.hostname".into(),
                    Value::String("mq.example.org".into()),
                ),
                ("path".into(), Value::String("/jails/mq".into())),
                (
                    "ip4.addr".into(),
                    Value::Ipv4(vec![
                        Ipv4Addr::new(192, 0, 2, 10),
                        Ipv4Addr::new(10, 0, 0, 1),
                    ]),
                ),
                ("persist".into(), Value::Bool(true)),
                ("securelevel".into(), Value::Int(-1)),
                ("vnet".into(), Value::JailSys(JailSys::Inherit)),
            ],
        )
    }

    #[test]
    fn default_document_matches_jls_libxo_json() {
        let doc = jls_document(vec![sample().default_row()]);
        let expected = json!({
            "__version": "2",
            "jail-information": {
                "jail": [{
                    "jid": 3,
                    "ipv4": "192.0.2.10",
                    "hostname": "mq.example.org",
                    "path": "/jails/mq"
                }]
            }
        });
        assert_eq!(doc, expected);
    }

    #[test]
    fn all_parameters_row_matches_jls_n() {
        let expected = json!({
            "jid": "3",
            "host.hostname": "mq.example.org",
            "path": "/jails/mq",
            "ip4.addr": ["192.0.2.10", "10.0.0.1"],
            "persist": true,
            "securelevel": "-1",
            "vnet": "inherit"
        });
        assert_eq!(sample().all_params_row(), expected);
    }

    #[test]
    fn a_jail_without_ipv4_prints_an_empty_address() {
        let info = JailInfo::new(
            Jid::from_raw(1).unwrap(),
            vec![("jid".into(), Value::Int(1))],
        );
        assert_eq!(
            info.default_row(),
            json!({"jid": 1, "ipv4": "", "hostname": "", "path": ""})
        );
    }
}
