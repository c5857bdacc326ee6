//! The four-factor risk assessment of 45 CFR 164.402(2), its exceptions and the safe harbour, and
//! the determination they suggest, with reasons a lead can check.

use super::incident::{Determination, wire_enum};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

wire_enum! {
    /// The probability of compromise that one factor indicates.
    Risk {
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

wire_enum! {
    /// The statutory exceptions to "breach" (164.402(1)).
    Exception {
        UnintentionalWorkforce => "unintentional_workforce",
        InadvertentAuthorized => "inadvertent_authorized",
        UnableToRetain => "unable_to_retain",
    }
}

wire_enum! {
    /// Why PHI counts as secured (HHS guidance): outside the notification rule.
    SafeHarbor {
        Encrypted => "encrypted",
        Destroyed => "destroyed",
    }
}

/// One factor's rating and the analyst's reasoning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// The probability of compromise this factor indicates.
    pub risk: Risk,
    /// Why.
    #[serde(default)]
    pub notes: String,
}

/// The documented risk assessment (burden of proof, 164.414(b)).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RiskAssessment {
    /// Factor 1: nature and extent of the PHI (identifiers, re-identification).
    pub nature_extent: Option<Factor>,
    /// Factor 2: the unauthorized person who used it or received it.
    pub unauthorized_person: Option<Factor>,
    /// Factor 3: whether the PHI was actually acquired or viewed.
    pub acquired_viewed: Option<Factor>,
    /// Factor 4: the extent to which the risk has been mitigated.
    pub mitigation: Option<Factor>,
    /// An exception that applies, if any.
    pub exception: Option<Exception>,
    /// The safe-harbour basis, if the PHI was secured.
    pub safe_harbor: Option<SafeHarbor>,
    /// Whether the event was caught before PHI left the organisation's control.
    pub contained_before_disclosure: bool,
    /// The assessor's conclusion in words.
    pub conclusion: String,
    /// Who assessed (set by the server).
    pub assessed_by: Option<String>,
    /// When (set by the server).
    pub assessed_at: Option<DateTime<Utc>>,
}

/// A suggested determination and the reasons for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    /// What the rules suggest.
    pub determination: Determination,
    /// Why, one line each, with citations.
    pub reasons: Vec<String>,
    /// Whether the assessment is complete enough to rely on.
    pub complete: bool,
}

impl RiskAssessment {
    /// The four factors with their names, in regulation order.
    pub fn factors(&self) -> [(&'static str, Option<&Factor>); 4] {
        [
            ("nature and extent of PHI", self.nature_extent.as_ref()),
            ("unauthorized person", self.unauthorized_person.as_ref()),
            ("acquired or viewed", self.acquired_viewed.as_ref()),
            ("mitigation", self.mitigation.as_ref()),
        ]
    }
}

/// Suggests a determination from whether PHI was involved and the assessment.
///
/// The order follows the rule: no PHI or caught in time is a near miss; secured PHI and the
/// exceptions are not notifiable; otherwise a breach is presumed unless all four factors show a
/// low probability of compromise.
pub fn suggest(phi_involved: Option<bool>, assessment: Option<&RiskAssessment>) -> Suggestion {
    let mut reasons = Vec::new();
    if phi_involved == Some(false) {
        reasons.push("no PHI involved: near miss (164.304 security incident documented)".into());
        return Suggestion {
            determination: Determination::NearMiss,
            reasons,
            complete: true,
        };
    }
    let Some(a) = assessment else {
        reasons.push(
            "no risk assessment yet: an impermissible disclosure is presumed a breach (164.402)"
                .into(),
        );
        let determination = if phi_involved == Some(true) {
            Determination::Breach
        } else {
            Determination::Undetermined
        };
        return Suggestion {
            determination,
            reasons,
            complete: false,
        };
    };
    if a.contained_before_disclosure {
        reasons.push("caught before PHI left the organisation's control: near miss".into());
        return Suggestion {
            determination: Determination::NearMiss,
            reasons,
            complete: true,
        };
    }
    if let Some(basis) = a.safe_harbor {
        reasons.push(format!(
            "secured PHI ({basis}): outside the breach notification rule (164.402, HHS guidance)"
        ));
        return Suggestion {
            determination: Determination::Incident,
            reasons,
            complete: true,
        };
    }
    if let Some(exception) = a.exception {
        let cite = match exception {
            Exception::UnintentionalWorkforce => "164.402(1)(i)",
            Exception::InadvertentAuthorized => "164.402(1)(ii)",
            Exception::UnableToRetain => "164.402(1)(iii)",
        };
        reasons.push(format!(
            "exception {exception} applies ({cite}): not a breach"
        ));
        return Suggestion {
            determination: Determination::Incident,
            reasons,
            complete: true,
        };
    }
    let mut missing = 0;
    let mut elevated = 0;
    for (name, factor) in a.factors() {
        match factor {
            None => {
                missing += 1;
                reasons.push(format!("factor '{name}' not assessed"));
            }
            Some(f) if f.risk != Risk::Low => {
                elevated += 1;
                reasons.push(format!("factor '{name}': {} risk", f.risk));
            }
            Some(_) => {}
        }
    }
    if missing == 0 && elevated == 0 {
        reasons.push(
            "all four factors show a low probability of compromise (164.402(2)): not a breach"
                .into(),
        );
        return Suggestion {
            determination: Determination::Incident,
            reasons,
            complete: true,
        };
    }
    reasons.push("breach presumed unless the assessment shows low probability (164.402(2))".into());
    Suggestion {
        determination: Determination::Breach,
        reasons,
        complete: missing == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(risk: Risk) -> Option<Factor> {
        Some(Factor {
            risk,
            notes: String::new(),
        })
    }

    fn all(risk: Risk) -> RiskAssessment {
        RiskAssessment {
            nature_extent: factor(risk),
            unauthorized_person: factor(risk),
            acquired_viewed: factor(risk),
            mitigation: factor(risk),
            ..Default::default()
        }
    }

    #[test]
    fn suggestion_table() {
        let encrypted = RiskAssessment {
            safe_harbor: Some(SafeHarbor::Encrypted),
            ..all(Risk::High)
        };
        let exception = RiskAssessment {
            exception: Some(Exception::InadvertentAuthorized),
            ..all(Risk::High)
        };
        let contained = RiskAssessment {
            contained_before_disclosure: true,
            ..Default::default()
        };
        let one_high = RiskAssessment {
            mitigation: factor(Risk::High),
            ..all(Risk::Low)
        };
        let partial = RiskAssessment {
            nature_extent: factor(Risk::Low),
            ..Default::default()
        };
        let low = all(Risk::Low);
        let cases: Vec<(Option<bool>, Option<&RiskAssessment>, Determination, bool)> = vec![
            (Some(false), None, Determination::NearMiss, true),
            (None, None, Determination::Undetermined, false),
            (Some(true), None, Determination::Breach, false),
            (Some(true), Some(&contained), Determination::NearMiss, true),
            (Some(true), Some(&encrypted), Determination::Incident, true),
            (Some(true), Some(&exception), Determination::Incident, true),
            (Some(true), Some(&low), Determination::Incident, true),
            (Some(true), Some(&one_high), Determination::Breach, true),
            (Some(true), Some(&partial), Determination::Breach, false),
        ];
        for (i, (phi, a, det, complete)) in cases.into_iter().enumerate() {
            let s = suggest(phi, a);
            assert_eq!(
                (s.determination, s.complete),
                (det, complete),
                "case {i}: {:?}",
                s.reasons
            );
            assert!(!s.reasons.is_empty());
        }
    }

    #[test]
    fn reasons_name_the_elevated_factor() {
        let a = RiskAssessment {
            acquired_viewed: factor(Risk::Medium),
            ..all(Risk::Low)
        };
        let s = suggest(Some(true), Some(&a));
        assert!(
            s.reasons
                .iter()
                .any(|r| r.contains("acquired or viewed") && r.contains("medium"))
        );
    }
}
