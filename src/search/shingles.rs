//! Fingerprints of descriptions for finding near-identical ones: the text reduced to the words
//! that describe the event (lowercase; numbers, identifiers, dates and the names after a title
//! such as "Dr." left out, since they differ between two reports of the same thing), cut into
//! overlapping word pairs, each pair hashed to 64 bits.

/// Fewest remaining words for a description to be compared at all (shorter ones, such as
/// "n/a" or "see above", would all look alike).
pub const MIN_WORDS: usize = 4;

/// Whether a lowercased word is a month or weekday name (full or abbreviated): part of a date.
fn date_word(w: &str) -> bool {
    matches!(
        w,
        "january"
            | "february"
            | "march"
            | "april"
            | "may"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
            | "jan"
            | "feb"
            | "mar"
            | "apr"
            | "jun"
            | "jul"
            | "aug"
            | "sep"
            | "sept"
            | "oct"
            | "nov"
            | "dec"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "mon"
            | "tue"
            | "tues"
            | "wed"
            | "thu"
            | "thur"
            | "thurs"
            | "fri"
            | "sat"
            | "sun"
    )
}

/// Whether a lowercased word is a title after which comes a name.
fn title_word(w: &str) -> bool {
    matches!(w, "mr" | "mrs" | "ms" | "miss" | "dr" | "mx" | "prof")
}

/// How many capitalised words after a title are taken as a name.
const NAME_WORDS: usize = 2;

/// Calls `keep` with each word of `text` that describes the event, lowercased, in order.
fn each_word(text: &str, mut keep: impl FnMut(&str)) {
    let mut name_left = 0;
    let mut lower = String::new();
    for raw in text.split(|c: char| !c.is_alphanumeric()) {
        if raw.is_empty() {
            continue;
        }
        if name_left > 0 && raw.chars().next().is_some_and(char::is_uppercase) {
            name_left -= 1;
            continue;
        }
        name_left = 0;
        lower.clear();
        if raw.is_ascii() {
            lower.extend(raw.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            lower.push_str(&raw.to_lowercase());
        }
        if title_word(&lower) {
            name_left = NAME_WORDS;
            continue;
        }
        let describes = lower.chars().nth(1).is_some()
            && !lower.chars().any(char::is_numeric)
            && !date_word(&lower);
        if describes {
            keep(&lower);
        }
    }
}

/// The words of `text` that describe the event, lowercased, in order.
pub fn normalized_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_word(text, |w| out.push(w.to_string()));
    out
}

/// The hashed word pairs of `text`, sorted and without repeats; empty when fewer than
/// [`MIN_WORDS`] words remain.
pub fn shingles(text: &str) -> Vec<u64> {
    let mut words: Vec<u64> = Vec::new();
    each_word(text, |w| words.push(hash(w.as_bytes())));
    if words.len() < MIN_WORDS {
        return Vec::new();
    }
    let mut out: Vec<u64> = words
        .windows(2)
        .map(|pair| mix(pair[0] ^ pair[1].rotate_left(21)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The Jaccard similarity of two sorted sets: shared members over all members.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    // Without branches on the comparison, which no predictor guesses for hashes.
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        shared += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    shared as f64 / (a.len() + b.len() - shared) as f64
}

/// FNV-1a: a fixed hash, so fingerprints are the same on every run and every node.
fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Spreads the bits of a hash (the finaliser of SplitMix64).
pub fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_names_are_left_out() {
        assert_eq!(
            normalized_words(
                "Fax for MRN 12345 sent on 2026-03-05 (March 5) by Dr. Jane Smith to A/R"
            ),
            vec!["fax", "for", "mrn", "sent", "on", "by", "to"]
        );
        assert_eq!(
            shingles("Fax sent to 555-0100 on 3/5 by Mr. Lee, wrong clinic"),
            shingles("fax sent to 555-0199 on 4/11 by Ms. Park; wrong clinic!")
        );
        assert!(shingles("see note 12").is_empty());
    }

    #[test]
    fn jaccard_counts_shared_pairs() {
        let a = shingles("the lab results were faxed to the wrong clinic by the front desk");
        let b = shingles("the lab results were faxed to the wrong clinic by the night desk");
        let c = shingles("a laptop was stolen from a car in the parking garage overnight");
        assert_eq!(jaccard(&a, &a), 1.0);
        assert!((0.7..1.0).contains(&jaccard(&a, &b)), "{}", jaccard(&a, &b));
        assert_eq!(jaccard(&a, &c), 0.0);
    }
}
