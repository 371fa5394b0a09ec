"""Filing a report: the busiest write of the product, sent from phones in the field.

It costs two statements. The first reads everything the report depends on — the grid cell
with its ancestors, the category with its major class, the reporter, the next case number
and the fingerprint of the working calendar. The second writes the case together with the
opening events the state machine (``models.case``) gave it and the counters the evaluation
reads (``models.case_counter``). The answer is built from what those two returned, without
reading the case back. A category that asks questions costs a read of them, and the answers
one more write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.cases import deadlines, onsite, tally
from grid_api.cases.deadlines import deadline_after, stage_limit_for
from grid_api.cases.settings import CaseSettings
from grid_api.cases.views import CaseRefs, describe
from grid_api.cases.workflow import schedule_auto_dispatch, tell_watchers
from grid_api.categories import questions
from grid_api.errors import BusinessRuleViolation, PermissionDenied, ValidationFailed
from grid_api.geography.areas import COVERING_CELL
from grid_api.identity.principal import Principal
from grid_api.working_time.calendar import CALENDAR_FINGERPRINT_SQL
from models.case import Case, CaseAction, CaseSource
from models.case_counter import CaseCounter
from models.user import Role

FUTURE_SKEW = timedelta(minutes=10)  # phones' clocks run fast; more is a mistake

# A case number is drawn only when the report can be placed (one then refused for its
# answers leaves a gap in the day's numbers, as any rolled-back filing does).
PLACEMENT_SQL = text(f"""
    WITH cell AS (SELECT id, code, name, level, path {COVERING_CELL})
    SELECT cell.id AS cell_id, cell.code AS cell_code, cell.name AS cell_name,
           cell.level::text AS cell_level, cell.path AS cell_path,
           (SELECT coalesce(json_agg(json_build_object(
                       'id', a.id, 'code', a.code, 'name', a.name, 'level', a.level)
                     ORDER BY length(a.path)), '[]')
            FROM areas a
            WHERE a.id = ANY (string_to_array(trim(both '/' from cell.path), '/')::bigint[])
              AND a.id <> cell.id) AS ancestors,
           category.id AS category_id, category.code AS category_code,
           category.kind::text AS category_kind, category.name_zh, category.name_en,
           category.time_limits, major.time_limits AS major_time_limits,
           category.allows_on_site_fix,
           reporter.display_name, reporter.phone,
           CASE WHEN cell.id IS NOT NULL AND category.id IS NOT NULL
                THEN nextval('case_code_seq') END AS number,
           ({CALENDAR_FINGERPRINT_SQL}) AS calendar_fingerprint,
           EXISTS (SELECT 1 FROM category_questions q
                   WHERE q.category_id = category.id) AS asks_questions
    FROM (SELECT 1) AS one
    LEFT JOIN cell ON true
    LEFT JOIN categories category
           ON category.code = :category AND category.parent_id IS NOT NULL AND category.active
    LEFT JOIN categories major ON major.id = category.parent_id
    LEFT JOIN users reporter ON reporter.id = :reporter_id
""")  # noqa: S608 - constant fragments only

INSERT_SQL = text("""
    WITH new_case AS (
        INSERT INTO cases (code, status, version, category_id, description, location,
                           reported_crs, address, seen_at, reporter_id, grid_id, area_path,
                           register_deadline, registered_at, source, urgent, handled_on_site,
                           created_at)
        VALUES (:code, :status, :version, :category_id, :description,
                ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :reported_crs, :address, :seen_at,
                :reporter_id, :grid_id, :area_path, :register_deadline, :registered_at,
                :source, :urgent, :handled_on_site, :now)
        RETURNING id, created_at, updated_at, overdue, deferred, needs_manual_dispatch,
                  return_count, rework_count),
    opening AS (
        INSERT INTO case_events (case_id, seq, action, from_status, to_status, actor_id, note,
                                 data, created_at)
        SELECT new_case.id, e.seq, e.action, e.from_status, e.to_status, e.actor_id, e.note,
               e.data, :now
        FROM new_case, jsonb_to_recordset(CAST(:events AS jsonb))
             AS e(seq int, action text, from_status text, to_status text, actor_id bigint,
                  note text, data jsonb)),
    counters AS (
        INSERT INTO case_counters
        SELECT (jsonb_populate_record(NULL::case_counters, CAST(:counters AS jsonb)
                                      || jsonb_build_object('case_id', new_case.id))).*
        FROM new_case)
    SELECT * FROM new_case
""")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


@dataclass(frozen=True)
class FiledReport:
    case: Case
    view: dict[str, Any]  # the case as its reporter sees it


def channel(principal: Principal, asked: CaseSource | str | None) -> CaseSource:
    """The channel a report comes in through: a grid worker's own reports are
    ``grid_worker``, a resident's ``resident_app``; other staff file for a channel
    (``supervision`` unless they name another: the hotline, video, a leader, the media…).

    Raises ValidationFailed (a resident naming another channel).
    """
    if not principal.is_staff:
        if asked not in (None, CaseSource.resident_app):
            raise ValidationFailed(errors={"source": ["Residents report from the app."]})
        return CaseSource.resident_app
    if asked is not None:
        return CaseSource(asked)
    return CaseSource.grid_worker if principal.has(Role.grid_worker) else CaseSource.supervision


def report_case(session: Session, principal: Principal, settings: CaseSettings, *,
                category: str, description: str, lon: float, lat: float, crs: str,
                address: str | None = None, seen_at: datetime | None = None,
                source: CaseSource | str | None = None, urgent: bool = False,
                answers: Mapping[str, Any] | None = None,
                handled_on_site: bool = False) -> FiledReport:
    """File a report where the point falls. A grid worker's report in own cells (or any
    staff report, or any report when review is off) is registered at once. ``source`` is
    the channel, as the filing path knows it (None: the reporter's own, see
    :func:`channel`); only supervisors file a case as urgent. ``answers`` (question code →
    answer) are checked against the category's questions and kept with the case.
    ``handled_on_site``: a grid worker fixed it on the spot (自行处置, see
    ``cases.onsite``): it waits in ``reported`` for its before and after photos, and is
    never dispatched.

    Raises ValidationFailed (unknown category, seen in the future, answers wrong or missing:
    ``invalid_answers`` with the messages under ``answers``; another channel for a fix on
    the spot), PermissionDenied (urgent from someone who is not a supervisor, a fix on the
    spot from someone who is not a grid worker), BusinessRuleViolation
    (outside_service_area; a category without fixes on the spot, or a place outside the
    worker's own cells).
    """
    now = datetime.now(UTC)
    source = CaseSource(source) if source is not None else channel(principal, None)
    if urgent and not (principal.has(Role.supervisor) or principal.has(Role.admin)):
        raise PermissionDenied("urgent_is_for_supervisors")
    if handled_on_site:
        onsite.check_reporter(principal, source)
    if seen_at is not None and seen_at > now + FUTURE_SKEW:
        raise ValidationFailed(errors={"seen_at": ["Must not be in the future."]})
    placed = session.execute(PLACEMENT_SQL, {
        "lon": lon, "lat": lat, "category": category, "reporter_id": principal.user_id}).one()
    if placed.category_id is None:
        raise ValidationFailed("unknown_category", errors={"category": ["Unknown category."]})
    if placed.cell_id is None:
        raise BusinessRuleViolation("outside_service_area",
                                    errors={"location": ["Outside every grid cell."]})
    if handled_on_site:
        onsite.check_place(principal, allowed=placed.allows_on_site_fix,
                           category_code=placed.category_code, cell_id=placed.cell_id)
    checked = questions.check_answers(
        questions.questions_of(session, placed.category_id) if placed.asks_questions else [],
        answers or {}, field="answers")
    calendar = deadlines.calendar(session, settings, placed.calendar_fingerprint)
    local_day = now.astimezone(calendar.zone).strftime("%Y%m%d")
    case = Case.report(
        actor_id=principal.user_id, code=f"{local_day}{placed.number:06d}",
        category_id=placed.category_id, description=description, reported_crs=crs,
        address=address, seen_at=seen_at, reporter_id=principal.user_id,
        grid_id=placed.cell_id, area_path=placed.cell_path, source=source, urgent=urgent,
        handled_on_site=handled_on_site,
        register_deadline=deadline_after(calendar, stage_limit_for(
            "register", placed.time_limits, placed.major_time_limits, urgent=urgent,
            cal=calendar, urgent_percent=settings.urgent_limit_percent), now))
    # The timeline records the deadlines it set, so it alone explains them.
    case.events[0].data = {"register_deadline": _iso(case.register_deadline),
                           "urgent": urgent,
                           **({"handled_on_site": True} if handled_on_site else {})}
    # A fix on the spot is registered by the system once its photos are in.
    if not handled_on_site and (principal.is_staff or not settings.residents_need_review):
        case.apply(CaseAction.register, actor_id=principal.user_id)
        case.registered_at = now
    for event in case.events:
        event.created_at = now  # one time for the case, its opening events and its counters
    _insert(session, case, lon, lat, now=now,
            counters=tally.opening(case, placed.category_code))
    questions.keep_answers(session, case.id, checked)
    if case.registered_at is not None:
        schedule_auto_dispatch(session, case.id)
        tell_watchers(session, case.id, "new")
    return FiledReport(case, describe(principal, case, CaseRefs(
        lon=lon, lat=lat,
        category={"code": placed.category_code, "kind": placed.category_kind,
                  "name_zh": placed.name_zh, "name_en": placed.name_en},
        grid={"id": placed.cell_id, "code": placed.cell_code, "name": placed.cell_name,
              "level": placed.cell_level, "ancestors": placed.ancestors},
        reporter={"id": principal.user_id, "display_name": placed.display_name,
                  "phone": placed.phone},
        unit=None)) | {"answers": checked})


def _insert(session: Session, case: Case, lon: float, lat: float, *, now: datetime,
            counters: CaseCounter) -> None:
    """Write the new case, its opening events and its counters in one statement; fill in
    what the database assigned (id, timestamps, defaults) on ``case``, which stays out of
    the session."""
    events = [{"seq": event.seq, "action": event.action, "from_status": event.from_status,
               "to_status": event.to_status, "actor_id": event.actor_id, "note": event.note,
               "data": event.data or {}}
              for event in case.events]
    row = session.execute(INSERT_SQL, {
        "code": case.code, "status": case.status.value, "version": case.version,
        "category_id": case.category_id, "description": case.description, "lon": lon,
        "lat": lat, "reported_crs": case.reported_crs, "address": case.address,
        "seen_at": case.seen_at, "reporter_id": case.reporter_id, "grid_id": case.grid_id,
        "area_path": case.area_path, "register_deadline": case.register_deadline,
        "registered_at": case.registered_at, "source": case.source.value,
        "urgent": case.urgent, "handled_on_site": case.handled_on_site, "now": now,
        "events": json.dumps(events),
        "counters": json.dumps(counters.values(), default=str)}).one()
    for column, value in row._mapping.items():
        setattr(case, column, value)
