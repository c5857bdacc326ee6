//! "Seen before": the past incidents closest to one, with the reasons (shared distinctive words,
//! same site, same category), and a recurrence line such as
//! "misdirected fax · north campus · 7 in 90 days, 19 in a year".

use super::index::SearchIndex;
use crate::domain::SimilarRef;
use chrono::NaiveDate;
use std::collections::HashMap;

/// How many of an incident's most distinctive words are compared.
const QUERY_WORDS: usize = 24;

impl SearchIndex {
    /// Inverse document frequency of a word id.
    fn idf(&self, word: u32) -> f64 {
        let n = self.len().max(1) as f64;
        (n / (1.0 + self.df(word) as f64)).ln().max(0.0)
    }

    /// The `k` incidents most like `id` (never itself), best first.
    pub fn similar(&self, id: &str, k: usize) -> Vec<SimilarRef> {
        let Some(pos) = self.position(id) else {
            return Vec::new();
        };
        let me = self.meta[pos as usize];
        let mut words: Vec<(u32, f64)> = self
            .words_of(pos)
            .map(|w| (w, self.idf(w)))
            .filter(|(_, idf)| *idf > 0.5)
            .collect();
        words.sort_by(|a, b| b.1.total_cmp(&a.1));
        words.truncate(QUERY_WORDS);
        let weight: f64 = words.iter().map(|w| w.1).sum::<f64>().max(1.0);
        let common = self.len() / 5 + 1;
        let mut acc: HashMap<u32, f64> = HashMap::new();
        for (w, idf) in &words {
            let list = &self.postings[*w as usize];
            if list.len() > common {
                continue;
            }
            for p in list.iter() {
                if p != pos {
                    *acc.entry(p).or_default() += idf;
                }
            }
        }
        // Same site and category count even without shared words.
        let mut scored: Vec<(f64, u32)> = acc
            .into_iter()
            .map(|(p, s)| {
                let r = &self.meta[p as usize];
                let bonus = if r.site == me.site { 0.15 } else { 0.0 }
                    + if r.label == me.label { 0.25 } else { 0.0 };
                (s / weight + bonus, p)
            })
            .filter(|(s, p)| *s > 0.2 && self.live[*p as usize])
            .collect();
        let cmp = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > k && k > 0 {
            scored.select_nth_unstable_by(k - 1, cmp);
            scored.truncate(k);
        }
        scored.sort_by(cmp);
        scored
            .into_iter()
            .map(|(score, p)| {
                let r = &self.meta[p as usize];
                let theirs: Vec<u32> = self.words_of(p).collect();
                let mut shared: Vec<&str> = words
                    .iter()
                    .filter(|(w, _)| theirs.contains(w))
                    .take(4)
                    .map(|(w, _)| self.word(*w))
                    .collect();
                let mut why = Vec::new();
                if !shared.is_empty() {
                    shared.sort_unstable();
                    why.push(format!("shared words: {}", shared.join(", ")));
                }
                if r.site == me.site {
                    why.push("same site".into());
                }
                if r.label == me.label {
                    why.push(format!("same category ({})", self.text(r.label)));
                }
                SimilarRef {
                    id: self.id(p).to_string(),
                    title: self.title(p).to_string(),
                    score: (score * 100.0).round() / 100.0,
                    why,
                }
            })
            .collect()
    }

    /// How often the same kind of event happened at the same site, as of `today`.
    pub fn recurrence(&self, id: &str, today: NaiveDate) -> Option<String> {
        let me = self.meta[self.position(id)? as usize];
        let (mut d90, mut d365) = (0, 0);
        for (r, _) in self
            .meta
            .iter()
            .zip(&self.live)
            .filter(|(r, live)| **live && r.label == me.label && r.site == me.site)
        {
            let age = (today - r.discovered).num_days();
            if (0..=90).contains(&age) {
                d90 += 1;
            }
            if (0..=365).contains(&age) {
                d365 += 1;
            }
        }
        Some(format!(
            "{} · {} · {d90} in 90 days, {d365} in a year",
            self.text(me.label),
            self.text(me.site)
        ))
    }
}
