//! Concurrency-slot leases: acquire slots of named limits under a lease, renew it, release it.
//!
//! Baton has no global concurrency limits yet (their API is a later step), so every name a client asks for
//! is limit-free: as Prefect's server does for such names, the request is granted at once with a lease that
//! holds no slots. The Prefect task engine asks this for every task that has a tag. Leases live in memory,
//! as in Prefect's default lease storage; an expired lease is gone (renewal answers 410).

use super::{Result, ServiceError, Services};
use crate::domain::lease::{self, Holder, Lease, SlotRequest};
use crate::domain::Ts;
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// Above this many leases, expired ones are swept out on the next insert.
const SWEEP_ABOVE: usize = 4096;

/// The live leases, by id.
#[derive(Debug, Default)]
pub struct Leases {
    map: Mutex<HashMap<Uuid, Lease>>,
}

impl Leases {
    fn insert(&self, lease: Lease, now: Ts) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SWEEP_ABOVE {
            map.retain(|_, l| l.is_alive(now));
        }
        map.insert(lease.id, lease);
    }

    fn renew(&self, id: Uuid, now: Ts, length: chrono::Duration) -> Option<Lease> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let renewed = map.get(&id).and_then(|l| l.renewed(now, length));
        match renewed {
            Some(l) => {
                map.insert(id, l.clone());
                Some(l)
            }
            None => {
                map.remove(&id);
                None
            }
        }
    }

    fn remove(&self, id: Uuid) -> Option<Lease> {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id)
    }

    /// How many leases are held (live or not yet swept).
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no lease is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A limit a request took slots of: id, name, size.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitRef {
    pub id: Uuid,
    pub name: String,
    pub limit: i64,
}

impl Services {
    /// Takes slots without a lease: the limits it took them of (none exist yet, so always empty).
    pub fn acquire_slots(&self, req: &SlotRequest) -> Result<Vec<LimitRef>> {
        req.check().map_err(ServiceError::Invalid)?;
        Ok(Vec::new())
    }

    /// Gives back slots taken without a lease: the limits they belonged to (none exist yet).
    pub fn release_slots(&self, req: &SlotRequest) -> Result<Vec<LimitRef>> {
        req.check().map_err(ServiceError::Invalid)?;
        Ok(Vec::new())
    }

    /// Takes slots under a new lease of `seconds` (Prefect's default when `None`).
    pub fn acquire_slots_with_lease(
        &self,
        req: &SlotRequest,
        seconds: Option<f64>,
        holder: Option<Holder>,
    ) -> Result<(Lease, Vec<LimitRef>)> {
        req.check().map_err(ServiceError::Invalid)?;
        let length = lease::lease_duration(seconds).map_err(ServiceError::Invalid)?;
        let limits = self.acquire_slots(req)?;
        let now = self.clock.now();
        let lease = Lease {
            id: Uuid::now_v7(),
            limits: limits.iter().map(|l| l.name.clone()).collect(),
            slots: req.slots,
            holder,
            created: now,
            expires: now + length,
        };
        self.leases.insert(lease.clone(), now);
        Ok((lease, limits))
    }

    /// Extends a live lease by `seconds` from now; `Gone` when it expired or was released.
    pub fn renew_lease(&self, id: Uuid, seconds: Option<f64>) -> Result<Lease> {
        let length = lease::lease_duration(seconds).map_err(ServiceError::Invalid)?;
        self.leases
            .renew(id, self.clock.now(), length)
            .ok_or_else(|| {
                ServiceError::Gone(format!("Lease {id} not found: it expired or was released"))
            })
    }

    /// Releases a lease and its slots; releasing an unknown or expired lease is not an error.
    pub fn release_lease(&self, id: Uuid) {
        self.leases.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease_at(id: u128, expires: i64) -> Lease {
        Lease {
            id: Uuid::from_u128(id),
            limits: vec![],
            slots: 1,
            holder: None,
            created: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            expires: chrono::DateTime::from_timestamp(expires, 0).unwrap(),
        }
    }

    #[test]
    fn expired_leases_are_swept_when_the_table_is_large() {
        let leases = Leases::default();
        let now = chrono::DateTime::from_timestamp(100, 0).unwrap();
        for i in 0..SWEEP_ABOVE as u128 {
            leases.insert(lease_at(i, 50), now);
        }
        assert_eq!(leases.len(), SWEEP_ABOVE);
        leases.insert(lease_at(u128::MAX, 500), now);
        assert_eq!(leases.len(), 1);
    }

    #[test]
    fn renewal_of_an_expired_lease_forgets_it() {
        let leases = Leases::default();
        let now = chrono::DateTime::from_timestamp(100, 0).unwrap();
        leases.insert(lease_at(1, 50), now);
        assert!(leases
            .renew(Uuid::from_u128(1), now, chrono::Duration::seconds(60))
            .is_none());
        assert!(leases.is_empty());
        leases.insert(lease_at(2, 150), now);
        let renewed = leases
            .renew(Uuid::from_u128(2), now, chrono::Duration::seconds(60))
            .unwrap();
        assert_eq!(renewed.expires.timestamp(), 160);
    }
}
