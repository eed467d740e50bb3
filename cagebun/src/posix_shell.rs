//! Values written into files that `/bin/sh` sources: rabbitmq-env.conf, the
//! jail's rc.conf and the host's rc.conf.d/spiped.
//!
//! Every value is written inside single quotes, where the shell expands
//! nothing (`$`, backticks, globs and backslashes stay literal). A single
//! quote inside the value is written as `'\''`: close the quote, an escaped
//! quote, open again. NUL cannot travel through a shell variable and LF would
//! split the assignment over two lines, so both are refused.
//!
//! References: sh(1) "Quoting", POSIX.1-2017 XCU 2.2.2 "Single-Quotes".

use thiserror::Error;

/// A value that cannot be written into a file `/bin/sh` sources.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShellValueError {
    /// The value contains a NUL byte.
    #[error("{variable}: value {value:?} contains a NUL byte, which a shell variable cannot hold")]
    Nul {
        /// Variable the value was meant for.
        variable: String,
        /// The refused value.
        value: String,
    },
    /// The value contains a line feed.
    #[error("{variable}: value {value:?} contains a line feed")]
    LineFeed {
        /// Variable the value was meant for.
        variable: String,
        /// The refused value.
        value: String,
    },
    /// The variable name is not a shell name (`[A-Za-z_][A-Za-z0-9_]*`).
    #[error("{variable:?} is not a shell variable name")]
    BadName {
        /// The refused name.
        variable: String,
    },
    /// A word of a whitespace-split list contains a blank of its own.
    #[error("{variable}: argument {argument:?} contains a blank and would be split in two")]
    BlankInArgument {
        /// Variable the list was meant for.
        variable: String,
        /// The refused argument.
        argument: String,
    },
}

/// Quotes `value` for `/bin/sh` with single quotes.
///
/// `it's` becomes `'it'\''s'`. Refuses NUL and LF.
///
/// References: sh(1) "Quoting".
pub fn single_quote(variable: &str, value: &str) -> Result<String, ShellValueError> {
    if value.contains('\0') {
        return Err(ShellValueError::Nul {
            variable: variable.to_owned(),
            value: value.to_owned(),
        });
    }
    if value.contains('\n') {
        return Err(ShellValueError::LineFeed {
            variable: variable.to_owned(),
            value: value.to_owned(),
        });
    }
    Ok(format!("'{}'", value.replace('\'', r"'\''")))
}

/// Whether `name` is a shell variable name.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One line `NAME='value'`, or `export NAME='value'` when `export` is set.
///
/// References: sh(1) "Variable Assignments", "export".
pub fn assignment(variable: &str, value: &str, export: bool) -> Result<String, ShellValueError> {
    if !is_variable_name(variable) {
        return Err(ShellValueError::BadName {
            variable: variable.to_owned(),
        });
    }
    let quoted = single_quote(variable, value)?;
    let prefix = if export { "export " } else { "" };
    Ok(format!("{prefix}{variable}={quoted}\n"))
}

/// Joins arguments for a variable that its reader splits at whitespace
/// (RabbitMQ's `SERVER_ADDITIONAL_ERL_ARGS`, `CTL_ERL_ARGS`).
///
/// An argument holding a blank (space, tab, CR, LF) cannot survive that split
/// and is refused.
///
/// References: rabbitmq-env.conf(5).
pub fn join_split_arguments(
    variable: &str,
    arguments: &[String],
) -> Result<String, ShellValueError> {
    if let Some(bad) = arguments
        .iter()
        .find(|a| a.is_empty() || a.contains([' ', '\t', '\r', '\n']))
    {
        return Err(ShellValueError::BlankInArgument {
            variable: variable.to_owned(),
            argument: bad.clone(),
        });
    }
    Ok(arguments.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_value_is_single_quoted() {
        assert_eq!(
            single_quote("V", "rabbit@localhost").unwrap(),
            "'rabbit@localhost'"
        );
    }

    #[test]
    fn quote_inside_value_closes_and_reopens() {
        assert_eq!(single_quote("V", "it's").unwrap(), r"'it'\''s'");
    }

    #[test]
    fn expansions_stay_literal_inside_single_quotes() {
        assert_eq!(
            single_quote("V", "$(id) `id` $HOME *").unwrap(),
            "'$(id) `id` $HOME *'"
        );
    }

    #[test]
    fn nul_and_line_feed_are_refused() {
        assert!(matches!(
            single_quote("V", "a\0b"),
            Err(ShellValueError::Nul { .. })
        ));
        assert!(matches!(
            single_quote("V", "a\nb"),
            Err(ShellValueError::LineFeed { .. })
        ));
    }

    #[test]
    fn assignment_line_and_export() {
        assert_eq!(
            assignment("NODENAME", "rabbit@mq", false).unwrap(),
            "NODENAME='rabbit@mq'\n"
        );
        assert_eq!(
            assignment("ERL_EPMD_ADDRESS", "fd00::53", true).unwrap(),
            "export ERL_EPMD_ADDRESS='fd00::53'\n"
        );
        assert!(matches!(
            assignment("1BAD", "x", false),
            Err(ShellValueError::BadName { .. })
        ));
    }

    #[test]
    fn split_arguments_refuse_blanks() {
        let ok = vec!["-proto_dist".to_owned(), "inet6_tcp".to_owned()];
        assert_eq!(
            join_split_arguments("A", &ok).unwrap(),
            "-proto_dist inet6_tcp"
        );
        let bad = vec!["-kernel".to_owned(), "a b".to_owned()];
        assert_eq!(
            join_split_arguments("A", &bad),
            Err(ShellValueError::BlankInArgument {
                variable: "A".to_owned(),
                argument: "a b".to_owned()
            })
        );
    }
}
