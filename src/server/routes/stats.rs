//! Counts over time, recurring patterns and follow-up health, for the dashboard and reports.

use crate::domain::wire::{ErrorBody, PeriodCount, Stats};
use crate::domain::{ActionStatus, Determination, Incident, Permission, Status};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult};
use crate::store::ListFilter;
use axum::Json;
use axum::extract::{Query, State};
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::IntoParams;

/// The window and period of the statistics.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First day (default: a year before `to`).
    pub from: Option<String>,
    /// Last day (default: today).
    pub to: Option<String>,
    /// `week` (default) or `month`.
    pub by: Option<String>,
}

/// Days outside these years are refused: the window arithmetic (a year back, a week or a month
/// on) must never leave chrono's calendar, where it panics or saturates into an endless loop.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

fn parse_day(field: &str, value: Option<String>) -> ApiResult<Option<NaiveDate>> {
    value
        .map(|v| {
            v.parse::<NaiveDate>()
                .ok()
                .filter(|d| YEARS.contains(&d.year()))
                .ok_or_else(|| {
                    ApiError::invalid(
                        field,
                        format!("{field} must be a date YYYY-MM-DD between 1900 and 9999"),
                    )
                })
        })
        .transpose()
}

/// Loads every incident (paged through the store).
pub async fn all_incidents(state: &AppState) -> ApiResult<Vec<Incident>> {
    let mut out = Vec::new();
    let mut filter = ListFilter {
        limit: 1000,
        ..Default::default()
    };
    loop {
        let (page, next) = state.store.list_incidents(&filter).await?;
        out.extend(page);
        match next {
            Some(seq) => filter.after_seq = Some(seq),
            None => return Ok(out),
        }
    }
}

/// The start of the period that holds `day`.
pub fn period_start(day: NaiveDate, monthly: bool) -> NaiveDate {
    if monthly {
        day.with_day(1).unwrap_or(day)
    } else {
        day - Days::new(u64::from(day.weekday().num_days_from_monday()))
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// Counts by category, site, determination and period; follow-up health; recurring patterns.
#[utoipa::path(get, path = "/api/v1/stats", params(StatsQuery), tag = "stats",
    responses((status = 200, body = Stats), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Stats>> {
    caller.require(Permission::ReadAll)?;
    let Query(q) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    let today = state.clock.now().date_naive();
    let to = parse_day("to", q.to)?.unwrap_or(today);
    let from = parse_day("from", q.from)?.unwrap_or(to - Days::new(365));
    if from > to {
        return Err(ApiError::invalid("from", "from is after to"));
    }
    let by = q.by.unwrap_or_else(|| "week".into());
    let monthly = match by.as_str() {
        "week" => false,
        "month" => true,
        _ => return Err(ApiError::invalid("by", "by is week or month")),
    };
    let incidents = all_incidents(&state).await?;
    let in_window: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.discovered_at >= from && i.discovered_at <= to)
        .collect();
    Ok(Json(
        compute(&in_window, &state, from, to, by, monthly, today).await?,
    ))
}

async fn compute(
    incidents: &[&Incident],
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
    by: String,
    monthly: bool,
    today: NaiveDate,
) -> ApiResult<Stats> {
    let mut by_category: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_site: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_determination: BTreeMap<String, u64> = BTreeMap::new();
    let mut series: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut p = period_start(from, monthly);
    while p <= to {
        series.insert(p, 0);
        p = if monthly {
            p.checked_add_months(chrono::Months::new(1))
                .unwrap_or(NaiveDate::MAX)
        } else {
            p + Days::new(7)
        };
    }
    let mut triage_hours = Vec::new();
    let mut close_hours = Vec::new();
    for i in incidents {
        let c = &i.classification;
        let category = c
            .subtype
            .map(|s| s.label())
            .or_else(|| c.breach_type.first().map(|b| b.as_str().to_string()))
            .unwrap_or_else(|| "unclassified".into());
        *by_category.entry(category).or_default() += 1;
        *by_site.entry(i.site.clone()).or_default() += 1;
        *by_determination
            .entry(i.determination.as_str().into())
            .or_default() += 1;
        *series
            .entry(period_start(i.discovered_at, monthly))
            .or_default() += 1;
        if i.status != Status::New
            && i.status != Status::Closed
            && i.source != crate::domain::Source::Import
        {
            triage_hours.push((i.updated_at - i.reported_at).num_minutes() as f64 / 60.0);
        }
        if i.status == Status::Closed && i.source != crate::domain::Source::Import {
            close_hours.push((i.updated_at - i.reported_at).num_minutes() as f64 / 60.0);
        }
    }
    let near = by_determination
        .get(Determination::NearMiss.as_str())
        .copied()
        .unwrap_or(0);
    let breaches = by_determination
        .get(Determination::Breach.as_str())
        .copied()
        .unwrap_or(0);
    let open = state.store.open_actions().await?;
    let mut overdue_by_owner: BTreeMap<String, u64> = BTreeMap::new();
    for a in open
        .iter()
        .filter(|a| a.due < today && a.status != ActionStatus::Done)
    {
        *overdue_by_owner.entry(a.owner.clone()).or_default() += 1;
    }
    Ok(Stats {
        from,
        to,
        by,
        total: incidents.len() as u64,
        by_category,
        by_site,
        by_determination,
        series: series
            .into_iter()
            .map(|(period, count)| PeriodCount { period, count })
            .collect(),
        near_miss_to_breach: (breaches > 0).then(|| near as f64 / breaches as f64),
        open_actions: open.len() as u64,
        overdue_actions: overdue_by_owner.values().sum(),
        overdue_by_owner,
        median_hours_to_triage: median(triage_hours),
        median_hours_to_close: median(close_hours),
        patterns: crate::search::patterns::patterns(
            incidents,
            from,
            to,
            if monthly { 30 } else { 7 },
            today,
            10,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_on_monday_or_first() {
        let d: NaiveDate = "2026-12-04".parse().unwrap();
        assert_eq!(
            period_start(d, false),
            "2026-11-30".parse::<NaiveDate>().unwrap()
        );
        assert_eq!(
            period_start(d, true),
            "2026-12-01".parse::<NaiveDate>().unwrap()
        );
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![]), None);
    }
}
