//! The HHS Office for Civil Rights breach portal ("Breaches Affecting 500 or More Individuals"):
//! its CSV export, read row by row into [`ImportRecord`]s, so that thousands of real breach
//! reports can seed the console's search, statistics and recurrence patterns.
//!
//! The portal's nine columns are mapped as follows (see [`parse_hhs_csv`]): the covered entity
//! becomes `entity`, its state the `site`, the submission date `discovered_at`, the HHS type and
//! location of the breach the classification (unknown values become `Other`, tagged
//! `hhs:<text>`), and the reach a severity. Every imported row is a closed, notified breach.

use super::{CsvLines, RowError, import_key, truncate_chars};
use crate::domain::classification::valid_state_code;
use crate::domain::wire::ImportRecord;
use crate::domain::{
    BreachType, Classification, Determination, Location, Severity, Status, Subtype,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::io::Read;

/// The portal's column names, in the portal's own order.
pub const COLUMNS: [&str; 9] = [
    "Name of Covered Entity",
    "State",
    "Covered Entity Type",
    "Individuals Affected",
    "Breach Submission Date",
    "Type of Breach",
    "Location of Breached Information",
    "Business Associate Present",
    "Web Description",
];

/// Index of each column in [`COLUMNS`].
const ENTITY: usize = 0;
const STATE: usize = 1;
const ENTITY_TYPE: usize = 2;
const INDIVIDUALS: usize = 3;
const DATE: usize = 4;
const BREACH_TYPE: usize = 5;
const LOCATION: usize = 6;
const BUSINESS_ASSOCIATE: usize = 7;
const DESCRIPTION: usize = 8;

/// Tag for records where the portal says a business associate was involved.
pub const BA_INVOLVED_TAG: &str = "business_associate_involved";

/// Source name hashed into every import key, so keys from other importers never collide.
const KEY_SOURCE: &str = "hhs-ocr-breach-portal";

/// The site of a row whose State cell is empty (the portal leaves it blank for some Puerto Rico
/// entities): a visible placeholder rather than a guessed state.
pub const UNKNOWN_SITE: &str = "unknown";

/// Longest title derived for a row, in characters.
pub const TITLE_MAX_CHARS: usize = 100;

/// The outcome of reading one portal export: every data row is accounted for, either as a
/// record or as an error, with the line it starts on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HhsParse {
    /// Data rows read (the header line excluded): always `records.len() + errors.len()`.
    pub rows: usize,
    /// The rows that became records, with the line each starts on, in file order.
    pub records: Vec<(u64, ImportRecord)>,
    /// The rows that could not, with the line each starts on and why, in file order.
    pub errors: Vec<RowError>,
}

/// Reads an HHS OCR breach-portal CSV export from `reader` into import records.
///
/// Never fails as a whole and never panics: each data row becomes a record or a [`RowError`]
/// (wrong column count, invalid UTF-8 or NUL bytes, empty entity name, bad date, non-numeric or
/// negative count, bad state code, truncated final line…), so one bad row never costs the rest.
/// The header line is optional and its columns may come in any order; without one, the portal's
/// order ([`COLUMNS`]) is assumed. An I/O error ends the parse with an error for the row being
/// read.
///
/// The mapping, row by row:
/// - `discovered_at` is the **Breach Submission Date**: the portal's only date. The real
///   discovery date (D0) came earlier, up to 60 days before for large breaches; the portal does
///   not say when.
/// - `site` is the State code ([`UNKNOWN_SITE`] when blank) and `entity` the covered entity's
///   name (trimmed).
/// - `individuals_affected` is the count (blank means unknown, and then severity is unknown too);
///   `residents_by_state` attributes the whole count to the entity's state, because the portal
///   gives no breakdown.
/// - `business_associate` is "Business Associate Present" (`Yes`/`No`, blank means `No`).
/// - `status` is closed and `determination` breach: these are notified breaches.
/// - `description` is the Web Description exactly as given (`\N` or blank become empty).
/// - `import_key` hashes the nine raw fields, so importing twice adds nothing.
pub fn parse_hhs_csv<R: Read>(reader: R) -> HhsParse {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(CsvLines::new(reader));
    let mut out = HhsParse::default();
    let mut record = csv::ByteRecord::new();
    let mut columns = ColumnMap::PORTAL;
    let mut first = true;
    // The last row counted, to re-judge it if the file turns out to be cut off.
    let mut last: Option<LastRow> = None;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = csv
                    .get_mut()
                    .next_start()
                    .or_else(|| e.position().map(csv::Position::line))
                    .unwrap_or(0);
                out.rows += 1;
                out.errors.push(RowError {
                    line,
                    reason: format!("could not read the file: {e}"),
                });
                return out;
            }
        }
        let line = csv
            .get_mut()
            .next_start()
            .or_else(|| record.position().map(csv::Position::line))
            .unwrap_or(0);
        if first {
            first = false;
            match read_header(&record) {
                Header::Columns(map) => {
                    columns = map;
                    last = Some(LastRow::header(line, record.len()));
                    continue;
                }
                Header::Absent => {}
                Header::Invalid(reason) => {
                    out.rows += 1;
                    out.errors.push(RowError { line, reason });
                    last = Some(LastRow::error(line, record.len()));
                    continue;
                }
            }
        }
        out.rows += 1;
        match parse_row(&record, &columns) {
            Ok(r) => {
                out.records.push((line, r));
                last = Some(LastRow::record(line, record.len()));
            }
            Err(reason) => {
                out.errors.push(RowError { line, reason });
                last = Some(LastRow::error(line, record.len()));
            }
        }
    }
    if let Some(last) = last
        && let Some(reason) = truncation(csv.get_ref().tail(), last.fields)
    {
        match last.kind {
            RowKind::Record => {
                out.records.pop();
                out.errors.push(RowError {
                    line: last.line,
                    reason,
                });
            }
            RowKind::Error => {
                if let Some(e) = out.errors.last_mut() {
                    e.reason = reason;
                }
            }
            RowKind::Header => {
                out.rows += 1;
                out.errors.push(RowError {
                    line: last.line,
                    reason,
                });
            }
        }
    }
    out
}

/// What became of the last row read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Header,
    Record,
    Error,
}

/// The last row read, its line and its field count.
#[derive(Debug, Clone, Copy)]
struct LastRow {
    line: u64,
    fields: usize,
    kind: RowKind,
}

impl LastRow {
    fn header(line: u64, fields: usize) -> Self {
        LastRow {
            line,
            fields,
            kind: RowKind::Header,
        }
    }
    fn record(line: u64, fields: usize) -> Self {
        LastRow {
            line,
            fields,
            kind: RowKind::Record,
        }
    }
    fn error(line: u64, fields: usize) -> Self {
        LastRow {
            line,
            fields,
            kind: RowKind::Error,
        }
    }
}

/// Why the final line must be rejected as cut off, if it must: the input ended inside a quoted
/// field, or it ended without a line terminator and with too few fields.
fn truncation(tail: super::CsvTail, fields: usize) -> Option<String> {
    if !tail.reached_eof {
        return None;
    }
    if tail.ended_in_quotes {
        return Some(format!(
            "truncated final line: the file ends inside a quoted field ({fields} of {} fields read)",
            COLUMNS.len()
        ));
    }
    if !tail.ended_with_terminator && fields < COLUMNS.len() {
        return Some(format!(
            "truncated final line: {fields} of {} fields and no line ending",
            COLUMNS.len()
        ));
    }
    None
}

/// Where each of the portal's columns sits in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ColumnMap([usize; 9]);

impl ColumnMap {
    /// The portal's own order.
    const PORTAL: ColumnMap = ColumnMap([0, 1, 2, 3, 4, 5, 6, 7, 8]);

    /// The raw bytes of `column` (an index into [`COLUMNS`]) in `record`.
    fn get<'r>(&self, record: &'r csv::ByteRecord, column: usize) -> &'r [u8] {
        self.0
            .get(column)
            .and_then(|&i| record.get(i))
            .unwrap_or_default()
    }
}

/// What the first line of the file turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Header {
    /// The nine column names, in this order.
    Columns(ColumnMap),
    /// No column name at all: the first line is data, in the portal's order.
    Absent,
    /// Some column names but not the nine: the line is reported and the portal's order assumed.
    Invalid(String),
}

/// Recognises the header line, whose columns may come in any order.
fn read_header(record: &csv::ByteRecord) -> Header {
    let names: Vec<String> = record
        .iter()
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect();
    let position = |column: &str| names.iter().position(|n| n.eq_ignore_ascii_case(column));
    let found: Vec<Option<usize>> = COLUMNS.iter().map(|c| position(c)).collect();
    if found.iter().all(Option::is_none) {
        return Header::Absent;
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() || names.len() != COLUMNS.len() {
        let mut reason = format!(
            "header: expected the {} HHS portal columns, found {} fields",
            COLUMNS.len(),
            names.len()
        );
        if !missing.is_empty() {
            reason.push_str(&format!("; missing {}", missing.join(", ")));
        }
        return Header::Invalid(reason);
    }
    let mut map = [0; 9];
    for (slot, f) in map.iter_mut().zip(&found) {
        *slot = f.unwrap_or_default();
    }
    Header::Columns(ColumnMap(map))
}

/// Turns one data row into a record, or says why it cannot be one.
fn parse_row(record: &csv::ByteRecord, columns: &ColumnMap) -> Result<ImportRecord, String> {
    if record.len() != COLUMNS.len() {
        return Err(format!(
            "expected {} fields, found {}",
            COLUMNS.len(),
            record.len()
        ));
    }
    let mut text: [&str; 9] = [""; 9];
    for (column, slot) in text.iter_mut().enumerate() {
        let raw = columns.get(record, column);
        let s = std::str::from_utf8(raw).map_err(|e| {
            format!(
                "{}: invalid UTF-8 (binary data?) at byte {}",
                COLUMNS[column],
                e.valid_up_to()
            )
        })?;
        if s.contains('\0') {
            return Err(format!(
                "{}: contains a NUL byte (binary data)",
                COLUMNS[column]
            ));
        }
        *slot = s;
    }

    let entity = text[ENTITY].trim();
    if entity.is_empty() {
        return Err(format!("{} is empty", COLUMNS[ENTITY]));
    }
    let state = text[STATE].trim().to_ascii_uppercase();
    if !state.is_empty() && !valid_state_code(&state) {
        return Err(format!(
            "{}: {:?} is not a two-letter state code",
            COLUMNS[STATE],
            truncate_chars(text[STATE], 20)
        ));
    }
    let individuals = parse_individuals(text[INDIVIDUALS])?;
    let discovered_at = parse_date(text[DATE])?;
    let business_associate = match text[BUSINESS_ASSOCIATE].trim() {
        s if s.eq_ignore_ascii_case("yes") => true,
        s if s.eq_ignore_ascii_case("no") || s.is_empty() => false,
        s => {
            return Err(format!(
                "{}: expected Yes or No, found {:?}",
                COLUMNS[BUSINESS_ASSOCIATE],
                truncate_chars(s, 20)
            ));
        }
    };

    let mut tags = Vec::new();
    let breach_type = split_vocabulary(
        text[BREACH_TYPE],
        BreachType::parse,
        BreachType::Other,
        &mut tags,
    );
    let location = split_vocabulary(text[LOCATION], Location::parse, Location::Other, &mut tags);
    if business_associate {
        // The portal's column says a business associate was involved; our own
        // `business_associate` flag means "we are the business associate" (164.410 clock).
        tags.push(BA_INVOLVED_TAG.to_string());
    }
    let entity_type = text[ENTITY_TYPE].trim();
    if !entity_type.is_empty() {
        tags.push(format!("entity_type:{entity_type}"));
    }

    let raw_description = text[DESCRIPTION];
    let description = match raw_description.trim() {
        "" | "\\N" => String::new(),
        _ => raw_description.to_string(),
    };
    let subtype = infer_subtype(&breach_type, &location, &description, business_associate);
    let title = derive_title(&breach_type, &location, entity);

    let mut residents_by_state = BTreeMap::new();
    if let (false, Some(n)) = (state.is_empty(), individuals) {
        residents_by_state.insert(state.clone(), n);
    }
    let raw: Vec<&[u8]> = (0..COLUMNS.len()).map(|c| columns.get(record, c)).collect();

    Ok(ImportRecord {
        import_key: import_key(KEY_SOURCE, &raw),
        title,
        description,
        site: if state.is_empty() {
            UNKNOWN_SITE.to_string()
        } else {
            state
        },
        entity: Some(entity.to_string()),
        discovered_at,
        status: Status::Closed,
        determination: Determination::Breach,
        classification: Classification {
            breach_type,
            location,
            subtype: Some(subtype),
            severity: individuals.map(severity_for),
            phi_involved: Some(true),
            individuals_affected: individuals,
            residents_by_state,
            tags,
            business_associate: false,
            missing_contacts: 0,
        },
    })
}

/// Splits a multi-valued HHS cell (`"Theft, Loss"`) into vocabulary values, in order and without
/// repeats. An unknown value becomes `other` and its text is kept as an `hhs:<text>` tag, so no
/// row is lost to a new portal category.
fn split_vocabulary<T: PartialEq + Copy>(
    cell: &str,
    parse: fn(&str) -> Option<T>,
    other: T,
    tags: &mut Vec<String>,
) -> Vec<T> {
    let mut values = Vec::new();
    for part in cell.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let value = match parse(part) {
            Some(v) => v,
            None => {
                let tag = format!("hhs:{part}");
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
                other
            }
        };
        if !values.contains(&value) {
            values.push(value);
        }
    }
    values
}

/// Parses "Individuals Affected": digits, optionally grouped with commas (`1,348`). Blank means
/// unknown.
fn parse_individuals(cell: &str) -> Result<Option<u64>, String> {
    let s = cell.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let name = COLUMNS[INDIVIDUALS];
    let shown = truncate_chars(s, 20);
    if s.starts_with('-') && s.len() > 1 && s[1..].bytes().all(|b| b.is_ascii_digit() || b == b',')
    {
        return Err(format!("{name}: {shown:?} is negative"));
    }
    let groups: Vec<&str> = s.split(',').collect();
    let grouped_ok = groups.iter().enumerate().all(|(i, g)| {
        !g.is_empty()
            && g.bytes().all(|b| b.is_ascii_digit())
            && (groups.len() == 1 || if i == 0 { g.len() <= 3 } else { g.len() == 3 })
    });
    if !grouped_ok {
        return Err(format!("{name}: {shown:?} is not a number"));
    }
    groups
        .concat()
        .parse::<u64>()
        .map(Some)
        .map_err(|_| format!("{name}: {shown:?} is too large"))
}

/// Parses the portal's `MM/DD/YYYY` date strictly (one- or two-digit month and day, four-digit
/// year, a real calendar day).
fn parse_date(cell: &str) -> Result<NaiveDate, String> {
    let s = cell.trim();
    let bad = || {
        format!(
            "{}: {:?} is not a valid MM/DD/YYYY date",
            COLUMNS[DATE],
            truncate_chars(s, 20)
        )
    };
    let parts: Vec<&str> = s.split('/').collect();
    let [m, d, y] = parts.as_slice() else {
        return Err(bad());
    };
    let digits = |p: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(m, 1, 2) || !digits(d, 1, 2) || !digits(y, 4, 4) {
        return Err(bad());
    }
    let (Ok(m), Ok(d), Ok(y)) = (m.parse::<u32>(), d.parse::<u32>(), y.parse::<i32>()) else {
        return Err(bad());
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)
}

/// Severity from reach: 100,000 or more individuals is critical, 10,000 high, 500 (the portal's
/// threshold, and the HHS "large breach" line) medium, fewer low.
pub fn severity_for(individuals: u64) -> Severity {
    match individuals {
        n if n >= 100_000 => Severity::Critical,
        n if n >= 10_000 => Severity::High,
        n if n >= 500 => Severity::Medium,
        _ => Severity::Low,
    }
}

/// What the subtype rules look at in one row.
struct Facts<'a> {
    types: &'a [BreachType],
    locations: &'a [Location],
    /// The description, lower-cased.
    text: String,
    business_associate: bool,
}

impl Facts<'_> {
    fn has_type(&self, t: BreachType) -> bool {
        self.types.contains(&t)
    }
    fn has_location(&self, l: Location) -> bool {
        self.locations.contains(&l)
    }
    /// A device that can be lost or stolen.
    fn has_device(&self) -> bool {
        self.locations.iter().any(|l| {
            matches!(
                l,
                Location::Laptop | Location::OtherPortableDevice | Location::DesktopComputer
            )
        })
    }
    /// The kind of breach a misdirection or an error is reported as: an unauthorized disclosure
    /// (or other, unknown, unstated), not a theft, loss, hack or disposal.
    fn is_disclosure(&self) -> bool {
        self.types.is_empty()
            || self.types.iter().any(|t| {
                matches!(
                    t,
                    BreachType::UnauthorizedAccess | BreachType::Other | BreachType::Unknown
                )
            })
    }
    fn says(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| self.text.contains(p))
    }
    /// Whether one sentence says that someone inside the organisation accessed records.
    fn insider_accessed(&self) -> bool {
        self.text.split('.').any(|sentence| {
            INSIDER.iter().any(|w| sentence.contains(w))
                && ["accessed", "accessing"].iter().any(|word| {
                    sentence.match_indices(word).any(|(i, _)| {
                        !sentence[..i]
                            .chars()
                            .next_back()
                            .is_some_and(char::is_alphanumeric)
                    })
                })
        })
    }
    /// Whether a word starting with one of `prefixes` occurs (`fax` matches "faxed" but not
    /// "Halifax"; `mail` matches "mailing" but not "email").
    fn says_word(&self, prefixes: &[&str]) -> bool {
        prefixes.iter().any(|p| {
            self.text.match_indices(p).any(|(i, _)| {
                !self.text[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
            })
        })
    }
}

/// Phrases that say an email went to the wrong person.
const MISDIRECTED_EMAIL: &[&str] = &[
    "unintended recipient",
    "wrong recipient",
    "incorrect recipient",
    "misdirect",
    "wrong email address",
    "incorrect email address",
    "sent in error",
    "inadvertently sent",
    "inadvertently emailed",
    "mistakenly sent",
    "mistakenly emailed",
    "erroneously sent",
    "erroneously emailed",
];

/// Words for someone inside the organisation.
const INSIDER: &[&str] = &[
    "employee",
    "workforce member",
    "staff member",
    "physician",
    "nurse",
];

/// One subtype rule: whether a row's facts fit.
type Rule = fn(&Facts) -> bool;

/// The subtype rules, most specific first; the first that matches wins, `other` when none does.
const SUBTYPE_RULES: &[(Subtype, Rule)] = &[
    (Subtype::Phishing, |f| {
        f.says_word(&["phish"])
            && (f.has_location(Location::Email) || f.has_type(BreachType::Hacking))
    }),
    (Subtype::Hacking, |f| {
        f.has_type(BreachType::Hacking)
            || (f.is_disclosure()
                && f.says_word(&["ransomware", "hacker", "cyberattack", "cyber-attack"]))
    }),
    (Subtype::EhrSnooping, |f| {
        f.says_word(&["snoop"])
            || ((f.has_location(Location::ElectronicMedicalRecord)
                || f.says(&["electronic medical record", "electronic health record"])
                || f.says_word(&["ehr", "emr"]))
                && f.insider_accessed())
    }),
    (Subtype::StolenDevice, |f| {
        f.has_type(BreachType::Theft) && f.has_device()
    }),
    (Subtype::LostDevice, |f| {
        f.has_type(BreachType::Loss) && f.has_device()
    }),
    (Subtype::ImproperDisposal, |f| {
        f.has_type(BreachType::ImproperDisposal)
    }),
    (Subtype::MisdirectedEmail, |f| {
        f.is_disclosure() && f.has_location(Location::Email) && f.says(MISDIRECTED_EMAIL)
    }),
    (Subtype::MisdirectedFax, |f| {
        f.is_disclosure() && f.says_word(&["fax"])
    }),
    (Subtype::MisdirectedMail, |f| {
        f.is_disclosure()
            && f.has_location(Location::PaperFilms)
            && f.says_word(&["mail", "envelope", "postcard"])
    }),
    (Subtype::VendorError, |f| {
        f.business_associate && f.is_disclosure()
    }),
];

/// Infers the near-miss subtype analysts would name from an HHS row's type, location,
/// description and business-associate flag. The rules are tried most specific first: phishing,
/// hacking, EHR snooping, stolen and lost devices, improper disposal, misdirected email, fax and
/// mail, vendor error; `other` when none fits.
///
/// A theft or loss counts as a device only when a device location (laptop, desktop, other
/// portable device) is given: lost or stolen paper stays `other`. Misdirection and vendor error
/// need an unauthorized-disclosure kind of breach, so a stolen mailbag is not a misdirected
/// mailing.
pub fn infer_subtype(
    types: &[BreachType],
    locations: &[Location],
    description: &str,
    business_associate: bool,
) -> Subtype {
    let facts = Facts {
        types,
        locations,
        text: description.to_lowercase(),
        business_associate,
    };
    SUBTYPE_RULES
        .iter()
        .find(|(_, rule)| rule(&facts))
        .map_or(Subtype::Other, |(subtype, _)| *subtype)
}

/// A short, single-line title from the HHS categories and the entity: `"Theft of Laptop — Some
/// Hospital"` when every type is something that happens *to* a thing (theft, loss, disposal),
/// else `"Hacking/IT Incident, Network Server — Bay Area Anesthesia, LLC"`. Whitespace runs
/// become one space and the whole is cut to [`TITLE_MAX_CHARS`] with `…`.
pub fn derive_title(types: &[BreachType], locations: &[Location], entity: &str) -> String {
    let kinds = types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let places = locations
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let acts_on_a_thing = !types.is_empty()
        && types.iter().all(|t| {
            matches!(
                t,
                BreachType::Theft | BreachType::Loss | BreachType::ImproperDisposal
            )
        });
    let what = match (kinds.is_empty(), places.is_empty()) {
        (true, true) => "Breach".to_string(),
        (false, true) => kinds,
        (true, false) => format!("Breach, {places}"),
        (false, false) if acts_on_a_thing => format!("{kinds} of {places}"),
        (false, false) => format!("{kinds}, {places}"),
    };
    let entity = entity.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = if entity.is_empty() {
        what
    } else {
        format!("{what} — {entity}")
    };
    truncate_chars(&title, TITLE_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// The shared dev export: `../shared/data/…` from the main checkout. A worktree sits one level
    /// deeper, so every ancestor of the crate is tried, nearest first.
    fn dev_file() -> Option<Vec<u8>> {
        let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let found = crate_dir
            .ancestors()
            .skip(1)
            .map(|dir| dir.join("shared/data/hhs-ocr-breaches-dev.csv"))
            .find(|path| path.is_file());
        let Some(path) = found else {
            eprintln!(
                "skipping: ../shared/data/hhs-ocr-breaches-dev.csv not found above {}",
                crate_dir.display()
            );
            return None;
        };
        match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                eprintln!("skipping: cannot read {}: {e}", path.display());
                None
            }
        }
    }

    fn lines(parse: &HhsParse) -> (Vec<u64>, Vec<u64>) {
        (
            parse.records.iter().map(|(l, _)| *l).collect(),
            parse.errors.iter().map(|e| e.line).collect(),
        )
    }

    #[test]
    fn dev_file_imports_every_row() {
        let Some(bytes) = dev_file() else { return };
        let parse = parse_hhs_csv(&bytes[..]);
        for e in &parse.errors {
            eprintln!("line {}: {}", e.line, e.reason);
        }
        assert_eq!(parse.rows, 2_680);
        assert_eq!(parse.records.len(), 2_680);
        assert_eq!(parse.errors.len(), 0);

        // Lines are where rows start: the first description ends in a newline, so row 2 is on 4.
        let (record_lines, _) = lines(&parse);
        assert_eq!(&record_lines[..3], &[2, 4, 5]);
        assert!(record_lines.windows(2).all(|w| w[0] < w[1]));

        // One row appears twice, identical in all nine fields: same content, same key.
        let keys: BTreeSet<&str> = parse
            .records
            .iter()
            .map(|(_, r)| r.import_key.as_str())
            .collect();
        assert_eq!(keys.len(), 2_679);
        let mut seen = BTreeSet::new();
        let repeated: Vec<_> = parse
            .records
            .iter()
            .filter(|(_, r)| !seen.insert(r.import_key.as_str()))
            .map(|(_, r)| r.entity.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(repeated, ["Fairfield Medical Center"]);

        let empty = parse
            .records
            .iter()
            .filter(|(_, r)| r.description.is_empty())
            .count();
        assert_eq!(empty, 401, "\\N (249) and blank (152) descriptions");
        let unknown_site = parse
            .records
            .iter()
            .filter(|(_, r)| r.site == UNKNOWN_SITE)
            .count();
        assert_eq!(unknown_site, 7);
        let unknown_reach = parse
            .records
            .iter()
            .filter(|(_, r)| r.classification.individuals_affected.is_none())
            .count();
        assert_eq!(unknown_reach, 1);
        for (line, r) in &parse.records {
            assert!(r.title.chars().count() <= TITLE_MAX_CHARS, "line {line}");
            assert!(
                !r.title.is_empty() && !r.title.contains('\n'),
                "line {line}"
            );
            assert_eq!(r.classification.phi_involved, Some(true));
            assert_eq!(
                (r.status, r.determination),
                (Status::Closed, Determination::Breach)
            );
            assert!(r.classification.subtype.is_some());
            assert!(
                !r.classification.tags.iter().any(|t| t.starts_with("hhs:")),
                "every portal category is known (line {line})"
            );
        }
        let first = &parse.records[0].1;
        assert_eq!(
            first.title,
            "Unauthorized Access/Disclosure, Email — California Correctional Health Care Services"
        );
        assert_eq!(first.site, "CA");
        assert_eq!(
            first.discovered_at,
            NaiveDate::from_ymd_opt(2024, 3, 14).unwrap()
        );
        assert_eq!(first.classification.individuals_affected, Some(1_348));
        assert_eq!(
            first.classification.residents_by_state.get("CA"),
            Some(&1_348)
        );
        assert_eq!(first.classification.severity, Some(Severity::Medium));
        assert_eq!(
            first.classification.subtype,
            Some(Subtype::MisdirectedEmail)
        );
    }

    #[test]
    fn a_second_parse_gives_identical_keys() {
        let Some(bytes) = dev_file() else { return };
        let keys = |p: HhsParse| -> Vec<String> {
            p.records.into_iter().map(|(_, r)| r.import_key).collect()
        };
        let a = keys(parse_hhs_csv(&bytes[..]));
        let b = keys(parse_hhs_csv(&bytes[..]));
        assert_eq!(a.len(), 2_680);
        assert_eq!(a, b);
    }

    /// One quoted CSV row.
    fn row(fields: &[&[u8]], eol: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'"');
            for &b in *f {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        }
        out.extend_from_slice(eol);
        out
    }

    fn header(eol: &[u8]) -> Vec<u8> {
        let names: Vec<&[u8]> = COLUMNS.iter().map(|c| c.as_bytes()).collect();
        row(&names, eol)
    }

    /// A good row for `entity` with the given description.
    fn good<'a>(entity: &'a [u8], description: &'a [u8]) -> [&'a [u8]; 9] {
        [
            entity,
            b"CA",
            b"Healthcare Provider",
            b"1500",
            b"03/14/2024",
            b"Theft",
            b"Laptop",
            b"No",
            description,
        ]
    }

    /// A file with good rows between every kind of bad one; returns it and the long description.
    fn corrupted(eol: &[u8]) -> (Vec<u8>, String) {
        let mut long = "A long account, with commas and “quotes”. ".repeat(60);
        long.push_str(std::str::from_utf8(eol).unwrap());
        long.push_str(&"x".repeat(3_000 - long.chars().count()));
        assert_eq!(long.chars().count(), 3_000);

        let mut file = header(eol); // 1
        file.extend(row(
            &good(
                "St. Mary’s “Best” Clinic".as_bytes(),
                "He said “oops”, then left — the laptop’s gone.".as_bytes(),
            ),
            eol,
        )); // 2
        file.extend(row(&good(b"Eight Fields", b"x")[..8], eol)); // 3
        file.extend(row(&good(b"\xff\xfeJunk\x80", b"x"), eol)); // 4
        let mut bad_date = good(b"Bad Date Clinic", b"x");
        bad_date[DATE] = b"02/30/2023";
        file.extend(row(&bad_date, eol)); // 5
        let mut hacked = good(b"Null Description Health", b"\\N");
        hacked[BREACH_TYPE] = b"Hacking/IT Incident";
        hacked[LOCATION] = b"Network Server";
        hacked[BUSINESS_ASSOCIATE] = b"Yes";
        file.extend(row(&hacked, eol)); // 6
        file.extend(row(&good(b"Long Story Hospital", long.as_bytes()), eol)); // 7–8
        let mut ansi = good(b"Escape Clinic", b"Screen \x1b[2J cleared");
        ansi[BREACH_TYPE] = b"Hacking/IT Incident, Ransomware";
        file.extend(row(&ansi, eol)); // 9
        let mut ten = good(b"Ten Fields", b"x").to_vec();
        ten.push(b"extra");
        file.extend(row(&ten, eol)); // 10
        let mut negative = good(b"Negative Clinic", b"x");
        negative[INDIVIDUALS] = b"-5";
        file.extend(row(&negative, eol)); // 11
        let mut words = good(b"Wordy Clinic", b"x");
        words[INDIVIDUALS] = b"lots";
        file.extend(row(&words, eol)); // 12
        file.extend(row(&good(b"  ", b"x"), eol)); // 13
        file.extend_from_slice(eol); // 14: blank, skipped
        file.extend(row(&good(b"Nul Clinic", b"abc\0def"), eol)); // 15
        file.extend_from_slice(
            b"\"Truncated Clinic\",\"TX\",\"Healthcare Provider\",\"700\",\"01/02/2023\",\
              \"Theft\",\"Laptop\",\"No\",\"The laptop was",
        ); // 16: cut off inside the description
        (file, long)
    }

    #[test]
    fn corrupted_file_reports_each_bad_line_and_keeps_good_rows() {
        for eol in [&b"\r\n"[..], &b"\n"[..]] {
            let (file, long) = corrupted(eol);
            let parse = parse_hhs_csv(&file[..]);
            let (record_lines, error_lines) = lines(&parse);
            assert_eq!(record_lines, [2, 6, 7, 9], "{:?}", parse.errors);
            assert_eq!(error_lines, [3, 4, 5, 10, 11, 12, 13, 15, 16]);
            assert_eq!(parse.rows, 13);
            assert_eq!(parse.rows, parse.records.len() + parse.errors.len());

            let reasons: Vec<&str> = parse.errors.iter().map(|e| e.reason.as_str()).collect();
            let expect = [
                "expected 9 fields, found 8",
                "Name of Covered Entity: invalid UTF-8",
                "Breach Submission Date: \"02/30/2023\" is not a valid MM/DD/YYYY date",
                "expected 9 fields, found 10",
                "Individuals Affected: \"-5\" is negative",
                "Individuals Affected: \"lots\" is not a number",
                "Name of Covered Entity is empty",
                "Web Description: contains a NUL byte",
                "truncated final line: the file ends inside a quoted field",
            ];
            for (reason, want) in reasons.iter().zip(expect) {
                assert!(
                    reason.starts_with(want),
                    "{reason:?} should start with {want:?}"
                );
            }

            let records: Vec<&ImportRecord> = parse.records.iter().map(|(_, r)| r).collect();
            assert_eq!(
                records[0].entity.as_deref(),
                Some("St. Mary’s “Best” Clinic")
            );
            assert_eq!(
                records[0].description,
                "He said “oops”, then left — the laptop’s gone."
            );
            assert_eq!(
                records[0].title,
                "Theft of Laptop — St. Mary’s “Best” Clinic"
            );
            assert_eq!(
                records[0].classification.subtype,
                Some(Subtype::StolenDevice)
            );
            assert_eq!(records[1].description, "");
            assert!(
                records[1]
                    .classification
                    .tags
                    .iter()
                    .any(|t| t == BA_INVOLVED_TAG)
            );
            assert!(!records[1].classification.business_associate);
            assert_eq!(records[1].classification.subtype, Some(Subtype::Hacking));
            assert_eq!(records[2].description, long);
            assert_eq!(records[3].description, "Screen \x1b[2J cleared");
            assert_eq!(
                records[3].classification.breach_type,
                [BreachType::Hacking, BreachType::Other]
            );
            assert!(
                records[3]
                    .classification
                    .tags
                    .contains(&"hhs:Ransomware".to_string())
            );
        }
    }

    #[test]
    fn the_end_of_the_file() {
        let h = header(b"\n");
        let ok = row(&good(b"Last Clinic", b"done"), b"");
        let mut file = h.clone();
        file.extend(&ok);
        let parse = parse_hhs_csv(&file[..]);
        assert_eq!(
            (parse.records.len(), parse.errors.len()),
            (1, 0),
            "no final newline is fine"
        );

        let mut file = h.clone();
        file.extend(b"\"Cut Clinic\",\"CA\",\"Health Plan\"");
        let parse = parse_hhs_csv(&file[..]);
        assert_eq!(
            parse.errors,
            [RowError {
                line: 2,
                reason: "truncated final line: 3 of 9 fields and no line ending".into()
            }]
        );

        let parse = parse_hhs_csv(&b"\"Name of Covered Entity\",\"Sta"[..]);
        assert_eq!((parse.rows, parse.errors.len()), (1, 1));
        assert_eq!(parse.errors[0].line, 1);

        for empty in [&b""[..], b"\n\r\n", &h[..]] {
            assert_eq!(parse_hhs_csv(empty), HhsParse::default());
        }
    }

    #[test]
    fn the_header_is_optional_and_may_be_reordered() {
        let data = row(&good(b"First Clinic", b"d"), b"\r\n");
        let parse = parse_hhs_csv(&data[..]);
        assert_eq!(lines(&parse), (vec![1], vec![]));

        let mut reordered = COLUMNS.to_vec();
        reordered.reverse();
        let names: Vec<&[u8]> = reordered.iter().map(|c| c.as_bytes()).collect();
        let mut fields = good(b"Reversed Clinic", b"desc");
        fields.reverse();
        let mut file = b"\xEF\xBB\xBF".to_vec();
        file.extend(row(&names, b"\n"));
        file.extend(row(&fields, b"\n"));
        let parse = parse_hhs_csv(&file[..]);
        assert_eq!(parse.errors, []);
        let r = &parse.records[0].1;
        assert_eq!(
            (r.entity.as_deref(), r.site.as_str()),
            (Some("Reversed Clinic"), "CA")
        );
        assert_eq!(r.description, "desc");
        let straight = [
            &header(b"\n")[..],
            &row(&good(b"Reversed Clinic", b"desc"), b"\n"),
        ]
        .concat();
        assert_eq!(
            r.import_key,
            parse_hhs_csv(&straight[..]).records[0].1.import_key,
            "the key does not depend on column order"
        );

        let mut file = row(&names[..8], b"\n");
        file.extend(row(&good(b"After Bad Header", b"d"), b"\n"));
        let parse = parse_hhs_csv(&file[..]);
        assert_eq!(parse.rows, 2);
        assert_eq!(lines(&parse), (vec![2], vec![1]));
        assert!(
            parse.errors[0]
                .reason
                .contains("missing Name of Covered Entity")
        );
    }

    #[test]
    fn fields_are_mapped_and_checked() {
        let mut file = header(b"\n");
        let mut a = good(b"  Padded   Name  ", b"  kept as given \n");
        a[STATE] = b"";
        a[INDIVIDUALS] = b"123,456";
        a[DATE] = b"3/5/2019";
        a[LOCATION] = b"Laptop, Hologram, Laptop";
        file.extend(row(&a, b"\n")); // 2–3
        let mut b = good(b"No Count Clinic", b"");
        b[INDIVIDUALS] = b"";
        b[BREACH_TYPE] = b"";
        b[BUSINESS_ASSOCIATE] = b"";
        file.extend(row(&b, b"\n")); // 4
        let mut c = good(b"Bad State", b"");
        c[STATE] = b"California";
        file.extend(row(&c, b"\n")); // 5
        let mut d = good(b"Bad BA", b"");
        d[BUSINESS_ASSOCIATE] = b"Maybe";
        file.extend(row(&d, b"\n")); // 6
        let mut e = good(b"Huge", b"");
        e[INDIVIDUALS] = b"99999999999999999999999";
        file.extend(row(&e, b"\n")); // 7
        let parse = parse_hhs_csv(&file[..]);
        assert_eq!(
            lines(&parse),
            (vec![2, 4], vec![5, 6, 7]),
            "a spans lines 2–3"
        );

        let a = &parse.records[0].1;
        assert_eq!(a.entity.as_deref(), Some("Padded   Name"));
        assert_eq!(a.title, "Theft of Laptop, Other — Padded Name");
        assert_eq!(a.description, "  kept as given \n");
        assert_eq!(a.site, UNKNOWN_SITE);
        assert!(a.classification.residents_by_state.is_empty());
        assert_eq!(a.classification.individuals_affected, Some(123_456));
        assert_eq!(a.classification.severity, Some(Severity::Critical));
        assert_eq!(
            a.discovered_at,
            NaiveDate::from_ymd_opt(2019, 3, 5).unwrap()
        );
        assert_eq!(
            a.classification.location,
            [Location::Laptop, Location::Other]
        );
        assert_eq!(
            a.classification.tags,
            ["hhs:Hologram", "entity_type:Healthcare Provider"]
        );

        let b = &parse.records[1].1;
        assert_eq!(b.classification.individuals_affected, None);
        assert_eq!(b.classification.severity, None);
        assert!(b.classification.breach_type.is_empty());
        assert!(!b.classification.tags.iter().any(|t| t == BA_INVOLVED_TAG));
        assert_eq!(b.title, "Breach, Laptop — No Count Clinic");

        assert!(parse.errors[0].reason.contains("two-letter state code"));
        assert!(parse.errors[1].reason.contains("expected Yes or No"));
        assert!(parse.errors[2].reason.contains("too large"));
    }

    #[test]
    fn individuals_and_dates_parse_strictly() {
        assert_eq!(parse_individuals(" 500 "), Ok(Some(500)));
        assert_eq!(parse_individuals("1,348"), Ok(Some(1_348)));
        assert_eq!(parse_individuals("10,251,784"), Ok(Some(10_251_784)));
        assert_eq!(parse_individuals(""), Ok(None));
        for bad in [
            "1,34", "1,,348", ",348", "12.5", "1e3", "+5", "- 5", "-", "٣",
        ] {
            assert!(parse_individuals(bad).is_err(), "{bad}");
        }
        assert!(
            parse_individuals("-1,000")
                .unwrap_err()
                .contains("negative")
        );

        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_date("03/14/2024"), Ok(d(2024, 3, 14)));
        assert_eq!(parse_date("2/29/2024"), Ok(d(2024, 2, 29)));
        for bad in [
            "02/29/2023",
            "13/01/2020",
            "00/10/2020",
            "2024-03-14",
            "03/14/24",
            "03/14/+2024",
            "03/14/2024/1",
            "",
            "３/14/2024",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn severity_follows_reach() {
        let table = [
            (0, Severity::Low),
            (499, Severity::Low),
            (500, Severity::Medium),
            (9_999, Severity::Medium),
            (10_000, Severity::High),
            (99_999, Severity::High),
            (100_000, Severity::Critical),
            (u64::MAX, Severity::Critical),
        ];
        for (n, want) in table {
            assert_eq!(severity_for(n), want, "{n}");
        }
    }

    #[test]
    fn subtype_rules() {
        use BreachType as T;
        use Location as L;
        /// Types, locations, description, business associate present, expected subtype.
        type Case = (&'static [T], &'static [L], &'static str, bool, Subtype);
        let table: &[Case] = &[
            (
                &[T::Hacking],
                &[L::NetworkServer],
                "ransomware",
                false,
                Subtype::Hacking,
            ),
            (
                &[T::Hacking],
                &[L::Email],
                "a phishing email",
                false,
                Subtype::Phishing,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::Email],
                "phished staff",
                false,
                Subtype::Phishing,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::NetworkServer],
                "a ransomware attack",
                false,
                Subtype::Hacking,
            ),
            (&[T::Theft], &[L::Laptop], "", false, Subtype::StolenDevice),
            (
                &[T::Theft],
                &[L::OtherPortableDevice],
                "",
                true,
                Subtype::StolenDevice,
            ),
            (
                &[T::Theft, T::UnauthorizedAccess],
                &[L::DesktopComputer],
                "",
                false,
                Subtype::StolenDevice,
            ),
            (&[T::Theft], &[L::PaperFilms], "mail", false, Subtype::Other),
            (
                &[T::Loss],
                &[L::OtherPortableDevice],
                "",
                false,
                Subtype::LostDevice,
            ),
            (&[T::Loss], &[L::PaperFilms], "", false, Subtype::Other),
            (
                &[T::ImproperDisposal],
                &[L::PaperFilms],
                "",
                false,
                Subtype::ImproperDisposal,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::Email],
                "sent to an unintended recipient",
                false,
                Subtype::MisdirectedEmail,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::Email],
                "emailed to a personal account",
                false,
                Subtype::Other,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::PaperFilms],
                "the mailing went to old addresses",
                false,
                Subtype::MisdirectedMail,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::PaperFilms],
                "records were faxed to a wrong number",
                false,
                Subtype::MisdirectedFax,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::PaperFilms],
                "Halifax Health",
                false,
                Subtype::Other,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::Email],
                "an email to all staff",
                false,
                Subtype::Other,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::ElectronicMedicalRecord],
                "An employee impermissibly accessed records.",
                false,
                Subtype::EhrSnooping,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::ElectronicMedicalRecord],
                "An outsider accessed records. Employees were retrained.",
                false,
                Subtype::Other,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::DesktopComputer],
                "a nurse was snooping",
                false,
                Subtype::EhrSnooping,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::NetworkServer],
                "a nurse accessed the EHR",
                false,
                Subtype::EhrSnooping,
            ),
            (
                &[T::UnauthorizedAccess],
                &[L::NetworkServer],
                "a misconfigured server",
                true,
                Subtype::VendorError,
            ),
            (&[T::Theft], &[L::PaperFilms], "", true, Subtype::Other),
            (&[], &[], "", false, Subtype::Other),
        ];
        for (types, locations, text, ba, want) in table {
            assert_eq!(
                infer_subtype(types, locations, text, *ba),
                *want,
                "{types:?} {locations:?} {text:?} ba={ba}"
            );
        }
    }

    #[test]
    fn titles() {
        use BreachType as T;
        use Location as L;
        assert_eq!(
            derive_title(&[T::Theft], &[L::Laptop], "Some Hospital"),
            "Theft of Laptop — Some Hospital"
        );
        assert_eq!(
            derive_title(
                &[T::Hacking],
                &[L::NetworkServer],
                "Bay Area Anesthesia, LLC"
            ),
            "Hacking/IT Incident, Network Server — Bay Area Anesthesia, LLC"
        );
        assert_eq!(
            derive_title(&[T::Loss, T::Theft], &[L::PaperFilms], "A\n\tB"),
            "Loss, Theft of Paper/Films — A B"
        );
        assert_eq!(derive_title(&[T::Other], &[], ""), "Other");
        assert_eq!(derive_title(&[], &[], "X"), "Breach — X");
        let long = derive_title(&[T::Theft], &[L::Laptop], &"Ünïcødé Health ".repeat(20));
        assert_eq!(long.chars().count(), TITLE_MAX_CHARS);
        assert!(long.starts_with("Theft of Laptop — Ünïcødé Health Ünïcødé"));
        assert!(long.ends_with('…'));
    }

    /// A reader that fails after handing out some bytes.
    struct Failing(Vec<u8>);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_ends_the_parse_with_an_error() {
        let mut file = header(b"\n");
        file.extend(row(&good(b"Fine Clinic", b"d"), b"\n"));
        file.extend(b"\"Half");
        let parse = parse_hhs_csv(Failing(file));
        assert_eq!(parse.rows, parse.records.len() + parse.errors.len());
        assert_eq!(lines(&parse).1, [3]);
        assert!(parse.errors[0].reason.contains("disk on fire"));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic_and_every_row_is_counted(
            bytes in proptest::collection::vec(any::<u8>(), 0..3_000)
        ) {
            check_accounting(&bytes)?;
        }

        #[test]
        fn mangled_rows_never_panic_and_every_row_is_counted(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(b"\"Some Clinic\",\"CA\",\"Health Plan\",\"600\",\"01/02/2020\",\"Theft\",\"Laptop\",\"No\",\"d\"\r\n".to_vec()),
                    proptest::sample::select(vec![
                        b"\"".to_vec(), b",".to_vec(), b"\r\n".to_vec(), b"\n".to_vec(),
                        b"\r".to_vec(), b"\xff".to_vec(), b"\0".to_vec(), b"\\N".to_vec(),
                        b"\xEF\xBB\xBF".to_vec(), "“".as_bytes().to_vec(), b"\x1b[2J".to_vec(),
                        b"Name of Covered Entity".to_vec(), b"12/31/1999".to_vec(), b"-7".to_vec(),
                    ]),
                    proptest::collection::vec(any::<u8>(), 0..8),
                ],
                0..60,
            )
        ) {
            check_accounting(&parts.concat())?;
        }
    }

    fn check_accounting(bytes: &[u8]) -> Result<(), TestCaseError> {
        let parse = parse_hhs_csv(bytes);
        prop_assert_eq!(parse.rows, parse.records.len() + parse.errors.len());
        let max_line = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let all: Vec<u64> = parse
            .records
            .iter()
            .map(|(l, _)| *l)
            .chain(parse.errors.iter().map(|e| e.line))
            .collect();
        prop_assert!(all.iter().all(|l| (1..=max_line).contains(l)), "{:?}", all);
        let records = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes)
            .byte_records()
            .count();
        prop_assert!(
            parse.rows <= records,
            "{} rows from {} csv records",
            parse.rows,
            records
        );
        prop_assert!(parse.rows + 1 >= records);
        for (_, r) in &parse.records {
            prop_assert!(r.title.chars().count() <= TITLE_MAX_CHARS);
            prop_assert_eq!(r.import_key.len(), 64);
        }
        Ok(())
    }
}
