//! jail.conf(5): parse a file to its statements and render statements back
//! to text that parses to the same values.
//!
//! The scanner follows jail(8)'s: words, single- and double-quoted strings
//! and backslash escapes that touch each other form one string; `$name` and
//! `${name}` are variables outside quotes and inside double quotes, and
//! `\$` is a literal dollar; comments are `#`, `//` and `/* */`; `=` sets a
//! parameter, `+=` appends to it, and a comma separates list values. A
//! parameter without a value (`persist;`, `allow.nomount;`) is a boolean
//! shortcut. `.include "<file>";` at the top level is kept as an
//! [`Item::Include`].
//!
//! [`render`] writes every value double-quoted unless it consists only of
//! letters, digits, `.`, `-` and `_`, escaping `\`, `"` and `$`, so
//! re-parsing yields the original values byte for byte. It refuses, with a
//! [`RenderError`], the few files that have no such text (a NUL byte, a
//! top-level parameter named `.include`, `+=` without a value).
//!
//! Limitations: backslash escapes are decoded in single-quoted strings
//! too, as jail(8) does; escapes that produce a NUL or a byte above 0x7f
//! are refused (jail(8) would cut the string at a NUL); `.include` is not
//! followed, and variables and wildcard blocks are kept as written (see
//! [`JailBlock::effective_values`] for the list semantics of one block).
//!
//! References: jail.conf(5), jail(8).

mod lex;

use std::fmt;

use lex::{Token, TokenKind};

/// A place in the text: 1-based line and column (in characters) and the
/// byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// Byte offset, from 0.
    pub offset: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} (byte {})", self.line, self.column, self.offset)
    }
}

/// What is wrong at a [`ConfError`]'s position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfErrorKind {
    /// A `/*` comment without `*/`.
    #[error("unterminated comment")]
    UnterminatedComment,
    /// A quoted string without its closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A `${` without `}`.
    #[error("unterminated variable")]
    UnterminatedVariable,
    /// A NUL byte in the text.
    #[error("NUL byte in the text")]
    NulByte,
    /// A backslash escape that produces a NUL byte.
    #[error("escape produces a NUL byte")]
    NulEscape,
    /// A backslash escape that produces a byte above 0x7f.
    #[error("escape produces a byte above 0x7f")]
    NonAsciiEscape,
    /// A character that starts no token.
    #[error("unexpected character {0:?}")]
    UnexpectedChar(char),
    /// A token where the grammar expects something else.
    #[error("syntax error: expected {0}")]
    Expected(&'static str),
    /// The text ended where the grammar expects more.
    #[error("unexpected end of file: expected {0}")]
    UnexpectedEnd(&'static str),
}

/// A jail.conf(5) text that does not parse, with where and what.
///
/// `Display` reads `line 3:9 (byte 40): unterminated string at `"abc``.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {at}: {kind} at `{snippet}`")]
pub struct ConfError {
    /// What is wrong.
    pub kind: ConfErrorKind,
    /// Where.
    pub at: Position,
    /// The text from there, up to 24 characters of its line.
    pub snippet: String,
}

/// A piece of a string value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// Text, escapes decoded.
    Literal(String),
    /// `$name` or `${name}`, substituted by jail(8) per jail.
    Var(String),
}

/// One string value: literal text and variables, adjacent literals merged.
/// The empty string has no parts.
///
/// The parts are private so that a value is always in the form the parser
/// yields: [`Value::from_parts`] merges adjacent literals and drops empty
/// ones.
///
/// References: jail.conf(5) ("String format", "Variables").
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Value(Vec<Part>);

impl Value {
    /// A value of `parts` in order, adjacent literals merged and empty
    /// literals dropped.
    pub fn from_parts(parts: Vec<Part>) -> Self {
        let mut merged = Vec::new();
        for part in parts {
            match part {
                Part::Literal(text) => lex::push_literal(&mut merged, &text),
                Part::Var(name) => merged.push(Part::Var(name)),
            }
        }
        Self(merged)
    }

    /// The parts in order.
    pub fn parts(&self) -> &[Part] {
        &self.0
    }

    /// A value of literal text only.
    pub fn literal(text: &str) -> Self {
        let mut parts = Vec::new();
        lex::push_literal(&mut parts, text);
        Self(parts)
    }

    /// The text, when the value has no variables.
    pub fn as_literal(&self) -> Option<String> {
        self.0
            .iter()
            .map(|part| match part {
                Part::Literal(text) => Some(text.as_str()),
                Part::Var(_) => None,
            })
            .collect()
    }
}

/// The name of a statement: a parameter, or a variable (`$name = …;`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParamName {
    /// A jail parameter, such as `ip6.addr` or `exec.start`.
    Param(String),
    /// A variable, used only for substitution.
    Variable(String),
}

/// Whether a statement sets or appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `name = values;`, `name values;` or `name;`: replaces the list.
    Set,
    /// `name += values;`: appends to the list.
    Append,
}

/// One parameter or variable statement.
///
/// References: jail.conf(5) ("Parameters").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// What is set.
    pub name: ParamName,
    /// Set or append.
    pub op: Op,
    /// The comma-separated values; empty for a boolean shortcut.
    pub values: Vec<Value>,
}

impl Param {
    /// `name = value;` for a parameter and one literal value.
    pub fn set(name: &str, value: &str) -> Self {
        Self {
            name: ParamName::Param(name.to_owned()),
            op: Op::Set,
            values: vec![Value::literal(value)],
        }
    }
}

/// `name { … }`: the statements of one jail, or of a wildcard (`*`,
/// `foo.*`).
///
/// References: jail.conf(5) ("Wildcards").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JailBlock {
    /// The jail name.
    pub name: String,
    /// Its statements in order.
    pub params: Vec<Param>,
}

impl JailBlock {
    /// The values parameter `name` ends up with inside this block alone:
    /// each `=` replaces the list, each `+=` appends to it. `None` when the
    /// block never sets it. Variables are not substituted and wildcard or
    /// global statements are not merged in.
    ///
    /// References: jail.conf(5), jail(8).
    pub fn effective_values(&self, name: &str) -> Option<Vec<Value>> {
        let mut result: Option<Vec<Value>> = None;
        for param in &self.params {
            if param.name != ParamName::Param(name.to_owned()) {
                continue;
            }
            let list = result.get_or_insert_with(Vec::new);
            if param.op == Op::Set {
                list.clear();
            }
            list.extend(param.values.iter().cloned());
        }
        result
    }
}

/// A top-level statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Item {
    /// A parameter or variable outside any block: applies to every jail.
    Param(Param),
    /// A jail or wildcard block.
    Jail(JailBlock),
    /// `.include "<pattern>";`.
    Include(Value),
}

/// A parsed jail.conf(5) file: its statements in order.
///
/// References: jail.conf(5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ConfFile {
    /// The top-level statements.
    pub items: Vec<Item>,
}

impl ConfFile {
    /// The first block named `name`.
    pub fn jail(&self, name: &str) -> Option<&JailBlock> {
        self.items.iter().find_map(|item| match item {
            Item::Jail(block) if block.name == name => Some(block),
            _ => None,
        })
    }
}

/// Parses jail.conf(5) text.
///
/// References: jail.conf(5), jail(8).
pub fn parse(text: &str) -> Result<ConfFile, ConfError> {
    let tokens = lex::tokenize(text)?;
    let end = end_position(text);
    Parser {
        tokens: &tokens,
        next: 0,
        text,
        end,
    }
    .file()
}

fn end_position(text: &str) -> Position {
    let line = text.matches('\n').count() + 1;
    let last_line = text.rsplit('\n').next().unwrap_or("");
    Position {
        line,
        column: last_line.chars().count() + 1,
        offset: text.len(),
    }
}

struct Parser<'a> {
    tokens: &'a [Token],
    next: usize,
    text: &'a str,
    end: Position,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&TokenKind> {
        self.tokens.get(self.next).map(|t| &t.kind)
    }

    fn peek_at(&self, ahead: usize) -> Option<&TokenKind> {
        self.tokens.get(self.next + ahead).map(|t| &t.kind)
    }

    fn error(&self, expected: &'static str) -> ConfError {
        match self.tokens.get(self.next) {
            Some(token) => {
                let at = token.at;
                let snippet: String = self.text[at.offset..]
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(24)
                    .collect();
                ConfError {
                    kind: ConfErrorKind::Expected(expected),
                    at,
                    snippet,
                }
            }
            None => ConfError {
                kind: ConfErrorKind::UnexpectedEnd(expected),
                at: self.end,
                snippet: String::new(),
            },
        }
    }

    fn eat(&mut self, punct: char) -> bool {
        if self.peek() == Some(&TokenKind::Punct(punct)) {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn file(mut self) -> Result<ConfFile, ConfError> {
        let mut items = Vec::new();
        while self.peek().is_some() {
            if self.eat(';') {
                continue;
            }
            if matches!(self.peek_at(1), Some(TokenKind::Punct('{'))) {
                items.push(Item::Jail(self.jail()?));
                continue;
            }
            let param = self.param()?;
            if !self.eat(';') {
                return Err(self.error("`;`"));
            }
            items.push(match param {
                Param {
                    name: ParamName::Param(name),
                    op: Op::Set,
                    mut values,
                } if name == ".include" && values.len() == 1 => Item::Include(values.remove(0)),
                other => Item::Param(other),
            });
        }
        Ok(ConfFile { items })
    }

    fn jail(&mut self) -> Result<JailBlock, ConfError> {
        let name = match self.peek() {
            Some(TokenKind::Str { parts, .. }) => Value(parts.clone()).as_literal(),
            _ => None,
        }
        .ok_or_else(|| self.error("a jail name without variables"))?;
        self.next += 2;
        let mut params = Vec::new();
        loop {
            if self.eat('}') {
                return Ok(JailBlock { name, params });
            }
            if self.eat(';') {
                continue;
            }
            if self.peek().is_none() {
                return Err(self.error("`}`"));
            }
            params.push(self.param()?);
            if !self.eat(';') {
                return Err(self.error("`;`"));
            }
        }
    }

    fn param(&mut self) -> Result<Param, ConfError> {
        let name = match self.peek() {
            Some(TokenKind::Str {
                parts,
                pieces: 1,
                single_var,
            }) => match (parts.as_slice(), single_var) {
                ([Part::Var(name)], true) => Some(ParamName::Variable(name.clone())),
                ([], false) => Some(ParamName::Param(String::new())),
                ([Part::Literal(name)], false) => Some(ParamName::Param(name.clone())),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| self.error("a parameter name"))?;
        self.next += 1;
        let op = match self.peek() {
            Some(TokenKind::Punct('=')) => {
                self.next += 1;
                Some(Op::Set)
            }
            Some(TokenKind::PlusEq) => {
                self.next += 1;
                Some(Op::Append)
            }
            Some(TokenKind::Str { .. }) => Some(Op::Set),
            _ => None,
        };
        let Some(op) = op else {
            return Ok(Param {
                name,
                op: Op::Set,
                values: Vec::new(),
            });
        };
        let mut values = vec![self.value()?];
        while self.eat(',') {
            values.push(self.value()?);
        }
        Ok(Param { name, op, values })
    }

    fn value(&mut self) -> Result<Value, ConfError> {
        match self.peek() {
            Some(TokenKind::Str { parts, .. }) => {
                let value = Value(parts.clone());
                self.next += 1;
                Ok(value)
            }
            _ => Err(self.error("a value")),
        }
    }
}

/// Why a [`ConfFile`] has no text that parses back to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderErrorKind {
    /// A NUL byte, which cannot appear in jail.conf(5) text nor in the C
    /// strings jail(8) makes of it.
    #[error("NUL byte in {0}")]
    NulByte(&'static str),
    /// A top-level parameter named `.include` with one value, which reads
    /// back as an include directive; an [`Item::Include`] is the way to
    /// write one.
    #[error("a top-level parameter named `.include` reads back as an include directive")]
    IncludeAsParam,
    /// [`Op::Append`] with no values: `+=` needs a value, and the boolean
    /// shortcut reads back as [`Op::Set`].
    #[error("`+=` needs a value")]
    AppendWithoutValue,
}

/// A [`ConfFile`] that [`render`] refuses, naming the statement.
///
/// `Display` reads `jail `mq`, parameter `exec.start`: NUL byte in a value`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {kind}")]
pub struct RenderError {
    /// The statement: `top level, parameter `x``, `jail `mq`, parameter
    /// `x``, `jail `mq`` or `.include`.
    pub place: String,
    /// What is wrong.
    pub kind: RenderErrorKind,
}

fn check_nul(
    text: &str,
    what: &'static str,
    place: &dyn Fn() -> String,
) -> Result<(), RenderError> {
    if text.contains('\0') {
        return Err(RenderError {
            place: place(),
            kind: RenderErrorKind::NulByte(what),
        });
    }
    Ok(())
}

fn check_value(value: &Value, place: &dyn Fn() -> String) -> Result<(), RenderError> {
    for part in value.parts() {
        match part {
            Part::Literal(text) => check_nul(text, "a value", place)?,
            Part::Var(name) => check_nul(name, "a variable name", place)?,
        }
    }
    Ok(())
}

fn check_param(param: &Param, block: Option<&str>) -> Result<(), RenderError> {
    let name = match &param.name {
        ParamName::Param(name) | ParamName::Variable(name) => name,
    };
    let place = || match block {
        Some(jail) => format!("jail `{jail}`, parameter `{}`", name.escape_debug()),
        None => format!("top level, parameter `{}`", name.escape_debug()),
    };
    let fail = |kind| {
        Err(RenderError {
            place: place(),
            kind,
        })
    };
    check_nul(name, "the parameter name", &place)?;
    if param.op == Op::Append && param.values.is_empty() {
        return fail(RenderErrorKind::AppendWithoutValue);
    }
    let is_include = matches!(&param.name, ParamName::Param(n) if n == ".include");
    if block.is_none() && is_include && param.op == Op::Set && param.values.len() == 1 {
        return fail(RenderErrorKind::IncludeAsParam);
    }
    param.values.iter().try_for_each(|v| check_value(v, &place))
}

fn check_item(item: &Item) -> Result<(), RenderError> {
    match item {
        Item::Param(param) => check_param(param, None),
        Item::Include(value) => check_value(value, &|| ".include".to_owned()),
        Item::Jail(block) => {
            let place = || format!("jail `{}`", block.name.escape_debug());
            check_nul(&block.name, "the jail name", &place)?;
            let name = block.name.as_str();
            block
                .params
                .iter()
                .try_for_each(|p| check_param(p, Some(name)))
        }
    }
}

/// Whether `text` may be written without quotes: letters, digits, `.`,
/// `-` and `_` only, as jail.conf(5) advises.
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Writes `text` inside double quotes, escaped so it reads back unchanged.
fn write_escaped(out: &mut String, text: &str, extra_escapes: &str) {
    for c in text.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii_control() => out.push_str(&format!("\\{:03o}", c as u32)),
            c if extra_escapes.contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

fn write_var_name(out: &mut String, name: &str) {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if simple {
        out.push('$');
        out.push_str(name);
    } else {
        out.push_str("${");
        write_escaped(out, name, "{}");
        out.push('}');
    }
}

fn write_value(out: &mut String, value: &Value) {
    if let Some(text) = value.as_literal().filter(|t| is_plain(t)) {
        out.push_str(&text);
        return;
    }
    out.push('"');
    for part in &value.0 {
        match part {
            Part::Literal(text) => write_escaped(out, text, ""),
            Part::Var(name) => {
                out.push_str("${");
                write_escaped(out, name, "{}");
                out.push('}');
            }
        }
    }
    out.push('"');
}

fn write_name(out: &mut String, name: &str, wildcard_ok: bool) {
    let plain = !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') || (wildcard_ok && c == '*')
        });
    if plain {
        out.push_str(name);
    } else {
        out.push('"');
        write_escaped(out, name, "");
        out.push('"');
    }
}

fn write_param(out: &mut String, param: &Param, indent: &str) {
    out.push_str(indent);
    match &param.name {
        ParamName::Param(name) => write_name(out, name, false),
        ParamName::Variable(name) => write_var_name(out, name),
    }
    if !param.values.is_empty() {
        out.push_str(match param.op {
            Op::Set => " = ",
            Op::Append => " += ",
        });
        for (index, value) in param.values.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            write_value(out, value);
        }
    }
    out.push_str(";\n");
}

/// Renders `file` as jail.conf(5) text: one statement a line, blocks
/// indented with a tab. The text parses back to `file`.
///
/// A file with no such text is refused with a [`RenderError`]: a NUL byte
/// anywhere, a top-level parameter named `.include` with one value, or an
/// [`Op::Append`] statement without values.
///
/// References: jail.conf(5).
pub fn render(file: &ConfFile) -> Result<String, RenderError> {
    file.items.iter().try_for_each(check_item)?;
    let mut out = String::new();
    for item in &file.items {
        match item {
            Item::Param(param) => write_param(&mut out, param, ""),
            Item::Include(value) => {
                out.push_str(".include ");
                write_value(&mut out, value);
                out.push_str(";\n");
            }
            Item::Jail(block) => {
                write_name(&mut out, &block.name, true);
                out.push_str(" {\n");
                for param in &block.params {
                    write_param(&mut out, param, "\t");
                }
                out.push_str("}\n");
            }
        }
    }
    Ok(out)
}
