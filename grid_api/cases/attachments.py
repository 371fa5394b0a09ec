"""Photos of a case: intake (checked, re-encoded, evidence kept) and who sees what."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from grid_api.cases import onsite, policy, queries
from grid_api.cases.photos import process_photo
from grid_api.cases.settings import CaseSettings
from grid_api.errors import BusinessRuleViolation, NotFound, PermissionDenied
from grid_api.identity.principal import Principal
from grid_api.infra.storage import Storage
from models.attachment import Attachment
from models.case import Case, CaseAction, CaseStatus
from models.category import Category

EARTH_RADIUS_M = 6_371_008.8


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine): plenty for "more than 200 m away"."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _check_purpose(principal: Principal, case: Case, purpose: str, kind: str | None) -> None:
    if case.status in {CaseStatus.closed, CaseStatus.rejected}:
        raise BusinessRuleViolation("case_is_finished")
    if not policy.can_view_full(principal, case):
        raise PermissionDenied
    if kind is not None:  # 自行处置: the reporter's own evidence of the fix
        onsite.check_photo_target(principal, case)
        return
    onsite.require_kind(principal, case, kind)
    if purpose == "resolution" and not policy.can(principal, CaseAction.resolve, case):
        raise PermissionDenied


def _sent_before(session: Session, principal: Principal, case: Case,
                 sha256: str) -> Attachment | None:
    return session.execute(select(Attachment).where(
        Attachment.case_id == case.id, Attachment.uploader_id == principal.user_id,
        Attachment.sha256 == sha256).order_by(Attachment.id).limit(1)).scalar()


def add_photo(session: Session, storage: Storage, principal: Principal, case_id: int, *,
              data: bytes, purpose: str, far_metres: float, settings: CaseSettings,
              kind: str | None = None) -> tuple[Attachment, bool]:
    """Store a photo; returns (attachment, created). The same file sent again by the same
    person (a retried upload) returns the first one.

    ``kind`` (``before``/``after``): evidence of a fix on the spot (``cases.onsite``): its
    purpose follows from it, its EXIF position must be near the case, and the photo that
    completes the pair closes the case.

    Raises NotFound, PermissionDenied, UnsupportedMediaType, DecompressionBomb,
    ValidationFailed, BusinessRuleViolation."""
    # A fix's photos are taken one at a time under the case's lock, so two sent at once
    # both see each other and the second closes the case.
    case = queries.get_visible_case(session, principal, case_id, for_update=kind is not None)
    if kind is not None:
        purpose = onsite.PURPOSE_OF_KIND[kind]
    if kind is not None and case.handled_on_site:
        again = _sent_before(session, principal, case, hashlib.sha256(data).hexdigest())
        if again is not None and again.kind == kind:
            return again, False  # a retry, even of the photo that closed the case
        if again is not None and again.kind is not None:
            raise BusinessRuleViolation("on_site_photos_identical", errors={
                "file": ["The same photo cannot be both before and after."]})
    _check_purpose(principal, case, purpose, kind)
    photo = process_photo(data)
    existing = _sent_before(session, principal, case, photo.sha256)
    if existing is not None:
        return existing, False
    distance = None
    if photo.exif_lon is not None:
        lon, lat = session.execute(select(func.ST_X(Case.location), func.ST_Y(Case.location))
                                   .where(Case.id == case.id)).one()
        distance = _metres(photo.exif_lon, photo.exif_lat, lon, lat)
    if kind is not None:
        onsite.check_position(distance, far_metres)
        onsite.check_order(session, case, kind, photo.exif_taken_at)
    key = f"cases/{case.id}/{photo.sha256[:32]}.jpg"
    storage.put(key, photo.jpeg)
    attachment = Attachment(
        case_id=case.id, uploader_id=principal.user_id, purpose=purpose, kind=kind,
        storage_key=key,
        original_format=photo.original_format, sha256=photo.sha256, width=photo.width,
        height=photo.height, size_bytes=len(photo.jpeg), exif_lon=photo.exif_lon,
        exif_lat=photo.exif_lat, exif_taken_at=photo.exif_taken_at, distance_m=distance,
        far_from_case=distance is not None and distance > far_metres)
    session.add(attachment)
    session.flush()  # the id is in the answer
    if kind is not None:
        onsite.complete(session, settings, case)
    return attachment, True


def _shown_to(principal: Principal, case: Case):
    """Which of the case's photos ``principal`` may list or download, as a WHERE clause."""
    if policy.can_view_full(principal, case):
        return Attachment.case_id == case.id
    # A sensitive category's photos stay with its full viewers: a photo shows the place.
    sensitive = exists().where(Category.id == case.category_id, Category.sensitive)
    return (Attachment.case_id == case.id) & Attachment.publishable.is_(True) & ~sensitive


def list_photos(session: Session, principal: Principal, case_id: int) -> tuple[Case, list]:
    """The case's photos ``principal`` may see. Raises NotFound."""
    case = queries.get_visible_case(session, principal, case_id)
    photos = session.execute(select(Attachment).where(_shown_to(principal, case))
                             .order_by(Attachment.id)).scalars().all()
    return case, list(photos)


def get_photo(session: Session, principal: Principal, case_id: int,
              attachment_id: int) -> Attachment:
    """One photo ``principal`` may see (a photo not yet publishable is NotFound to others)."""
    case = queries.get_visible_case(session, principal, case_id)
    attachment = session.execute(select(Attachment).where(
        _shown_to(principal, case), Attachment.id == attachment_id)).scalar_one_or_none()
    if attachment is None:
        raise NotFound
    return attachment


def set_publishable(session: Session, principal: Principal, case_id: int, attachment_id: int,
                    *, publishable: bool) -> tuple[Case, Attachment]:
    """Staff who see the case in full mark a photo publishable (or take that back).

    Raises NotFound, PermissionDenied."""
    case = queries.get_visible_case(session, principal, case_id)
    attachment = get_photo(session, principal, case_id, attachment_id)
    if not (principal.is_staff and policy.can_view_full(principal, case)):
        raise PermissionDenied
    if attachment.publishable != publishable:
        attachment.publishable = publishable
        attachment.published_by_id = principal.user_id if publishable else None
        attachment.published_at = datetime.now(UTC) if publishable else None
    return case, attachment


def describe_photo(principal: Principal, case: Case, attachment: Attachment) -> dict:
    described = {
        "id": attachment.id, "purpose": attachment.purpose, "kind": attachment.kind,
        "width": attachment.width,
        "height": attachment.height, "size_bytes": attachment.size_bytes,
        "created_at": attachment.created_at,
        "url": f"/api/v1/cases/{case.id}/attachments/{attachment.id}",
        "publishable": attachment.publishable,
    }
    if principal.is_staff and policy.can_view_full(principal, case):
        described["exif"] = {"lon": attachment.exif_lon, "lat": attachment.exif_lat,
                             "taken_at": (attachment.exif_taken_at.isoformat()
                                          if attachment.exif_taken_at else None),
                             "distance_m": attachment.distance_m}
        described["far_from_case"] = attachment.far_from_case
    return described
