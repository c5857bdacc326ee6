//! The cheap first test of one query word against a record's short text, which is its
//! lowercased title followed by its interned tail (" | site | category | entity | department"):
//! can the word match at all (its bytes in order), and a rough rank: contiguous at a word
//! start (3) > contiguous (2) > scattered (1). What the tail contributes is worked out once per
//! distinct tail per query when tails are few, so a record then costs one pass over its title.

use super::intern::Interner;

/// One query word, prepared against the tails of the index.
#[derive(Debug, Clone)]
pub struct WordProbe {
    /// The word, lowercased.
    pub word: String,
    /// Its character mask.
    pub mask: u64,
    /// The word's bit when it is one ASCII letter or digit (ranked from masks alone).
    single: Option<u64>,
    /// What each tail contributes, worked out once per tail when tails are few next to the
    /// records (else per record, from the tail's text).
    tables: Option<TailTables>,
}

/// Per tail id: the word's first contiguous occurrence in it and how much of the word it can
/// supply in order.
#[derive(Debug, Clone)]
struct TailTables {
    /// The rank of the word's first contiguous occurrence in the tail (0: none).
    rank: Vec<u8>,
    /// How many leading bytes of the word the title must supply for the rest to be found, in
    /// order, in the tail.
    need: Vec<u16>,
}

impl WordProbe {
    /// Prepares `word` (lowercased); with `tables`, works out what every tail of `tails`
    /// contributes now (worth it when tails are few next to the records a scan visits).
    pub fn new(word: &str, mask: u64, tails: &Interner, tables: bool) -> Self {
        let w = word.as_bytes();
        let tables = tables.then(|| TailTables {
            rank: (0..tails.len() as u32)
                .map(|t| contiguous_rank(tails.bytes(t), w))
                .collect(),
            need: (0..tails.len() as u32)
                .map(|t| suffix_need(tails.bytes(t), w).min(u16::MAX as usize) as u16)
                .collect(),
        });
        let single = match w {
            [b] if b.is_ascii_lowercase() || b.is_ascii_digit() => Some(mask),
            _ => None,
        };
        WordProbe {
            word: word.to_string(),
            mask,
            single,
            tables,
        }
    }

    /// The rank from a record's masks alone, for a one-character word: `mask` has the
    /// characters of the short text, `starts` those whose first occurrence starts a word.
    #[inline]
    pub fn rank_single(&self, mask: u64, starts: u64) -> Option<u8> {
        let bit = self.single?;
        Some(match (mask & bit != 0, starts & bit != 0) {
            (false, _) => 0,
            (true, true) => 3,
            (true, false) => 2,
        })
    }

    /// The rank of the word in `title` followed by the tail `tail` of `tails` (0: it cannot
    /// match).
    #[inline]
    pub fn rank(&self, title: &[u8], tail: u32, tails: &Interner) -> u8 {
        let w = self.word.as_bytes();
        let in_title = contiguous_rank(title, w);
        if in_title > 0 {
            return in_title;
        }
        let t = tail as usize;
        let in_tail = match &self.tables {
            Some(tables) => tables.rank.get(t).copied().unwrap_or(0),
            None => contiguous_rank(tails.bytes(tail), w),
        };
        if in_tail > 0 {
            return in_tail;
        }
        let need = match &self.tables {
            Some(tables) => tables.need.get(t).map_or(w.len(), |n| *n as usize),
            None => suffix_need(tails.bytes(tail), w),
        };
        u8::from(need == 0 || prefix_consumed(title, &w[..need]) == need)
    }
}

/// 3 if the first contiguous occurrence of `word` in `hay` starts a word, 2 if it does not, 0 if
/// there is none.
#[inline]
pub fn contiguous_rank(hay: &[u8], word: &[u8]) -> u8 {
    let Some((&first, rest)) = word.split_first() else {
        return 3;
    };
    let mut from = 0;
    while let Some(off) = hay[from..].iter().position(|&b| b == first) {
        let at = from + off;
        let after = &hay[at + 1..];
        if after.len() >= rest.len() && rest.iter().zip(after).all(|(a, b)| a == b) {
            return if at == 0 || !hay[at - 1].is_ascii_alphanumeric() {
                3
            } else {
                2
            };
        }
        from = at + 1;
    }
    0
}

/// How many leading bytes of `word` occur in `hay` in order (greedy, which is the most).
#[inline]
fn prefix_consumed(hay: &[u8], word: &[u8]) -> usize {
    let mut k = 0;
    for &b in hay {
        if k == word.len() {
            break;
        }
        if b == word[k] {
            k += 1;
        }
    }
    k
}

/// The fewest leading bytes of `word` to drop so that the rest occurs in `hay` in order.
fn suffix_need(hay: &[u8], word: &[u8]) -> usize {
    let mut j = word.len();
    for &b in hay.iter().rev() {
        if j == 0 {
            break;
        }
        if b == word[j - 1] {
            j -= 1;
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::{first_start_mask, mask_of};
    use proptest::prelude::*;

    /// The rank over the whole short text at once, as the first version of the index did it.
    fn naive(short: &str, word: &str) -> u8 {
        let mut it = short.bytes();
        if !word.bytes().all(|n| it.any(|h| h == n)) {
            return 0;
        }
        match short.find(word) {
            Some(0) => 3,
            Some(i) if !short.as_bytes()[i - 1].is_ascii_alphanumeric() => 3,
            Some(_) => 2,
            None => 1,
        }
    }

    /// The rank from the title and tail, and, for one-character words, from the masks the
    /// index keeps per record (which must agree).
    fn probe(title: &str, tail: &str, word: &str) -> u8 {
        let mut tails = Interner::default();
        tails.intern(" | other");
        let id = tails.intern(tail);
        let lazy = WordProbe::new(word, mask_of(word), &tails, false);
        let p = WordProbe::new(word, mask_of(word), &tails, true);
        let rank = p.rank(title.as_bytes(), id, &tails);
        assert_eq!(lazy.rank(title.as_bytes(), id, &tails), rank);
        let title_mask = mask_of(title);
        let starts =
            first_start_mask(title.as_bytes()) | (first_start_mask(tail.as_bytes()) & !title_mask);
        if let Some(single) = p.rank_single(title_mask | mask_of(tail), starts) {
            assert_eq!(single, rank, "{title:?} {tail:?} {word:?}");
        }
        rank
    }

    #[test]
    fn ranks() {
        let tail = " | north campus | misdirected fax | | lab";
        assert_eq!(probe("lab results faxed", tail, "fax"), 3);
        assert_eq!(probe("lab results faxed", tail, "sult"), 2);
        assert_eq!(probe("lab results faxed", tail, "res"), 3);
        assert_eq!(probe("emailed", tail, "fax"), 3);
        assert_eq!(probe("emailed", tail, "ecam"), 1);
        assert_eq!(probe("emailed", tail, "zz"), 0);
        assert_eq!(probe("", "", "a"), 0);
        assert_eq!(probe("a|b", " | b", "b"), 3);
        assert_eq!(probe("ab", " | b", "b"), 2);
        assert_eq!(probe("éb", " | b", "b"), 3);
    }

    proptest! {
        #[test]
        fn same_as_on_the_whole_text(
            title in "[a-d1 |é]{0,12}",
            tail in "[a-d1 é]{0,10}",
            word in "[a-d1|é]{1,4}",
        ) {
            let tail = format!(" | {tail}");
            let short = format!("{title}{tail}");
            prop_assert_eq!(probe(&title, &tail, &word), naive(&short, &word));
        }
    }
}
