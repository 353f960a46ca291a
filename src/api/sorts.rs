//! Prefect's sort names (`EXPECTED_START_TIME_DESC`…) as domain orders.

use crate::domain::filter::{Field, Order};

/// Flow-run sort orders.
pub fn flow_run_sort(s: &str) -> Option<Order> {
    use Field::*;
    Some(match s {
        "ID_DESC" => Order::desc(Id),
        "START_TIME_ASC" => Order::asc(StartTime),
        "START_TIME_DESC" => Order::desc(StartTime),
        "EXPECTED_START_TIME_ASC" => Order::asc(ExpectedStartTime),
        "EXPECTED_START_TIME_DESC" => Order::desc(ExpectedStartTime),
        "NAME_ASC" => Order::asc(Name),
        "NAME_DESC" => Order::desc(Name),
        "NEXT_SCHEDULED_START_TIME_ASC" => Order::asc(NextScheduledStartTime),
        "END_TIME_DESC" => Order::desc(EndTime),
        _ => return None,
    })
}

/// Task-run sort orders.
pub fn task_run_sort(s: &str) -> Option<Order> {
    use Field::*;
    Some(match s {
        "ID_DESC" => Order::desc(Id),
        "EXPECTED_START_TIME_ASC" => Order::asc(ExpectedStartTime),
        "EXPECTED_START_TIME_DESC" => Order::desc(ExpectedStartTime),
        "NAME_ASC" => Order::asc(Name),
        "NAME_DESC" => Order::desc(Name),
        "NEXT_SCHEDULED_START_TIME_ASC" => Order::asc(NextScheduledStartTime),
        "END_TIME_DESC" => Order::desc(EndTime),
        "DURATION_DESC" => Order::desc(TotalRunTime),
        "DURATION_ASC" => Order::asc(TotalRunTime),
        _ => return None,
    })
}

/// Flow sort orders.
pub fn flow_sort(s: &str) -> Option<Order> {
    Some(match s {
        "CREATED_DESC" => Order::desc(Field::Created),
        "UPDATED_DESC" => Order::desc(Field::Updated),
        "NAME_ASC" => Order::asc(Field::Name),
        "NAME_DESC" => Order::desc(Field::Name),
        _ => return None,
    })
}

/// Log sort orders.
pub fn log_sort(s: &str) -> Option<Order> {
    Some(match s {
        "TIMESTAMP_ASC" => Order::asc(Field::Timestamp),
        "TIMESTAMP_DESC" => Order::desc(Field::Timestamp),
        _ => return None,
    })
}
