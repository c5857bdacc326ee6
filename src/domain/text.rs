//! Untrusted text made safe for a terminal: escape sequences and control characters become
//! visible, inert markers; bidi overrides are removed. Stored text is never changed — only what
//! is shown.

/// Bidirectional-override and isolate controls that can reorder what an analyst reads.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Returns `text` with every escape sequence and control character shown as inert caret
/// notation (`ESC` → `^[`, BEL → `^G`, C1 controls → `<9b>`), bidi controls removed, and newlines
/// kept only when `keep_newlines` is set (otherwise shown as `⏎`).
pub fn sanitize(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' => out.push('⏎'),
            '\t' => out.push(' '),
            c if is_bidi_control(c) => {}
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            '\u{7f}' => out.push_str("^?"),
            c if ('\u{80}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("<{:02x}>", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether `text` is already safe to show as is (the fast path for most records).
pub fn is_clean(text: &str) -> bool {
    !text
        .chars()
        .any(|c| (c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c) || is_bidi_control(c))
}

/// One line of safe text: `sanitize` without newlines, borrowing when nothing needs changing.
pub fn safe_line(text: &str) -> std::borrow::Cow<'_, str> {
    if is_clean(text) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(sanitize(text, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_become_visible() {
        assert_eq!(sanitize("a\x1b[2Jb", false), "a^[[2Jb");
        assert_eq!(sanitize("\x1b]0;pwned\x07", false), "^[]0;pwned^G");
        assert_eq!(sanitize("x\u{9b}31m", false), "x<9b>31m");
        assert_eq!(sanitize("evil\u{202E}txt.exe", false), "eviltxt.exe");
        assert_eq!(sanitize("line1\nline2", true), "line1\nline2");
        assert_eq!(sanitize("line1\nline2", false), "line1⏎line2");
        assert_eq!(safe_line("plain"), "plain");
    }

    proptest! {
        #[test]
        fn output_never_contains_controls(s in "\\PC*|[\\x00-\\x1f\\x7f-\\x9f\u{202a}-\u{202e}a-z]*") {
            let out = sanitize(&s, false);
            prop_assert!(is_clean(&out), "{out:?}");
            prop_assert!(!out.contains('\x1b'));
        }

        #[test]
        fn clean_text_is_unchanged(s in "[a-zA-Z0-9 .,;:é漢字-]*") {
            prop_assert_eq!(sanitize(&s, false), s);
        }
    }
}
