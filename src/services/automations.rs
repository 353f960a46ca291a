//! Automation use cases: create, read, replace, enable or disable, delete, and the reads by owner and by
//! related resource. Every change is itself an event (`prefect.automation.created|updated|deleted`) and
//! wakes the trigger loop.

use super::{Result, ServiceError, Services};
use crate::domain::automation::{Action, Automation, Trigger};
use crate::domain::event::{resource, Event};
use crate::store::{automation_state, automations, events};
use serde_json::Value;
use uuid::Uuid;

/// What a client asks to create (or to replace an automation with).
#[derive(Clone, Debug)]
pub struct NewAutomation {
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub tags: Vec<String>,
    pub trigger: Trigger,
    pub actions: Vec<Action>,
    pub actions_on_trigger: Vec<Action>,
    pub actions_on_resolve: Vec<Action>,
    pub owner_resource: Option<String>,
}

impl NewAutomation {
    /// Prefect's checks beyond the field types.
    pub fn check(&self) -> std::result::Result<(), String> {
        self.trigger.check()?;
        self.actions
            .iter()
            .chain(&self.actions_on_trigger)
            .chain(&self.actions_on_resolve)
            .try_for_each(Action::check)
    }
}

/// When the first enabled automation appears, the trigger loop (which skips its work while none is
/// enabled) starts from the events stored after this one: an automation never sees events from before it.
fn start_watching(tx: &crate::store::Tx, a: &Automation) -> crate::store::Result<()> {
    if a.enabled && !automations::others_enabled(tx, a.id)? {
        let last = events::last_rowid(tx)?;
        automation_state::set_cursor(tx, last)?;
    }
    Ok(())
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Automation not found".into())
}

/// `prefect.automation.<change>` for an automation, with it as the payload.
fn change_event(a: &Automation, change: &str, now: crate::domain::Ts) -> Event {
    let payload = match a.to_json() {
        Value::Object(m) => m,
        _ => Default::default(),
    };
    Event {
        id: Uuid::now_v7(),
        occurred: now,
        event: format!("prefect.automation.{change}"),
        resource: resource(
            format!("prefect.automation.{}", a.id),
            &[("prefect.resource.name", Value::from(a.name.clone()))],
        ),
        related: Vec::new(),
        payload,
        follows: None,
        received: now,
    }
}

impl Services {
    /// Creates an automation.
    pub async fn create_automation(&self, n: NewAutomation) -> Result<Automation> {
        n.check().map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let a = Automation {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            name: n.name,
            description: n.description,
            enabled: n.enabled,
            tags: n.tags,
            trigger: n.trigger,
            actions: n.actions,
            actions_on_trigger: n.actions_on_trigger,
            actions_on_resolve: n.actions_on_resolve,
            owner_resource: n.owner_resource,
        };
        let e = change_event(&a, "created", now);
        let (stored, ev) = (a.clone(), e.clone());
        self.store
            .write(move |tx| {
                start_watching(tx, &stored)?;
                automations::put(tx, &stored)?;
                events::insert(tx, &ev)?;
                Ok(())
            })
            .await?;
        self.changed(vec![e]);
        Ok(a)
    }

    /// One automation.
    pub async fn automation(&self, id: Uuid) -> Result<Automation> {
        self.store
            .read(move |tx| automations::get(tx, id))
            .await?
            .ok_or_else(not_found)
    }

    /// Every automation, by name.
    pub async fn all_automations(&self) -> Result<Vec<Automation>> {
        Ok(self.store.read(automations::all).await?)
    }

    /// Automations that mention a resource.
    pub async fn automations_related_to(&self, res: String) -> Result<Vec<Automation>> {
        let all = self.all_automations().await?;
        Ok(all.into_iter().filter(|a| a.relates_to(&res)).collect())
    }

    /// Replaces an automation's definition (its counting starts over).
    pub async fn replace_automation(&self, id: Uuid, n: NewAutomation) -> Result<()> {
        n.check().map_err(ServiceError::Invalid)?;
        self.modify_automation(id, move |a| {
            a.name = n.name;
            a.description = n.description;
            a.enabled = n.enabled;
            a.tags = n.tags;
            a.trigger = n.trigger;
            a.actions = n.actions;
            a.actions_on_trigger = n.actions_on_trigger;
            a.actions_on_resolve = n.actions_on_resolve;
            true
        })
        .await
    }

    /// Enables or disables an automation (a disabled one forgets what it counted).
    pub async fn set_automation_enabled(&self, id: Uuid, enabled: bool) -> Result<()> {
        self.modify_automation(id, move |a| {
            let changed = a.enabled != enabled;
            a.enabled = enabled;
            changed
        })
        .await
    }

    async fn modify_automation(
        &self,
        id: Uuid,
        change: impl FnOnce(&mut Automation) -> bool + Send + 'static,
    ) -> Result<()> {
        let now = self.clock.now();
        let e = self
            .store
            .write(move |tx| {
                let Some(mut a) = automations::get(tx, id)? else {
                    return Ok(None);
                };
                let reset = change(&mut a);
                a.updated = now;
                start_watching(tx, &a)?;
                automations::put(tx, &a)?;
                if reset {
                    automations::reset_state(tx, id)?;
                }
                let e = change_event(&a, "updated", now);
                events::insert(tx, &e)?;
                Ok(Some(e))
            })
            .await?
            .ok_or_else(not_found)?;
        self.changed(vec![e]);
        Ok(())
    }

    /// Deletes an automation.
    pub async fn delete_automation(&self, id: Uuid) -> Result<()> {
        let gone = self
            .delete_automations(move |tx| Ok(automations::get(tx, id)?.into_iter().collect()))
            .await?;
        if gone == 0 {
            return Err(not_found());
        }
        Ok(())
    }

    /// Deletes every automation a resource owns (a deployment's triggers, before it is redeployed).
    pub async fn delete_automations_owned_by(&self, owner: String) -> Result<()> {
        self.delete_automations(move |tx| automations::owned_by(tx, &owner))
            .await
            .map(|_| ())
    }

    /// Deletes the automations `which` picks, each with its `deleted` event; how many went.
    async fn delete_automations(
        &self,
        which: impl FnOnce(&crate::store::Tx) -> crate::store::Result<Vec<Automation>> + Send + 'static,
    ) -> Result<usize> {
        let now = self.clock.now();
        let evs = self
            .store
            .write(move |tx| {
                let mut evs = Vec::new();
                for a in which(tx)? {
                    automations::delete(tx, a.id)?;
                    let e = change_event(&a, "deleted", now);
                    events::insert(tx, &e)?;
                    evs.push(e);
                }
                Ok(evs)
            })
            .await?;
        let n = evs.len();
        self.changed(evs);
        Ok(n)
    }

    fn changed(&self, evs: Vec<Event>) {
        self.bus.publish(evs);
        self.automation_epoch
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.trigger_wake.notify_one();
    }
}
