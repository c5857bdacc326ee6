//! Synthetic near-miss and incident records for demos, load tests and benchmarks at any scale:
//! varied, realistic vocabulary (misdirected fax/email/mail, EHR snooping, lost devices,
//! phishing, disposal, wristbands, passwords…), sites, departments and dates, deterministic
//! for a seed.

use crate::domain::{
    BreachType, Classification, Determination, Incident, Location, RootCause, Severity, Source,
    Status, Subtype,
};
use chrono::{Days, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

struct Kind {
    subtype: Subtype,
    breach: BreachType,
    location: Location,
    titles: &'static [&'static str],
    details: &'static [&'static str],
}

const KINDS: &[Kind] = &[
    Kind {
        subtype: Subtype::MisdirectedFax,
        breach: BreachType::UnauthorizedAccess,
        location: Location::PaperFilms,
        titles: &[
            "Lab results faxed to wrong clinic",
            "Referral faxed to wrong number",
            "Fax with diagnosis sent to pharmacy",
            "Prior authorization faxed to old number",
        ],
        details: &[
            "fax number transposed",
            "speed dial pointed at a closed office",
            "cover sheet missing",
            "recipient called to report it",
        ],
    },
    Kind {
        subtype: Subtype::MisdirectedEmail,
        breach: BreachType::UnauthorizedAccess,
        location: Location::Email,
        titles: &[
            "Discharge summary emailed to wrong patient",
            "Spreadsheet with MRNs emailed externally",
            "Lab results emailed to namesake",
            "Appointment list sent to vendor",
        ],
        details: &[
            "autocomplete picked a similar name",
            "attachment not encrypted",
            "distribution list outdated",
            "reply-all to an external thread",
        ],
    },
    Kind {
        subtype: Subtype::MisdirectedMail,
        breach: BreachType::UnauthorizedAccess,
        location: Location::PaperFilms,
        titles: &[
            "Billing statement mailed to old address",
            "EOB letters swapped in envelopes",
            "Radiology CD mailed to wrong patient",
        ],
        details: &[
            "mail merge offset by one row",
            "address not updated after move",
            "two letters in one envelope",
        ],
    },
    Kind {
        subtype: Subtype::EhrSnooping,
        breach: BreachType::UnauthorizedAccess,
        location: Location::ElectronicMedicalRecord,
        titles: &[
            "Employee viewed neighbour's chart",
            "Celebrity record accessed without need",
            "Staff looked up family member in EHR",
        ],
        details: &[
            "access audit flagged the lookup",
            "no treatment relationship",
            "privacy monitoring alert",
        ],
    },
    Kind {
        subtype: Subtype::LostDevice,
        breach: BreachType::Loss,
        location: Location::OtherPortableDevice,
        titles: &[
            "Encrypted tablet left in taxi",
            "USB drive lost at conference",
            "Work phone lost on transit",
        ],
        details: &[
            "device encrypted and wiped remotely",
            "drive was not encrypted",
            "MDM confirmed encryption",
        ],
    },
    Kind {
        subtype: Subtype::StolenDevice,
        breach: BreachType::Theft,
        location: Location::Laptop,
        titles: &[
            "Laptop stolen from car",
            "Workstation stolen during break-in",
            "Backpack with laptop stolen",
        ],
        details: &[
            "full disk encryption enabled",
            "police report filed",
            "device not encrypted",
        ],
    },
    Kind {
        subtype: Subtype::Phishing,
        breach: BreachType::Hacking,
        location: Location::Email,
        titles: &[
            "Phishing email clicked by nurse",
            "Credential phishing reported",
            "Invoice phishing with malicious link",
        ],
        details: &[
            "password reset within the hour",
            "MFA blocked the sign-in",
            "mailbox rule created by attacker",
        ],
    },
    Kind {
        subtype: Subtype::ImproperDisposal,
        breach: BreachType::ImproperDisposal,
        location: Location::PaperFilms,
        titles: &[
            "Records found in recycling bin",
            "Shred bin left unlocked",
            "Old films discarded with trash",
        ],
        details: &[
            "shred vendor missed pickup",
            "bin lock broken",
            "clinic move left boxes behind",
        ],
    },
    Kind {
        subtype: Subtype::WrongPatient,
        breach: BreachType::UnauthorizedAccess,
        location: Location::PaperFilms,
        titles: &[
            "Wristband printed for wrong patient",
            "Wrong patient label on specimen",
            "After-visit summary given to wrong patient",
        ],
        details: &[
            "two patients with the same name",
            "label printer queue mixed up",
            "identity not verified at handoff",
        ],
    },
    Kind {
        subtype: Subtype::PasswordSharing,
        breach: BreachType::Other,
        location: Location::DesktopComputer,
        titles: &[
            "Password written on sticky note",
            "Shared login used at nurses' station",
            "Credentials posted in break room",
        ],
        details: &[
            "found during rounding",
            "generic account still active",
            "staff unaware of policy",
        ],
    },
    Kind {
        subtype: Subtype::Tailgating,
        breach: BreachType::Other,
        location: Location::PaperFilms,
        titles: &[
            "Visitor tailgated into records room",
            "Badge door propped open",
            "Contractor entered server room unescorted",
        ],
        details: &[
            "door alarm disabled",
            "no escort assigned",
            "camera confirmed entry",
        ],
    },
    Kind {
        subtype: Subtype::UnencryptedText,
        breach: BreachType::UnauthorizedAccess,
        location: Location::OtherPortableDevice,
        titles: &[
            "Lab values texted to personal phone",
            "Patient photo sent by SMS",
            "On-call list texted unencrypted",
        ],
        details: &[
            "secure messaging app not installed",
            "personal device used",
            "message recalled",
        ],
    },
    Kind {
        subtype: Subtype::VendorError,
        breach: BreachType::Hacking,
        location: Location::NetworkServer,
        titles: &[
            "Vendor exposed files on open server",
            "Billing vendor misconfigured portal",
            "Transcription vendor sent files to wrong client",
        ],
        details: &[
            "business associate notified us",
            "bucket left public",
            "vendor patch missing",
        ],
    },
];

const SITES: &[&str] = &[
    "North Campus",
    "South Clinic",
    "Main Hospital",
    "Imaging Center",
    "Billing Office",
    "Home Health",
    "East Pavilion",
    "Lab Annex",
    "West Clinic",
    "Children's Hospital",
    "Cancer Center",
    "Urgent Care Downtown",
    "Rehab Center",
    "Behavioral Health",
    "Surgery Center",
    "Dialysis Unit",
    "Pharmacy Hub",
    "Records Center",
    "Data Center",
    "Family Medicine",
    "Women's Health",
    "Heart Institute",
    "Ortho Clinic",
    "Eye Clinic",
];
const DEPTS: &[&str] = &[
    "Laboratory",
    "Radiology",
    "Emergency",
    "Oncology",
    "Cardiology",
    "Pediatrics",
    "Billing",
    "HIM",
    "Pharmacy",
    "ICU",
    "Facilities",
    "IT",
    "Registration",
    "Nursing",
];
const OWNERS: &[&str] = &["kim", "lee", "ana", "raj", "sam", "joe", "eva", "max"];

/// `n` synthetic incidents discovered over the six years before `today`, deterministic for `seed`.
pub fn synthetic(n: usize, seed: u64, today: NaiveDate) -> Vec<Incident> {
    synthetic_range(0, n, seed, today)
}

/// Records `start..start + count` of a corpus, so a large one can be generated (and indexed)
/// chunk by chunk without holding it all; ids are unique across chunks.
pub fn synthetic_range(start: usize, count: usize, seed: u64, today: NaiveDate) -> Vec<Incident> {
    let mut rng = StdRng::seed_from_u64(seed ^ (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    (start..start + count)
        .map(|i| one(&mut rng, i, today))
        .collect()
}

fn one(rng: &mut StdRng, i: usize, today: NaiveDate) -> Incident {
    let kind = &KINDS[rng.random_range(0..KINDS.len())];
    let site = SITES[rng.random_range(0..SITES.len())];
    let dept = DEPTS[rng.random_range(0..DEPTS.len())];
    let days_ago = rng.random_range(0..6 * 365u64);
    let discovered = today.checked_sub_days(Days::new(days_ago)).unwrap_or(today);
    let at = Utc.from_utc_datetime(
        &discovered
            .and_hms_opt(rng.random_range(7..19), rng.random_range(0..60), 0)
            .unwrap_or_default(),
    );
    let title = kind.titles[rng.random_range(0..kind.titles.len())];
    let detail = kind.details[rng.random_range(0..kind.details.len())];
    let other = KINDS[rng.random_range(0..KINDS.len())].details[0];
    let mut inc = Incident::minimal(&format!("SYN-{i:07}"), title, site, discovered, at);
    inc.description = format!(
        "{title} at {site} ({dept}). Reported by a staff member: {detail}. Follow-up found {other}; the team reviewed the workflow and the privacy office was informed. Reference {}.",
        rng.random_range(1000..99999)
    );
    inc.department = Some(dept.to_string());
    inc.source = Source::Web;
    let phi = rng.random_bool(0.6);
    let individuals = if phi { rng.random_range(1..2000u64) } else { 0 };
    inc.classification = Classification {
        breach_type: vec![kind.breach],
        location: vec![kind.location],
        subtype: Some(kind.subtype),
        severity: Some(Severity::ALL[rng.random_range(0..4)]),
        phi_involved: Some(phi),
        individuals_affected: Some(individuals),
        ..Default::default()
    };
    let closed = days_ago > 60 || rng.random_bool(0.3);
    inc.status = if closed {
        Status::Closed
    } else {
        Status::ALL[rng.random_range(0..4)]
    };
    inc.determination = if !phi {
        Determination::NearMiss
    } else if inc.status == Status::New {
        Determination::Undetermined
    } else if individuals > 500 {
        Determination::Breach
    } else {
        [
            Determination::Incident,
            Determination::NearMiss,
            Determination::Breach,
        ][rng.random_range(0..3)]
    };
    inc.owner =
        (inc.status != Status::New).then(|| OWNERS[rng.random_range(0..OWNERS.len())].to_string());
    if closed {
        inc.root_cause = RootCause {
            summary: format!("Root cause: {detail}; no second check in the {dept} workflow."),
            factors: vec![detail.to_string()],
            category: None,
        };
    }
    inc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_varied() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let a = synthetic(500, 7, today);
        let b = synthetic(500, 7, today);
        assert_eq!(a, b);
        let subtypes: std::collections::HashSet<_> =
            a.iter().filter_map(|i| i.classification.subtype).collect();
        assert!(subtypes.len() >= 10);
        assert!(a.iter().all(|i| i.discovered_at <= today));
    }
}
