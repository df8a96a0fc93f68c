//! Plain lists: one value per line (`#` starts a comment), or a CSV column named by
//! `--column` (default: the first). Each value's kind is told from its shape: a URL, an
//! address or network, an MD5/SHA-1/SHA-256 digest, or a domain.
//!
//! Guarantees: every line or record is either an entry or an `import-skipped` warning at its
//! line; nothing is dropped without a word.

use super::table;
use super::values::Hint;
use super::Reader;

/// A text list.
pub fn text(r: &mut Reader<'_>, text: &str) {
    for (n, line) in text.split('\n').enumerate() {
        let value = line.split('#').next().unwrap_or("").trim();
        if !value.is_empty() {
            r.value(Hint::Auto, value, n as u32 + 1, None);
        }
    }
}

/// A CSV list: the value column by name, or the first column.
pub fn csv(r: &mut Reader<'_>, text: &str, column: Option<&str>) {
    let first = super::detect::table_header(text)
        .into_iter()
        .next()
        .unwrap_or_default();
    let column = column.map_or(first, str::to_owned);
    table::read(r, text, &[column.as_str()], |r, row| {
        let value = row.value(&column);
        if !value.is_empty() {
            r.value(Hint::Auto, value, row.line, None);
        }
    });
}
