"""Generate the children of an area as a regular grid (streets, communities or grid cells)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import exists, insert, select, text
from sqlalchemy.orm import Session

from geo.codes import child_code
from geo.grid import CellEstimate, CellShape, estimate_cells, generate_cells
from geo.levels import AreaLevel, child_level
from geo.srid import WGS84
from grid_api.errors import BusinessRuleViolation, Conflict
from grid_api.geography.areas import get_area
from models.area import PENDING_PATH, Area, child_path_sql

MIN_SIZE_M, MAX_SIZE_M = 50, 20_000
CUT_PERCENT = 60  # cutting the cells is most of the work; storing them the rest
INSERT_CHUNK = 1000
_SET_CHILD_PATHS = text(
    f"UPDATE areas SET path = {child_path_sql(':prefix', 'id')} "  # noqa: S608 - constant SQL
    "WHERE parent_id = :parent_id AND path = :pending")


@dataclass(frozen=True)
class GenerationReport:
    parent_id: int
    level: str
    shape: str
    size_m: float
    created: int
    first_code: str | None
    last_code: str | None


# A lattice this many times the cell limit is refused too: a thin diagonal area can hold
# few cells in a bounding box of millions, and clipping each of them takes the time.
LATTICE_FACTOR = 20


def estimate_generation(session: Session, area_id: int, *, shape: CellShape,
                        size_m: float) -> CellEstimate:
    """About how many cells ``generate_children`` would make. Raises NotFound."""
    return estimate_cells(to_shape(get_area(session, area_id).geom), shape, size_m)


def check_limit(estimate: CellEstimate, max_cells: int | None) -> None:
    """Raises BusinessRuleViolation when ``estimate`` is over ``max_cells``."""
    if max_cells is not None and (estimate.cells > max_cells
                                  or estimate.lattice > LATTICE_FACTOR * max_cells):
        raise BusinessRuleViolation("generation_too_large", params={
            "count": estimate.cells, "limit": max_cells},
            extra={"estimated_cells": estimate.cells, "limit": max_cells})


def check_generable(session: Session, area_id: int, *, for_update: bool = False) -> Area:
    """The area, if children can be generated in it. Raises NotFound, Conflict (it has
    children already), BusinessRuleViolation (a grid cell)."""
    parent = get_area(session, area_id, for_update=for_update)
    if child_level(parent.level) is None:
        raise BusinessRuleViolation("grid_cells_have_no_children")
    has_children = session.execute(select(exists().where(
        Area.parent_id == parent.id, Area.valid_to.is_(None)))).scalar()
    if has_children:
        raise Conflict("area_has_children")
    return parent


def generate_children(session: Session, area_id: int, *, shape: CellShape, size_m: float,
                      code_digits: int = 3, name_prefix: str | None = None,
                      max_cells: int | None = None,
                      progress: Callable[[int], None] | None = None) -> GenerationReport:
    """Cut ``area_id`` into cells of ``size_m`` and store them as its children, coded
    west→east then north→south; ``progress`` hears the percentage done now and then.
    Raises NotFound, Conflict (it has children already), BusinessRuleViolation (a grid
    cell, more cells than the code width allows, or, with ``max_cells``, an estimate over
    it: refused before any work)."""
    report = progress or (lambda _percent: None)
    parent = check_generable(session, area_id, for_update=True)
    level = child_level(parent.level)
    digits = 2 if level in {AreaLevel.city, AreaLevel.district} else code_digits
    boundary = to_shape(parent.geom)
    check_limit(estimate_cells(boundary, shape, size_m), max_cells)
    report(5)
    cells = generate_cells(boundary, shape, size_m)
    report(CUT_PERCENT)
    if len(cells) >= 10 ** digits:
        raise BusinessRuleViolation("too_many_cells", params={"count": len(cells),
                                                              "limit": 10 ** digits - 1})
    codes = [child_code(parent.code, level, number, digits) for number in range(1, len(cells) + 1)]
    prefix = name_prefix or parent.name
    rows = [{"code": code, "name": f"{prefix}{number:0{digits}d}", "level": level,
             "parent_id": parent.id, "path": PENDING_PATH, "valid_from": date.today(),
             "geom": from_shape(cell.geometry, srid=WGS84)}
            for number, (code, cell) in enumerate(zip(codes, cells, strict=True), start=1)]
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(insert(Area), rows[start:start + INSERT_CHUNK])
        done = min(len(rows), start + INSERT_CHUNK)
        report(CUT_PERCENT + (99 - CUT_PERCENT) * done // len(rows))
    if cells:
        session.execute(_SET_CHILD_PATHS, {"prefix": parent.path, "parent_id": parent.id,
                                           "pending": PENDING_PATH})
    return GenerationReport(parent.id, level.value, CellShape(shape).value, size_m, len(cells),
                            codes[0] if codes else None, codes[-1] if codes else None)


@dataclass(frozen=True)
class LevelSpec:
    """One level of a cascade: cut each parent into ``shape`` cells of ``size_m``."""

    shape: CellShape
    size_m: float
    name_suffix: str = ""


def generate_levels(session: Session, area_id: int, levels: list[LevelSpec]) -> int:
    """Cut ``area_id`` into children, each child into the next level's, and so on (a district
    into streets, communities and cells); an area that has children already keeps them and
    is descended into, so running it again creates nothing. Returns how many were created.
    Raises NotFound, BusinessRuleViolation (as generate_children)."""
    created, parents = 0, [area_id]
    for spec in levels:
        next_parents = []
        for parent_id in parents:
            if not _current_children(session, parent_id):
                parent = get_area(session, parent_id)
                created += generate_children(
                    session, parent_id, shape=spec.shape, size_m=spec.size_m,
                    name_prefix=f"{parent.name}{spec.name_suffix}").created
            next_parents += _current_children(session, parent_id)
        parents = next_parents
    return created


def _current_children(session: Session, parent_id: int) -> list[int]:
    return list(session.execute(select(Area.id).where(
        Area.parent_id == parent_id, Area.valid_to.is_(None)).order_by(Area.code)).scalars())
