//! Scripting commands that go through the API: report, list, show, mine, export.

use super::{api_client, print_json};
use crate::cli::{ExportArgs, ExportFormat, ListArgs, ReportArgs, ShowArgs};
use crate::client::ListParams;
use crate::config::Settings;
use crate::domain::text::safe_line;
use crate::domain::{Incident, NewReport, Source};
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

fn date_arg(flag: &str, value: Option<&str>) -> Result<Option<NaiveDate>> {
    value
        .map(|v| {
            v.parse::<NaiveDate>()
                .with_context(|| format!("{flag} {v} is not a date YYYY-MM-DD"))
        })
        .transpose()
}

/// Files a report.
pub async fn report(settings: &Settings, args: &ReportArgs) -> Result<()> {
    let client = api_client(settings)?;
    let report = NewReport {
        title: args.title.clone(),
        description: args.description.clone().unwrap_or_default(),
        site: args.site.clone(),
        discovered_at: date_arg("--discovered", args.discovered.as_deref())?,
        occurred_at: None,
        department: args.department.clone(),
        source: Some(Source::Cli),
    };
    let incident = client.report(&report).await?;
    if args.json {
        print_json(&incident)
    } else {
        println!("{} reported: {}", incident.id, safe_line(&incident.title));
        Ok(())
    }
}

/// Lists incidents (all pages unless `--limit`).
pub async fn list(settings: &Settings, args: &ListArgs) -> Result<()> {
    let client = api_client(settings)?;
    let params = ListParams {
        status: args.status.clone(),
        determination: args.determination.clone(),
        site: args.site.clone(),
        owner: args.owner.clone(),
        q: args.q.clone(),
        ..Default::default()
    };
    let items = client.list_all(&params, args.limit).await?;
    if args.json {
        return print_json(&items);
    }
    for i in &items {
        println!(
            "{:<16} {:<13} {:<12} {:<10} {:<12} {}",
            i.id,
            i.status,
            i.determination,
            i.discovered_at,
            truncate(&safe_line(&i.site), 12),
            truncate(&safe_line(&i.title), 70)
        );
    }
    eprintln!("{} incident(s)", items.len());
    Ok(())
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(width.saturating_sub(1)).collect::<String>()
        )
    }
}

/// Shows one incident.
pub async fn show(settings: &Settings, args: &ShowArgs) -> Result<()> {
    let client = api_client(settings)?;
    let i = client.incident(&args.id).await?;
    if args.json {
        return print_json(&i);
    }
    print!("{}", describe(&i));
    Ok(())
}

/// A plain-text rendering of an incident, safe for any terminal.
pub fn describe(i: &Incident) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("{}  {}", i.id, safe_line(&i.title)));
    line(format!(
        "status {}  determination {}  version {}",
        i.status, i.determination, i.version
    ));
    line(format!(
        "site {}  reported by {} at {}  discovered (D0) {}",
        safe_line(&i.site),
        safe_line(&i.reported_by),
        i.reported_at.format("%Y-%m-%d %H:%M"),
        i.discovered_at
    ));
    if let Some(owner) = &i.owner {
        line(format!(
            "owner {}  escalation level {}",
            safe_line(owner),
            i.escalation_level
        ));
    }
    let c = &i.classification;
    line(format!(
        "classification: {}  severity {}  PHI {}  individuals {}",
        if c.category_words().is_empty() {
            "—".to_string()
        } else {
            c.category_words()
        },
        c.severity.map(|s| s.as_str()).unwrap_or("—"),
        c.phi_involved
            .map(|p| if p { "yes" } else { "no" })
            .unwrap_or("?"),
        c.individuals_affected
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".into())
    ));
    if !i.description.is_empty() {
        line(String::new());
        line(crate::domain::text::sanitize(&i.description, true));
    }
    if let Some(s) = &i.suggestion {
        line(String::new());
        line(format!("suggested determination: {}", s.determination));
        for r in &s.reasons {
            line(format!("  - {r}"));
        }
    }
    if !i.deadlines.is_empty() {
        line(String::new());
        line("deadlines:".into());
        for d in &i.deadlines {
            line(format!(
                "  {:<18} {}  {:>5} days  {:<10} {}",
                d.kind.as_str(),
                d.due,
                d.days_left.unwrap_or(0),
                d.status.map(|s| s.as_str()).unwrap_or(""),
                d.citation
            ));
        }
    }
    if !i.actions.is_empty() {
        line(String::new());
        line("actions:".into());
        for a in &i.actions {
            line(format!(
                "  {} [{}] {} — {} due {}",
                a.id,
                a.status,
                safe_line(&a.title),
                safe_line(&a.owner),
                a.due
            ));
        }
    }
    if !i.notes.is_empty() {
        line(String::new());
        line("notes:".into());
        for n in &i.notes {
            line(format!(
                "  {} {}: {}",
                n.at.format("%Y-%m-%d %H:%M"),
                safe_line(&n.author),
                safe_line(&n.text)
            ));
        }
    }
    out
}

/// My open corrective actions.
pub async fn mine(settings: &Settings, json: bool) -> Result<()> {
    let client = api_client(settings)?;
    let list = client.actions(Some("me")).await?;
    if json {
        return print_json(&list.items);
    }
    let today = chrono::Local::now().date_naive();
    for a in &list.items {
        let days = (a.due - today).num_days();
        let when = if days < 0 {
            format!("{} days overdue", -days)
        } else {
            format!("in {days} days")
        };
        println!(
            "{:<11} {}  {:<18} {:<16} {}",
            a.id,
            a.due,
            when,
            a.incident_id,
            safe_line(&a.title)
        );
    }
    if list.items.is_empty() {
        eprintln!("nothing open assigned to you");
    }
    Ok(())
}

/// Exports incidents discovered in a window, or the evidence pack.
pub async fn export(settings: &Settings, args: &ExportArgs) -> Result<()> {
    let client = api_client(settings)?;
    let from = date_arg("--from", args.from.as_deref())?;
    let to = date_arg("--to", args.to.as_deref())?;
    if args.what.is_some() {
        let Some(dir) = &args.out else {
            bail!("the evidence pack needs --out DIR")
        };
        let today = chrono::Local::now().date_naive();
        let from = from.unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today)
        });
        let to = to.unwrap_or(today);
        if from > to {
            bail!("--from {from} is after --to {to}");
        }
        let summary = crate::evidence::write_pack(&client, from, to, dir).await?;
        eprintln!(
            "evidence pack for {from} to {to} written to {}: {}",
            dir.display(),
            summary.files.join(", ")
        );
        return print_json(&summary);
    }
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        bail!("--from {f} is after --to {t}");
    }
    let mut items = client.list_all(&ListParams::default(), None).await?;
    items.retain(|i| {
        from.is_none_or(|f| i.discovered_at >= f) && to.is_none_or(|t| i.discovered_at <= t)
    });
    let mut out: Box<dyn std::io::Write> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    match args.format {
        ExportFormat::Csv => crate::export::incidents_to_csv(&items, &mut out)?,
        ExportFormat::Json => crate::export::incidents_to_json(&items, &mut out)?,
    }
    out.flush()?;
    eprintln!("exported {} incident(s)", items.len());
    Ok(())
}
