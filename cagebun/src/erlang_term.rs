//! Erlang terms as RabbitMQ reads them from `rabbitmq.config`,
//! `advanced.config`, `enabled_plugins` and the `erl_inetrc` file.
//!
//! The broker reads its classic configuration file as Latin-1 and evaluates
//! it as an Erlang expression, so every value must be written as a literal
//! that cannot end early. Strings and binaries are written with `"` and `\`
//! backslash-escaped and every byte outside printable ASCII as a three-digit
//! octal escape (`\303\251` for the UTF-8 bytes of `é`). The written file is
//! pure ASCII and means the same bytes with or without a `coding:` comment;
//! every byte value can be expressed, so no value needs refusing.
//!
//! References: Erlang Reference Manual "Data Types" (escape sequences),
//! erl_scan(3), file(3) `consult/1`.

use std::fmt::{self, Write as _};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// An Erlang term of the subset cagebun writes and checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErlangTerm {
    /// An atom, such as `rabbit` or `administrator`.
    Atom(String),
    /// An integer.
    Integer(i64),
    /// A string literal `"..."`, which Erlang reads as a list of integers
    /// (one per byte in a Latin-1 file).
    String(Vec<u8>),
    /// A binary `<<"...">>`.
    Binary(Vec<u8>),
    /// A tuple `{...}`.
    Tuple(Vec<ErlangTerm>),
    /// A list `[...]`.
    List(Vec<ErlangTerm>),
}

/// Words that erl_scan reads as keywords, never as bare atoms.
const RESERVED_WORDS: &[&str] = &[
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "else", "end", "fun", "if", "let", "maybe", "not", "of", "or",
    "orelse", "receive", "rem", "try", "when", "xor",
];

/// Whether `name` can be written as a bare atom: a lower-case letter, then
/// letters, digits, `_` or `@`, and no keyword.
///
/// References: Erlang Reference Manual "Atom".
pub fn is_bare_atom(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
        && !RESERVED_WORDS.contains(&name)
}

/// Writes `bytes` between double quotes, escaped so the text is pure
/// printable ASCII.
///
/// References: Erlang Reference Manual "Escape Sequences".
pub fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    push_escaped(&mut out, bytes, b'"');
    out.push('"');
    out
}

fn push_escaped(out: &mut String, bytes: &[u8], delimiter: u8) {
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b if b == delimiter => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
}

impl ErlangTerm {
    /// An atom term.
    pub fn atom(name: &str) -> Self {
        ErlangTerm::Atom(name.to_owned())
    }

    /// A binary term holding the bytes of `text`.
    pub fn binary(text: &str) -> Self {
        ErlangTerm::Binary(text.as_bytes().to_vec())
    }

    /// A string term holding the bytes of `text`.
    pub fn string(text: &str) -> Self {
        ErlangTerm::String(text.as_bytes().to_vec())
    }

    /// A two-element tuple `{key, value}`, the shape of every configuration
    /// entry.
    pub fn pair(key: &str, value: ErlangTerm) -> Self {
        ErlangTerm::Tuple(vec![ErlangTerm::atom(key), value])
    }

    /// An IP address as the tuple `inet` uses: four 8-bit numbers for IPv4,
    /// eight 16-bit numbers for IPv6 (`2001:db8::1` is
    /// `{8193,3512,0,0,0,0,0,1}`).
    ///
    /// References: inet(3) `ip_address()`.
    pub fn ip_tuple(address: IpAddr) -> Self {
        let parts: Vec<i64> = match address {
            IpAddr::V4(v4) => v4.octets().iter().map(|&o| i64::from(o)).collect(),
            IpAddr::V6(v6) => v6.segments().iter().map(|&s| i64::from(s)).collect(),
        };
        ErlangTerm::Tuple(parts.into_iter().map(ErlangTerm::Integer).collect())
    }

    /// The term in the form `io:format("~w", [Term])` prints it: binaries
    /// and strings as their byte values, atoms quoted only when they must be.
    /// Two terms are equal exactly when their canonical forms are.
    ///
    /// References: io(3) control sequence `~w`.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out);
        out
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            ErlangTerm::Atom(name) => write_atom(out, name),
            ErlangTerm::Integer(value) => {
                let _ = write!(out, "{value}");
            }
            ErlangTerm::String(bytes) => {
                let items: Vec<String> = bytes.iter().map(u8::to_string).collect();
                let _ = write!(out, "[{}]", items.join(","));
            }
            ErlangTerm::Binary(bytes) => {
                let items: Vec<String> = bytes.iter().map(u8::to_string).collect();
                let _ = write!(out, "<<{}>>", items.join(","));
            }
            ErlangTerm::Tuple(items) => write_canonical_seq(out, '{', '}', items),
            ErlangTerm::List(items) => write_canonical_seq(out, '[', ']', items),
        }
    }
}

fn write_canonical_seq(out: &mut String, open: char, close: char, items: &[ErlangTerm]) {
    out.push(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item.write_canonical(out);
    }
    out.push(close);
}

fn write_atom(out: &mut String, name: &str) {
    if is_bare_atom(name) {
        out.push_str(name);
    } else {
        out.push('\'');
        push_escaped(out, name.as_bytes(), b'\'');
        out.push('\'');
    }
}

/// Writes the term as Erlang source text on one line, items separated by
/// `, `, except a tuple or list of integers only (an address tuple), whose
/// items are separated by a bare `,`: `{127,0,0,7}`.
impl fmt::Display for ErlangTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErlangTerm::Atom(name) => {
                let mut out = String::new();
                write_atom(&mut out, name);
                f.write_str(&out)
            }
            ErlangTerm::Integer(value) => write!(f, "{value}"),
            ErlangTerm::String(bytes) => f.write_str(&quote_bytes(bytes)),
            ErlangTerm::Binary(bytes) => write!(f, "<<{}>>", quote_bytes(bytes)),
            ErlangTerm::Tuple(items) => write_source_seq(f, "{", "}", items),
            ErlangTerm::List(items) => write_source_seq(f, "[", "]", items),
        }
    }
}

fn write_source_seq(
    f: &mut fmt::Formatter<'_>,
    open: &str,
    close: &str,
    items: &[ErlangTerm],
) -> fmt::Result {
    let separator = if items.iter().all(|i| matches!(i, ErlangTerm::Integer(_))) {
        ","
    } else {
        ", "
    };
    f.write_str(open)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{item}")?;
    }
    f.write_str(close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_and_backslash_are_escaped() {
        assert_eq!(quote_bytes(br#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn non_ascii_and_control_bytes_become_octal() {
        assert_eq!(quote_bytes("é\n".as_bytes()), r#""\303\251\012""#);
        assert_eq!(quote_bytes(&[0, 0x7f, 0xff]), r#""\000\177\377""#);
    }

    #[test]
    fn injection_attempt_stays_inside_the_binary() {
        let password = r#""}>>, os:cmd("touch /tmp/x"), <<""#;
        assert_eq!(
            ErlangTerm::binary(password).to_string(),
            r#"<<"\"}>>, os:cmd(\"touch /tmp/x\"), <<\"">>"#
        );
    }

    #[test]
    fn ipv6_tuple_has_eight_sixteen_bit_numbers() {
        let addr: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(
            ErlangTerm::ip_tuple(addr).to_string(),
            "{8193,3512,0,0,0,0,0,1}"
        );
        let addr: IpAddr = "127.0.0.7".parse().unwrap();
        assert_eq!(ErlangTerm::ip_tuple(addr).canonical(), "{127,0,0,7}");
    }

    #[test]
    fn atoms_are_quoted_only_when_needed() {
        assert_eq!(ErlangTerm::atom("rabbit_mq@x").to_string(), "rabbit_mq@x");
        assert_eq!(ErlangTerm::atom("Rabbit").to_string(), "'Rabbit'");
        assert_eq!(ErlangTerm::atom("end").to_string(), "'end'");
        assert_eq!(ErlangTerm::atom("it's").to_string(), r"'it\'s'");
    }

    #[test]
    fn canonical_form_matches_io_format_w() {
        let term = ErlangTerm::List(vec![ErlangTerm::pair("p", ErlangTerm::binary("ab"))]);
        assert_eq!(term.canonical(), "[{p,<<97,98>>}]");
        assert_eq!(ErlangTerm::string("").canonical(), "[]");
    }
}
