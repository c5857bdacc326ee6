//! A one-line text input with a cursor, for prompts, filters, the palette and search.

/// One line of text being typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    cursor: usize,
}

impl LineInput {
    /// An input holding `text`, cursor at the end.
    pub fn with_text(text: &str) -> Self {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Cursor position in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Columns from the start of the text to the cursor (wide characters count two), where
    /// the terminal cursor goes.
    pub fn cursor_width(&self) -> u16 {
        use unicode_width::UnicodeWidthStr;
        let w = self.text[..self.byte_at(self.cursor)].width();
        u16::try_from(w).unwrap_or(u16::MAX)
    }

    fn byte_at(&self, char_pos: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_pos)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    /// Inserts typed or pasted text (line breaks become spaces, other controls are dropped).
    pub fn insert(&mut self, s: &str) {
        for c in s.chars() {
            let c = if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            };
            if c.is_control() {
                continue;
            }
            let at = self.byte_at(self.cursor);
            self.text.insert(at, c);
            self.cursor += 1;
        }
    }

    /// Handles an editing key; returns whether it was one.
    pub fn key(&mut self, key: crossterm::event::KeyEvent) -> bool {
        use crossterm::event::{KeyCode, KeyModifiers};
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.text.chars().count(),
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.drain(..at);
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => {
                while self.cursor > 0 && self.text.chars().nth(self.cursor - 1) == Some(' ') {
                    self.backspace();
                }
                while self.cursor > 0 && self.text.chars().nth(self.cursor - 1) != Some(' ') {
                    self.backspace();
                }
            }
            KeyCode::Char(c) if !ctrl => self.insert(&c.to_string()),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => {
                if self.cursor < self.text.chars().count() {
                    let at = self.byte_at(self.cursor);
                    self.text.remove(at);
                }
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.chars().count(),
            _ => return false,
        }
        true
    }

    fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    #[test]
    fn editing_keeps_cursor_consistent_with_wide_chars() {
        let mut i = LineInput::with_text("fax 漢");
        i.key(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
        i.insert("x");
        assert_eq!(i.text(), "fax x漢");
        i.key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(i.text(), "fax 漢");
        i.insert("a\x1b[2Jb\nc");
        assert_eq!(i.text(), "fax a[2Jb c漢");
        assert_eq!(i.cursor(), 11);
        assert_eq!(i.cursor_width(), 11);
        i.key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE));
        assert_eq!((i.cursor(), i.cursor_width()), (12, 13));
    }
}
