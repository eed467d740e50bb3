//! A strict reader for the Erlang term files cagebun writes.
//!
//! It accepts the subset the renderer emits (atoms, integers, strings,
//! binaries of string or integer segments, tuples, lists, `%` comments), each
//! top-level term closed by a dot followed by white space or the end of the
//! file, and returns the terms it read. Everything else is refused with the
//! line it was found on: a trailing comma, a missing final dot, `key = value`
//! text, any byte outside printable ASCII. It checks the renderer; it is not a
//! general Erlang parser (no operators, no adjacent string literals, no
//! floats, no maps).
//!
//! References: Erlang Reference Manual "Data Types", erl_scan(3), file(3)
//! `consult/1`.

use thiserror::Error;

use crate::erlang_term::ErlangTerm;

/// Why a text is not a well-formed sequence of Erlang terms.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct ErlangSyntaxError {
    /// Line (from 1) where the problem was found.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open(u8),
    Close(u8),
    BinaryOpen,
    BinaryClose,
    Comma,
    Dot,
    Atom(String),
    Integer(i64),
    Text(Vec<u8>),
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl Scanner<'_> {
    fn error<T>(&self, message: impl Into<String>) -> Result<T, ErlangSyntaxError> {
        Err(ErlangSyntaxError {
            line: self.line,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_blanks_and_comments(&mut self) -> Result<(), ErlangSyntaxError> {
        while let Some(byte) = self.peek() {
            match byte {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                b'%' => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        if !(0x20..=0x7e).contains(&c) && c != b'\t' {
                            return self.error(format!("byte 0x{c:02x} in a comment"));
                        }
                        self.pos += 1;
                    }
                    continue;
                }
                _ => return Ok(()),
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn next_token(&mut self) -> Result<Option<(Token, usize)>, ErlangSyntaxError> {
        self.skip_blanks_and_comments()?;
        let Some(byte) = self.peek() else {
            return Ok(None);
        };
        let line = self.line;
        let token = match byte {
            b'[' | b'{' => {
                self.pos += 1;
                Token::Open(byte)
            }
            b']' | b'}' => {
                self.pos += 1;
                Token::Close(byte)
            }
            b',' => {
                self.pos += 1;
                Token::Comma
            }
            b'<' if self.bytes.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Token::BinaryOpen
            }
            b'>' if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                self.pos += 2;
                Token::BinaryClose
            }
            b'.' => self.scan_dot()?,
            b'"' => Token::Text(self.scan_quoted(b'"')?),
            b'\'' => {
                let bytes = self.scan_quoted(b'\'')?;
                Token::Atom(String::from_utf8_lossy(&bytes).into_owned())
            }
            b'a'..=b'z' => self.scan_bare_atom(),
            b'0'..=b'9' | b'-' => self.scan_integer()?,
            _ if (0x21..=0x7e).contains(&byte) => {
                return self.error(format!("unexpected {:?}", byte as char));
            }
            _ => return self.error(format!("byte 0x{byte:02x} outside printable ASCII")),
        };
        Ok(Some((token, line)))
    }

    fn scan_dot(&mut self) -> Result<Token, ErlangSyntaxError> {
        self.pos += 1;
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\r' | b'\n' | b'%') => Ok(Token::Dot),
            Some(c) => self.error(format!(
                "'.' followed by {:?} is not the end of a term",
                c as char
            )),
        }
    }

    fn scan_bare_atom(&mut self) -> Token {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'@')
        {
            self.pos += 1;
        }
        Token::Atom(String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned())
    }

    fn scan_integer(&mut self) -> Result<Token, ErlangSyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text = String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned();
        match text.parse::<i64>() {
            Ok(value) => Ok(Token::Integer(value)),
            Err(_) => self.error(format!("{text:?} is not an integer")),
        }
    }

    fn scan_quoted(&mut self, delimiter: u8) -> Result<Vec<u8>, ErlangSyntaxError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(byte) = self.peek() else {
                return self.error("unterminated quoted text");
            };
            self.pos += 1;
            match byte {
                b if b == delimiter => return Ok(out),
                b'\\' => out.push(self.scan_escape()?),
                0x20..=0x7e => out.push(byte),
                _ => return self.error(format!("byte 0x{byte:02x} inside quoted text")),
            }
        }
    }

    fn scan_escape(&mut self) -> Result<u8, ErlangSyntaxError> {
        let Some(byte) = self.peek() else {
            return self.error("escape at end of file");
        };
        self.pos += 1;
        let value = match byte {
            b'0'..=b'7' => {
                let mut value = u32::from(byte - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                match u8::try_from(value) {
                    Ok(v) => v,
                    Err(_) => return self.error(format!("octal escape \\{value:o} above 255")),
                }
            }
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b's' => b' ',
            b'"' | b'\'' | b'\\' => byte,
            _ => return self.error(format!("unsupported escape \\{}", byte as char)),
        };
        Ok(value)
    }
}

struct Parser<'a> {
    scanner: Scanner<'a>,
    lookahead: Option<(Token, usize)>,
}

impl Parser<'_> {
    fn peek(&mut self) -> Result<Option<&Token>, ErlangSyntaxError> {
        if self.lookahead.is_none() {
            self.lookahead = self.scanner.next_token()?;
        }
        Ok(self.lookahead.as_ref().map(|(t, _)| t))
    }

    fn next(&mut self) -> Result<Option<(Token, usize)>, ErlangSyntaxError> {
        self.peek()?;
        Ok(self.lookahead.take())
    }

    fn error<T>(&self, line: usize, message: impl Into<String>) -> Result<T, ErlangSyntaxError> {
        Err(ErlangSyntaxError {
            line,
            message: message.into(),
        })
    }

    fn term(&mut self) -> Result<ErlangTerm, ErlangSyntaxError> {
        let line = self.scanner.line;
        let Some((token, line)) = self.next()? else {
            return self.error(line, "end of file where a term was expected");
        };
        match token {
            Token::Atom(name) => Ok(ErlangTerm::Atom(name)),
            Token::Integer(value) => Ok(ErlangTerm::Integer(value)),
            Token::Text(bytes) => Ok(ErlangTerm::String(bytes)),
            Token::Open(b'[') => Ok(ErlangTerm::List(self.sequence(b']')?)),
            Token::Open(_) => Ok(ErlangTerm::Tuple(self.sequence(b'}')?)),
            Token::BinaryOpen => self.binary(line),
            other => self.error(
                line,
                format!("{} where a term was expected", describe(&other)),
            ),
        }
    }

    fn sequence(&mut self, close: u8) -> Result<Vec<ErlangTerm>, ErlangSyntaxError> {
        let mut items = Vec::new();
        if self.peek()? == Some(&Token::Close(close)) {
            self.next()?;
            return Ok(items);
        }
        loop {
            items.push(self.term()?);
            let line = self.scanner.line;
            match self.next()? {
                Some((Token::Comma, _)) => continue,
                Some((Token::Close(c), _)) if c == close => return Ok(items),
                Some((other, line)) => {
                    return self.error(
                        line,
                        format!(
                            "{} where ',' or '{}' was expected",
                            describe(&other),
                            close as char
                        ),
                    );
                }
                None => return self.error(line, format!("end of file before '{}'", close as char)),
            }
        }
    }

    fn binary(&mut self, line: usize) -> Result<ErlangTerm, ErlangSyntaxError> {
        let mut bytes = Vec::new();
        if self.peek()? == Some(&Token::BinaryClose) {
            self.next()?;
            return Ok(ErlangTerm::Binary(bytes));
        }
        loop {
            match self.next()? {
                Some((Token::Text(text), _)) => bytes.extend(text),
                Some((Token::Integer(v), l)) => match u8::try_from(v) {
                    Ok(b) => bytes.push(b),
                    Err(_) => return self.error(l, format!("binary segment {v} is not a byte")),
                },
                Some((other, l)) => {
                    return self.error(l, format!("{} inside a binary", describe(&other)));
                }
                None => return self.error(line, "end of file inside a binary"),
            }
            match self.next()? {
                Some((Token::Comma, _)) => continue,
                Some((Token::BinaryClose, _)) => return Ok(ErlangTerm::Binary(bytes)),
                Some((other, l)) => {
                    return self.error(
                        l,
                        format!("{} where ',' or '>>' was expected", describe(&other)),
                    );
                }
                None => return self.error(line, "end of file inside a binary"),
            }
        }
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Open(c) | Token::Close(c) => format!("'{}'", *c as char),
        Token::BinaryOpen => "'<<'".to_owned(),
        Token::BinaryClose => "'>>'".to_owned(),
        Token::Comma => "','".to_owned(),
        Token::Dot => "'.'".to_owned(),
        Token::Atom(a) => format!("atom {a}"),
        Token::Integer(i) => format!("integer {i}"),
        Token::Text(_) => "a string".to_owned(),
    }
}

/// Reads every term of `text`, each closed by a dot, the way file(3)
/// `consult/1` would; refuses anything outside the subset described in the
/// module docs.
///
/// References: file(3) `consult/1`.
pub fn parse_terms(text: &str) -> Result<Vec<ErlangTerm>, ErlangSyntaxError> {
    let mut parser = Parser {
        scanner: Scanner {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
        },
        lookahead: None,
    };
    let mut terms = Vec::new();
    while parser.peek()?.is_some() {
        terms.push(parser.term()?);
        let line = parser.scanner.line;
        match parser.next()? {
            Some((Token::Dot, _)) => {}
            Some((other, l)) => {
                return parser.error(
                    l,
                    format!("{} where the closing '.' was expected", describe(&other)),
                );
            }
            None => return parser.error(line, "no closing '.' after the last term"),
        }
    }
    if terms.is_empty() {
        return parser.error(1, "no term at all");
    }
    if !text.ends_with('\n') {
        return parser.error(parser.scanner.line, "file does not end with a line feed");
    }
    Ok(terms)
}

/// Reads a file that must hold exactly one term (`rabbitmq.config`,
/// `advanced.config`, `enabled_plugins`).
///
/// References: rabbitmq.config(5) in RabbitMQ's "Configuration" guide.
pub fn parse_single_term(text: &str) -> Result<ErlangTerm, ErlangSyntaxError> {
    let mut terms = parse_terms(text)?;
    if terms.len() != 1 {
        return Err(ErlangSyntaxError {
            line: 1,
            message: format!("{} terms where exactly one was expected", terms.len()),
        });
    }
    Ok(terms.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_comma_is_refused() {
        let err = parse_terms("[{rabbit, [{tcp_listeners, [{\"::1\", 5672}]},]}].\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert_eq!(err.message, "']' where a term was expected");
    }

    #[test]
    fn missing_final_dot_is_refused() {
        let err = parse_terms("[{rabbit, [{tcp_listeners, [{\"::1\", 5672}]},]}]\n");
        assert!(err.is_err());
        let err = parse_terms("[{rabbit, [{tcp_listeners, [{\"::1\", 5672}]}]}]\n").unwrap_err();
        assert_eq!(err.message, "no closing '.' after the last term");
    }

    #[test]
    fn ini_style_text_is_refused() {
        let err = parse_terms("listeners.tcp.default = 5672\n").unwrap_err();
        assert_eq!(err.message, "'.' followed by 't' is not the end of a term");
    }

    #[test]
    fn non_ascii_is_refused() {
        let err = parse_terms("[<<\"é\">>].\n").unwrap_err();
        assert_eq!(err.message, "byte 0xc3 inside quoted text");
    }

    #[test]
    fn well_formed_terms_are_read_back() {
        let text = "%% comment\n[{rabbit, [{default_pass, <<\"a\\\"b\\303\\251\">>}]},\n {kernel, {127,0,0,7}}].\n";
        let term = parse_single_term(text).unwrap();
        assert_eq!(
            term,
            ErlangTerm::List(vec![
                ErlangTerm::pair(
                    "rabbit",
                    ErlangTerm::List(vec![ErlangTerm::pair(
                        "default_pass",
                        ErlangTerm::Binary(b"a\"b\xc3\xa9".to_vec())
                    )])
                ),
                ErlangTerm::pair("kernel", ErlangTerm::ip_tuple("127.0.0.7".parse().unwrap())),
            ])
        );
    }

    #[test]
    fn several_terms_for_inetrc() {
        let terms = parse_terms("{hosts_file, \"\"}.\n{lookup, [file, native]}.\n").unwrap();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[1].canonical(), "{lookup,[file,native]}");
    }
}
