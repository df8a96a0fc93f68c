//! Escapers that more than one module needs: Markdown, for the summary target, the Zeek
//! package README, the bundle README and the changelog.
//!
//! Guarantees: a value passed through [`escape_markdown`] cannot open a link, an image, an
//! HTML tag, emphasis, code or a new table cell or row, and stays on one line.

use crate::render::Escaper;

/// The Markdown escaper, for a target's `md` templates.
pub const MARKDOWN: Escaper = Escaper {
    name: "markdown",
    extensions: &["md"],
    escape: escape_markdown,
};

/// Escapes Markdown and HTML syntax; newlines and control characters become spaces so a value
/// stays inside its table cell.
pub fn escape_markdown(value: &str, out: &mut String) -> Result<(), String> {
    for c in value.chars() {
        match c {
            // Emphasis, code, tables, strikeout, and `[`, which opens every link and image.
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    Ok(())
}

/// [`escape_markdown`] into a new string.
pub fn markdown(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    // The Markdown escaper only replaces; it never refuses.
    let _ = escape_markdown(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaper_keeps_values_in_their_cell() {
        assert_eq!(
            markdown("a|b\n| x | <script>[l](u)"),
            "a\\|b \\| x \\| &lt;script&gt;\\[l\\](u)"
        );
    }
}
