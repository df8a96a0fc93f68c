//! One finding of the linter on one rule: where, which code, why, and how to fix it.
//!
//! Guarantees: a finding's position is a byte offset into the rule's text (turned into a
//! line and column when reported); its message says what the engine would do, never only
//! that something is "wrong".

use crate::diag::{Code, Severity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset in the rule's text.
    pub offset: usize,
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub help: String,
}

impl Finding {
    /// A reason Suricata refuses (or skips) the rule.
    pub fn error(
        offset: usize,
        code: Code,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Finding {
            offset,
            code,
            severity: Severity::Error,
            message: message.into(),
            help: help.into(),
        }
    }

    /// Something Suricata loads, that a careful rule writer avoids.
    pub fn warning(
        offset: usize,
        code: Code,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(offset, code, message, help)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Collects the findings of one rule.
#[derive(Debug, Default)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    pub fn error(&mut self, offset: usize, code: Code, message: impl Into<String>, help: &str) {
        self.0.push(Finding::error(offset, code, message, help));
    }
    pub fn warning(&mut self, offset: usize, code: Code, message: impl Into<String>, help: &str) {
        self.0.push(Finding::warning(offset, code, message, help));
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Finding::is_error)
    }
}
