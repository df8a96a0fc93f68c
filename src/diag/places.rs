//! Where the YAML scanner's markers fall in the text as iocc shows it.
//!
//! Guarantees: a marker's character index maps to the byte offset of that character (the end
//! of the text for an index past it) and to the 1-based line and 0-based character column the
//! source display counts, where only `\n` breaks a line. The scanner's own line numbers also
//! break at a lone `\r` and put the end of a text without a final newline on a line of its
//! own, so they can point below the last line; these never do. Markers are mostly visited in
//! increasing order: the cursor moves from the last one, so a scan costs the text's length,
//! not its length per marker.

/// A cursor over a text, from character indices to bytes, lines and columns.
pub struct Places<'a> {
    text: &'a str,
    /// The character index and byte offset of the cursor.
    char: usize,
    byte: usize,
    /// The cursor's 1-based line and the byte offset where that line starts.
    line: usize,
    line_start: usize,
}

impl<'a> Places<'a> {
    pub fn new(text: &'a str) -> Places<'a> {
        Places {
            text,
            char: 0,
            byte: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The byte offset of character `index` (the text's length past its end).
    pub fn byte(&mut self, index: usize) -> usize {
        self.seek(index);
        self.byte
    }

    /// The 1-based line and 0-based column (in characters) of character `index`.
    pub fn line_col(&mut self, index: usize) -> (usize, usize) {
        self.seek(index);
        let col = self.text[self.line_start..self.byte].chars().count();
        (self.line, col)
    }

    fn seek(&mut self, index: usize) {
        while self.char < index {
            let Some(ch) = self.text[self.byte..].chars().next() else {
                // Past the end: stay there.
                self.char = index;
                return;
            };
            self.byte += ch.len_utf8();
            self.char += 1;
            if ch == '\n' {
                self.line += 1;
                self.line_start = self.byte;
            }
        }
        if self.char > index && self.byte == self.text.len() {
            // Back from past the end to the true count of characters.
            self.char = self.text.chars().count();
        }
        while self.char > index {
            let ch = self.text[..self.byte]
                .chars()
                .next_back()
                .expect("before the cursor");
            self.byte -= ch.len_utf8();
            self.char -= 1;
            if ch == '\n' {
                self.line -= 1;
                self.line_start = self.text[..self.byte].rfind('\n').map_or(0, |n| n + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every index of every text maps as a scan from the start would map it, whichever way
    /// the cursor came.
    #[test]
    fn a_cursor_agrees_with_counting_from_the_start() {
        for text in ["", "a", "é\nb\r\nc\rd", "id: [a\n", "x\n\n\ny", "ab\ncd"] {
            let chars: Vec<(usize, char)> = text.char_indices().collect();
            let expect = |i: usize| {
                let byte = chars.get(i).map_or(text.len(), |&(b, _)| b);
                let before = &text[..byte];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().unwrap_or("").chars().count();
                (byte, line, col)
            };
            let n = chars.len() + 2;
            let order: Vec<usize> = (0..n).chain((0..n).rev()).chain([1, n, 0, 3]).collect();
            let mut p = Places::new(text);
            for i in order {
                let (line, col) = p.line_col(i);
                assert_eq!((p.byte(i), line, col), expect(i), "{text:?} at {i}");
            }
        }
    }

    #[test]
    fn a_lone_carriage_return_does_not_break_a_line() {
        let text = "\rid: &ir\nnd\n";
        let mut p = Places::new(text);
        assert_eq!(p.line_col(9), (2, 0));
        // The end of a text without a final newline is the end of its last line.
        let mut p = Places::new("a: b\nc");
        assert_eq!(p.line_col(6), (2, 1));
    }
}
