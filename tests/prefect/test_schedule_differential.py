"""Differential test: Baton's schedule times against Prefect's own schedule classes.

Prefect's server schedule models (`prefect.server.schemas.schedules`, imported in-process from the test venv)
compute the reference times with `get_dates`; Baton answers the same questions through
`POST /api/baton/schedules/preview` (the computation its scheduler uses). The cases are generated from a fixed
seed and use fixed start instants around DST transitions, so nothing depends on the wall clock:

- cron: a few hundred generated expressions (lists, ranges, wrapping ranges, steps, names, `L`, `d#n`, `Ld`,
  `?`, 0/7 as Sunday, @-aliases, a seconds field, day_or true and false) across UTC, New York, Berlin,
  Lord Howe (30-minute DST), Kolkata and São Paulo (midnight DST); expressions Prefect refuses must get a 422;
- interval: 45 s to 7 days (and 1.5 days), anchors before and after DST changes, in the past and the future;
- rrule: daily, hourly, weekly, monthly, yearly, COUNT, UNTIL, DTSTART with and without a zone, sets.

Baton follows Prefect 3.9's engine (the version it reports). Prefect 3.8 computed DST corners differently
(it moved skipped cron times backwards, returned cron times before `start` inside a repeated hour, and let
day-multiple intervals drift by an hour after a DST change between anchor and start); under a 3.8 venv, cases
whose window contains a DST transition are therefore only required to match where 3.8 agrees, and every case
without a transition must match exactly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import warnings
from zoneinfo import ZoneInfo

import prefect
import pytest
from pydantic import ValidationError

warnings.filterwarnings("ignore", category=DeprecationWarning)

from prefect.server.schemas.schedules import (  # noqa: E402
    CronSchedule,
    IntervalSchedule,
    RRuleSchedule,
)

UTC = dt.timezone.utc
SEED = 20260329
PREFECT_39 = tuple(int(x) for x in prefect.__version__.split(".")[:2]) >= (3, 9)


def _z(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


# DST transitions (UTC) of the DST zones under test; the zones without DST start around New York's.
TRANSITIONS = {
    "America/New_York": ["2024-03-10T07:00Z", "2024-11-03T06:00Z", "2026-03-08T07:00Z", "2026-11-01T06:00Z"],
    "Europe/Berlin": ["2024-03-31T01:00Z", "2024-10-27T01:00Z", "2026-03-29T01:00Z", "2026-10-25T01:00Z"],
    "Australia/Lord_Howe": ["2024-04-06T15:00Z", "2024-10-05T15:30Z", "2026-04-04T15:00Z", "2026-10-03T15:30Z"],
    "America/Sao_Paulo": ["2018-02-18T02:00Z", "2018-11-04T03:00Z", "2019-02-17T02:00Z"],
}
TRANSITIONS = {k: [_z(t) for t in v] for k, v in TRANSITIONS.items()}
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "America/Sao_Paulo"]
# Offsets of the start from a transition: a day before, hours before, inside the gap/fold, just after.
START_OFFSETS_MIN = [-1560, -1440, -300, -150, -90, -61, -60, -45, -30, -1, 0, 1, 10, 15, 29, 30, 45, 59, 61, 90, 180]


def test_transition_table_matches_tzdata():
    for zone, times in TRANSITIONS.items():
        z = ZoneInfo(zone)
        for t in times:
            before = (t - dt.timedelta(seconds=1)).astimezone(z).utcoffset()
            assert before != t.astimezone(z).utcoffset(), (zone, t)


def _start(rng: random.Random, zone: str) -> dt.datetime:
    t = rng.choice(TRANSITIONS.get(zone, TRANSITIONS["America/New_York"]))
    start = t + dt.timedelta(minutes=rng.choice(START_OFFSETS_MIN))
    if rng.random() < 0.15:
        start += dt.timedelta(seconds=rng.randrange(1, 60), microseconds=rng.choice([0, 250_000]))
    return start


# --------------------------------------------------------------------------------------------------
# Case generation

MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DOWS = "SUN MON TUE WED THU FRI SAT".split()


def _num_field(rng: random.Random, lo: int, hi: int, hot: list[int]) -> str:
    pick = lambda: rng.choice(hot) if hot and rng.random() < 0.5 else rng.randint(lo, hi)  # noqa: E731
    kind = rng.random()
    if kind < 0.25:
        return str(pick())
    if kind < 0.4:
        a, b = sorted(rng.sample(range(lo, hi + 1), 2))
        return f"{a}-{b}"
    if kind < 0.5:
        return f"*/{rng.choice([2, 3, 5, 7, 10, 15, 20, 30])}"
    if kind < 0.6:
        a, b = sorted(rng.sample(range(lo, hi + 1), 2))
        return f"{a}-{b}/{rng.choice([2, 3, 4])}"
    if kind < 0.7:
        return ",".join(str(x) for x in sorted({pick() for _ in range(rng.randint(2, 4))}))
    if kind < 0.78:
        return f"{pick()}/{rng.choice([5, 10, 15])}"
    if kind < 0.85:
        a, b = rng.sample(range(lo, hi + 1), 2)
        return f"{max(a, b)}-{min(a, b)}"  # wraps around
    return "*"


def _dom(rng: random.Random) -> str:
    return rng.choice(
        ["*", "*", "*", "1", "15", "L", "1,L", "1-7", "10-20/5", "*/2", "31", "29", "?", "28-3", "L,15", "1-31"]
    )


def _month(rng: random.Random) -> str:
    return rng.choice(
        ["*", "*", "*", "*", "3", "11", "3,10,11", "MAR", "OCT-DEC", "NOV-FEB", "*/2", "2", "jan,apr,jul,oct", "4-4"]
    )


def _dow(rng: random.Random) -> str:
    return rng.choice(
        [
            "*", "*", "*", "MON", "1-5", "MON-FRI", "FRI-MON", "0", "7", "0-7", "6-7", "SUN", "5#3", "1#1,1#3",
            "L5", "SUN#2", "?", "sat,sun", "1/2", "2-4", "fri#5", "L0",
        ]
    )


ALIASES = ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"]
# Expressions Prefect refuses: Baton must refuse them too.
INVALID_CRONS = [
    "0 0 15W * *", "60 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 * 13 *", "0 0 * * 8", "R 0 * * *",
    "H * * * *", "0 0 * * 5#6", "0 0 * * 1,5#3", "0 0 1 ? *", "*/0 * * * *", "0 0 * *", "0 0 L-2 * *",
    "0 0 * * 5L", "0 0 LW * *", "@reboot", "0 0 * * MON#L", "* * * * * * * *",
]


def _cron(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(ALIASES)
    fields = [
        _num_field(rng, 0, 59, [0, 15, 30, 45]),
        _num_field(rng, 0, 23, [0, 1, 2, 3]),
        _dom(rng),
        _month(rng),
        _dow(rng),
    ]
    if rng.random() < 0.05:
        fields.append(rng.choice(["0", "30", "*/20"]))
    return " ".join(fields)


def cron_cases() -> list[dict]:
    rng = random.Random(SEED)
    cases = []
    for i in range(260):
        zone = ZONES[i % len(ZONES)]
        cases.append(
            {
                "schedule": {"cron": _cron(rng), "timezone": zone, "day_or": rng.random() < 0.6},
                "start": _start(rng, zone),
                "count": rng.choice([5, 10, 10, 12]),
            }
        )
    cases += [
        {"schedule": {"cron": c, "timezone": z, "day_or": True}, "start": TRANSITIONS[z][0] - dt.timedelta(hours=h), "count": 8}
        for c in ["30 2 * * *", "30 1 * * *", "0 * * * *", "*/15 * * * *", "0 0 * * *", "15,45 1-3 * * *"]
        for z in TRANSITIONS
        for h in (26, 1)
    ]
    cases += [{"schedule": {"cron": c}, "start": _z("2024-03-10T00:00Z"), "count": 3, "invalid": True} for c in INVALID_CRONS]
    return cases


INTERVALS = [45, 900, 3600, 5400, 86400, 86400, 172800, 604800, 129600, "PT15M", "P1D"]


def interval_cases() -> list[dict]:
    rng = random.Random(SEED + 1)
    cases = []
    for i in range(150):
        zone = ZONES[i % len(ZONES)]
        start = _start(rng, zone)
        anchor = start + dt.timedelta(
            days=rng.choice([-400, -200, -40, -3, -1, 0, 1, 5, 90, 300]),
            minutes=rng.choice([0, -90, -61, -30, 0, 17, 30, 60, 150]),
        )
        sched = {
            "interval": rng.choice(INTERVALS),
            "anchor_date": anchor.isoformat().replace("+00:00", "Z"),
            "timezone": zone if rng.random() < 0.85 else None,
        }
        case = {"schedule": sched, "start": start, "count": rng.choice([6, 10])}
        if rng.random() < 0.2:
            case["end"] = start + dt.timedelta(hours=rng.choice([3, 30, 200]))
        cases.append(case)
    return cases


RRULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
    "FREQ=DAILY;BYHOUR=0;BYMINUTE=30",
    "FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0,40",
    "FREQ=HOURLY;INTERVAL=5",
    "DTSTART:{recent}\nRRULE:FREQ=HOURLY;BYMINUTE=15,45",
    "DTSTART:{recent}\nRRULE:FREQ=MINUTELY;INTERVAL=17;BYHOUR=1,2",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=1;BYMINUTE=30",
    "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=9",
    "FREQ=MONTHLY;BYDAY=+2TU",
    "FREQ=YEARLY;BYMONTH=3,4,10,11;BYDAY=SU;BYHOUR=2;BYMINUTE=15",
    "FREQ=WEEKLY;COUNT=300",
    "DTSTART:20240101T013000\nRRULE:FREQ=DAILY",
    "DTSTART:20180101T000000\nRRULE:FREQ=DAILY;INTERVAL=3",
    "DTSTART;TZID=Europe/Berlin:20231231T023000\nRRULE:FREQ=DAILY",
    "DTSTART:20240101T023000Z\nRRULE:FREQ=DAILY;UNTIL=20260401T000000Z",
    "DTSTART:20240101T090000\nRRULE:FREQ=DAILY\nEXDATE:20240310T090000,20241103T090000\nRDATE:20240310T013000",
    "DTSTART:20240101T020000\nRRULE:FREQ=DAILY;BYHOUR=2\nRRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=1",
    "RRULE:FREQ=DAILY;BYHOUR=23;BYMINUTE=59;BYSECOND=59",
]


def rrule_cases() -> list[dict]:
    rng = random.Random(SEED + 2)
    cases = []
    for i, rule in enumerate(RRULES):
        for j in range(5):
            zone = ZONES[(i + j) % len(ZONES)]
            start = _start(rng, zone)
            # dateutil walks every occurrence from DTSTART: keep high-frequency rules' DTSTART near the start.
            recent = (start - dt.timedelta(days=3, minutes=rng.randrange(60))).strftime("%Y%m%dT%H%M%S")
            case = {"schedule": {"rrule": rule.format(recent=recent), "timezone": zone}, "start": start, "count": 8}
            if j == 4:
                case["end"] = start + dt.timedelta(days=2)
            cases.append(case)
    return cases


# --------------------------------------------------------------------------------------------------
# Both sides


def _model(schedule: dict):
    if "cron" in schedule:
        return CronSchedule(**schedule)
    if "interval" in schedule:
        return IntervalSchedule(**schedule)
    return RRuleSchedule(**schedule)


def _instants(times) -> list[dt.datetime]:
    """Plain UTC datetimes (Prefect may hand back pendulum objects), earliest first."""
    return sorted(dt.datetime.fromtimestamp(t.timestamp(), UTC) for t in times)


def prefect_times(loop, case: dict):
    """Prefect's answer: sorted UTC instants, "invalid", or ("raises", exception)."""
    try:
        model = _model(case["schedule"])
    except ValidationError:
        return "invalid"
    try:
        dates = loop.run_until_complete(model.get_dates(n=case["count"], start=case["start"], end=case.get("end")))
    except Exception as exc:  # croniter gives up when no match is within 50 years
        return ("raises", exc, model)
    return _instants(dates)


def baton_times(api, case: dict):
    body = {"schedule": case["schedule"], "start": case["start"].isoformat(), "count": case["count"]}
    if case.get("end"):
        body["end"] = case["end"].isoformat()
    r = api.post("baton/schedules/preview", json=body)
    if r.status_code == 422:
        return "invalid", r.json()["detail"]
    assert r.status_code == 200, (body, r.status_code, r.text)
    return _instants(dt.datetime.fromisoformat(t) for t in r.json()["times"]), None


def _touches_dst(case: dict, *lists) -> bool:
    zone = case["schedule"].get("timezone") or "UTC"
    points = [case["start"]] + [t for lst in lists if isinstance(lst, list) for t in lst]
    if case.get("end"):
        points.append(case["end"])
    if "anchor_date" in case["schedule"]:
        points.append(_z(case["schedule"]["anchor_date"]))
    lo, hi = min(points) - dt.timedelta(days=2), max(points) + dt.timedelta(days=2)
    return any(lo <= t <= hi for t in TRANSITIONS.get(zone, []))


_ISO = {"PT15M": 900.0, "P1D": 86400.0}


def _interval_seconds(v) -> float | None:
    """Seconds of an interval given as a number or one of the ISO 8601 durations the cases use."""
    if v is None:
        return None
    return _ISO[v] if isinstance(v, str) else float(v)


def _absolute_series(case: dict) -> list[dt.datetime]:
    """anchor + k * interval at or after start (and at or before end), the first `count` of them."""
    step = dt.timedelta(seconds=_interval_seconds(case["schedule"]["interval"]))
    anchor, start, end = _z(case["schedule"]["anchor_date"]), case["start"], case.get("end")
    k = (start - anchor) // step
    while anchor + k * step < start:
        k += 1
    out = []
    while len(out) < case["count"]:
        t = anchor + k * step
        if end is not None and t > end:
            break
        out.append(t)
        k += 1
    return out


def _run(api, cases: list[dict]):
    probe = api.post("baton/schedules/preview", json={"schedule": {"cron": "* * * * *"}, "count": 1})
    if probe.status_code == 404:
        pytest.skip("the server under test has no Baton preview endpoint")
    loop = asyncio.new_event_loop()
    mismatches, skipped_38, compared = [], 0, 0
    try:
        for case in cases:
            want = prefect_times(loop, case)
            got, detail = baton_times(api, case)
            if case.get("invalid"):
                assert want == "invalid", f"Prefect accepts {case['schedule']}"
            if want == "invalid" or got == "invalid":
                if want != got:
                    mismatches.append((case, want, (got, detail)))
                continue
            if isinstance(want, tuple):
                # Prefect fails the whole call; Baton returns the matches found before the gap, which Prefect
                # also finds when asked for only those.
                _, exc, model = want
                if got:
                    again = _instants(loop.run_until_complete(model.get_dates(n=len(got), start=case["start"])))
                    if again != got:
                        mismatches.append((case, f"raises {exc!r}; first {len(got)}: {again}", got))
                continue
            compared += 1
            seconds = _interval_seconds(case["schedule"].get("interval"))
            if seconds is not None and seconds < 86400:
                # Sub-daily intervals are absolute in Baton (DESIGN §6; Prefect on Python >= 3.13 agrees).
                # Prefect on older Pythons drops a wall time repeated at fall-back, so its list must be a
                # subset of the absolute series, which Baton must return exactly.
                expect = _absolute_series(case)
                if got != expect:
                    mismatches.append((case, expect, got))
                elif not set(want) <= set(_absolute_series({**case, "count": case["count"] + 8})) and (
                    PREFECT_39 or not _touches_dst(case, want, got)
                ):
                    mismatches.append((case, want, got))
                continue
            if want != got:
                if not PREFECT_39 and _touches_dst(case, want, got):
                    skipped_38 += 1
                    continue
                mismatches.append((case, want, got))
    finally:
        loop.close()
    report = "\n\n".join(
        f"{c['schedule']} start={c['start'].isoformat()} end={c.get('end')} n={c['count']}\n"
        f"  prefect: {[t.isoformat() for t in w] if isinstance(w, list) else w}\n"
        f"  baton:   {[t.isoformat() for t in g] if isinstance(g, list) else g}"
        for c, w, g in mismatches[:15]
    )
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ (prefect {prefect.__version__}):\n{report}"
    assert compared >= len(cases) // 2, (compared, len(cases))
    if not PREFECT_39:
        assert skipped_38 < compared, (skipped_38, compared)


def test_cron_schedules_match_prefect(api):
    cases = cron_cases()
    assert len(cases) >= 200
    _run(api, cases)


def test_interval_schedules_match_prefect(api):
    _run(api, interval_cases())


def test_rrule_schedules_match_prefect(api):
    _run(api, rrule_cases())


def test_preview_errors_are_422_with_detail(api):
    for body, needle in [
        ({"schedule": {"cron": "0 0 * *"}}, "schedule.cron"),
        ({"schedule": {"cron": "0 0 * * *", "timezone": "Mars/Olympus"}}, "unknown timezone 'Mars/Olympus'"),
        ({"schedule": {"rrule": "FREQ=SOMETIMES"}}, "schedule.rrule"),
        ({"schedule": {"interval": 0}}, "must be positive"),
        ({"schedule": {"interval": 60}, "count": 0}, "count"),
        ({"schedule": {"interval": 60}, "start": "yesterday"}, "start"),
        ({"count": 3}, "schedule"),
    ]:
        r = api.post("baton/schedules/preview", json=body)
        if r.status_code == 404:
            pytest.skip("the server under test has no Baton preview endpoint")
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert needle in r.json()["detail"], (body, r.text)


def test_preview_reports_times_in_the_zone(api):
    body = {"schedule": {"cron": "30 2 * * *", "timezone": "Europe/Berlin"}, "start": "2026-03-28T12:00:00Z", "count": 2}
    r = api.post("baton/schedules/preview", json=body)
    if r.status_code == 404:
        pytest.skip("the server under test has no Baton preview endpoint")
    assert r.status_code == 200, r.text
    assert r.json() == {"times": ["2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"]}, r.text
