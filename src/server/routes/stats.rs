//! Counts over time, recurring patterns and follow-up health, for the dashboard and reports.

use crate::domain::wire::{ErrorBody, PeriodCount, Stats};
use crate::domain::{ActionStatus, Determination, Incident, Permission};
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
#[into_params(parameter_in = Query)]
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

/// Most periods one answer may hold: every site and category gets a series this long, so an
/// unbounded window (1900 to 9999 by week is 420,000 periods) would turn one request into
/// hundreds of megabytes.
pub const MAX_PERIODS: i64 = 1000;

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
    Ok(crate::store::list_all(
        state.store.as_ref(),
        ListFilter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await?)
}

/// The start of the period that holds `day`.
pub fn period_start(day: NaiveDate, monthly: bool) -> NaiveDate {
    if monthly {
        day.with_day(1).unwrap_or(day)
    } else {
        day - Days::new(u64::from(day.weekday().num_days_from_monday()))
    }
}

/// When an incident was first triaged, first determined and last closed, from the audit trail.
#[derive(Debug, Default, Clone, Copy)]
struct Milestones {
    triaged: Option<chrono::DateTime<chrono::Utc>>,
    determined: Option<chrono::DateTime<chrono::Utc>>,
    closed: Option<chrono::DateTime<chrono::Utc>>,
}

async fn milestones(state: &AppState) -> ApiResult<std::collections::HashMap<String, Milestones>> {
    let mut out: std::collections::HashMap<String, Milestones> = std::collections::HashMap::new();
    let mut since = 0;
    loop {
        let page = state.store.audit(None, since, 10_000).await?;
        let Some(last) = page.last().map(|e| e.seq) else {
            return Ok(out);
        };
        for e in page.iter().filter(|e| e.action == "incident.update") {
            let Some(id) = &e.incident_id else { continue };
            let m = out.entry(id.clone()).or_default();
            let status = e.after.get("status").and_then(|s| s.as_str());
            if status.is_some_and(|s| s != "new") && m.triaged.is_none() {
                m.triaged = Some(e.at);
            }
            if e.after
                .get("determination")
                .and_then(|d| d.as_str())
                .is_some_and(|d| d != "undetermined")
                && m.determined.is_none()
            {
                m.determined = Some(e.at);
            }
            if status == Some("closed") {
                m.closed = Some(e.at);
            }
        }
        since = last;
    }
}

/// The `p`th percentile (nearest rank) of `values`.
fn percentile(values: &[f64], p: usize) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = (p * v.len()).div_ceil(100).clamp(1, v.len());
    Some(v[rank - 1])
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
    let periods = if monthly {
        (to.year() - from.year()) as i64 * 12 + to.month() as i64 - from.month() as i64 + 1
    } else {
        (to - from).num_days() / 7 + 1
    };
    if periods > MAX_PERIODS {
        return Err(ApiError::invalid(
            "from",
            format!(
                "the window has {periods} {by}s; at most {MAX_PERIODS} (a shorter window, or by=month)"
            ),
        ));
    }
    // Nothing written since the last answer for this window: it still holds.
    let key = (state.store.latest_seq().await?, from, to, monthly, today);
    if let Some(hit) = state.stats_cache.get(&key) {
        return Ok(Json(hit));
    }
    let incidents = all_incidents(&state).await?;
    let in_window: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.discovered_at >= from && i.discovered_at <= to)
        .collect();
    let stats = compute(&in_window, &state, from, to, by, monthly, today).await?;
    state.stats_cache.put(key, stats.clone());
    Ok(Json(stats))
}

/// What a statistics answer was computed from: the newest audit entry (every write adds one,
/// on every node), the window, weekly or monthly, and today.
type StatsKey = (i64, NaiveDate, NaiveDate, bool, NaiveDate);

/// The last statistics answer and its key. Reading every incident and the whole audit trail
/// and grouping descriptions takes seconds on a large database; a dashboard refreshed with
/// nothing written in between gets the same answer at once.
#[derive(Default)]
pub struct StatsCache(std::sync::Mutex<Option<(StatsKey, Stats)>>);

impl StatsCache {
    fn get(&self, key: &StatsKey) -> Option<Stats> {
        let cached = self.0.lock().ok()?;
        cached
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, s)| s.clone())
    }

    fn put(&self, key: StatsKey, stats: Stats) {
        if let Ok(mut cached) = self.0.lock() {
            *cached = Some((key, stats));
        }
    }
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
    let milestones = milestones(state).await?;
    let periods: Vec<NaiveDate> = series.keys().copied().collect();
    let slot = |d: NaiveDate| periods.partition_point(|p| *p <= d).saturating_sub(1);
    let mut category_series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut site_series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let (mut triage_hours, mut determination_hours, mut close_hours) =
        (Vec::new(), Vec::new(), Vec::new());
    let (mut clocks_met, mut clocks_missed) = (0u64, 0u64);
    for i in incidents {
        let c = &i.classification;
        let category = c
            .subtype
            .map(|s| s.label())
            .or_else(|| c.breach_type.first().map(|b| b.as_str().to_string()))
            .unwrap_or_else(|| "unclassified".into());
        category_series
            .entry(category.clone())
            .or_insert_with(|| vec![0; periods.len()])[slot(i.discovered_at)] += 1;
        site_series
            .entry(i.site.clone())
            .or_insert_with(|| vec![0; periods.len()])[slot(i.discovered_at)] += 1;
        *by_category.entry(category).or_default() += 1;
        *by_site.entry(i.site.clone()).or_default() += 1;
        *by_determination
            .entry(i.determination.as_str().into())
            .or_default() += 1;
        *series
            .entry(period_start(i.discovered_at, monthly))
            .or_default() += 1;
        let hours = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| (t - i.reported_at).num_minutes() as f64 / 60.0)
        };
        if let Some(m) = milestones.get(&i.id) {
            triage_hours.extend(hours(m.triaged));
            determination_hours.extend(hours(m.determined));
            close_hours.extend(hours(m.closed));
        }
        // Stored incidents carry no computed clocks: compute them as of today.
        for d in &crate::domain::clocks::incident_deadlines(i, &state.rules, today) {
            match d.status {
                Some(crate::domain::deadlines::DeadlineStatus::Met) => clocks_met += 1,
                Some(
                    crate::domain::deadlines::DeadlineStatus::MetLate
                    | crate::domain::deadlines::DeadlineStatus::Overdue,
                ) => clocks_missed += 1,
                _ => {}
            }
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
    let period_days = if monthly { 30 } else { 7 };
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
        category_series,
        site_series,
        near_miss_to_breach: (breaches > 0).then(|| near as f64 / breaches as f64),
        open_actions: open.len() as u64,
        overdue_actions: overdue_by_owner.values().sum(),
        overdue_by_owner,
        median_hours_to_triage: percentile(&triage_hours, 50),
        median_hours_to_close: percentile(&close_hours, 50),
        p90_hours_to_triage: percentile(&triage_hours, 90),
        median_hours_to_determination: percentile(&determination_hours, 50),
        p90_hours_to_determination: percentile(&determination_hours, 90),
        p90_hours_to_close: percentile(&close_hours, 90),
        clocks_met,
        clocks_missed,
        patterns: crate::search::patterns::patterns(incidents, from, to, period_days, today, 10),
        clusters: cpu_heavy(|| {
            crate::search::patterns::near_duplicates(
                incidents,
                &crate::search::patterns::Window {
                    from,
                    to,
                    period_days,
                    today,
                },
                10,
            )
        }),
    })
}

/// Runs CPU-heavy work (grouping a large window's descriptions takes about a second per
/// 100,000 incidents) without stalling other requests on a multi-threaded runtime.
fn cpu_heavy<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
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
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 50), Some(2.0));
        assert_eq!(
            percentile(&(1..=10).map(f64::from).collect::<Vec<_>>(), 90),
            Some(9.0)
        );
        assert_eq!(percentile(&[], 50), None);
    }
}
