//! The console's local copy of incidents, kept in step with the server by id and version, and
//! the queue's filtered, sorted view of it (indexes only: rows are built for what is visible).

use crate::domain::{Determination, Incident, Severity, Status};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Incidents by id, newest version wins.
#[derive(Debug, Default, Clone)]
pub struct Cache {
    items: Vec<Incident>,
    index: HashMap<String, usize>,
}

impl Cache {
    /// All incidents, in arrival order.
    pub fn items(&self) -> &[Incident] {
        &self.items
    }

    /// One incident by id.
    pub fn get(&self, id: &str) -> Option<&Incident> {
        self.index.get(id).map(|i| &self.items[*i])
    }

    /// Inserts or replaces by id; an older version never replaces a newer one. Returns whether
    /// the incident was new to the cache.
    pub fn upsert(&mut self, incident: Incident) -> bool {
        match self.index.get(&incident.id) {
            Some(&i) => {
                let old = &self.items[i];
                if incident.version >= old.version {
                    self.items[i] = incident;
                }
                false
            }
            None => {
                self.index.insert(incident.id.clone(), self.items.len());
                self.items.push(incident);
                true
            }
        }
    }

    /// Number of incidents.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// How the queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Nearest deadline first (default: what needs attention).
    #[default]
    Deadline,
    /// Newest report first.
    Newest,
    /// Highest severity first.
    Severity,
    /// Oldest open first.
    Age,
}

impl SortKey {
    /// The next sort order, for the cycle key.
    pub fn next(self) -> Self {
        match self {
            SortKey::Deadline => SortKey::Newest,
            SortKey::Newest => SortKey::Severity,
            SortKey::Severity => SortKey::Age,
            SortKey::Age => SortKey::Deadline,
        }
    }

    /// Label for the title bar.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Deadline => "deadline",
            SortKey::Newest => "newest",
            SortKey::Severity => "severity",
            SortKey::Age => "age",
        }
    }
}

/// The queue's filter: `status:new site:north sev:high owner:kim det:breach all` plus words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFilter {
    /// The text as typed.
    pub text: String,
}

impl QueueFilter {
    /// Whether closed incidents are shown (`all` or `status:closed`).
    fn include_closed(&self) -> bool {
        self.text
            .split_whitespace()
            .any(|w| w == "all" || w == "status:closed")
    }

    /// Whether an incident passes the filter.
    pub fn matches(&self, i: &Incident) -> bool {
        if i.status == Status::Closed && !self.include_closed() {
            return false;
        }
        for word in self.text.split_whitespace() {
            let word = word.to_lowercase();
            let ok = match word.split_once(':') {
                Some(("status", v)) => i.status.as_str().starts_with(v),
                Some(("site", v)) => i.site.to_lowercase().contains(v),
                Some(("sev" | "severity", v)) => i
                    .classification
                    .severity
                    .is_some_and(|s| s.as_str().starts_with(v)),
                Some(("owner", v)) => i
                    .owner
                    .as_deref()
                    .is_some_and(|o| o.to_lowercase().contains(v)),
                Some(("det", v)) => i.determination.as_str().starts_with(v),
                _ if word == "all" => true,
                _ => i.title.to_lowercase().contains(&word) || i.id.to_lowercase().contains(&word),
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

fn severity_rank(s: Option<Severity>) -> u8 {
    match s {
        Some(Severity::Critical) => 0,
        Some(Severity::High) => 1,
        Some(Severity::Medium) => 2,
        Some(Severity::Low) => 3,
        None => 4,
    }
}

/// The nearest open deadline of an incident.
pub fn nearest_deadline(i: &Incident) -> Option<NaiveDate> {
    use crate::domain::deadlines::DeadlineStatus::{Closed, Met, MetLate};
    i.deadlines
        .iter()
        .filter(|d| !matches!(d.status, Some(Met | MetLate | Closed)))
        .map(|d| d.due)
        .min()
}

/// Indexes of the incidents that pass `filter`, ordered by `sort`.
pub fn queue_view(cache: &Cache, filter: &QueueFilter, sort: SortKey) -> Vec<usize> {
    let items = cache.items();
    let mut view: Vec<usize> = (0..items.len())
        .filter(|&i| filter.matches(&items[i]))
        .collect();
    match sort {
        SortKey::Deadline => view.sort_by_key(|&i| {
            (
                nearest_deadline(&items[i]).unwrap_or(NaiveDate::MAX),
                std::cmp::Reverse(items[i].reported_at),
            )
        }),
        SortKey::Newest => view.sort_by_key(|&i| std::cmp::Reverse(items[i].reported_at)),
        SortKey::Severity => view.sort_by_key(|&i| {
            (
                severity_rank(items[i].classification.severity),
                std::cmp::Reverse(items[i].reported_at),
            )
        }),
        SortKey::Age => view.sort_by_key(|&i| items[i].reported_at),
    }
    view
}

/// Counts for the status bar: new reports and overdue deadlines.
pub fn counts(cache: &Cache) -> (usize, usize) {
    use crate::domain::deadlines::DeadlineStatus::Overdue;
    let new = cache
        .items()
        .iter()
        .filter(|i| i.status == Status::New)
        .count();
    let overdue = cache
        .items()
        .iter()
        .filter(|i| {
            i.status != Status::Closed && i.deadlines.iter().any(|d| d.status == Some(Overdue))
        })
        .count();
    (new, overdue)
}

/// Whether the incident still needs a decision (for highlighting).
pub fn undecided(i: &Incident) -> bool {
    i.determination == Determination::Undetermined
}
