"""Import surveyed boundaries (a GeoJSON FeatureCollection) from the root down, or into
the subtree of one area.

Each feature's level and direct parent are read off its code (a 15-digit cell belongs to
the community of its first 12 digits, the city 330400 to the province 330000), so one file
can hold a whole hierarchy: it is imported level by level, top down, and a parent earlier in
the same file counts. With an area, parents must be that area or lie below it; without one,
a province, or a city whose province is nowhere, becomes a root of the tree. Each feature is
created, updated (its previous version kept in ``area_versions``), unchanged, or rejected
with a reason (a refusal for want of a parent names that parent); invalid rings are repaired
and reported as such. Overlaps between siblings and gaps inside each parent are reported,
not refused. All of it happens in the caller's transaction: a failure leaves nothing
half-imported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely import MultiPolygon
from sqlalchemy import String, any_, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.codes import level_of, parent_code_of
from geo.geojson import parse_polygonal
from geo.levels import LEVEL_ORDER, ROOT_LEVELS, AreaLevel, child_level
from geo.measure import area_m2
from geo.repair import SLIVER_AREA_DEG2, repair_polygonal
from geo.srid import WGS84
from grid_api.errors import BusinessRuleViolation, ValidationFailed
from grid_api.geography.areas import get_area
from models.area import PENDING_PATH, ROOT_PATH, Area, child_path_sql

CONTAINED_SHARE = 0.99  # at least this share of a feature must lie inside its parent
MAX_NAME_LENGTH = 100
MAX_REPORTED_GAPS = 20  # per parent
Progress = Callable[[int], None]

# New rows are written with a pending path, then given theirs by the path rule, set-based.
_SET_CHILD_PATHS = text(
    f"UPDATE areas c SET path = {child_path_sql('p.path', 'c.id')} FROM areas p "  # noqa: S608
    "WHERE c.parent_id = p.id AND c.path = :pending AND p.id = ANY(:parents)")
_SET_ROOT_PATHS = text(
    f"UPDATE areas SET path = {child_path_sql(repr(ROOT_PATH), 'id')} "  # noqa: S608
    "WHERE parent_id IS NULL AND path = :pending")


@dataclass
class FeatureOutcome:
    index: int
    code: str | None
    name: str | None
    status: str = "created"  # created | updated | unchanged | rejected
    repaired: bool = False
    reason: str | None = None
    missing_parent: str | None = None  # the parent's code, when that is why it was refused


@dataclass
class ImportReport:
    area_id: int | None
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    rejected: int = 0
    features: list[FeatureOutcome] = field(default_factory=list)
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def tally(self) -> None:
        for outcome in self.features:
            if outcome.status == "rejected":
                self.rejected += 1
                continue
            self.created += outcome.status == "created"
            self.updated += outcome.status == "updated"
            self.unchanged += outcome.status == "unchanged"
            self.repaired += outcome.repaired


class _Parent(NamedTuple):
    id: int | None  # None: the top of the tree, or a new parent in a dry run
    code: str | None
    level: AreaLevel | None
    path: str
    shape: MultiPolygon | None  # None: the top of the tree, which has no outline


TOP = _Parent(None, None, None, "/", None)


@dataclass
class _Candidate:
    outcome: FeatureOutcome
    level: AreaLevel
    parent_code: str | None
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
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        return None
    for name in names:
        value = properties.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return None


def _reject(outcome: FeatureOutcome, reason: str, missing_parent: str | None = None) -> None:
    outcome.status, outcome.reason, outcome.missing_parent = "rejected", reason, missing_parent


def _parse_one(index: int, feature: Any, seen: set[str], code_keys: tuple[str, ...],
               name_keys: tuple[str, ...]) -> _Candidate | FeatureOutcome:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        outcome = FeatureOutcome(index, None, None)
        _reject(outcome, "not_a_feature")
        return outcome
    code, name = _property(feature, code_keys), _property(feature, name_keys)
    outcome = FeatureOutcome(index, code, name)
    level = level_of(code) if code else None
    geometry = parse_polygonal(feature.get("geometry"))
    problem = (("missing_code" if not code else None)
               or ("missing_name" if not name else None)
               or ("code_format" if level is None else None)
               or ("duplicate_code" if code in seen else None)
               or ("name_too_long" if len(name) > MAX_NAME_LENGTH else None)
               or geometry.reason)
    if code:
        seen.add(code)
    if problem:
        _reject(outcome, problem)
        return outcome
    repaired = repair_polygonal(geometry.geometry)
    if repaired.geometry is None:
        _reject(outcome, f"unrepairable_{repaired.reason}")
        return outcome
    outcome.repaired = repaired.repaired
    return _Candidate(outcome, level, parent_code_of(code), repaired.geometry)


def _parse(features: list[Any], *, code_keys: tuple[str, ...], name_keys: tuple[str, ...],
           progress: Progress | None) -> list[_Candidate | FeatureOutcome]:
    seen: set[str] = set()
    parsed = []
    for index, feature in enumerate(features):
        if progress and index % 1000 == 0:
            progress(index)
        parsed.append(_parse_one(index, feature, seen, code_keys, name_keys))
    return parsed


def _text_array(values: Any) -> Any:
    """One array parameter instead of one parameter per value (imports carry 10^5 codes)."""
    return bindparam("codes", list(values), type_=ARRAY(String))


def _load_parents(session: Session, codes: set[str]) -> dict[str, _Parent]:
    """Current areas with these codes, wherever they are in the tree."""
    rows = session.execute(
        select(Area.id, Area.code, Area.level, Area.path, Area.geom)
        .where(Area.code == any_(_text_array(codes)), Area.valid_to.is_(None)))
    return {row.code: _Parent(row.id, row.code, row.level, row.path, to_shape(row.geom))
            for row in rows}


class _Scope:
    """Where parents may come from: the import's area and below (or the whole tree), plus
    the features of this file accepted at the levels above."""

    def __init__(self, root: Area | None, refused_codes: set[str]) -> None:
        self.root = root
        self.from_file: dict[str, _Parent] = {}
        self.refused_codes = refused_codes  # codes this file carries but does not import

    def resolve(self, session: Session, candidates: list[_Candidate]) -> dict[str | None,
                                                                             _Parent]:
        """Each candidate's parent; refuses the candidates that have none in scope."""
        wanted = {c.parent_code for c in candidates if c.parent_code} - self.from_file.keys()
        stored = _load_parents(session, wanted) if wanted else {}
        parents: dict[str | None, _Parent] = {None: TOP}
        for candidate in candidates:
            code = candidate.parent_code
            parent = self.from_file.get(code) if code else None
            parent = parent or (stored.get(code) if code else None)
            if parent is not None and self._inside(parent):
                parents[code] = parent
            elif self.root is None and candidate.level in ROOT_LEVELS and (
                    code is None or (parent is None and code not in self.refused_codes)):
                candidate.parent_code = None  # a city whose province is nowhere: a root
            else:
                _reject(candidate.outcome, self._why(code, parent), code)
        return parents

    def _inside(self, parent: _Parent) -> bool:
        return (self.root is None or parent.code in self.from_file
                or parent.path.startswith(self.root.path))

    def _why(self, code: str | None, parent: _Parent | None) -> str:
        if code in self.refused_codes:
            return "parent_rejected"  # the file has it, but could not import it
        if parent is not None or code is None:
            return "parent_not_in_import_area"
        return "parent_missing"


def _clip_to_parent(candidates: list[_Candidate], parent: _Parent) -> None:
    """Reject features mostly outside their parent; clip the rest to it."""
    shapely.prepare(parent.shape)
    geometries = np.array([c.geometry for c in candidates], dtype=object)
    for candidate, contained in zip(candidates, shapely.contains_properly(
            parent.shape, geometries), strict=True):
        if contained:
            continue
        clipped = candidate.geometry.intersection(parent.shape)
        share = clipped.area / candidate.geometry.area if candidate.geometry.area else 0
        repaired = repair_polygonal(clipped).geometry if share >= CONTAINED_SHARE else None
        if repaired is None:
            _reject(candidate.outcome, "outside_parent")
            continue
        if clipped.area < candidate.geometry.area - SLIVER_AREA_DEG2:
            candidate.outcome.repaired = True
        candidate.geometry = repaired


def _match_existing(session: Session, candidates: list[_Candidate],
                    parents: dict[str | None, _Parent]) -> None:
    existing = {row.code: row for row in session.execute(
        select(Area.id, Area.code, Area.name, Area.parent_id, Area.valid_to, Area.geom)
        .where(Area.code == any_(_text_array([c.outcome.code for c in candidates]))))}
    for candidate in candidates:
        row = existing.get(candidate.outcome.code)
        if row is None:
            continue
        if row.valid_to is not None:
            _reject(candidate.outcome, "code_retired")
        elif row.parent_id != parents[candidate.parent_code].id:
            _reject(candidate.outcome, "code_belongs_elsewhere")
        else:
            candidate.existing_id = row.id
            # Re-importing the same file must not pile up versions of areas it left alone.
            same = (row.name == candidate.outcome.name
                    and to_shape(row.geom).equals(candidate.geometry))
            candidate.outcome.status = "unchanged" if same else "updated"


def _siblings(session: Session, parent: _Parent, replaced: set[int]) -> list[tuple[str, Any]]:
    if parent.id is None and parent is not TOP:
        return []  # a parent this dry run would create has no children yet
    under = Area.parent_id.is_(None) if parent is TOP else Area.parent_id == parent.id
    rows = session.execute(select(Area.id, Area.code, Area.geom).where(
        under, Area.valid_to.is_(None)))
    return [(row.code, to_shape(row.geom)) for row in rows if row.id not in replaced]


def _overlaps(named: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    if len(named) < 2:  # noqa: PLR2004
        return []
    geometries = np.array([geometry for _, geometry in named], dtype=object)
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    left, right = left[left < right], right[left < right]
    interiors_meet = shapely.relate_pattern(geometries[left], geometries[right], "T********")
    left, right = left[interiors_meet], right[interiors_meet]
    shared = shapely.intersection(geometries[left], geometries[right])
    return [
        {"codes": sorted([named[a][0], named[b][0]]), "area_m2": round(area_m2(part), 1)}
        for a, b, part in zip(left, right, shared, strict=True) if part.area > SLIVER_AREA_DEG2
    ]


def _gaps(parent: _Parent, named: list[tuple[str, Any]]) -> dict | None:
    # Not coverage_union_all: it needs neighbours' shared edges noded exactly alike, and
    # surveyed boundaries rarely are (it raises, or returns an invalid union).
    union = shapely.union_all([geometry for _, geometry in named])
    missing = parent.shape.difference(union)
    parts = sorted((part for part in getattr(missing, "geoms", [missing])
                    if not part.is_empty and part.area > SLIVER_AREA_DEG2),
                   key=lambda part: part.area, reverse=True)
    if not parts:
        return None
    return {
        "parent": parent.code,
        "count": len(parts),
        "area_m2": round(sum(area_m2(part) for part in parts), 1),
        "largest": [{"area_m2": round(area_m2(part), 1),
                     "point": list(part.representative_point().coords[0])}
                    for part in parts[:MAX_REPORTED_GAPS]],
    }


def _write(session: Session, parents: dict[str | None, _Parent], accepted: list[_Candidate],
           valid_from: date) -> None:
    new = [c for c in accepted if c.existing_id is None]
    changed = [c for c in accepted if c.outcome.status == "updated"]
    if new:
        session.execute(insert(Area), [
            {"code": c.outcome.code, "name": c.outcome.name, "level": c.level,
             "parent_id": parents[c.parent_code].id, "path": PENDING_PATH,
             "valid_from": valid_from,
             "geom": from_shape(c.geometry, srid=WGS84)} for c in new])
        session.execute(_SET_CHILD_PATHS,
            {"pending": PENDING_PATH, "parents": sorted({parents[c.parent_code].id for c in new
                                                         if c.parent_code is not None})})
        session.execute(_SET_ROOT_PATHS, {"pending": PENDING_PATH})
    if changed:
        session.execute(text("""
            INSERT INTO area_versions (area_id, code, name, geom, valid_from, valid_to)
            SELECT id, code, name, geom, valid_from, :today FROM areas WHERE id = ANY(:ids)
        """), {"ids": [c.existing_id for c in changed], "today": valid_from})
        session.execute(update(Area), [
            {"id": c.existing_id, "name": c.outcome.name, "valid_from": valid_from,
             "geom": from_shape(c.geometry, srid=WGS84)} for c in changed])


def _check_level(session: Session, scope: _Scope, candidates: list[_Candidate],
                 ) -> tuple[dict[str | None, _Parent], dict[str | None, list[_Candidate]]]:
    """Group one level's candidates by parent, refusing those without a parent in scope,
    those coded under the wrong level, and those mostly outside their parent."""
    parents = scope.resolve(session, candidates)
    groups: dict[str | None, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.outcome.status == "rejected":
            continue
        parent = parents[candidate.parent_code]
        if parent is not TOP and child_level(parent.level) is not candidate.level:
            _reject(candidate.outcome, "code_not_under_parent")  # a street under a city
        else:
            groups[candidate.parent_code].append(candidate)
    for code, group in groups.items():
        if code is not None:
            _clip_to_parent(group, parents[code])
    accepted = [c for group in groups.values() for c in group if c.outcome.status != "rejected"]
    _match_existing(session, accepted, parents)
    return parents, {code: [c for c in group if c.outcome.status != "rejected"]
                     for code, group in groups.items()}


def _report_shapes(session: Session, report: ImportReport, parents: dict[str | None, _Parent],
                   groups: dict[str | None, list[_Candidate]]) -> None:
    for code, group in groups.items():
        replaced = {c.existing_id for c in group if c.existing_id is not None}
        named = (_siblings(session, parents[code], replaced)
                 + [(c.outcome.code, c.geometry) for c in group])
        report.overlaps += _overlaps(named)
        if code is not None and named and (gap := _gaps(parents[code], named)):
            report.gaps.append(gap)


def _as_parents(session: Session, accepted: list[_Candidate], dry_run: bool,
                ) -> dict[str, _Parent]:
    """This level's accepted features, as parents of the next level down."""
    stored = {} if dry_run else {row.code: row for row in session.execute(
        select(Area.id, Area.code, Area.path).where(
            Area.code == any_(_text_array([c.outcome.code for c in accepted]))))}
    result = {}
    for c in accepted:
        row = stored.get(c.outcome.code)  # None in a dry run: a parent only in the file
        result[c.outcome.code] = _Parent(row.id if row else c.existing_id, c.outcome.code,
                                         c.level, row.path if row else "", c.geometry)
    return result


def import_areas(session: Session, *, area_id: int | None, collection: Any,
                 dry_run: bool = False, code_property: str = "code", name_property: str = "name",
                 valid_from: date | None = None, progress: Progress | None = None) -> ImportReport:
    """Import ``collection`` into the subtree of ``area_id``, or from the root down when it
    is None. Raises NotFound (area), ValidationFailed (not a non-empty FeatureCollection),
    BusinessRuleViolation (the area is a grid cell)."""
    root = get_area(session, area_id) if area_id is not None else None
    if root is not None and root.level is AreaLevel.grid:
        raise BusinessRuleViolation("grid_cells_have_no_children")
    features = _collection_features(collection)
    parsed = _parse(features, code_keys=(code_property, "code", "adcode"),
                    name_keys=(name_property, "name"), progress=progress)
    candidates = [item for item in parsed if isinstance(item, _Candidate)]
    refused = {item.code for item in parsed if isinstance(item, FeatureOutcome) and item.code}
    scope = _Scope(root, refused)
    report = ImportReport(area_id=root.id if root else None, dry_run=dry_run)
    for level in LEVEL_ORDER:  # top down: a level's parents are in place before it
        batch = [c for c in candidates if c.level is level]
        if not batch:
            continue
        parents, groups = _check_level(session, scope, batch)
        _report_shapes(session, report, parents, groups)
        accepted = [c for group in groups.values() for c in group]
        if not dry_run and accepted:
            _write(session, parents, accepted, valid_from or date.today())
        scope.refused_codes |= {c.outcome.code for c in batch if c.outcome.status == "rejected"}
        scope.from_file.update(_as_parents(session, accepted, dry_run))
    report.features = [item.outcome if isinstance(item, _Candidate) else item for item in parsed]
    report.tally()
    if progress:
        progress(len(features))
    return report
