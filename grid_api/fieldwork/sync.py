"""Offline sync: the operations a phone queued without signal, applied in order, each on
its own and each at most once.

Every operation carries the phone's own id. Its claim (``sync_operations``) is written
before it runs, so a batch resent while the first is still being applied waits on the
claim and then answers what the first stored; an operation runs in a savepoint, so one
that fails leaves nothing behind and the next one still runs. The answer of every
operation — done, refused or conflicting — is kept and given again to a resend.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import delete, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo.crs import to_wgs84
from grid_api.cases import attachments, commands, filing, queries, views, workflow
from grid_api.cases.photos import process_photo
from grid_api.cases.schemas import CaseCreateSchema, CaseSchema
from grid_api.cases.settings import CaseSettings
from grid_api.errors import AppError, NotFound, StorageUnavailable, ValidationFailed
from grid_api.fieldwork import duty, patrols
from grid_api.fieldwork.patrols import PatrolSettings
from grid_api.fieldwork.schemas import (
    CheckInSchema,
    FixBatchSchema,
    PatrolFinishSchema,
    PatrolStartSchema,
)
from grid_api.identity.principal import Principal
from grid_api.infra.storage import Storage
from models.sync import SyncOperation, SyncPhoto

log = logging.getLogger(__name__)

CONFLICTS = frozenset({409, 412})  # the case moved on: the answer shows where it stands
CASE_OPERATIONS = frozenset({"report", "action"})  # their result is a case
ACTION_SCHEMAS: dict[str, type[Schema]] = {route.path: route.schema for route in commands.ROUTES}


@dataclass(frozen=True)
class SyncContext:
    session: Session
    principal: Principal
    case_settings: CaseSettings
    patrol_settings: PatrolSettings
    # If-Match text → the case versions it accepts (the web layer's ETag syntax).
    expected_versions: Callable[[int, str | None], frozenset[int] | None]
    storage: Storage | None = None  # where photos sent ahead of their operation wait
    far_metres: float = 200.0  # a photo taken farther from its case is flagged


@dataclass(frozen=True)
class Answer:
    status: int
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None  # code, params, errors, extra of the refusal
    replayed: bool = False


def fingerprint(op_type: str, body: dict[str, Any]) -> str:
    canonical = json.dumps([op_type, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_batch(ctx: SyncContext, operations: list[dict[str, Any]]) -> list[tuple[str, Answer]]:
    """Apply the operations in order; returns (op_id, answer) for each."""
    done: dict[str, Answer] = {}
    answers = []
    for operation in operations:
        answer = _run_one(ctx, operation, done)
        done[operation["op_id"]] = answer
        answers.append((operation["op_id"], answer))
    return answers


def _run_one(ctx: SyncContext, operation: dict[str, Any], done: dict[str, Answer]) -> Answer:
    op_id, op_type, body = operation["op_id"], operation["type"], operation["body"]
    print_ = fingerprint(op_type, body)
    claimed = ctx.session.execute(
        insert(SyncOperation).values(user_id=ctx.principal.user_id, op_id=op_id,
                                     op_type=op_type, fingerprint=print_)
        .on_conflict_do_nothing(index_elements=["user_id", "op_id"])
        .returning(SyncOperation.op_id)).scalar()
    if claimed is None:
        return _replay(ctx, op_id, print_)
    try:
        with ctx.session.begin_nested():
            status, result = RUNNERS[op_type](ctx, body, done)
        answer = Answer(status, result=_plain(result))
    except AppError as error:
        extra = dict(error.extra)
        if error.status in CONFLICTS and op_type == "action":
            extra["current"] = _current_case(ctx, body, done)
        answer = Answer(error.status, error=_plain({
            "code": type(error).code, "detail_code": error.detail_code,
            "params": error.params, "errors": error.errors, "extra": extra}))
    if op_type in CASE_OPERATIONS and answer.result is not None and ctx.storage is not None:
        _attach_waiting_photos(ctx, op_id, answer.result["id"])
    ctx.session.execute(update(SyncOperation).where(
        SyncOperation.user_id == ctx.principal.user_id, SyncOperation.op_id == op_id).values(
        status=answer.status, result=_plain(answer.result), error=_plain(answer.error)))
    return answer


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON as stored and as answered again (times as ISO text, keys as strings)."""
    return None if value is None else json.loads(json.dumps(value, default=_iso))


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _replay(ctx: SyncContext, op_id: str, print_: str) -> Answer:
    stored = ctx.session.execute(select(SyncOperation).where(
        SyncOperation.user_id == ctx.principal.user_id,
        SyncOperation.op_id == op_id)).scalar_one()
    if stored.fingerprint != print_:
        return Answer(422, error={"code": ValidationFailed.code,
                                  "detail_code": "operation_id_reused", "params": {},
                                  "errors": {}, "extra": {}})
    return Answer(stored.status, result=stored.result, error=stored.error, replayed=True)


def _load(schema: Schema, body: dict[str, Any]) -> Any:
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.normalized_messages()) from exc


def _earlier_result(ctx: SyncContext, op_id: str | None,
                    done: dict[str, Answer]) -> dict[str, Any] | None:
    """What an earlier operation (of this batch or a batch before) answered, if it worked."""
    if not op_id:
        return None
    answer = done.get(op_id)
    if answer is None:
        stored = ctx.session.execute(select(SyncOperation).where(
            SyncOperation.user_id == ctx.principal.user_id,
            SyncOperation.op_id == op_id)).scalar()
        answer = Answer(stored.status, result=stored.result) if stored else None
    return answer.result if answer is not None and answer.status < 300 else None  # noqa: PLR2004


def _case_id(ctx: SyncContext, body: dict[str, Any], done: dict[str, Answer]) -> int:
    """The case an operation acts on: its id, or the one an earlier report filed."""
    if body.get("case_id") is not None:
        if not isinstance(body["case_id"], int):
            raise ValidationFailed(errors={"case_id": ["Not a valid integer."]})
        return body["case_id"]
    reported = _earlier_result(ctx, body.get("case_op"), done)
    if reported is None or "id" not in reported:
        raise ValidationFailed(errors={"case_op": ["No earlier report with this id."]})
    return reported["id"]


def _patrol_id(ctx: SyncContext, body: dict[str, Any]) -> int:
    """The patrol an operation is about: its id, or the phone's own id for it."""
    if isinstance(body.get("patrol_id"), int):
        return body["patrol_id"]
    found = patrols.find_by_client_ref(ctx.session, ctx.principal, body.get("patrol_ref") or "")
    if found is None:
        raise NotFound
    return found.id


def _current_case(ctx: SyncContext, body: dict[str, Any],
                  done: dict[str, Answer]) -> dict[str, Any] | None:
    """The case as it stands now, for a phone whose action came too late."""
    try:
        case = queries.get_visible_case(ctx.session, ctx.principal, _case_id(ctx, body, done))
    except AppError:
        return None
    return _case_view(views.describe_case(ctx.session, ctx.principal, case))


def _case_view(view: dict[str, Any]) -> dict[str, Any]:
    return CaseSchema().dump(view)


def _report(ctx: SyncContext, body: dict[str, Any], done: dict[str, Answer]):
    data = _load(CaseCreateSchema(), body)
    lon, lat = to_wgs84(*data["location"]["coordinates"], data["crs"])
    filed = filing.report_case(
        ctx.session, ctx.principal, ctx.case_settings, category=data["category"],
        description=data["description"], lon=lon, lat=lat, crs=data["crs"],
        address=data.get("address"), seen_at=data.get("seen_at"), answers=data.get("answers"),
        handled_on_site=data["handled_on_site"])
    return 201, _case_view(filed.view)


def _action(ctx: SyncContext, body: dict[str, Any], done: dict[str, Answer]):
    fields = {k: v for k, v in body.items()
              if k not in {"case_id", "case_op", "action", "if_match"}}
    schema = ACTION_SCHEMAS.get(body.get("action") or "")
    if schema is None:
        raise ValidationFailed(errors={"action": ["Unknown action."]})
    command = _load(schema(), fields)
    case_id = _case_id(ctx, body, done)
    action_ctx = workflow.ActionContext(ctx.session, ctx.principal, ctx.case_settings)
    case = workflow.act(action_ctx, case_id, command,
                        expected_versions=ctx.expected_versions(case_id, body.get("if_match")))
    return 200, _case_view(views.describe_case(ctx.session, ctx.principal, case))


def _patrol_start(ctx: SyncContext, body: dict[str, Any], done: dict[str, Answer]):
    data = _load(PatrolStartSchema(), body)
    patrol, created = patrols.start_patrol(ctx.session, ctx.principal,
                                           started_at=data.get("started_at"),
                                           client_ref=data.get("client_ref"))
    return (201 if created else 200), {"id": patrol.id, "client_ref": patrol.client_ref}


def _patrol_points(ctx: SyncContext, body: dict[str, Any], done: dict[str, Answer]):
    data = _load(FixBatchSchema(), {"fixes": body.get("fixes")})
    return 200, patrols.add_fixes(ctx.session, ctx.principal, _patrol_id(ctx, body),
                                  data["fixes"], ctx.patrol_settings)


def _patrol_finish(ctx: SyncContext, body: dict[str, Any], done: dict[str, Answer]):
    data = _load(PatrolFinishSchema(), {k: v for k, v in body.items() if k == "finished_at"})
    patrol = patrols.finish_patrol(ctx.session, ctx.principal, _patrol_id(ctx, body),
                                   ctx.patrol_settings, finished_at=data.get("finished_at"))
    return 200, {"id": patrol.id, "finished_at": patrol.finished_at.isoformat(),
                 "walked_m": patrol.walked_m}


def _check_in(ctx: SyncContext, body: dict[str, Any], done: dict[str, Answer]):
    data = _load(CheckInSchema(), body)
    lon, lat = to_wgs84(*data["location"]["coordinates"], data["crs"])
    record, cell, created = duty.check_in(
        ctx.session, ctx.principal, kind=data["kind"], lon=lon, lat=lat,
        accuracy_m=data.get("accuracy_m"), at=data.get("at"), client_ref=data.get("client_ref"))
    return (201 if created else 200), {"id": record.id, "kind": record.kind,
                                       "at": record.at.isoformat(), "cell": cell}


Runner = Callable[[SyncContext, dict[str, Any], dict[str, Answer]], tuple[int, dict[str, Any]]]
RUNNERS: dict[str, Runner] = {
    "report": _report, "action": _action, "patrol_start": _patrol_start,
    "patrol_points": _patrol_points, "patrol_finish": _patrol_finish, "check_in": _check_in,
}


def add_photo(ctx: SyncContext, op_id: str, *, data: bytes, purpose: str,
              kind: str | None = None) -> tuple[dict[str, Any] | None, bool]:
    """A photo for a queued operation, sent before or after the operation itself. If the
    operation already gave a case, the photo is attached to it at once: (its attachment,
    True); otherwise it waits for the operation: (None, False). Sent again, it is kept once.
    ``kind``: a fix on the spot's ``before`` or ``after`` photo (``cases.onsite``).

    Raises UnsupportedMediaType, DecompressionBomb, ValidationFailed (not a usable image),
    and what attaching a photo to a case raises.
    """
    done = _earlier_result(ctx, op_id, {})
    if done is not None and "id" in done:
        attachment, _ = attachments.add_photo(
            ctx.session, ctx.storage, ctx.principal, done["id"], data=data, purpose=purpose,
            far_metres=ctx.far_metres, settings=ctx.case_settings, kind=kind)
        return {"id": attachment.id, "case_id": attachment.case_id}, True
    photo = process_photo(data)  # refuse what is no photo now, not when the case comes
    key = f"sync/{ctx.principal.user_id}/{photo.sha256[:32]}"
    ctx.storage.put(key, data)
    ctx.session.execute(insert(SyncPhoto).values(
        user_id=ctx.principal.user_id, op_id=op_id, purpose=purpose, kind=kind, storage_key=key,
        sha256=photo.sha256).on_conflict_do_nothing())
    return None, False


def _attach_waiting_photos(ctx: SyncContext, op_id: str, case_id: int) -> None:
    waiting = ctx.session.execute(select(SyncPhoto).where(
        SyncPhoto.user_id == ctx.principal.user_id, SyncPhoto.op_id == op_id,
        SyncPhoto.attached_at.is_(None)).order_by(SyncPhoto.id)).scalars().all()
    for photo in waiting:
        try:
            with ctx.session.begin_nested():
                attachments.add_photo(ctx.session, ctx.storage, ctx.principal, case_id,
                                      data=ctx.storage.get(photo.storage_key),
                                      purpose=photo.purpose, far_metres=ctx.far_metres,
                                      settings=ctx.case_settings, kind=photo.kind)
                # Its stored original goes with the retention sweep, after the commit: a
                # file deleted here would be gone if this transaction rolled back.
                photo.attached_at = datetime.now(UTC)
        except AppError:  # this case takes no such photo now: the photo keeps waiting
            continue


@dataclass(frozen=True)
class SyncRetention:
    operations: timedelta  # a phone resends a batch within days, never after this
    waiting_photos: timedelta  # a photo whose operation never came is dropped after this
    attached_photos: timedelta = timedelta(days=1)  # the original, once on its case


_DROP_PHOTOS = text("""
    DELETE FROM sync_photos
    WHERE id IN (SELECT id FROM sync_photos
                 WHERE attached_at < :attached_before
                    OR (attached_at IS NULL AND created_at < :waiting_before)
                 ORDER BY id LIMIT :batch FOR UPDATE SKIP LOCKED)
    RETURNING storage_key
""")
_STILL_USED = text("SELECT DISTINCT storage_key FROM sync_photos WHERE storage_key = ANY(:keys)")


def purge(session: Session, storage: Storage, retention: SyncRetention, *,
          now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Forget sync operations past the retention (a resend that old is answered as new,
    and no phone keeps a batch that long), and photos sent ahead that reached their case
    a day ago or whose operation never came. Commits, then deletes the stored files no
    row names any more (a file outlives its row if deleting it fails, never the reverse).
    Returns how many of each went."""
    now = now or datetime.now(UTC)
    old = select(SyncOperation.user_id, SyncOperation.op_id).where(
        SyncOperation.created_at < now - retention.operations).limit(batch)
    operations = session.execute(delete(SyncOperation).where(
        tuple_(SyncOperation.user_id, SyncOperation.op_id).in_(old))).rowcount
    keys = set(session.execute(_DROP_PHOTOS, {
        "attached_before": now - retention.attached_photos,
        "waiting_before": now - retention.waiting_photos, "batch": batch}).scalars())
    session.commit()
    used = set(session.execute(_STILL_USED, {"keys": list(keys)}).scalars()) if keys else set()
    files = 0
    for key in sorted(keys - used):
        try:
            storage.delete(key)
            files += 1
        except StorageUnavailable as exc:  # left for good: no row names it any more
            log.warning("sync photo %s not deleted: %s", key, exc)
    session.commit()
    return {"operations": operations, "photos": len(keys), "files": files}
