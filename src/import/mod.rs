//! Importers that turn outside incident data (today: the HHS OCR breach portal's CSV export) into
//! [`ImportRecord`](crate::domain::wire::ImportRecord)s, row by row, without ever giving up on a
//! whole file because of one bad row. Each row becomes either a record or a [`RowError`] that
//! names the line it starts on, so an analyst can fix the source and import again: records carry
//! a content key, so a second import of the same rows adds nothing.

pub mod hhs;

pub use hhs::{HhsParse, parse_hhs_csv};

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::io::{self, Read};

/// Why one row of an import could not become a record, and where it starts, so the analyst can
/// find and fix it in the source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line of the file on which the row starts.
    pub line: u64,
    /// What is wrong with it, in words.
    pub reason: String,
}

/// Separator between fields in the bytes that are hashed into an import key. `0xFF` never occurs
/// in UTF-8 text and only UTF-8 rows become records, so two different rows can never hash the
/// same byte string.
const KEY_SEPARATOR: u8 = 0xFF;

/// A stable key for an imported row: the hex SHA-256 of the source's name and the row's fields,
/// each preceded by a separator that cannot occur inside them. The same row always gets the same
/// key (so importing a file twice is idempotent) and rows that differ in any field get different
/// keys.
pub fn import_key(source: &str, fields: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    hash.update(source.as_bytes());
    for field in fields {
        hash.update([KEY_SEPARATOR]);
        hash.update(field);
    }
    hex::encode(hash.finalize())
}

/// Shortens `text` to at most `max_chars` characters, cutting on a character boundary and ending
/// with `…` when something was cut, so titles stay short without splitting a character.
pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    if max_chars == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max_chars - 1).collect();
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('…');
    out
}

/// Where the quote state machine stands, mirroring `csv_core`'s defaults (comma delimiter,
/// double-quote quoting with `""` escapes, any of `\r`, `\n`, `\r\n` ending a record, blank lines
/// skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvState {
    /// Between records, skipping line terminators.
    RecordStart,
    /// At the start of a field.
    FieldStart,
    /// Inside a field that did not start with a quote.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field (a closing quote or the first of `""`).
    QuoteInQuoted,
}

/// The UTF-8 byte-order mark, which `csv_core` skips at the start of a file.
const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// What the [`CsvLines`] tracker saw once the input was exhausted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CsvTail {
    /// The reader returned end of file (no I/O error stopped the parse first).
    pub reached_eof: bool,
    /// The input ended inside a quoted field: the last row was cut off.
    pub ended_in_quotes: bool,
    /// The last byte was a line terminator.
    pub ended_with_terminator: bool,
}

/// A pass-through reader that watches the bytes the `csv` reader consumes and records the line
/// on which each record really starts.
///
/// `csv`'s own `Position::line` is the line where the reader resumed after the previous record,
/// before it skipped the rest of a `\r\n` terminator and any blank lines, so with CRLF files (the
/// HHS export is one) it is one line early for every record. The tracker runs the same record
/// grammar and queues the true start line of every record in order; it also tells whether the
/// input ended inside quotes (a truncated final line), which `csv` silently accepts.
pub(crate) struct CsvLines<R> {
    inner: R,
    state: CsvState,
    line: u64,
    starts: VecDeque<u64>,
    /// How many bytes of a leading BOM have been matched; `None` once past the start.
    bom_matched: Option<usize>,
    last_byte: Option<u8>,
    reached_eof: bool,
}

impl<R: Read> CsvLines<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> Self {
        CsvLines {
            inner,
            state: CsvState::RecordStart,
            line: 1,
            starts: VecDeque::new(),
            bom_matched: Some(0),
            last_byte: None,
            reached_eof: false,
        }
    }

    /// The start line of the next record not yet claimed, in input order.
    pub(crate) fn next_start(&mut self) -> Option<u64> {
        self.starts.pop_front()
    }

    /// What the end of the input looked like (meaningful once the `csv` reader reported the end).
    pub(crate) fn tail(&self) -> CsvTail {
        CsvTail {
            reached_eof: self.reached_eof,
            ended_in_quotes: self.state == CsvState::Quoted,
            ended_with_terminator: matches!(self.last_byte, Some(b'\r' | b'\n')),
        }
    }

    fn feed(&mut self, byte: u8) {
        if let Some(matched) = self.bom_matched {
            if BOM.get(matched) == Some(&byte) {
                self.bom_matched = if matched + 1 == BOM.len() {
                    None
                } else {
                    Some(matched + 1)
                };
                return;
            }
            self.flush_bom_prefix();
        }
        self.step(byte);
    }

    /// Replays a partial BOM match as ordinary bytes.
    fn flush_bom_prefix(&mut self) {
        if let Some(matched) = self.bom_matched.take() {
            for &b in &BOM[..matched] {
                self.step(b);
            }
        }
    }

    fn step(&mut self, byte: u8) {
        use CsvState::*;
        let terminator = matches!(byte, b'\r' | b'\n');
        if self.state == RecordStart && !terminator {
            self.starts.push_back(self.line);
            self.state = FieldStart;
        }
        self.state = match (self.state, byte) {
            (RecordStart, _) => RecordStart,
            (FieldStart, b'"') => Quoted,
            (Quoted, b'"') => QuoteInQuoted,
            (Quoted, _) => Quoted,
            (QuoteInQuoted, b'"') => Quoted,
            (FieldStart | Unquoted | QuoteInQuoted, b',') => FieldStart,
            (FieldStart | Unquoted | QuoteInQuoted, b'\r' | b'\n') => RecordStart,
            (FieldStart | Unquoted | QuoteInQuoted, _) => Unquoted,
        };
        if byte == b'\n' {
            self.line += 1;
        }
        self.last_byte = Some(byte);
    }
}

impl<R: Read> Read for CsvLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.flush_bom_prefix();
            self.reached_eof = true;
        }
        for &b in buf.iter().take(n) {
            self.feed(b);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every record `csv` yields, with the tracker's start line for it.
    fn lines_of(input: &[u8]) -> (Vec<u64>, usize, CsvTail) {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(CsvLines::new(input));
        let mut rec = csv::ByteRecord::new();
        let mut lines = Vec::new();
        let mut csv_records = 0;
        while rdr.read_byte_record(&mut rec).unwrap() {
            csv_records += 1;
            if let Some(line) = rdr.get_mut().next_start() {
                let csv_line = rec.position().map_or(0, |p| p.line());
                assert!(line >= csv_line, "tracker {line} before csv {csv_line}");
                lines.push(line);
            }
        }
        let tail = rdr.get_ref().tail();
        (lines, csv_records, tail)
    }

    #[test]
    fn start_lines_with_crlf_blank_lines_and_multiline_fields() {
        let (lines, n, tail) = lines_of(b"h1,h2\r\na,b\r\n\r\nc,\"d\r\ne\"\r\nf,g");
        assert_eq!(n, 4);
        assert_eq!(lines, vec![1, 2, 4, 6]);
        assert!(tail.reached_eof && !tail.ended_in_quotes && !tail.ended_with_terminator);

        let (lines, _, tail) = lines_of(b"\xEF\xBB\xBF\"h1\",h2\n\n\"x\ny\",z\n");
        assert_eq!(lines, vec![1, 3]);
        assert!(tail.ended_with_terminator);

        let (lines, _, tail) = lines_of(b"a,b\n\"cut off");
        assert_eq!(lines, vec![1, 2]);
        assert!(tail.ended_in_quotes);

        let (lines, n, _) = lines_of(b"");
        assert_eq!((lines.len(), n), (0, 0));
    }

    #[test]
    fn keys_are_stable_and_unambiguous() {
        let a = import_key("s", &[b"ab", b"c"]);
        assert_eq!(a, import_key("s", &[b"ab", b"c"]));
        assert_ne!(a, import_key("s", &[b"a", b"bc"]));
        assert_ne!(a, import_key("t", &[b"ab", b"c"]));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn truncation_cuts_on_char_boundaries() {
        assert_eq!(truncate_chars("short", 10), "short");
        assert_eq!(truncate_chars("ééééé", 3), "éé…");
        assert_eq!(truncate_chars("ab cd", 4), "ab…");
        assert_eq!(truncate_chars("abc", 0), "");
        assert_eq!(truncate_chars("漢字漢字", 4), "漢字漢字");
    }

    proptest! {
        /// The tracker sees exactly the records `csv` sees, whatever the bytes.
        #[test]
        fn tracker_agrees_with_csv(bytes in proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(b"\",\r\nab \xEF\xBB\xBF".to_vec()),
                1 => any::<u8>(),
            ],
            0..400,
        )) {
            let (lines, n, tail) = lines_of(&bytes);
            prop_assert_eq!(lines.len(), n);
            prop_assert!(lines.windows(2).all(|w| w[0] <= w[1]));
            prop_assert!(tail.reached_eof);
        }
    }
}
