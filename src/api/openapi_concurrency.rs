//! The `/api/openapi.json` entries of the concurrency limit routes (`concurrency_v1.rs`,
//! `concurrency_v2.rs`, `concurrency_view.rs`), in the route table's order.

use super::openapi_answers::answer;
use super::openapi_bodies::json;
use super::openapi_table::{op, with, Op};
use super::{concurrency_v1 as v1, concurrency_v2 as v2};
use crate::wire::concurrency as c;
use crate::wire::concurrency_limits as cl;

/// The tag limit, global limit, slot and lease operations.
pub const OPERATIONS: &[Op] = &[
    with(
        "post",
        "/concurrency_limits/",
        "Create or resize a tag limit",
        json::<cl::TagLimitCreate>,
    )
    .returns(answer(v1::create)),
    with(
        "post",
        "/concurrency_limits/filter",
        "Filter tag limits",
        json::<cl::LimitsPage>,
    )
    .returns(answer(v1::filter)),
    with(
        "post",
        "/concurrency_limits/increment",
        "Take a slot of each tag's limit",
        json::<cl::TagSlotsBody>,
    )
    .returns(answer(v1::increment)),
    with(
        "post",
        "/concurrency_limits/decrement",
        "Give back a task run's tag slots",
        json::<cl::TagSlotsBody>,
    )
    .returns(answer(v1::decrement)),
    op(
        "get",
        "/concurrency_limits/tag/{tag}",
        "Read a tag limit by tag",
    )
    .returns(answer(v1::read_by_tag)),
    op(
        "delete",
        "/concurrency_limits/tag/{tag}",
        "Delete a tag limit by tag",
    )
    .returns(answer(v1::delete_by_tag)),
    with(
        "post",
        "/concurrency_limits/tag/{tag}/reset",
        "Free every slot of a tag limit",
        json::<cl::ResetBody>,
    )
    .returns(answer(v1::reset)),
    op("get", "/concurrency_limits/{id}", "Read a tag limit").returns(answer(v1::read)),
    op("delete", "/concurrency_limits/{id}", "Delete a tag limit").returns(answer(v1::delete)),
    with(
        "post",
        "/v2/concurrency_limits/",
        "Create a global concurrency limit",
        json::<cl::LimitCreate>,
    )
    .returns(answer(v2::create)),
    with(
        "post",
        "/v2/concurrency_limits/filter",
        "Filter global concurrency limits",
        json::<cl::LimitsPage>,
    )
    .returns(answer(v2::filter)),
    with(
        "post",
        "/v2/concurrency_limits/increment",
        "Take slots of global concurrency limits",
        json::<c::IncrementBody>,
    )
    .returns(answer(v2::increment)),
    with(
        "post",
        "/v2/concurrency_limits/increment-with-lease",
        "Take slots of global concurrency limits under a lease",
        json::<c::LeaseSlotsBody>,
    )
    .returns(answer(v2::increment_with_lease)),
    with(
        "post",
        "/v2/concurrency_limits/decrement",
        "Give back slots of global concurrency limits",
        json::<c::DecrementBody>,
    )
    .returns(answer(v2::decrement)),
    with(
        "post",
        "/v2/concurrency_limits/decrement-with-lease",
        "Release a lease and its slots",
        json::<c::ReleaseBody>,
    )
    .returns(answer(v2::decrement_with_lease)),
    with(
        "post",
        "/v2/concurrency_limits/leases/{lease_id}/renew",
        "Renew a lease",
        json::<c::RenewBody>,
    )
    .returns(answer(v2::renew)),
    op(
        "get",
        "/v2/concurrency_limits/{id_or_name}",
        "Read a global concurrency limit",
    )
    .returns(answer(v2::read)),
    with(
        "patch",
        "/v2/concurrency_limits/{id_or_name}",
        "Update a global concurrency limit",
        json::<cl::LimitUpdate>,
    )
    .returns(answer(v2::update)),
    op(
        "delete",
        "/v2/concurrency_limits/{id_or_name}",
        "Delete a global concurrency limit",
    )
    .returns(answer(v2::delete)),
    op(
        "get",
        "/baton/concurrency_limits",
        "Every limit with its holders and waiters",
    )
    .returns(answer(super::concurrency_view::list)),
    op(
        "post",
        "/baton/concurrency_limits/{id_or_name}/reset",
        "Free every slot of a limit",
    )
    .returns(answer(super::concurrency_view::reset)),
];
