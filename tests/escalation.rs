//! Escalation with an injected clock: an overdue corrective action climbs owner → lead →
//! privacy officer exactly once per level, each step audited by `system:escalation` and sent as
//! an event; an incident whose internal clock runs out escalates too.

mod common;

use common::{ANALYST, LEAD, TestServer, at};
use triage::domain::NewReport;
use triage::domain::action::NewAction;
use triage::server::escalation::{ACTOR, Pass, run_once};

#[tokio::test]
async fn overdue_action_escalates_once_per_level() {
    let server = TestServer::start().await;
    let lead = server.client(LEAD);
    let incident = lead
        .report(&NewReport {
            title: "Fax to wrong clinic".into(),
            site: "North".into(),
            ..Default::default()
        })
        .await
        .expect("report");
    let due = server.now().date_naive() + chrono::Days::new(2);
    let action = lead
        .add_action(
            &incident.id,
            &NewAction {
                title: "Retrain staff".into(),
                owner: ANALYST.into(),
                due,
            },
        )
        .await
        .expect("action");
    let state = &server.running.state;

    // Not yet due, then due today: nothing moves.
    assert_eq!(run_once(state).await.expect("pass").actions, 0);
    server.set_clock(at("2026-03-07T10:00:00Z"));
    assert_eq!(run_once(state).await.expect("pass").actions, 0);

    // One day overdue: lead. Running again changes nothing.
    server.set_clock(at("2026-03-08T10:00:00Z"));
    assert_eq!(run_once(state).await.expect("pass").actions, 1);
    assert_eq!(run_once(state).await.expect("pass").actions, 0);
    let a = state.store.get_action(&action.id).await.expect("action");
    assert_eq!(a.escalation_level, 1);

    // Three days overdue: privacy officer, once; and no further level exists.
    server.set_clock(at("2026-03-10T10:00:00Z"));
    assert_eq!(run_once(state).await.expect("pass").actions, 1);
    server.set_clock(at("2026-04-30T10:00:00Z"));
    assert_eq!(run_once(state).await.expect("pass").actions, 0);
    assert_eq!(
        state
            .store
            .get_action(&action.id)
            .await
            .expect("action")
            .escalation_level,
        2
    );

    let trail = state
        .store
        .audit(Some(&incident.id), 0, 1000)
        .await
        .expect("audit");
    let steps: Vec<_> = trail
        .iter()
        .filter(|e| e.action == "action.escalate")
        .collect();
    assert_eq!(steps.len(), 2, "exactly one audit entry per level");
    assert!(steps.iter().all(|e| e.actor == ACTOR));
    assert_eq!(steps[0].after["to"], "lead");
    assert_eq!(steps[1].after["to"], "privacy officer");
    let events = state.store.events_since(0, 1000).await.expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "action.updated" && e.id == action.id)
            .count(),
        3,
        "created and two escalations"
    );

    // The board shows the level.
    let board = lead.board().await.expect("board");
    let row = board
        .items
        .iter()
        .find(|i| i.action_id.as_deref() == Some(action.id.as_str()))
        .expect("on the board");
    assert_eq!(row.escalation_level, 2);
}

#[tokio::test]
async fn an_untriaged_report_escalates_when_its_clock_runs_out() {
    let server = TestServer::start().await;
    let lead = server.client(LEAD);
    let incident = lead
        .report(&NewReport {
            title: "Wristband for wrong patient".into(),
            site: "South".into(),
            ..Default::default()
        })
        .await
        .expect("report");
    let state = &server.running.state;
    assert_eq!(run_once(state).await.expect("pass"), Pass::default());
    // Reported Thursday 2026-03-05: triage due Friday; Monday is 3 days over.
    server.set_clock(at("2026-03-09T10:00:00Z"));
    let pass = run_once(state).await.expect("pass");
    assert_eq!(pass.incidents, 1);
    let now = lead.incident(&incident.id).await.expect("incident");
    assert_eq!(now.escalation_level, 2);
    assert_eq!(
        run_once(state).await.expect("pass").incidents,
        0,
        "once per level"
    );
}
