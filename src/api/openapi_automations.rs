//! The `/api/openapi.json` entries of the automation, template and event routes (`automations.rs`,
//! `events_api.rs`), in the route table's order.

use super::automations as a;
use super::events_api as e;
use super::openapi_answers::answer;
use super::openapi_bodies::json;
use super::openapi_table::{op, with, Op};
use crate::wire::automations as w;

/// The automation and event operations.
pub const OPERATIONS: &[Op] = &[
    with(
        "post",
        "/automations/",
        "Create an automation",
        json::<w::AutomationCreate>,
    )
    .returns(answer(a::create)),
    with(
        "post",
        "/automations/filter",
        "Filter automations",
        json::<w::AutomationFilterRequest>,
    )
    .returns(answer(a::filter)),
    with(
        "post",
        "/automations/count",
        "Count automations",
        json::<w::AutomationCountRequest>,
    )
    .returns(answer(a::count)),
    op(
        "get",
        "/automations/related-to/{resource}",
        "Automations that mention a resource",
    )
    .returns(answer(a::related_to)),
    op(
        "delete",
        "/automations/owned-by/{resource}",
        "Delete the automations a resource owns",
    )
    .returns(answer(a::delete_owned)),
    op("get", "/automations/{id}", "Read an automation").returns(answer(a::read)),
    with(
        "put",
        "/automations/{id}",
        "Replace an automation",
        json::<w::AutomationUpdate>,
    )
    .returns(answer(a::replace)),
    with(
        "patch",
        "/automations/{id}",
        "Enable or disable an automation",
        json::<w::AutomationPatch>,
    )
    .returns(answer(a::patch)),
    op("delete", "/automations/{id}", "Delete an automation").returns(answer(a::remove)),
    with(
        "post",
        "/templates/validate",
        "Check a template's syntax",
        json::<String>,
    )
    .returns(answer(a::validate_template)),
    with(
        "post",
        "/automations/templates/validate",
        "Check a template's syntax",
        json::<String>,
    )
    .returns(answer(a::validate_template)),
    with(
        "post",
        "/events",
        "Store events sent over HTTP",
        json::<Vec<w::EventIn>>,
    )
    .returns(answer(e::create)),
    with(
        "post",
        "/events/filter",
        "Read events through a filter",
        json::<w::EventFilterRequest>,
    )
    .returns(answer(e::filter)),
    op("get", "/events/filter/next", "The next page of events").returns(answer(e::next)),
    with(
        "post",
        "/events/count-by/{countable}",
        "Count events by day, time span, name or resource",
        json::<w::CountByRequest>,
    )
    .returns(answer(e::count_by)),
];
