//! The small grammars of iocc, as nom parsers: the catalogue's port lists, Suricata content
//! notation, Suricata rule lines ([`rule`], behind `iocc lint` and the check of every
//! generated pack), the RPZ zones the DNS target writes ([`rpz`], read back by the tests), and
//! the STIX patterning language `iocc import` reads. Each parser consumes its whole input or
//! fails with the position of the first thing it could not read (a character offset, so a
//! caret can point at it inside the YAML scalar; a line for zones).

pub mod content;
pub mod ports;
pub mod rpz;
pub mod rule;
pub mod stix_pattern;

/// A grammar failure: what was expected, at which character of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrammarError {
    /// Offset in characters from the start of the input.
    pub offset: usize,
    pub message: String,
}

impl GrammarError {
    /// An error at the start of `rest`, a suffix of `input`.
    pub(crate) fn at(input: &str, rest: &str, message: impl Into<String>) -> Self {
        let byte = input.len() - rest.len();
        GrammarError {
            offset: input[..byte].chars().count(),
            message: message.into(),
        }
    }
}
