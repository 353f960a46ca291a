//! Prefect's schedule objects (`CronSchedule`, `IntervalSchedule`, `RRuleSchedule`). They stay JSON in the
//! wire structs, because the API reads them with each field's path in its errors (`api::schedules`); this
//! module gives them their schema, which `#[schemars(schema_with = "…")]` attaches to those fields.

use schemars::{json_schema, Schema, SchemaGenerator};

/// A cron, interval or rrule schedule, as `api::schedules` reads it: an interval in seconds or as an ISO
/// 8601 / Python duration (`"PT1H"`, `"1 day, 1:00:00"`), an IANA time zone, an RFC 5545 rule.
pub fn schedule_schema(_: &mut SchemaGenerator) -> Schema {
    let zone = json_schema!({"type": ["string", "null"]});
    json_schema!({
        "oneOf": [
            {"type": "object", "required": ["cron"], "properties": {
                "cron": {"type": "string"}, "timezone": zone, "day_or": {"type": "boolean"}}},
            {"type": "object", "required": ["interval"], "properties": {
                "interval": {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string"}]},
                "anchor_date": {"type": ["string", "null"], "format": "date-time"},
                "timezone": zone}},
            {"type": "object", "required": ["rrule"], "properties": {
                "rrule": {"type": "string"}, "timezone": zone}},
        ]
    })
}

/// [`schedule_schema`] or `null`.
pub fn optional_schedule_schema(g: &mut SchemaGenerator) -> Schema {
    json_schema!({"anyOf": [schedule_schema(g), {"type": "null"}]})
}
