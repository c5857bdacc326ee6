//! Escalation rules: overdue work climbs levels (owner → lead → privacy officer by default) after
//! configured numbers of days overdue. Pure: the server's job applies them.

use serde::{Deserialize, Serialize};

/// Who each level goes to and when work climbs to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EscalationRules {
    /// Names of the levels, level 0 first (the owner).
    pub levels: Vec<String>,
    /// Days overdue after which work reaches level 1, 2, … (one entry per level above 0).
    pub after_days_overdue: Vec<i64>,
    /// How often the server's job looks, in seconds.
    pub check_every_seconds: u64,
    /// Where to tell a pager or chat tool when work reaches a level.
    pub webhooks: Vec<Webhook>,
}

/// An outgoing webhook for one escalation level: a signed JSON POST.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// The level that triggers it.
    pub level: u32,
    /// Where to POST.
    pub url: String,
    /// The HMAC-SHA256 key for the `X-Triage-Signature` header.
    pub secret: String,
}

impl Default for EscalationRules {
    fn default() -> Self {
        EscalationRules {
            levels: vec!["owner".into(), "lead".into(), "privacy officer".into()],
            after_days_overdue: vec![1, 3],
            check_every_seconds: 60,
            webhooks: Vec::new(),
        }
    }
}

impl EscalationRules {
    /// The level work should be at when it is `days_overdue` days late (0 when not late).
    pub fn level_for(&self, days_overdue: i64) -> u32 {
        let max = self.levels.len().saturating_sub(1);
        self.after_days_overdue
            .iter()
            .take(max)
            .filter(|after| days_overdue >= **after)
            .count() as u32
    }

    /// The name of a level ("lead"), or "level N" past the named ones.
    pub fn name(&self, level: u32) -> String {
        self.levels
            .get(level as usize)
            .cloned()
            .unwrap_or_else(|| format!("level {level}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_climb_with_days_overdue() {
        let r = EscalationRules::default();
        let table = [(-5, 0), (0, 0), (1, 1), (2, 1), (3, 2), (30, 2)];
        for (days, level) in table {
            assert_eq!(r.level_for(days), level, "{days} days overdue");
        }
        assert_eq!(r.name(1), "lead");
        assert_eq!(r.name(7), "level 7");
        let short = EscalationRules {
            levels: vec!["owner".into(), "lead".into()],
            ..Default::default()
        };
        assert_eq!(short.level_for(30), 1, "never past the last named level");
    }
}
