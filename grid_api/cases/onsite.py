"""自行处置: a problem a grid worker fixed on the spot, reported with a photo before and a
photo after the fix.

The report is filed like any other (``filing.report_case`` with ``handled_on_site``) and
waits in ``reported``; the two photos follow through the ordinary photo upload with their
``kind``, each checked against the case's location by its EXIF position. The upload that
completes the pair has the system register, resolve (``handle_on_site``), verify and close
the case through the state machine, in that upload's transaction: no unit, no dispatch.
A phone that loses the connection resends any of the three requests safely.

Until both photos are in, supervisors still see the report and may register it the usual
way (then it is dispatched like any other) or reject it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grid_api.cases import commands as c
from grid_api.cases import workflow
from grid_api.cases.settings import CaseSettings
from grid_api.errors import BusinessRuleViolation, PermissionDenied, ValidationFailed
from grid_api.identity.principal import SYSTEM, Principal
from models.attachment import Attachment
from models.case import Case, CaseSource, CaseStatus
from models.user import Role

KINDS = ("before", "after")
PURPOSE_OF_KIND = {"before": "report", "after": "resolution"}


def check_reporter(principal: Principal, source: CaseSource) -> None:
    """Only a grid worker reports a fix on the spot, and only as their own report.

    Raises PermissionDenied (not a grid worker), ValidationFailed (another channel).
    """
    if not principal.has(Role.grid_worker):
        raise PermissionDenied("on_site_fix_is_for_grid_workers")
    if source is not CaseSource.grid_worker:
        raise ValidationFailed("on_site_fix_source", errors={
            "source": ["A fix on the spot is a grid worker's own report (grid_worker)."]})


def check_place(principal: Principal, *, allowed: bool, category_code: str,
                cell_id: int) -> None:
    """The category must allow fixes on the spot, and the place be one of the worker's
    own cells (the case closes without anyone else looking at it).

    Raises BusinessRuleViolation.
    """
    if not allowed:
        raise BusinessRuleViolation("on_site_fix_not_allowed",
                                    params={"category": category_code},
                                    errors={"category": ["No fixes on the spot in this "
                                                         "category."]})
    if cell_id not in principal.grid_ids:
        raise BusinessRuleViolation("on_site_fix_outside_own_cells",
                                    errors={"location": ["Not in one of your grid cells."]})


def awaits_photos(case: Case) -> bool:
    return case.handled_on_site and case.status is CaseStatus.reported


def require_kind(principal: Principal, case: Case, kind: str | None) -> None:
    """The reporter's photos of a fix awaiting its evidence say which they are.

    Raises ValidationFailed (``kind`` missing).
    """
    if kind is None and awaits_photos(case) and principal.user_id == case.reporter_id:
        raise ValidationFailed("on_site_photo_kind_missing", errors={
            "kind": ["Missing data for required field."]})


def check_photo_target(principal: Principal, case: Case) -> None:
    """Before and after photos belong to a fix on the spot, sent by its reporter.

    Raises BusinessRuleViolation (not such a case), PermissionDenied (someone else).
    """
    if not case.handled_on_site:
        raise BusinessRuleViolation("not_an_on_site_fix", errors={
            "kind": ["Only for a report of a fix on the spot."]})
    if principal.user_id != case.reporter_id:
        raise PermissionDenied("on_site_photos_are_the_reporters")


def check_position(distance_m: float | None, far_metres: float) -> None:
    """The photo's EXIF position must be near the case, as the photo check measures it.

    Raises BusinessRuleViolation.
    """
    if distance_m is None:
        raise BusinessRuleViolation("on_site_photo_without_position", errors={
            "file": ["The photo carries no GPS position."]})
    if distance_m > far_metres:
        raise BusinessRuleViolation("on_site_photo_too_far", params={
            "distance": round(distance_m), "limit": round(far_metres)}, errors={
            "file": ["Taken too far from the case."]})


def _latest(session: Session, case: Case) -> dict[str, Attachment]:
    rows = session.execute(select(Attachment).where(
        Attachment.case_id == case.id, Attachment.uploader_id == case.reporter_id,
        Attachment.kind.in_(KINDS)).order_by(Attachment.id)).scalars()
    return {row.kind: row for row in rows}  # the newest of each kind


def check_order(session: Session, case: Case, kind: str, taken_at: datetime | None) -> None:
    """The after photo is not taken before the before photo (where both cameras say when).

    Raises BusinessRuleViolation.
    """
    other = _latest(session, case).get("after" if kind == "before" else "before")
    if other is None or other.exif_taken_at is None or taken_at is None:
        return
    before, after = (taken_at, other.exif_taken_at) if kind == "before" else (
        other.exif_taken_at, taken_at)
    if after < before:
        raise BusinessRuleViolation("on_site_photos_out_of_order", errors={
            "kind": ["The after photo was taken before the before photo."]})


def complete(session: Session, settings: CaseSettings, case: Case) -> bool:
    """With both photos in, the system registers, resolves, verifies and closes the case
    (locked by the caller); returns whether it did."""
    if not awaits_photos(case):
        return False
    photos = _latest(session, case)
    if set(photos) != set(KINDS):
        return False
    ctx = workflow.ActionContext(session, SYSTEM, settings)
    workflow.apply_as_system(ctx, case, c.Register())
    workflow.apply_as_system(ctx, case, c.HandleOnSite(
        before_photo_id=photos["before"].id, after_photo_id=photos["after"].id))
    workflow.apply_as_system(ctx, case, c.Verify())
    if case.status is CaseStatus.verified:  # unless verifying closes it by itself
        workflow.apply_as_system(ctx, case, c.Close())
    return True
