//! Several servers on one PostgreSQL database (run by the test command's PostgreSQL pass; without
//! `BATON_TEST_DATABASE_URL` these tests have nothing to run on and return at once): a run is claimed once
//! whichever server the claims go to, an event stored through one server reaches another's subscribers, and
//! exactly one server leads, another taking over when it stops.

use crate::events_ws::{connect, next_json};
use crate::helpers::*;
use futures_util::SinkExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// `n` servers without in-process workers on one new database, or `None` on SQLite.
async fn servers(n: usize) -> Option<(TestDatabase, Vec<TestApp>)> {
    let db = TestDatabase::create()?;
    let mut apps = Vec::new();
    for _ in 0..n {
        let url = db.url.clone();
        apps.push(
            spawn_with(move |c| {
                c.worker_pools.clear();
                c.database = Some(url);
            })
            .await,
        );
    }
    Some((db, apps))
}

async fn leads(app: &TestApp) -> bool {
    let text = app
        .client
        .get(format!("http://{}/metrics", app.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines().any(|l| l.trim() == "baton_leader 1")
}

#[tokio::test]
async fn pg_only_a_run_is_claimed_once_across_servers() {
    let Some((_db, apps)) = servers(3).await else {
        return;
    };
    let flow = apps[0].flow("etl").await;
    for round in 0..5 {
        let run = apps[round % 3]
            .run(&flow, json!({"state": {"type": "SCHEDULED"}}))
            .await;
        let mut claims = Vec::new();
        for i in 0..12 {
            let (app, id) = (&apps[i % 3], run.id.clone());
            claims.push(async move {
                let (_, body) = app.set_state(&id, json!({"type": "PENDING"}), false).await;
                body["status"].as_str().unwrap_or_default().to_string()
            });
        }
        let results = futures_util::future::join_all(claims).await;
        let accepted = results.iter().filter(|s| *s == "ACCEPT").count();
        assert_eq!(accepted, 1, "round {round}: {results:?}");
    }
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_an_event_stored_through_one_server_reaches_another_servers_subscribers() {
    let Some((_db, apps)) = servers(2).await else {
        return;
    };
    let flow = apps[0].flow("etl").await;
    let run = apps[0]
        .run(&flow, json!({"state": {"type": "RUNNING"}}))
        .await;
    let mut ws = connect(&apps[0], "/events/out").await;
    ws.send(Message::Text(
        json!({"type": "auth", "token": null}).to_string().into(),
    ))
    .await
    .unwrap();
    let _ = next_json(&mut ws).await;
    let since = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let filter = json!({"type": "filter", "filter": {"occurred": {"since": since, "until": null},
        "event": {"name": ["prefect.flow-run.Cancelling"]}, "any_resource": null, "order": "DESC"}});
    ws.send(Message::Text(filter.to_string().into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    apps[1]
        .propose(
            &run.id,
            json!({"type": "CANCELLING", "name": "Cancelling"}),
            false,
        )
        .await;
    let msg = next_json(&mut ws).await;
    let took = started.elapsed();
    assert_eq!(
        msg["event"]["event"], "prefect.flow-run.Cancelling",
        "{msg}"
    );
    assert_eq!(
        msg["event"]["resource"]["prefect.resource.id"],
        format!("prefect.flow-run.{}", run.id)
    );
    assert!(took < Duration::from_secs(1), "seen after {took:?}");
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_one_server_leads_and_another_takes_over_when_it_stops() {
    let Some((_db, mut apps)) = servers(2).await else {
        return;
    };
    let (a, b) = poll_until(
        "exactly one leader",
        Duration::from_secs(10),
        || async { (leads(&apps[0]).await, leads(&apps[1]).await) },
        |(a, b)| a != b,
    )
    .await;
    let leader = apps.remove(if a && !b { 0 } else { 1 });
    leader.stop().await;
    let stopped = Instant::now();
    poll_until(
        "the other server leads",
        Duration::from_secs(10),
        || leads(&apps[0]),
        |l| *l,
    )
    .await;
    assert!(stopped.elapsed() < Duration::from_secs(10));
    for app in apps {
        app.stop().await;
    }
}
