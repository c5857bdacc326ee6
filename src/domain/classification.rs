//! The classification vocabulary: HHS breach-report categories, near-miss subtypes, severity and
//! root-cause categories. Kept as closed enums so an unknown value is rejected at the edge (422).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Generates a closed vocabulary enum with its wire names, a list of all values and parsing.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in display order (for pickers and validation messages).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name of this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses a wire name, case-insensitively.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Type of breach, as a covered entity must report it to HHS.
    BreachType {
        Hacking => "Hacking/IT Incident",
        UnauthorizedAccess => "Unauthorized Access/Disclosure",
        Theft => "Theft",
        Loss => "Loss",
        ImproperDisposal => "Improper Disposal",
        Other => "Other",
        Unknown => "Unknown",
    }
}

vocabulary! {
    /// Location of breached information, as reported to HHS.
    Location {
        NetworkServer => "Network Server",
        Email => "Email",
        PaperFilms => "Paper/Films",
        Laptop => "Laptop",
        DesktopComputer => "Desktop Computer",
        ElectronicMedicalRecord => "Electronic Medical Record",
        OtherPortableDevice => "Other Portable Electronic Device",
        Other => "Other",
    }
}

vocabulary! {
    /// The near-miss subtypes analysts name every day.
    Subtype {
        MisdirectedFax => "misdirected_fax",
        MisdirectedEmail => "misdirected_email",
        MisdirectedMail => "misdirected_mail",
        WrongPatient => "wrong_patient",
        EhrSnooping => "ehr_snooping",
        PasswordSharing => "password_sharing",
        Phishing => "phishing",
        LostDevice => "lost_device",
        StolenDevice => "stolen_device",
        ImproperDisposal => "improper_disposal",
        Tailgating => "tailgating",
        UnencryptedText => "unencrypted_text",
        VendorError => "vendor_error",
        Hacking => "hacking",
        Other => "other",
    }
}

vocabulary! {
    /// How bad it is; never shown by colour alone.
    Severity {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

vocabulary! {
    /// Root-cause category of an incident.
    RootCauseCategory {
        People => "people",
        Process => "process",
        Technology => "technology",
        Vendor => "vendor",
        Environment => "environment",
    }
}

impl Subtype {
    /// A human label ("misdirected fax") for lists and recurrence lines.
    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }
}

/// What kind of event this is and how far it reached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Classification {
    /// HHS type(s) of breach; several may apply.
    pub breach_type: Vec<BreachType>,
    /// HHS location(s) of the breached information.
    pub location: Vec<Location>,
    /// The near-miss subtype, if any.
    pub subtype: Option<Subtype>,
    /// Severity as judged by the analyst.
    pub severity: Option<Severity>,
    /// Whether protected health information was involved.
    pub phi_involved: Option<bool>,
    /// Number of individuals whose PHI was involved.
    pub individuals_affected: Option<u64>,
    /// Affected residents per state or jurisdiction (two-letter code), for the media notice rule.
    pub residents_by_state: BTreeMap<String, u64>,
    /// Free tags.
    pub tags: Vec<String>,
    /// Whether the organisation acts as a business associate for this incident (164.410).
    pub business_associate: bool,
    /// Individuals whose contact details are missing (substitute notice at 10 or more).
    pub missing_contacts: u64,
}

impl Classification {
    /// Words that describe the category, for filters and search (`cat:fax`).
    pub fn category_words(&self) -> String {
        let mut words: Vec<String> = Vec::new();
        words.extend(self.breach_type.iter().map(|b| b.as_str().to_string()));
        words.extend(self.location.iter().map(|l| l.as_str().to_string()));
        if let Some(s) = self.subtype {
            words.push(s.as_str().to_string());
        }
        words.join(" | ")
    }
}

/// Why it happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RootCause {
    /// One-paragraph summary of the root cause.
    pub summary: String,
    /// Contributing factors.
    pub factors: Vec<String>,
    /// The category of the main cause.
    pub category: Option<RootCauseCategory>,
}

/// Checks a two-letter state or jurisdiction code.
pub fn valid_state_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for b in BreachType::ALL {
            let json = serde_json::to_string(b).unwrap();
            assert_eq!(serde_json::from_str::<BreachType>(&json).unwrap(), *b);
            assert_eq!(BreachType::parse(b.as_str()), Some(*b));
        }
        assert_eq!(
            Location::parse("network server"),
            Some(Location::NetworkServer)
        );
        assert_eq!(Subtype::parse("nope"), None);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_str::<Classification>(r#"{"severty":"low"}"#);
        assert!(err.is_err());
    }

    #[test]
    fn state_codes() {
        assert!(valid_state_code("NY"));
        assert!(!valid_state_code("ny"));
        assert!(!valid_state_code("NYC"));
    }
}
