//! Splits jail.conf(5) text into tokens, the way jail(8)'s scanner does.

use super::{ConfError, ConfErrorKind, Part, Position};

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) at: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// One of `;`, `,`, `=`, `{`, `}`.
    Punct(char),
    /// `+=`.
    PlusEq,
    /// A string made of directly adjacent pieces (quoted strings, words,
    /// escapes, variables). `pieces` counts them; `single_var` is a lone
    /// `$name` or `${name}`.
    Str {
        parts: Vec<Part>,
        pieces: usize,
        single_var: bool,
    },
}

/// Characters of an unquoted word.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_!%&()-.:<>?@[]^`|~".contains(c)
}

struct Scanner<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    column: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.offset..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.text[self.offset..].chars().nth(1)
    }

    fn starts_with(&self, s: &str) -> bool {
        self.text[self.offset..].starts_with(s)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
            offset: self.offset,
        }
    }

    fn error(&self, kind: ConfErrorKind, at: Position) -> ConfError {
        let end = self.text[at.offset..]
            .char_indices()
            .nth(24)
            .map_or(self.text.len(), |(i, _)| at.offset + i);
        let snippet = self.text[at.offset..end]
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        ConfError { kind, at, snippet }
    }

    /// Skips whitespace and comments; says whether anything was skipped.
    fn skip_blank(&mut self) -> Result<bool, ConfError> {
        let start = self.offset;
        loop {
            match self.peek() {
                Some(c) if c == ' ' || c == '\t' || c == '\r' || c == '\n' => {
                    self.bump();
                }
                Some('#') => self.skip_line(),
                Some('/') if self.peek_second() == Some('/') => self.skip_line(),
                Some('/') if self.peek_second() == Some('*') => {
                    let at = self.position();
                    self.bump();
                    self.bump();
                    loop {
                        if self.starts_with("*/") {
                            self.bump();
                            self.bump();
                            break;
                        }
                        if self.bump().is_none() {
                            return Err(self.error(ConfErrorKind::UnterminatedComment, at));
                        }
                    }
                }
                _ => return Ok(self.offset != start),
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.bump();
        }
    }

    /// Decodes the escape after a backslash (already consumed). `None` for
    /// a backslash-newline, which joins lines.
    fn escape(&mut self, backslash: Position) -> Result<Option<char>, ConfError> {
        let Some(c) = self.bump() else {
            return Ok(Some('\\'));
        };
        let value = match c {
            '\n' => return Ok(None),
            '0'..='7' => {
                let mut value = c as u32 - '0' as u32;
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ '0'..='7') => {
                            self.bump();
                            value = value * 8 + (d as u32 - '0' as u32);
                        }
                        _ => break,
                    }
                }
                value
            }
            'x' => {
                let mut value = 0;
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(16)) {
                        Some(digit) => {
                            self.bump();
                            value = value * 16 + digit;
                        }
                        None => break,
                    }
                }
                value
            }
            'a' => 0x07,
            'b' => 0x08,
            'f' => 0x0c,
            'n' => u32::from('\n'),
            'r' => u32::from('\r'),
            't' => u32::from('\t'),
            'v' => 0x0b,
            other => return Ok(Some(other)),
        };
        match value {
            0 => Err(self.error(ConfErrorKind::NulEscape, backslash)),
            1..=0x7f => Ok(char::from_u32(value)),
            _ => Err(self.error(ConfErrorKind::NonAsciiEscape, backslash)),
        }
    }

    /// A variable name after `$` (consumed); `None` when no name follows,
    /// so the `$` is literal. `in_quotes` forbids `"` inside `${…}`.
    fn variable(&mut self, dollar: Position, in_quotes: bool) -> Result<Option<String>, ConfError> {
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(c) = self.peek() {
                    if !(c.is_ascii_alphanumeric() || c == '_') {
                        break;
                    }
                    name.push(c);
                    self.bump();
                }
                Ok(Some(name))
            }
            Some('{') => {
                self.bump();
                let mut name = String::new();
                loop {
                    match self.peek() {
                        Some('}') => {
                            self.bump();
                            return Ok(Some(name));
                        }
                        Some('\\') => {
                            let at = self.position();
                            self.bump();
                            if let Some(c) = self.escape(at)? {
                                name.push(c);
                            }
                        }
                        Some(c) if c != '\n' && c != '{' && !(in_quotes && c == '"') => {
                            name.push(c);
                            self.bump();
                        }
                        _ => return Err(self.error(ConfErrorKind::UnterminatedVariable, dollar)),
                    }
                }
            }
            _ => Ok(None),
        }
    }

    fn single_quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), ConfError> {
        let open = self.position();
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                Some('\'') => break,
                Some('\\') => {
                    let at = self.position();
                    if let Some(c) = self.escape(at)? {
                        text.push(c);
                    }
                }
                Some(c) => text.push(c),
                None => return Err(self.error(ConfErrorKind::UnterminatedString, open)),
            }
        }
        push_literal(parts, &text);
        Ok(())
    }

    fn double_quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), ConfError> {
        let open = self.position();
        self.bump();
        let mut text = String::new();
        loop {
            let at = self.position();
            match self.bump() {
                Some('"') => break,
                Some('\\') => {
                    if let Some(c) = self.escape(at)? {
                        text.push(c);
                    }
                }
                Some('$') => match self.variable(at, true)? {
                    Some(name) => {
                        push_literal(parts, &text);
                        text.clear();
                        parts.push(Part::Var(name));
                    }
                    None => text.push('$'),
                },
                Some(c) => text.push(c),
                None => return Err(self.error(ConfErrorKind::UnterminatedString, open)),
            }
        }
        push_literal(parts, &text);
        Ok(())
    }

    /// Reads one piece onto `parts`; `Ok(false)` when none starts here.
    /// Sets `var` when the piece was a variable outside quotes.
    fn piece(&mut self, parts: &mut Vec<Part>, var: &mut bool) -> Result<bool, ConfError> {
        let at = self.position();
        *var = false;
        match self.peek() {
            Some('\'') => self.single_quoted(parts)?,
            Some('"') => self.double_quoted(parts)?,
            Some('\\') => {
                self.bump();
                if let Some(c) = self.escape(at)? {
                    push_literal(parts, c.encode_utf8(&mut [0; 4]));
                }
            }
            Some('$') => {
                self.bump();
                match self.variable(at, false)? {
                    Some(name) => {
                        parts.push(Part::Var(name));
                        *var = true;
                    }
                    None => push_literal(parts, "$"),
                }
            }
            Some('+') if self.peek_second() == Some('=') => return Ok(false),
            Some('/') if matches!(self.peek_second(), Some('/' | '*')) => return Ok(false),
            Some(c @ ('*' | '+' | '/')) => {
                self.bump();
                push_literal(parts, c.encode_utf8(&mut [0; 4]));
            }
            Some(c) if is_word_char(c) => {
                let start = self.offset;
                while self.peek().is_some_and(is_word_char) {
                    self.bump();
                }
                let word = &self.text[start..self.offset];
                push_literal(parts, word);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Appends literal text, merging it into a preceding literal.
pub(super) fn push_literal(parts: &mut Vec<Part>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Part::Literal(last)) = parts.last_mut() {
        last.push_str(text);
    } else {
        parts.push(Part::Literal(text.to_owned()));
    }
}

/// Tokenizes `text`.
pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, ConfError> {
    let mut scanner = Scanner {
        text,
        offset: 0,
        line: 1,
        column: 1,
    };
    if let Some(offset) = text.find('\0') {
        scanner.offset = offset;
        scanner.line = text[..offset].matches('\n').count() + 1;
        scanner.column = text[..offset]
            .rsplit('\n')
            .next()
            .unwrap_or("")
            .chars()
            .count()
            + 1;
        return Err(scanner.error(ConfErrorKind::NulByte, scanner.position()));
    }
    let mut tokens = Vec::new();
    loop {
        scanner.skip_blank()?;
        let at = scanner.position();
        let Some(c) = scanner.peek() else {
            return Ok(tokens);
        };
        let kind = match c {
            ';' | ',' | '=' | '{' | '}' => {
                scanner.bump();
                TokenKind::Punct(c)
            }
            '+' if scanner.peek_second() == Some('=') => {
                scanner.bump();
                scanner.bump();
                TokenKind::PlusEq
            }
            _ => {
                let mut parts = Vec::new();
                let mut pieces = 0;
                let mut var = false;
                let mut last_was_var = false;
                while scanner.piece(&mut parts, &mut var)? {
                    pieces += 1;
                    last_was_var = var;
                }
                if pieces == 0 {
                    return Err(scanner.error(ConfErrorKind::UnexpectedChar(c), at));
                }
                TokenKind::Str {
                    parts,
                    pieces,
                    single_var: pieces == 1 && last_was_var,
                }
            }
        };
        tokens.push(Token { kind, at });
    }
}
