"""Every indicator equals an independent recomputation from the immutable timeline.

The city is built through the real workflow; the expected figures are read off
``case_events`` alone here, by asking of each case's list of events which deadline was in
force at each step — not by folding counters the way the projection does."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from grid_api.evaluation import definitions, tables
from grid_api.evaluation.definitions import Definitions
from grid_api.evaluation.indicators import Period, percent, rates
from grid_api.identity.principals import principal_for
from models.case import Case, CaseEvent
from models.user import Role
from tests.evaluation_city import build_city
from tests.factories import make_user

SETTERS = {  # which events set which deadline
    "register": {"report": "register_deadline", "urgent": "register_deadline"},
    "handle": {"dispatch": "handle_deadline", "reassign": "handle_deadline",
               "reopen": "handle_deadline", "dispute": "handle_deadline",
               "approve_extension": "until", "urgent": "handle_deadline",
               "return": None},
    "verify": {"resolve": "verify_deadline", "urgent": "verify_deadline",
               "reopen": None, "dispute": None},
}
RUNNING = {"reported": "register", "registered": "register", "dispatched": "handle",
           "in_progress": "handle", "resolved": "verify"}


def in_force(events, stage, before):
    """The deadline of ``stage`` set by the latest event before index ``before``."""
    for event in reversed(events[:before]):
        if event.action in SETTERS[stage]:
            key = SETTERS[stage][event.action]
            if key is None:
                return None
            if key in event.data:
                value = event.data[key]
                return datetime.fromisoformat(value) if value else None
    return None


def facts(events, now, source):
    """What one case's timeline says, asked question by question (and its channel)."""
    def on_time(index, stage):
        deadline = in_force(events, stage, index)
        return deadline is None or events[index].created_at <= deadline

    indexed = list(enumerate(events))
    # 自行处置: the system's verify step is no check on site, and the case is on time.
    self_handled = any(e.action == "handle_on_site" for e in events)
    registers = [i for i, e in indexed if e.action == "register"]
    resolves = [i for i, e in indexed if e.action == "resolve"]
    checks = [] if self_handled else [
        i for i, e in indexed if e.action == "verify"
        or (e.action == "reopen" and e.from_status == "resolved")]
    outcome = [] if self_handled else [
        e.action for e in events if e.action in ("verify", "reopen", "dispute")]
    status = events[-1].to_status
    dispatches = [e for e in events if e.action in ("dispatch", "reassign")]
    registered_on_time = bool(registers) and on_time(registers[0], "register")
    handled_on_time = bool(resolves) and on_time(resolves[-1], "handle")
    check_times = [on_time(i, "verify") for i in checks]
    handle_end = in_force(events, "handle", len(events))
    running = RUNNING.get(status)
    due_at = in_force(events, running, len(events)) if running else None
    deferred = any(e.action == "defer" for e in events)
    rating = next((e.data["score"] for e in events if e.action == "rate"), None)
    closed = status == "closed"
    return {
        "source": source, "self_handled": self_handled,
        "reported_at": events[0].created_at,
        "registered_at": events[registers[0]].created_at if registers else None,
        "registered_on_time": registered_on_time,
        "rejected": any(e.action == "reject" for e in events),
        "dispatched": bool(dispatches),
        "unit_id": dispatches[-1].data["unit_id"] if dispatches else None,
        "returns": sum(e.action == "return" for e in events),
        "handled": bool(resolves),
        "handled_on_time": handled_on_time,
        "checks": len(checks), "checks_on_time": sum(check_times),
        "verified": bool(outcome) and outcome[-1] == "verify",
        "closed": closed,
        "closed_on_time": closed and (self_handled or (
            handled_on_time and bool(check_times) and check_times[-1])),
        "reworks": sum(e.action in ("reopen", "dispute") for e in events),
        "extensions": sum(e.action == "approve_extension" for e in events),
        "deferred": deferred,
        "late": (bool(registers) and not registered_on_time)
        or any(not on_time(i, "handle") for i in resolves) or not all(check_times),
        "overdue_now": due_at is not None and not deferred and due_at < now,
        "handle_end": handle_end, "due_at": due_at, "rating": rating,
    }


def expected(cases, rules: Definitions, now, start, end):
    """Counts as the README defines them, from the facts."""
    reports = [f for f in cases if start <= f["reported_at"] < end]
    time = "registered_at" if rules.cohort == "registered" else "reported_at"
    cohort = [f for f in cases if f["registered_at"] is not None and start <= f[time] < end]
    kept = [f for f in cohort if not (rules.exclude_deferred and f["deferred"])]

    def count(rows, test):
        return sum(1 for f in rows if test(f))

    def passed(deadline):
        return deadline is not None and deadline < now

    counts = {
        "reported": len(reports), "valid": count(reports, lambda f: f["registered_at"]),
        "rejected": count(reports, lambda f: f["rejected"]),
        "registered_on_time": count(reports, lambda f: f["registered_at"]
                                    and f["registered_on_time"]),
        "worker_reported": count(reports, lambda f: f["source"] == "grid_worker"),
        "self_handled": count(reports, lambda f: f["self_handled"]),
        "registered": len(cohort), "dispatched": count(cohort, lambda f: f["dispatched"]),
        "dispatched_accurately": count(cohort, lambda f: f["dispatched"] and not f["returns"]),
        "handled": count(cohort, lambda f: f["handled"]),
        "handled_on_time": count(kept, lambda f: f["handled"] and f["handled_on_time"]),
        "handle_due": count(kept, lambda f: f["dispatched"]
                            and (f["handled"] or passed(f["handle_end"]))),
        "verified": count(cohort, lambda f: f["verified"]),
        "closed": count(cohort, lambda f: f["closed"]),
        "closed_on_time": count(kept, lambda f: f["closed_on_time"]),
        "due": count(kept, lambda f: f["closed"] or passed(f["handle_end"] or f["due_at"])),
        "reworked": count(cohort, lambda f: f["reworks"]),
        "extended": count(cohort, lambda f: f["extensions"]),
        "deferred": count(cohort, lambda f: f["deferred"]),
        "returns": sum(f["returns"] for f in cohort),
        "overdue": count(cohort, lambda f: f["late"] or f["overdue_now"]),
        "overdue_now": count(cohort, lambda f: f["overdue_now"]),
        "open": count(cohort, lambda f: not f["closed"]),
        "checks": sum(f["checks"] for f in cohort),
        "checks_on_time": sum(f["checks_on_time"] for f in cohort),
        "rated": count(cohort, lambda f: f["rating"] is not None),
        "rating_sum": sum(f["rating"] or 0 for f in cohort),
        "satisfied": count(cohort, lambda f: (f["rating"] or 0) >= rules.satisfied_from),
    }
    return counts


def _facts_of(db, case_ids, now):
    events = defaultdict(list)
    for event in db.execute(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids))
                            .order_by(CaseEvent.case_id, CaseEvent.seq)).scalars():
        events[event.case_id].append(event)
    sources = dict(db.execute(select(Case.id, Case.source).where(Case.id.in_(case_ids))).all())
    return {case_id: facts(found, now, sources[case_id].value)
            for case_id, found in events.items()}


RULES = (Definitions(),
         Definitions(cohort="reported", exclude_deferred=False, rework_denominator="due",
                     satisfied_from=5))


@pytest.mark.parametrize("rules", RULES, ids=["registered-cohort", "reported-cohort"])
def test_every_indicator_equals_a_recomputation_from_the_timeline(db, rules):
    city = build_city(db, cases=200)
    admin = make_user(db, roles=(Role.admin,))
    definitions.change(db, rules.as_dict(), actor_id=admin.id)
    now = datetime.now(UTC)
    known = _facts_of(db, city.case_ids, now)
    zone = ZoneInfo("Asia/Shanghai")
    today = now.astimezone(zone).date()
    period = Period.checked(today - timedelta(days=60), today + timedelta(days=60), zone)
    table = tables.indicator_table(db, principal_for(db, admin.id),
                                   tables.Request(period=period, group_by="unit"), now=now)
    assert table["definitions"] == rules.as_dict()

    def check(figures, rows):
        want = expected(rows, rules, now, period.start, period.end)
        assert figures["counts"] == {name: want[name] for name in figures["counts"]}
        for rate in rates(rules):
            shown = figures["rates"][rate.name]
            assert (shown["numerator"], shown["denominator"]) == (
                want[rate.numerator], want[rate.denominator]), rate.name
            assert shown["value"] == percent(want[rate.numerator], want[rate.denominator])
        return want

    want = check(table["total"], list(known.values()))
    assert want["registered"] > 100
    assert want["overdue_now"] > 0
    assert want["returns"] > 0
    assert want["deferred"] > 0
    assert 0 < want["self_handled"] < want["worker_reported"]
    by_unit = defaultdict(list)
    for row in known.values():
        by_unit[str(row["unit_id"]) if row["unit_id"] else None].append(row)
    shown = {group["key"]: group for group in table["groups"]}
    assert set(shown) <= set(by_unit)
    for key, group in shown.items():
        check(group, by_unit[key])
