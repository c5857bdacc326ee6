//! Search queries: field filters (`site:north cat:fax status:closed det:near_miss owner:kim
//! after:2025-01-01 before:…`) mixed with fuzzy words.

use chrono::NaiveDate;

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Fuzzy words, lowercased.
    pub words: Vec<String>,
    /// Site substring.
    pub site: Option<String>,
    /// Category substring (HHS type, location, subtype).
    pub category: Option<String>,
    /// Status prefix.
    pub status: Option<String>,
    /// Determination prefix.
    pub determination: Option<String>,
    /// Owner substring.
    pub owner: Option<String>,
    /// Discovered on or after.
    pub after: Option<NaiveDate>,
    /// Discovered on or before.
    pub before: Option<NaiveDate>,
    /// Parts that could not be read (bad dates), to show the user.
    pub problems: Vec<String>,
}

impl Query {
    /// Parses the text typed in the search box.
    pub fn parse(text: &str) -> Query {
        let mut q = Query::default();
        for part in text.split_whitespace() {
            let lower = part.to_lowercase();
            let Some((key, value)) = lower.split_once(':').filter(|(_, v)| !v.is_empty()) else {
                q.words.push(lower);
                continue;
            };
            let value = value.to_string();
            match key {
                "site" => q.site = Some(value),
                "cat" | "category" => q.category = Some(value.replace('_', " ")),
                "status" => q.status = Some(value),
                "det" | "determination" => q.determination = Some(value),
                "owner" => q.owner = Some(value),
                "after" | "before" => match value.parse::<NaiveDate>() {
                    Ok(d) if key == "after" => q.after = Some(d),
                    Ok(d) => q.before = Some(d),
                    Err(_) => q
                        .problems
                        .push(format!("{key}: '{value}' is not a date YYYY-MM-DD")),
                },
                _ => q.words.push(lower),
            }
        }
        q
    }

    /// Whether both queries filter the same way (their words aside).
    pub fn same_filters(&self, other: &Query) -> bool {
        self.site == other.site
            && self.category == other.category
            && self.status == other.status
            && self.determination == other.determination
            && self.owner == other.owner
            && self.after == other.after
            && self.before == other.before
    }

    /// Whether `self` can only match a subset of what `previous` matched (so the previous
    /// result can be narrowed instead of searching everything again).
    pub fn narrows(&self, previous: &Query) -> bool {
        if !self.same_filters(previous) || self.words.len() < previous.words.len() {
            return false;
        }
        // Every earlier word must still be there, possibly longer (a longer fuzzy pattern or
        // prefix matches a subset). Words shorter than `TEXT_MIN` are matched on short fields
        // only, so growing one to that length (which also reaches descriptions) is not narrowing.
        let min = super::engine::TEXT_MIN;
        previous.words.iter().zip(&self.words).all(|(old, new)| {
            let grows_into_text = old.chars().count() < min && new.chars().count() >= min;
            new.starts_with(old.as_str()) && !grows_into_text
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_filters_and_words() {
        let q = Query::parse(
            "fax Lab site:North cat:misdirected_fax status:closed det:near after:2025-01-01 before:nope owner:kim x:y",
        );
        assert_eq!(q.words, vec!["fax", "lab", "x:y"]);
        assert_eq!(q.site.as_deref(), Some("north"));
        assert_eq!(q.category.as_deref(), Some("misdirected fax"));
        assert_eq!(q.status.as_deref(), Some("closed"));
        assert_eq!(q.determination.as_deref(), Some("near"));
        assert_eq!(q.owner.as_deref(), Some("kim"));
        assert_eq!(q.after, NaiveDate::from_ymd_opt(2025, 1, 1));
        assert_eq!(q.problems.len(), 1);
    }

    #[test]
    fn narrowing_rules() {
        let p = |s| Query::parse(s);
        assert!(p("faxe").narrows(&p("fax")));
        assert!(!p("fax").narrows(&p("fa")));
        assert!(p("fa").narrows(&p("f")));
        assert!(p("fax l").narrows(&p("fax")));
        assert!(!p("fa").narrows(&p("fax")));
        assert!(!p("fax site:n").narrows(&p("fax")));
        assert!(!p("lab fax").narrows(&p("fax")));
    }
}
