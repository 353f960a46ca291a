//! Unit tests of the concurrency limit rules.
use super::*;
use chrono::Duration;

fn t0() -> Ts {
    time::parse("2026-01-01T00:00:00Z").unwrap()
}

fn limit(name: &str, limit: i64, decay: f64) -> Limit {
    Limit {
        id: Uuid::now_v7(),
        created: t0(),
        updated: t0(),
        name: name.into(),
        limit,
        active: true,
        active_slots: 0,
        leased: 0,
        denied_slots: 0,
        slot_decay_per_second: decay,
        avg_slot_occupancy_seconds: INITIAL_OCCUPANCY_SECONDS,
    }
}

#[test]
fn slots_are_taken_from_every_limit_or_none() {
    let mut ls = vec![limit("warehouse", 3, 0.0), limit("tag:db", 1, 0.0)];
    take(&mut ls, 1, false, false, t0()).unwrap();
    assert_eq!((ls[0].active_slots, ls[1].active_slots), (1, 1));
    let refused = take(&mut ls, 1, false, false, t0()).unwrap_err();
    assert!(matches!(refused, Refusal::Full { .. }), "{refused:?}");
    assert_eq!(
        ls[0].active_slots, 1,
        "nothing taken from the limit with room"
    );
    assert_eq!(
        take(&mut ls, 4, false, false, t0()),
        Err(Refusal::OverLimit)
    );
    ls[1].active = false;
    take(&mut ls, 2, false, false, t0()).unwrap();
    assert_eq!(
        (ls[0].active_slots, ls[1].active_slots),
        (3, 1),
        "inactive: not counted"
    );
    give_back(&mut ls, 5, Some(4.0), t0());
    assert_eq!((ls[0].active_slots, ls[1].active_slots), (0, 1));
    assert!(ls[0].avg_slot_occupancy_seconds < INITIAL_OCCUPANCY_SECONDS);
}

#[test]
fn rate_limits_drain_and_need_decay() {
    let mut ls = vec![limit("api", 5, 1.0)];
    take(&mut ls, 5, true, false, t0()).unwrap();
    let later = t0() + Duration::milliseconds(2200);
    assert_eq!(ls[0].slots_at(later), 3);
    let full = take(&mut ls, 4, true, false, later).unwrap_err();
    assert_eq!(full, Refusal::Full { wait_seconds: 4.0 });
    take(&mut ls, 2, true, false, later).unwrap();
    assert_eq!(ls[0].active_slots, 5);
    let mut plain = vec![limit("warehouse", 5, 0.0)];
    assert_eq!(
        take(&mut plain, 1, true, false, t0()),
        Err(Refusal::NoDecay(vec!["warehouse".into()]))
    );
}

#[test]
fn leased_slots_count_and_do_not_drain() {
    let mut ls = vec![limit("api", 3, 1.0)];
    take(&mut ls, 2, false, true, t0()).unwrap();
    assert_eq!((ls[0].active_slots, ls[0].leased), (0, 2));
    take(&mut ls, 1, true, false, t0()).unwrap();
    let later = t0() + Duration::seconds(30);
    assert_eq!(
        ls[0].in_use(later),
        2,
        "the counted slot drained, the leased did not"
    );
    assert_eq!(ls[0].drained_for(1, later), Some(later));
    assert!(take(&mut ls, 2, false, true, later).is_err());
    assert_eq!(ls[0].drained_for(2, later), None, "leases hold the rest");
}

#[test]
fn drain_time_of_a_rate_limit() {
    let mut ls = vec![limit("api", 2, 5.0)];
    take(&mut ls, 2, true, false, t0()).unwrap();
    let at = ls[0].drained_for(1, t0()).unwrap();
    assert_eq!(at, t0() + Duration::milliseconds(200));
    assert_eq!(
        ls[0].drained_for(2, t0()).unwrap(),
        t0() + Duration::milliseconds(400)
    );
    assert_eq!(ls[0].slots_at(at), 1);
}

#[test]
fn waits_are_capped_and_jittered() {
    let mut tag = limit("tag:db", 1, 0.0);
    tag.avg_slot_occupancy_seconds = 60.0;
    assert_eq!(wait_seconds(&[&tag], 1), TAG_WAIT_SECONDS);
    let other = limit("warehouse", 3, 0.0);
    assert!((wait_seconds(&[&other], 2) - 2.0 * 2.0 / 3.0).abs() < 1e-9);
    for u in [0.0, 0.3, 0.6, 0.999] {
        let w = jittered(2.0, u);
        assert!((1.5036..=2.6).contains(&w), "{u} → {w}");
    }
    assert_eq!(jittered(0.0, 0.5), 0.0);
}

#[test]
fn tasks_meet_their_tags_limits() {
    let db = limit("tag:db", 1, 0.0);
    let zero = limit("tag:zero", 0, 0.0);
    assert_eq!(tag_gate(&[], true, 0.5), TagGate::Go);
    assert_eq!(tag_gate(&[&db], false, 0.5), TagGate::Go);
    match tag_gate(&[&db, &zero], false, 0.5) {
        TagGate::Abort(why) => assert!(why.contains("\"zero\" is 0"), "{why}"),
        other => panic!("{other:?}"),
    }
    match tag_gate(&[&db], true, 0.5) {
        TagGate::Wait { seconds, reason } => {
            assert!((1..=3).contains(&seconds), "{seconds}");
            assert_eq!(reason, "Concurrency limit reached for tags: db");
        }
        other => panic!("{other:?}"),
    }
}
