//! `triage deadlines`: the notification clocks of a what-if case, computed locally.

use crate::cli::DeadlinesArgs;
use crate::domain::classification::valid_state_code;
use crate::domain::deadlines::{BreachFacts, Deadline, notification_deadlines};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Parses the arguments into breach facts.
pub fn facts(args: &DeadlinesArgs) -> Result<BreachFacts> {
    let Ok(discovered) = args.discovered.parse::<NaiveDate>() else {
        bail!("--discovered {} is not a date YYYY-MM-DD", args.discovered);
    };
    let mut residents = BTreeMap::new();
    for s in &args.states {
        let Some((code, n)) = s.split_once('=') else {
            bail!("--state {s}: expected XX=N, e.g. NY=600")
        };
        let code = code.trim().to_ascii_uppercase();
        if !valid_state_code(&code) {
            bail!("--state {s}: '{code}' is not a two-letter state code");
        }
        let Ok(n) = n.trim().parse::<u64>() else {
            bail!("--state {s}: '{n}' is not a count")
        };
        *residents.entry(code).or_insert(0) += n;
    }
    let by_state: u64 = residents.values().sum();
    if by_state > args.individuals {
        bail!(
            "residents by state add up to {by_state}, more than --individuals {}",
            args.individuals
        );
    }
    Ok(BreachFacts {
        discovered,
        individuals: args.individuals,
        residents_by_state: residents,
        business_associate: args.business_associate,
        missing_contacts: args.missing_contacts,
        hold: None,
    })
}

/// Computes and prints the clocks.
pub fn run(args: &DeadlinesArgs, rules: &crate::domain::clocks::ClockRules) -> Result<()> {
    let deadlines: Vec<Deadline> = notification_deadlines(&facts(args)?, &rules.extra);
    if args.json {
        return super::print_json(&serde_json::json!({ "deadlines": deadlines }));
    }
    let today = chrono::Local::now().date_naive();
    for d in &deadlines {
        let who = match (&d.state, &d.name) {
            (_, Some(n)) => format!("{} ({n})", d.kind),
            (Some(s), None) => format!("{} ({s})", d.kind),
            _ => d.kind.to_string(),
        };
        let left = (d.due - today).num_days();
        println!("{who:<24} due {}  ({left:+} days)  {}", d.due, d.citation);
        println!("{:<24} {}", "", d.basis);
    }
    Ok(())
}
