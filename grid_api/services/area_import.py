"""Import surveyed boundaries (a GeoJSON FeatureCollection) as children of one area.

Each feature is created, updated (its previous version kept in ``area_versions``) or
rejected with a reason; invalid rings are repaired and reported as such. Overlaps between
siblings and gaps left inside the parent are reported, not refused. Everything happens in
the caller's transaction: a failure leaves nothing half-imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely import MultiPolygon
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from geo.codes import code_problem
from geo.geojson import parse_polygonal
from geo.levels import AreaLevel, child_level
from geo.measure import area_m2
from geo.repair import SLIVER_AREA_DEG2, repair_polygonal
from geo.srid import WGS84
from grid_api.errors import BusinessRuleViolation, ValidationFailed
from grid_api.services.areas import get_area
from models.area import Area

CONTAINED_SHARE = 0.99  # at least this share of a feature must lie inside the parent
MAX_REPORTED_GAPS = 100
Progress = Callable[[int], None]


@dataclass
class FeatureOutcome:
    index: int
    code: str | None
    name: str | None
    status: str = "created"  # created | updated | rejected
    repaired: bool = False
    reason: str | None = None


@dataclass
class ImportReport:
    parent_id: int
    level: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    repaired: int = 0
    rejected: int = 0
    features: list[FeatureOutcome] = field(default_factory=list)
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    gaps: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def tally(self) -> None:
        for outcome in self.features:
            if outcome.status == "rejected":
                self.rejected += 1
                continue
            self.created += outcome.status == "created"
            self.updated += outcome.status == "updated"
            self.repaired += outcome.repaired


@dataclass
class _Candidate:
    outcome: FeatureOutcome
    geometry: MultiPolygon
    existing_id: int | None = None


def _collection_features(collection: Any) -> list[Any]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValidationFailed("not_a_feature_collection",
                               errors={"type": ["Must be a GeoJSON FeatureCollection."]})
    features = collection.get("features")
    if not isinstance(features, list):
        raise ValidationFailed("not_a_feature_collection",
                               errors={"features": ["Not a valid list."]})
    if not features:
        raise ValidationFailed("empty_collection", errors={"features": ["No features."]})
    return features


def _property(feature: dict, names: tuple[str, ...]) -> str | None:
    properties = feature.get("properties") or {}
    for name in names:
        value = properties.get(name) if isinstance(properties, dict) else None
        if value not in (None, ""):
            return str(value).strip()
    return None


def _reject(outcome: FeatureOutcome, reason: str) -> None:
    outcome.status, outcome.reason = "rejected", reason


def _parse(features: list[Any], parent: Area, level: AreaLevel, *, code_keys: tuple[str, ...],
           name_keys: tuple[str, ...],
           progress: Progress | None) -> list[_Candidate | FeatureOutcome]:
    parsed: list[_Candidate | FeatureOutcome] = []
    seen_codes: set[str] = set()
    for index, feature in enumerate(features):
        if progress and index % 1000 == 0:
            progress(index)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            outcome = FeatureOutcome(index, None, None)
            _reject(outcome, "not_a_feature")
            parsed.append(outcome)
            continue
        outcome = FeatureOutcome(index, _property(feature, code_keys),
                                 _property(feature, name_keys))
        geometry = parse_polygonal(feature.get("geometry"))
        problem = (
            ("missing_code" if not outcome.code else None)
            or ("missing_name" if not outcome.name else None)
            or code_problem(outcome.code, level, parent.code)
            or ("duplicate_code" if outcome.code in seen_codes else None)
            or ("name_too_long" if len(outcome.name) > 100 else None)  # noqa: PLR2004
            or geometry.reason
        )
        if outcome.code:
            seen_codes.add(outcome.code)
        if problem:
            _reject(outcome, problem)
            parsed.append(outcome)
            continue
        repaired = repair_polygonal(geometry.geometry)
        if repaired.geometry is None:
            _reject(outcome, f"unrepairable_{repaired.reason}")
            parsed.append(outcome)
            continue
        outcome.repaired = repaired.repaired
        parsed.append(_Candidate(outcome, repaired.geometry))
    return parsed


def _clip_to_parent(candidates: list[_Candidate], parent_shape: MultiPolygon) -> None:
    """Reject features mostly outside the parent; clip the rest to it."""
    if not candidates:
        return
    shapely.prepare(parent_shape)
    geometries = np.array([c.geometry for c in candidates], dtype=object)
    inside = shapely.contains_properly(parent_shape, geometries)
    for candidate, contained in zip(candidates, inside, strict=True):
        if contained:
            continue
        clipped = candidate.geometry.intersection(parent_shape)
        share = clipped.area / candidate.geometry.area if candidate.geometry.area else 0
        if share < CONTAINED_SHARE:
            _reject(candidate.outcome, "outside_parent")
            continue
        repaired = repair_polygonal(clipped).geometry
        if repaired is None:
            _reject(candidate.outcome, "outside_parent")
            continue
        if clipped.area < candidate.geometry.area - SLIVER_AREA_DEG2:
            candidate.outcome.repaired = True
        candidate.geometry = repaired


def _match_existing(session: Session, candidates: list[_Candidate], parent: Area,
                    level: AreaLevel) -> None:
    codes = [c.outcome.code for c in candidates]
    existing = {
        row.code: row for row in session.execute(
            select(Area.id, Area.code, Area.parent_id, Area.level, Area.valid_to)
            .where(Area.code.in_(codes))
        )
    }
    for candidate in candidates:
        row = existing.get(candidate.outcome.code)
        if row is None:
            continue
        if row.valid_to is not None:
            _reject(candidate.outcome, "code_retired")
        elif row.parent_id != parent.id or row.level != level:
            _reject(candidate.outcome, "code_belongs_elsewhere")
        else:
            candidate.existing_id = row.id
            candidate.outcome.status = "updated"


def _siblings(session: Session, parent: Area, replaced: set[int]) -> list[tuple[str, MultiPolygon]]:
    rows = session.execute(
        select(Area.id, Area.code, Area.geom)
        .where(Area.parent_id == parent.id, Area.valid_to.is_(None))
    )
    return [(row.code, to_shape(row.geom)) for row in rows if row.id not in replaced]


def _overlaps(named: list[tuple[str, MultiPolygon]]) -> list[dict[str, Any]]:
    if len(named) < 2:  # noqa: PLR2004
        return []
    geometries = np.array([geometry for _, geometry in named], dtype=object)
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    interiors_meet = shapely.relate_pattern(geometries[left], geometries[right], "T********")
    left, right = left[interiors_meet], right[interiors_meet]
    shared = shapely.intersection(geometries[left], geometries[right])
    return [
        {"codes": sorted([named[a][0], named[b][0]]), "area_m2": round(area_m2(part), 1)}
        for a, b, part in zip(left, right, shared, strict=True) if part.area > SLIVER_AREA_DEG2
    ]


def _gaps(named: list[tuple[str, MultiPolygon]], parent_shape: MultiPolygon,
          overlapping: bool) -> dict[str, Any]:
    geometries = [geometry for _, geometry in named]
    union = shapely.union_all(geometries) if overlapping else shapely.coverage_union_all(
        geometries)
    missing = parent_shape.difference(union)
    parts = [part for part in getattr(missing, "geoms", [missing])
             if not part.is_empty and part.area > SLIVER_AREA_DEG2]
    parts.sort(key=lambda part: part.area, reverse=True)
    return {
        "count": len(parts),
        "area_m2": round(sum(area_m2(part) for part in parts), 1),
        "largest": [
            {"area_m2": round(area_m2(part), 1),
             "point": list(part.representative_point().coords[0])}
            for part in parts[:MAX_REPORTED_GAPS]
        ],
    }


def _write(session: Session, parent: Area, level: AreaLevel, accepted: list[_Candidate],
           valid_from: date) -> None:
    new = [c for c in accepted if c.existing_id is None]
    changed = [c for c in accepted if c.existing_id is not None]
    if new:
        session.execute(insert(Area), [
            {"code": c.outcome.code, "name": c.outcome.name, "level": level,
             "parent_id": parent.id, "path": "", "valid_from": valid_from,
             "geom": from_shape(c.geometry, srid=WGS84)} for c in new
        ])
        session.execute(
            text("UPDATE areas SET path = :prefix || id || '/' "
                 "WHERE parent_id = :parent_id AND path = ''"),
            {"prefix": parent.path, "parent_id": parent.id},
        )
    if changed:
        session.execute(text("""
            INSERT INTO area_versions (area_id, code, name, geom, valid_from, valid_to)
            SELECT id, code, name, geom, valid_from, :today FROM areas WHERE id = ANY(:ids)
        """), {"ids": [c.existing_id for c in changed], "today": valid_from})
        session.execute(update(Area), [
            {"id": c.existing_id, "name": c.outcome.name, "valid_from": valid_from,
             "geom": from_shape(c.geometry, srid=WGS84)} for c in changed
        ])


def import_areas(session: Session, *, parent_id: int, collection: Any, dry_run: bool = False,
                 code_property: str = "code", name_property: str = "name",
                 valid_from: date | None = None, progress: Progress | None = None) -> ImportReport:
    """Import ``collection`` under the area ``parent_id``. Raises NotFound (parent),
    ValidationFailed (not a non-empty FeatureCollection), BusinessRuleViolation (the parent
    is a grid cell)."""
    parent = get_area(session, parent_id)
    level = child_level(parent.level)
    if level is None:
        raise BusinessRuleViolation("grid_cells_have_no_children")
    features = _collection_features(collection)
    code_keys = (code_property, "code", "adcode")
    parsed = _parse(features, parent, level, code_keys=code_keys,
                    name_keys=(name_property, "name"), progress=progress)
    candidates = [item for item in parsed if isinstance(item, _Candidate)]
    parent_shape = to_shape(parent.geom)
    _clip_to_parent(candidates, parent_shape)
    candidates = [c for c in candidates if c.outcome.status != "rejected"]
    _match_existing(session, candidates, parent, level)
    accepted = [c for c in candidates if c.outcome.status != "rejected"]

    report = ImportReport(parent_id=parent.id, level=level.value, dry_run=dry_run)
    report.features = [item.outcome if isinstance(item, _Candidate) else item for item in parsed]
    report.tally()
    replaced = {c.existing_id for c in accepted if c.existing_id is not None}
    named = _siblings(session, parent, replaced) + [(c.outcome.code, c.geometry) for c in accepted]
    report.overlaps = _overlaps(named)
    if named:
        report.gaps = _gaps(named, parent_shape, overlapping=bool(report.overlaps))
    if not dry_run and accepted:
        _write(session, parent, level, accepted, valid_from or date.today())
    if progress:
        progress(len(features))
    return report
