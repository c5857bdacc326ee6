//! The classification and assessment form: a draft of the fields an analyst changes, edited
//! field by field from the keyboard, sent as one patch with the version it was based on.

use crate::domain::assessment::{Exception, Factor, Risk, RiskAssessment, SafeHarbor};
use crate::domain::{
    BreachType, Classification, Determination, Incident, IncidentPatch, Location, Severity, Subtype,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One editable field of the form, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// HHS type of breach.
    BreachType,
    /// HHS location.
    Location,
    /// Near-miss subtype.
    Subtype,
    /// Severity.
    Severity,
    /// PHI involved.
    Phi,
    /// Individuals affected.
    Individuals,
    /// Residents by state.
    States,
    /// Discovery date D0 (lead).
    Discovered,
    /// One of the four factors.
    Factor(usize),
    /// Statutory exception.
    Exception,
    /// Safe harbour.
    SafeHarbor,
    /// Caught before disclosure.
    Contained,
    /// Assessor's conclusion.
    Conclusion,
    /// Lead's determination.
    Determination,
    /// Owner (lead).
    Owner,
}

/// The fields in order.
pub const FIELDS: &[Field] = &[
    Field::BreachType,
    Field::Location,
    Field::Subtype,
    Field::Severity,
    Field::Phi,
    Field::Individuals,
    Field::States,
    Field::Discovered,
    Field::Factor(0),
    Field::Factor(1),
    Field::Factor(2),
    Field::Factor(3),
    Field::Exception,
    Field::SafeHarbor,
    Field::Contained,
    Field::Conclusion,
    Field::Determination,
    Field::Owner,
];

const FACTOR_NAMES: [&str; 4] = [
    "1 nature/extent of PHI",
    "2 unauthorized person",
    "3 acquired or viewed",
    "4 mitigation",
];

impl Field {
    /// Label in the form.
    pub fn label(self) -> &'static str {
        match self {
            Field::BreachType => "Type of breach",
            Field::Location => "Location",
            Field::Subtype => "Subtype",
            Field::Severity => "Severity",
            Field::Phi => "PHI involved",
            Field::Individuals => "Individuals",
            Field::States => "Residents by state",
            Field::Discovered => "Discovered (D0)",
            Field::Factor(i) => FACTOR_NAMES[i.min(3)],
            Field::Exception => "Exception",
            Field::SafeHarbor => "Safe harbour",
            Field::Contained => "Caught in time",
            Field::Conclusion => "Conclusion",
            Field::Determination => "Determination",
            Field::Owner => "Owner",
        }
    }

    /// Whether the field is typed (Enter edits) rather than cycled.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Field::Individuals
                | Field::States
                | Field::Discovered
                | Field::Conclusion
                | Field::Owner
        )
    }
}

/// The draft being edited.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// Incident id.
    pub id: String,
    /// The version the draft is based on.
    pub version: i64,
    /// Draft classification.
    pub classification: Classification,
    /// Draft assessment.
    pub assessment: RiskAssessment,
    /// Draft determination.
    pub determination: Determination,
    /// Draft D0.
    pub discovered: NaiveDate,
    /// Draft owner.
    pub owner: String,
    /// Focused field index.
    pub focus: usize,
    /// Whether anything changed since loading.
    pub dirty: bool,
    /// The incident as it was when the draft was taken, to tell which fields the analyst
    /// changed when a save meets someone else's newer version (`None` for a hand-built draft).
    pub base: Option<Box<Incident>>,
}

fn cycle_opt<T: Copy + PartialEq>(all: &[T], current: Option<T>, forward: bool) -> Option<T> {
    let n = all.len() as isize + 1;
    let pos = current
        .and_then(|c| all.iter().position(|v| *v == c))
        .map(|p| p as isize + 1)
        .unwrap_or(0);
    let next = (pos + if forward { 1 } else { -1 }).rem_euclid(n);
    if next == 0 {
        None
    } else {
        Some(all[(next - 1) as usize])
    }
}

impl Form {
    /// A draft of `incident` as it is now.
    pub fn from_incident(incident: &Incident) -> Self {
        Form {
            id: incident.id.clone(),
            version: incident.version,
            classification: incident.classification.clone(),
            assessment: incident.risk_assessment.clone().unwrap_or_default(),
            determination: incident.determination,
            discovered: incident.discovered_at,
            owner: incident.owner.clone().unwrap_or_default(),
            focus: 0,
            dirty: false,
            base: Some(Box::new(incident.clone())),
        }
    }

    /// The focused field.
    pub fn field(&self) -> Field {
        FIELDS[self.focus.min(FIELDS.len() - 1)]
    }

    /// Moves focus.
    pub fn move_focus(&mut self, forward: bool) {
        let n = FIELDS.len();
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    fn factor_mut(&mut self, i: usize) -> &mut Option<Factor> {
        match i {
            0 => &mut self.assessment.nature_extent,
            1 => &mut self.assessment.unauthorized_person,
            2 => &mut self.assessment.acquired_viewed,
            _ => &mut self.assessment.mitigation,
        }
    }

    /// The factor `i` of the draft.
    pub fn factor(&self, i: usize) -> Option<&Factor> {
        self.assessment.factors()[i.min(3)].1
    }

    /// Cycles a choice field to its next (or previous) value.
    pub fn cycle(&mut self, forward: bool) {
        let field = self.field();
        let c = &mut self.classification;
        match field {
            Field::BreachType => {
                c.breach_type = cycle_opt(BreachType::ALL, c.breach_type.first().copied(), forward)
                    .into_iter()
                    .collect()
            }
            Field::Location => {
                c.location = cycle_opt(Location::ALL, c.location.first().copied(), forward)
                    .into_iter()
                    .collect()
            }
            Field::Subtype => c.subtype = cycle_opt(Subtype::ALL, c.subtype, forward),
            Field::Severity => c.severity = cycle_opt(Severity::ALL, c.severity, forward),
            Field::Phi => c.phi_involved = cycle_opt(&[true, false], c.phi_involved, forward),
            Field::Factor(i) => {
                let current = self.factor(i).map(|f| f.risk);
                let notes = self.factor(i).map(|f| f.notes.clone()).unwrap_or_default();
                *self.factor_mut(i) =
                    cycle_opt(Risk::ALL, current, forward).map(|risk| Factor { risk, notes });
            }
            Field::Exception => {
                self.assessment.exception =
                    cycle_opt(Exception::ALL, self.assessment.exception, forward)
            }
            Field::SafeHarbor => {
                self.assessment.safe_harbor =
                    cycle_opt(SafeHarbor::ALL, self.assessment.safe_harbor, forward)
            }
            Field::Contained => {
                self.assessment.contained_before_disclosure =
                    !self.assessment.contained_before_disclosure
            }
            Field::Determination => {
                self.determination = cycle_opt(
                    &Determination::ALL[1..],
                    Some(self.determination).filter(|d| *d != Determination::Undetermined),
                    forward,
                )
                .unwrap_or(Determination::Undetermined)
            }
            _ => return,
        }
        self.dirty = true;
    }

    /// The value of a field as shown.
    pub fn value(&self, field: Field) -> String {
        let c = &self.classification;
        let or_dash = |s: Option<String>| s.unwrap_or_else(|| "—".into());
        match field {
            Field::BreachType => or_dash(c.breach_type.first().map(|b| b.to_string())),
            Field::Location => or_dash(c.location.first().map(|l| l.to_string())),
            Field::Subtype => or_dash(c.subtype.map(|s| s.label())),
            Field::Severity => or_dash(c.severity.map(|s| s.to_string())),
            Field::Phi => or_dash(
                c.phi_involved
                    .map(|p| if p { "yes".into() } else { "no".into() }),
            ),
            Field::Individuals => or_dash(c.individuals_affected.map(|n| n.to_string())),
            Field::States => {
                if c.residents_by_state.is_empty() {
                    "—".into()
                } else {
                    c.residents_by_state
                        .iter()
                        .map(|(s, n)| format!("{s}={n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            }
            Field::Discovered => self.discovered.to_string(),
            Field::Factor(i) => or_dash(self.factor(i).map(|f| f.risk.to_string())),
            Field::Exception => or_dash(self.assessment.exception.map(|e| e.to_string())),
            Field::SafeHarbor => or_dash(self.assessment.safe_harbor.map(|s| s.to_string())),
            Field::Contained => {
                if self.assessment.contained_before_disclosure {
                    "yes".into()
                } else {
                    "no".into()
                }
            }
            Field::Conclusion => {
                if self.assessment.conclusion.is_empty() {
                    "—".into()
                } else {
                    self.assessment.conclusion.clone()
                }
            }
            Field::Determination => self.determination.to_string(),
            Field::Owner => {
                if self.owner.is_empty() {
                    "—".into()
                } else {
                    self.owner.clone()
                }
            }
        }
    }

    /// The text to start editing a text field with.
    pub fn edit_text(&self, field: Field) -> String {
        match self.value(field).as_str() {
            "—" => String::new(),
            v => v.to_string(),
        }
    }

    /// Sets a text field from what the analyst typed; an error explains what is expected.
    pub fn set_text(&mut self, field: Field, text: &str) -> Result<(), String> {
        let text = text.trim();
        match field {
            Field::Individuals => {
                self.classification.individuals_affected = if text.is_empty() {
                    None
                } else {
                    Some(
                        text.parse::<u64>()
                            .map_err(|_| format!("'{text}' is not a whole number"))?,
                    )
                };
            }
            Field::States => {
                let mut map = BTreeMap::new();
                for part in text.split([',', ' ']).filter(|p| !p.is_empty()) {
                    let (s, n) = part
                        .split_once('=')
                        .ok_or_else(|| format!("'{part}': write XX=N, e.g. CA=120"))?;
                    let s = s.trim().to_ascii_uppercase();
                    if !crate::domain::classification::valid_state_code(&s) {
                        return Err(format!("'{s}' is not a two-letter state code"));
                    }
                    let n = n
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| format!("'{n}' is not a count"))?;
                    map.insert(s, n);
                }
                self.classification.residents_by_state = map;
            }
            Field::Discovered => {
                self.discovered = text
                    .parse()
                    .map_err(|_| format!("'{text}' is not a date YYYY-MM-DD"))?
            }
            Field::Conclusion => self.assessment.conclusion = text.to_string(),
            Field::Owner => self.owner = text.to_string(),
            _ => return Err("this field is chosen with the cycle key, not typed".into()),
        }
        self.dirty = true;
        Ok(())
    }

    /// A refused patch made to apply on top of `current`, someone else's newer version.
    ///
    /// Classification, risk assessment and root cause travel whole, so sending them as they
    /// were would put back every sub-field the other person changed. Each is merged instead:
    /// the sub-fields that differ from the draft's base are mine, the rest are theirs. Other
    /// fields are only in the patch when they were changed, and stay as they are.
    pub fn rebase(&self, patch: IncidentPatch, current: &Incident) -> IncidentPatch {
        let Some(base) = self.base.as_deref().filter(|b| b.id == current.id) else {
            return patch;
        };
        let base_assessment = base.risk_assessment.clone().unwrap_or_default();
        let current_assessment = current.risk_assessment.clone().unwrap_or_default();
        IncidentPatch {
            classification: patch
                .classification
                .map(|mine| merge3(&base.classification, &mine, &current.classification)),
            risk_assessment: patch
                .risk_assessment
                .map(|mine| merge3(&base_assessment, &mine, &current_assessment)),
            root_cause: patch
                .root_cause
                .map(|mine| merge3(&base.root_cause, &mine, &current.root_cause)),
            ..patch
        }
    }

    /// The patch that turns `original` into this draft (only what changed).
    pub fn patch(&self, original: &Incident) -> IncidentPatch {
        let mut p = IncidentPatch::default();
        if self.classification != original.classification {
            p.classification = Some(self.classification.clone());
        }
        let original_assessment = original.risk_assessment.clone().unwrap_or_default();
        let strip = |a: &RiskAssessment| RiskAssessment {
            assessed_by: None,
            assessed_at: None,
            ..a.clone()
        };
        if strip(&self.assessment) != strip(&original_assessment) {
            p.risk_assessment = Some(strip(&self.assessment));
        }
        if self.determination != original.determination {
            p.determination = Some(self.determination);
        }
        if self.discovered != original.discovered_at {
            p.discovered_at = Some(self.discovered);
        }
        if self.owner != original.owner.clone().unwrap_or_default() {
            p.owner = Some(self.owner.clone());
        }
        p
    }
}

/// Three-way merge of a record's top-level fields: those where `mine` differs from `base`
/// come from `mine`, the others from `theirs`.
fn merge3<T>(base: &T, mine: &T, theirs: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone,
{
    use serde_json::{Value, from_value, to_value};
    let (Ok(Value::Object(base)), Ok(Value::Object(mine_map)), Ok(Value::Object(mut merged))) =
        (to_value(base), to_value(mine), to_value(theirs))
    else {
        return mine.clone();
    };
    for (key, value) in mine_map {
        if base.get(&key) != Some(&value) {
            merged.insert(key, value);
        }
    }
    from_value(Value::Object(merged)).unwrap_or_else(|_| mine.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycling_wraps_through_none() {
        assert_eq!(cycle_opt(Severity::ALL, None, true), Some(Severity::Low));
        assert_eq!(
            cycle_opt(Severity::ALL, Some(Severity::Critical), true),
            None
        );
        assert_eq!(
            cycle_opt(Severity::ALL, None, false),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn merge_takes_my_changed_fields_and_their_others() {
        let base = Classification::default();
        let mine = Classification {
            severity: Some(Severity::Low),
            ..Default::default()
        };
        let theirs = Classification {
            individuals_affected: Some(40),
            phi_involved: Some(true),
            ..Default::default()
        };
        let merged = merge3(&base, &mine, &theirs);
        assert_eq!(merged.severity, Some(Severity::Low));
        assert_eq!(merged.individuals_affected, Some(40));
        assert_eq!(merged.phi_involved, Some(true));
        let both = Classification {
            severity: Some(Severity::High),
            ..theirs.clone()
        };
        assert_eq!(
            merge3(&base, &mine, &both).severity,
            Some(Severity::Low),
            "where both changed the same field, mine is re-applied"
        );
    }

    #[test]
    fn state_text_parses_and_rejects() {
        let mut f = Form {
            id: "x".into(),
            version: 1,
            classification: Classification::default(),
            assessment: RiskAssessment::default(),
            determination: Determination::Undetermined,
            discovered: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            owner: String::new(),
            focus: 0,
            dirty: false,
            base: None,
        };
        f.set_text(Field::States, "ca=120, NV=3").unwrap();
        assert_eq!(f.value(Field::States), "CA=120, NV=3");
        assert!(f.set_text(Field::States, "California=1").is_err());
        assert!(f.set_text(Field::Individuals, "-4").is_err());
        assert!(f.set_text(Field::Discovered, "2026-02-30").is_err());
    }
}
