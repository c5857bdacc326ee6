//! Demo data: the real past breaches of the HHS portal plus a living queue of fresh near misses
//! and incidents in every status, with owners, actions and deadlines around today. Everything is
//! written through the API, so the demo exercises the same paths as real use.

use crate::client::{ApiClient, ClientError};
use crate::domain::action::{ActionPatch, ActionStatus, NewAction};
use crate::domain::assessment::{Factor, Risk, RiskAssessment, SafeHarbor};
use crate::domain::wire::ImportBatch;
use crate::domain::{
    BreachType, Classification, Determination, IncidentPatch, Location, NewReport, RootCause,
    RootCauseCategory, Severity, Source, Status, Subtype,
};
use chrono::{Days, NaiveDate};
use std::path::{Path, PathBuf};

/// Where the HHS breach CSV is looked for: `TRIAGE_DEMO_CSV`, then `shared/data` in the current
/// directory or any parent.
pub fn find_hhs_csv() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TRIAGE_DEMO_CSV")
        .map(PathBuf::from)
        .filter(|p| p.exists())
    {
        return Some(p);
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|d| d.join("shared/data/hhs-ocr-breaches-dev.csv"))
        .find(|p| p.exists())
}

/// Imports the HHS CSV through the API; returns (created, duplicates, rejected).
pub async fn import_hhs(
    client: &ApiClient,
    path: &Path,
) -> Result<(u64, u64, usize), Box<dyn std::error::Error + Send + Sync>> {
    let file = std::fs::File::open(path)?;
    let parsed = crate::import::parse_hhs_csv(std::io::BufReader::new(file));
    let (mut created, mut dups) = (0, 0);
    for chunk in parsed.records.chunks(500) {
        let outcome = client
            .import(&ImportBatch {
                records: chunk.iter().map(|(_, r)| r.clone()).collect(),
            })
            .await?;
        created += outcome.created;
        dups += outcome.duplicates;
    }
    Ok((created, dups, parsed.errors.len()))
}

struct Seed {
    title: &'static str,
    site: &'static str,
    dept: &'static str,
    subtype: Subtype,
    breach: BreachType,
    location: Location,
    days_ago: u64,
    status: Status,
    determination: Determination,
    owner: &'static str,
    individuals: u64,
}

const SEEDS: &[Seed] = &[
    Seed {
        title: "Lab results faxed to wrong clinic",
        site: "North Campus",
        dept: "Laboratory",
        subtype: Subtype::MisdirectedFax,
        breach: BreachType::UnauthorizedAccess,
        location: Location::PaperFilms,
        days_ago: 0,
        status: Status::New,
        determination: Determination::Undetermined,
        owner: "",
        individuals: 1,
    },
    Seed {
        title: "Discharge summary emailed to patient's namesake",
        site: "South Clinic",
        dept: "Cardiology",
        subtype: Subtype::MisdirectedEmail,
        breach: BreachType::UnauthorizedAccess,
        location: Location::Email,
        days_ago: 1,
        status: Status::New,
        determination: Determination::Undetermined,
        owner: "",
        individuals: 1,
    },
    Seed {
        title: "Phishing email reported before any click",
        site: "Main Hospital",
        dept: "Finance",
        subtype: Subtype::Phishing,
        breach: BreachType::Hacking,
        location: Location::Email,
        days_ago: 0,
        status: Status::New,
        determination: Determination::Undetermined,
        owner: "",
        individuals: 0,
    },
    Seed {
        title: "Wristband printed with wrong patient's name",
        site: "Main Hospital",
        dept: "Emergency",
        subtype: Subtype::WrongPatient,
        breach: BreachType::UnauthorizedAccess,
        location: Location::PaperFilms,
        days_ago: 2,
        status: Status::Triaged,
        determination: Determination::Undetermined,
        owner: "kim",
        individuals: 1,
    },
    Seed {
        title: "Nurse viewed neighbour's chart in EHR",
        site: "North Campus",
        dept: "Oncology",
        subtype: Subtype::EhrSnooping,
        breach: BreachType::UnauthorizedAccess,
        location: Location::ElectronicMedicalRecord,
        days_ago: 6,
        status: Status::Investigating,
        determination: Determination::Undetermined,
        owner: "lee",
        individuals: 1,
    },
    Seed {
        title: "Unencrypted laptop stolen from car",
        site: "Home Health",
        dept: "Home Care",
        subtype: Subtype::StolenDevice,
        breach: BreachType::Theft,
        location: Location::Laptop,
        days_ago: 12,
        status: Status::Actions,
        determination: Determination::Breach,
        owner: "ana",
        individuals: 742,
    },
    Seed {
        title: "Encrypted tablet left in taxi",
        site: "South Clinic",
        dept: "Pediatrics",
        subtype: Subtype::LostDevice,
        breach: BreachType::Loss,
        location: Location::OtherPortableDevice,
        days_ago: 9,
        status: Status::Investigating,
        determination: Determination::Incident,
        owner: "kim",
        individuals: 58,
    },
    Seed {
        title: "Password written on sticky note at nurses' station",
        site: "Main Hospital",
        dept: "ICU",
        subtype: Subtype::PasswordSharing,
        breach: BreachType::Other,
        location: Location::DesktopComputer,
        days_ago: 4,
        status: Status::Triaged,
        determination: Determination::NearMiss,
        owner: "lee",
        individuals: 0,
    },
    Seed {
        title: "Billing statements mailed to old addresses",
        site: "Billing Office",
        dept: "Revenue Cycle",
        subtype: Subtype::MisdirectedMail,
        breach: BreachType::UnauthorizedAccess,
        location: Location::PaperFilms,
        days_ago: 20,
        status: Status::Actions,
        determination: Determination::Breach,
        owner: "ana",
        individuals: 312,
    },
    Seed {
        title: "Shred bin found unlocked in loading dock",
        site: "North Campus",
        dept: "Facilities",
        subtype: Subtype::ImproperDisposal,
        breach: BreachType::ImproperDisposal,
        location: Location::PaperFilms,
        days_ago: 3,
        status: Status::Triaged,
        determination: Determination::NearMiss,
        owner: "raj",
        individuals: 0,
    },
    Seed {
        title: "Visitor tailgated into records room",
        site: "South Clinic",
        dept: "Records",
        subtype: Subtype::Tailgating,
        breach: BreachType::Other,
        location: Location::PaperFilms,
        days_ago: 5,
        status: Status::Investigating,
        determination: Determination::NearMiss,
        owner: "raj",
        individuals: 0,
    },
    Seed {
        title: "Lab results texted to personal phone unencrypted",
        site: "Main Hospital",
        dept: "Laboratory",
        subtype: Subtype::UnencryptedText,
        breach: BreachType::UnauthorizedAccess,
        location: Location::OtherPortableDevice,
        days_ago: 7,
        status: Status::Investigating,
        determination: Determination::Undetermined,
        owner: "kim",
        individuals: 3,
    },
    Seed {
        title: "Transcription vendor exposed files on open server",
        site: "Main Hospital",
        dept: "HIM",
        subtype: Subtype::VendorError,
        breach: BreachType::Hacking,
        location: Location::NetworkServer,
        days_ago: 30,
        status: Status::Actions,
        determination: Determination::Breach,
        owner: "ana",
        individuals: 5210,
    },
    Seed {
        title: "Fax cover sheet with diagnosis sent to pharmacy",
        site: "North Campus",
        dept: "Pharmacy",
        subtype: Subtype::MisdirectedFax,
        breach: BreachType::UnauthorizedAccess,
        location: Location::PaperFilms,
        days_ago: 45,
        status: Status::Closed,
        determination: Determination::NearMiss,
        owner: "lee",
        individuals: 1,
    },
    Seed {
        title: "Radiology CD mailed to wrong patient",
        site: "Imaging Center",
        dept: "Radiology",
        subtype: Subtype::MisdirectedMail,
        breach: BreachType::UnauthorizedAccess,
        location: Location::PaperFilms,
        days_ago: 70,
        status: Status::Closed,
        determination: Determination::Incident,
        owner: "raj",
        individuals: 1,
    },
    Seed {
        title: "Ransomware blocked on billing workstation",
        site: "Billing Office",
        dept: "Revenue Cycle",
        subtype: Subtype::Hacking,
        breach: BreachType::Hacking,
        location: Location::DesktopComputer,
        days_ago: 15,
        status: Status::Investigating,
        determination: Determination::Undetermined,
        owner: "ana",
        individuals: 0,
    },
];

const SITES_EXTRA: [&str; 4] = [
    "North Campus",
    "South Clinic",
    "Main Hospital",
    "Imaging Center",
];

fn classification(seed: &Seed) -> Classification {
    let phi = seed.individuals > 0;
    Classification {
        breach_type: vec![seed.breach],
        location: vec![seed.location],
        subtype: Some(seed.subtype),
        severity: Some(match seed.individuals {
            0 => Severity::Low,
            1..=9 => Severity::Medium,
            10..=499 => Severity::High,
            _ => Severity::Critical,
        }),
        phi_involved: Some(phi),
        individuals_affected: Some(seed.individuals),
        residents_by_state: if phi {
            [("MA".to_string(), seed.individuals)].into_iter().collect()
        } else {
            Default::default()
        },
        ..Default::default()
    }
}

fn assessment(seed: &Seed) -> Option<RiskAssessment> {
    let f = |risk: Risk, notes: &str| {
        Some(Factor {
            risk,
            notes: notes.to_string(),
        })
    };
    match seed.determination {
        Determination::Breach => Some(RiskAssessment {
            nature_extent: f(Risk::High, "names, dates of birth, diagnoses"),
            unauthorized_person: f(Risk::High, "unknown third party"),
            acquired_viewed: f(Risk::Medium, "cannot rule out viewing"),
            mitigation: f(Risk::Medium, "remote wipe not possible"),
            conclusion: "Presumed breach: no low probability of compromise shown.".into(),
            ..Default::default()
        }),
        Determination::Incident => Some(RiskAssessment {
            safe_harbor: Some(SafeHarbor::Encrypted),
            conclusion: "Device encrypted to NIST guidance; key not compromised.".into(),
            ..Default::default()
        }),
        Determination::NearMiss => Some(RiskAssessment {
            contained_before_disclosure: true,
            conclusion: "Caught before PHI left our control.".into(),
            ..Default::default()
        }),
        Determination::Undetermined => None,
    }
}

fn path_to(status: Status) -> &'static [Status] {
    match status {
        Status::New => &[],
        Status::Triaged => &[Status::Triaged],
        Status::Investigating => &[Status::Triaged, Status::Investigating],
        Status::Actions => &[Status::Triaged, Status::Investigating, Status::Actions],
        Status::Closed => &[Status::Triaged, Status::Investigating, Status::Closed],
    }
}

/// Seeds the living queue; returns how many incidents were created.
pub async fn seed_live(client: &ApiClient, today: NaiveDate) -> Result<usize, ClientError> {
    let mut count = 0;
    let seeds = SEEDS.iter().chain(SEEDS.iter().take(12));
    for (n, seed) in seeds.enumerate() {
        let repeat = n >= SEEDS.len();
        let site = if repeat {
            SITES_EXTRA[n % SITES_EXTRA.len()]
        } else {
            seed.site
        };
        let days_ago = if repeat {
            seed.days_ago + 40 + (n as u64 * 17) % 200
        } else {
            seed.days_ago
        };
        let report = NewReport {
            title: seed.title.to_string(),
            description: format!(
                "{} Reported by {} staff. Details recorded by the reporter at intake.",
                seed.title, seed.dept
            ),
            site: site.to_string(),
            discovered_at: today.checked_sub_days(Days::new(days_ago)),
            occurred_at: None,
            department: Some(seed.dept.to_string()),
            source: Some(if n % 3 == 0 { Source::Web } else { Source::Cli }),
        };
        let mut inc = client.report(&report).await?;
        count += 1;
        let status = if repeat { Status::Closed } else { seed.status };
        let determination = if repeat && seed.determination == Determination::Undetermined {
            Determination::NearMiss
        } else {
            seed.determination
        };
        if status == Status::New {
            continue;
        }
        let mut patch = IncidentPatch {
            classification: Some(classification(seed)),
            risk_assessment: assessment(seed),
            ..Default::default()
        };
        if !seed.owner.is_empty() {
            patch.owner = Some(seed.owner.to_string());
        }
        if determination != Determination::Undetermined {
            patch.determination = Some(determination);
        }
        inc = client.patch_incident(&inc.id, inc.version, &patch).await?;
        if matches!(status, Status::Actions | Status::Closed) || n % 4 == 0 {
            let owners = ["kim", "lee", "ana", "raj"];
            for (k, (title, offset)) in [
                ("Retrain staff on verification before sending", -3i64),
                ("Update fax/email address book and add a second check", 5),
            ]
            .iter()
            .enumerate()
            {
                let due = if *offset < 0 {
                    today.checked_sub_days(Days::new(offset.unsigned_abs()))
                } else {
                    today.checked_add_days(Days::new(*offset as u64 + n as u64 % 9))
                };
                let Some(due) = due.filter(|d| *d >= inc.discovered_at) else {
                    continue;
                };
                let action = client
                    .add_action(
                        &inc.id,
                        &NewAction {
                            title: title.to_string(),
                            owner: owners[(n + k) % 4].to_string(),
                            due,
                        },
                    )
                    .await?;
                if status == Status::Closed {
                    let done = client
                        .patch_action(
                            &action.id,
                            action.version,
                            &ActionPatch {
                                status: Some(ActionStatus::Done),
                                ..Default::default()
                            },
                        )
                        .await?;
                    client
                        .patch_action(
                            &done.id,
                            done.version,
                            &ActionPatch {
                                status: Some(ActionStatus::Verified),
                                ..Default::default()
                            },
                        )
                        .await?;
                }
            }
            client
                .add_note(&inc.id, "Root cause: the sender relied on auto-complete and no second person checked the recipient.")
                .await?;
            inc = client.incident(&inc.id).await?;
            let rc = RootCause {
                summary: "No second check before sending; auto-complete picked a similar name."
                    .into(),
                factors: vec!["auto-complete".into(), "time pressure".into()],
                category: Some(RootCauseCategory::Process),
            };
            inc = client
                .patch_incident(
                    &inc.id,
                    inc.version,
                    &IncidentPatch {
                        root_cause: Some(rc),
                        ..Default::default()
                    },
                )
                .await?;
        }
        for step in path_to(status) {
            let mut p = IncidentPatch {
                status: Some(*step),
                ..Default::default()
            };
            if *step == Status::Closed {
                p.close_reason = Some("Demo: closed after review".into());
            }
            inc = client.patch_incident(&inc.id, inc.version, &p).await?;
        }
    }
    Ok(count)
}
