//! The waiting line for concurrency slots: a client refused slots waits in the server, in the order it
//! asked, and gets them the moment they are free (instead of polling after Prefect's `Retry-After`). A
//! ticket blocks every later ticket that wants a slot of one of its limits, so an early waiter is never
//! starved by later ones, large requests included.
//!
//! A client waits at most [`HOLD`] per request; then it is answered 423 with a short `Retry-After` and
//! its ticket stays parked for [`GRACE`]: the same request coming back (same limits, slots, mode and
//! holder) takes its place in the line again. A ticket whose client went away is dropped.

use crate::domain::lease::{Holder, SlotMode};
use crate::domain::Ts;
use std::sync::Mutex;
use tokio::sync::oneshot;
use uuid::Uuid;

/// The longest one request waits in the server before it is told to come back.
pub const HOLD: std::time::Duration = std::time::Duration::from_secs(15);
/// How long a ticket keeps its place after its request was answered 423.
pub const GRACE: chrono::Duration = chrono::Duration::seconds(5);

/// What identifies a request coming back for its place: the same limits, slots, mode and holder.
#[derive(Clone, Debug, PartialEq)]
pub struct Fingerprint {
    pub names: Vec<String>,
    pub slots: i64,
    pub mode: SlotMode,
    pub holder: Option<Holder>,
}

impl Fingerprint {
    pub fn new(names: &[String], slots: i64, mode: SlotMode, holder: Option<Holder>) -> Self {
        let mut names = names.to_vec();
        names.sort();
        names.dedup();
        Fingerprint {
            names,
            slots,
            mode,
            holder,
        }
    }
}

/// What a granted waiter gets: the slots were taken (under a lease when one was asked for).
pub type Grant<T> = oneshot::Sender<T>;

/// One waiter.
#[derive(Debug)]
pub struct Ticket<T> {
    pub id: u64,
    pub fingerprint: Fingerprint,
    /// The limits (by id) the request wants slots of.
    pub limits: Vec<Uuid>,
    pub since: Ts,
    /// The lease to take the slots under (its length), when one was asked for.
    pub lease: Option<chrono::Duration>,
    /// Where to send the grant; `None` while parked.
    pub grant: Option<Grant<T>>,
    /// Parked until then (its client was told to come back).
    pub parked_until: Option<Ts>,
}

impl<T> Ticket<T> {
    /// Whether nobody will take this ticket's grant any more: its client went away, or its parking ran out.
    fn abandoned(&self, now: Ts) -> bool {
        match (&self.grant, self.parked_until) {
            (Some(g), _) => g.is_closed(),
            (None, Some(until)) => until <= now,
            (None, None) => true,
        }
    }
}

/// What one pass over the line gave: the grants to send, and the limits still waited for.
pub type Served<T> = (Vec<(Grant<T>, T)>, Vec<Uuid>);

/// The line, in arrival order.
#[derive(Debug)]
pub struct Line<T> {
    next: u64,
    tickets: Vec<Ticket<T>>,
}

impl<T> Default for Line<T> {
    fn default() -> Self {
        Line {
            next: 1,
            tickets: Vec::new(),
        }
    }
}

impl<T> Line<T> {
    /// Whether a ticket ahead of a new request with `fingerprint` wants a slot of one of `limits` (a
    /// parked ticket with the same fingerprint is the request's own place, not ahead of it).
    pub fn blocks(&self, limits: &[Uuid], fingerprint: &Fingerprint, now: Ts) -> bool {
        let own = self.parked_for(fingerprint, now);
        self.tickets
            .iter()
            .take_while(|t| Some(t.id) != own)
            .any(|t| !t.abandoned(now) && t.limits.iter().any(|l| limits.contains(l)))
    }

    /// Gives up the parked place of a request that got its slots without waiting.
    pub fn leave(&mut self, fingerprint: &Fingerprint, now: Ts) {
        if let Some(id) = self.parked_for(fingerprint, now) {
            self.tickets.retain(|t| t.id != id);
        }
    }

    fn parked_for(&self, fingerprint: &Fingerprint, now: Ts) -> Option<u64> {
        self.tickets
            .iter()
            .find(|t| t.grant.is_none() && !t.abandoned(now) && &t.fingerprint == fingerprint)
            .map(|t| t.id)
    }

    /// Queues a request (or gives it back its parked place); the ticket's id.
    pub fn join(
        &mut self,
        fingerprint: Fingerprint,
        limits: Vec<Uuid>,
        lease: Option<chrono::Duration>,
        grant: Grant<T>,
        now: Ts,
    ) -> u64 {
        if let Some(id) = self.parked_for(&fingerprint, now) {
            if let Some(t) = self.tickets.iter_mut().find(|t| t.id == id) {
                t.grant = Some(grant);
                t.parked_until = None;
                t.limits = limits;
                t.lease = lease;
                return id;
            }
        }
        let id = self.next;
        self.next += 1;
        self.tickets.push(Ticket {
            id,
            fingerprint,
            limits,
            since: now,
            lease,
            grant: Some(grant),
            parked_until: None,
        });
        id
    }

    /// Parks a ticket whose request stops waiting; `false` when it is no longer waiting (granted).
    pub fn park(&mut self, id: u64, now: Ts) -> bool {
        match self
            .tickets
            .iter_mut()
            .find(|t| t.id == id && t.grant.is_some())
        {
            Some(t) => {
                t.grant = None;
                t.parked_until = Some(now + GRACE);
                true
            }
            None => false,
        }
    }

    /// Serves the line in order at `now`: `try_grant` is asked for each ticket that no earlier ticket
    /// blocks and answers the grant when its slots could be taken. Abandoned tickets are dropped. Returns
    /// the grants to send, and the limits still waited for.
    pub fn serve<E>(
        &mut self,
        now: Ts,
        mut try_grant: impl FnMut(&Ticket<T>) -> Result<Option<T>, E>,
    ) -> Result<Served<T>, E> {
        self.tickets.retain(|t| !t.abandoned(now));
        let mut blocked: Vec<Uuid> = Vec::new();
        let mut grants = Vec::new();
        let mut i = 0;
        while i < self.tickets.len() {
            let t = &self.tickets[i];
            let free = t.grant.is_some() && !t.limits.iter().any(|l| blocked.contains(l));
            if free {
                if let Some(granted) = try_grant(t)? {
                    let t = self.tickets.remove(i);
                    if let Some(g) = t.grant {
                        grants.push((g, granted));
                    }
                    continue;
                }
            }
            blocked.extend(self.tickets[i].limits.iter().copied());
            i += 1;
        }
        Ok((grants, blocked))
    }

    /// The tickets waiting for a slot of `limit`, in order: (slots, since, holder).
    pub fn waiting_for(&self, limit: Uuid, now: Ts) -> Vec<(i64, Ts, Option<Holder>)> {
        self.tickets
            .iter()
            .filter(|t| !t.abandoned(now) && t.limits.contains(&limit))
            .map(|t| (t.fingerprint.slots, t.since, t.fingerprint.holder))
            .collect()
    }

    /// When the first parked ticket's place runs out.
    pub fn next_parking_end(&self) -> Option<Ts> {
        self.tickets.iter().filter_map(|t| t.parked_until).min()
    }

    /// How many tickets are in line.
    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    /// Whether nobody waits.
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }
}

/// The line shared by the API handlers (which join it) and the slot loop (which serves it).
#[derive(Debug)]
pub struct Waiters<T> {
    pub line: Mutex<Line<T>>,
    /// Wakes the slot loop: slots may have been freed.
    pub freed: tokio::sync::Notify,
}

impl<T> Default for Waiters<T> {
    fn default() -> Self {
        Waiters {
            line: Mutex::new(Line::default()),
            freed: tokio::sync::Notify::new(),
        }
    }
}

impl<T> Waiters<T> {
    /// The line, locked.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Line<T>> {
        self.line.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Ts {
        chrono::DateTime::from_timestamp(s, 0).unwrap()
    }

    fn fp(n: &str) -> Fingerprint {
        Fingerprint::new(&[n.to_string()], 1, SlotMode::Concurrency, None)
    }

    #[test]
    fn the_line_serves_in_order_and_blocks_later_tickets_on_the_same_limit() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut line: Line<u64> = Line::default();
        let mut rx = Vec::new();
        for (name, limit) in [("a", a), ("a", a), ("b", b)] {
            let (tx, r) = oneshot::channel();
            rx.push(r);
            line.join(fp(name), vec![limit], None, tx, at(0));
        }
        assert!(line.blocks(&[a], &fp("x"), at(0)));
        // Only one slot of `a` is free: the first ticket gets it, the second is blocked, `b` goes ahead.
        let mut free_a = 1;
        let (grants, blocked) = line
            .serve::<()>(at(1), |t| {
                if t.limits == vec![a] {
                    if free_a == 0 {
                        return Ok(None);
                    }
                    free_a -= 1;
                }
                Ok(Some(t.id))
            })
            .unwrap();
        let ids: Vec<u64> = grants.iter().map(|(_, id)| *id).collect();
        assert_eq!(ids, vec![1, 3]);
        assert_eq!(blocked, vec![a]);
        assert_eq!(line.len(), 1);
    }

    #[test]
    fn a_parked_ticket_keeps_its_place_for_the_same_request() {
        let a = Uuid::from_u128(1);
        let mut line: Line<u64> = Line::default();
        let (tx1, _r1) = oneshot::channel();
        let first = line.join(fp("a"), vec![a], None, tx1, at(0));
        let (tx2, _r2) = oneshot::channel();
        line.join(fp("other"), vec![a], None, tx2, at(1));
        assert!(line.park(first, at(2)));
        assert!(
            !line.blocks(&[a], &fp("a"), at(3)),
            "nothing is ahead of its place"
        );
        assert!(
            line.blocks(&[a], &fp("new"), at(3)),
            "a newcomer queues behind both"
        );
        let (tx3, _r3) = oneshot::channel();
        assert_eq!(
            line.join(fp("a"), vec![a], None, tx3, at(3)),
            first,
            "back in its place"
        );
        assert!(line.park(first, at(4)));
        let (_, blocked) = line.serve::<()>(at(4) + GRACE, |_| Ok(None)).unwrap();
        assert_eq!(line.len(), 1, "the parked ticket ran out");
        assert_eq!(blocked, vec![a]);
    }

    #[test]
    fn tickets_of_clients_that_went_away_are_dropped() {
        let a = Uuid::from_u128(1);
        let mut line: Line<u64> = Line::default();
        let (tx, rx) = oneshot::channel();
        line.join(fp("a"), vec![a], None, tx, at(0));
        drop(rx);
        assert!(!line.blocks(&[a], &fp("b"), at(0)));
        let (grants, _) = line.serve::<()>(at(0), |t| Ok(Some(t.id))).unwrap();
        assert!(grants.is_empty());
        assert!(line.is_empty());
    }
}
