//! Times as fixed-width RFC 3339 text, so that they sort as text in any database.

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats a time for storage: UTC, microseconds, `Z`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored or client-sent RFC 3339 time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_sort_as_text() {
        let a = parse_time("2026-01-02T03:04:05Z").unwrap();
        let b = parse_time("2026-01-02T03:04:05.5+00:00").unwrap();
        assert!(format_time(a) < format_time(b));
        assert_eq!(parse_time(&format_time(b)), Some(b));
        assert_eq!(format_time(a).len(), format_time(b).len());
    }
}
