//! Escapers that more than one module needs: Markdown, for the summary target, the Zeek
//! package README, the bundle README and the changelog; one safe comment line, for the
//! firewall and DNS files.
//!
//! Guarantees: a value passed through [`escape_markdown`] cannot open a link, an image, an
//! HTML tag, emphasis, code or a new table cell or row, and stays on one line. A value passed
//! through [`one_line`] is one line of printable ASCII drawn from letters, digits, space and
//! `. , : / ( ) _ - + =`, bounded: it cannot end a comment, open a quote or start a command,
//! directive or record in any of those formats.

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

fn comment_safe(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '.' | ',' | ':' | '/' | '(' | ')' | '_' | '-' | '+' | '=')
}

/// One safe line of at most `max` characters: any other character becomes `_`, runs of
/// whitespace and control characters one space, and a longer value is cut with `...`.
pub fn one_line(v: &str, max: usize, out: &mut String) -> Result<(), String> {
    let mut text = String::with_capacity(v.len().min(max + 3));
    let mut space = false;
    for c in v.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !text.is_empty();
            continue;
        }
        if space {
            text.push(' ');
            space = false;
        }
        text.push(if comment_safe(c) { c } else { '_' });
    }
    if text.chars().count() > max {
        let cut: String = text.chars().take(max.saturating_sub(3)).collect();
        text = format!("{}...", cut.trim_end());
    }
    out.push_str(&text);
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
