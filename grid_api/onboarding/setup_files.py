"""Setting up a city from plain files (CSV, UTF-8, a header row): grid plans, units, routing
rules and staff accounts, each loaded idempotently, so the same directory can be applied
again after a correction without creating anything twice.

grid.csv           area,levels           330402,square:5000:街道 square:2000:社区 hexagon:500:网格
units.csv          code,name,parent,contact        JX-NH-HW,南湖区环境卫生管理处,JX-NH-ZF,
routing-rules.csv  category,area,unit,priority     E0104,330402,JX-NH-HW,0  (* = every major)
staff.csv          phone,name,roles,unit,area,cells  13900000002,南湖网格员,grid_worker,,,330402001
"""

from __future__ import annotations

import csv
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.grid import CellShape
from geo.levels import AreaLevel
from grid_api.dispatch import routing
from grid_api.errors import Conflict, ValidationFailed
from grid_api.geography.areas import find_area_by_code
from grid_api.geography.grid_generation import LevelSpec, generate_levels
from grid_api.identity import accounts
from grid_api.identity.phones import normalize_phone
from grid_api.infra.passwords import PasswordService
from models.area import Area
from models.category import Category
from models.unit import Unit
from models.user import Role, User

ALL_MAJORS = "*"


class SetupFileError(ValueError):
    """A row of a setup file that cannot be applied; says which file, row and why."""


@dataclass
class Tally:
    created: int = 0
    unchanged: int = 0
    changed: int = 0
    new_accounts: list[tuple[str, str, str]] = field(default_factory=list)  # phone, roles, pw

    def summary(self) -> str:
        return f"{self.created} created, {self.changed} changed, {self.unchanged} unchanged"


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            yield number, {key.strip(): (value or "").strip() for key, value in row.items()
                           if key}


def _area(session: Session, code: str, where: str) -> Area:
    area = find_area_by_code(session, code)
    if area is None or area.valid_to is not None:
        raise SetupFileError(f"{where}: no current area with code {code}")
    return area


def _unit(session: Session, code: str, where: str) -> Unit:
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise SetupFileError(f"{where}: no unit with code {code}")
    return unit


def apply_grid_plan(session: Session, path: Path) -> Tally:
    """Generate the levels each row names below its area (areas with children are kept)."""
    tally = Tally()
    for number, row in _rows(path):
        where = f"{path.name}:{number}"
        area = _area(session, row.get("area", ""), where)
        try:
            levels = [_level(spec) for spec in row.get("levels", "").split()]
        except ValueError as exc:
            raise SetupFileError(f"{where}: levels are shape:size_m[:suffix] ({exc})") from exc
        created = generate_levels(session, area.id, levels)
        tally.created += created
        tally.unchanged += not created
    return tally


def _level(spec: str) -> LevelSpec:
    shape, size, *suffix = spec.split(":")
    return LevelSpec(CellShape(shape), float(size), suffix[0] if suffix else "")


def apply_units(session: Session, path: Path) -> Tally:
    """Create units by code, or bring their name, parent and contact up to date."""
    tally = Tally()
    for number, row in _rows(path):
        where = f"{path.name}:{number}"
        code, name = row.get("code", ""), row.get("name", "")
        if not code or not name:
            raise SetupFileError(f"{where}: code and name are required")
        parent = _unit(session, row["parent"], where) if row.get("parent") else None
        values = {"name": name, "parent_id": parent.id if parent else None,
                  "contact_phone": row.get("contact") or None}
        unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
        if unit is None:
            session.add(Unit(code=code, **values))
            session.flush()  # a later row may name it as its parent
            tally.created += 1
        elif any(getattr(unit, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(unit, key, value)
            tally.changed += 1
        else:
            tally.unchanged += 1
    return tally


def apply_routing_rules(session: Session, path: Path) -> Tally:
    """Add each rule unless the same one is in force (``*``: one rule per major class)."""
    tally = Tally()
    majors = list(session.execute(select(Category.code).where(
        Category.parent_id.is_(None)).order_by(Category.code)).scalars())
    for number, row in _rows(path):
        where = f"{path.name}:{number}"
        area = _area(session, row.get("area", ""), where)
        unit = _unit(session, row.get("unit", ""), where)
        category = row.get("category", "")
        for code in majors if category == ALL_MAJORS else [category]:
            try:
                routing.create_rule(session, category=code, area_id=area.id, unit_id=unit.id,
                                    priority=int(row.get("priority") or 0))
                tally.created += 1
            except Conflict:
                tally.unchanged += 1
            except (ValidationFailed, ValueError) as exc:
                raise SetupFileError(f"{where}: not a rule ({exc})") from exc
    session.flush()
    return tally


def apply_staff(session: Session, passwords: PasswordService, path: Path) -> Tally:
    """Create staff accounts that do not exist yet, each with a random first password to
    hand over (returned once, never stored in clear); existing accounts are left alone."""
    tally = Tally()
    for number, row in _rows(path):
        where = f"{path.name}:{number}"
        phone = normalize_phone(row.get("phone", ""))
        if phone is None:
            raise SetupFileError(f"{where}: not a phone number")
        if session.execute(select(User.id).where(User.phone == phone)).scalar() is not None:
            tally.unchanged += 1
            continue
        try:
            roles = {Role(role) for role in row.get("roles", "").split()}
        except ValueError as exc:
            raise SetupFileError(f"{where}: roles are {', '.join(Role)}") from exc
        password = _first_password()
        try:
            accounts.create_staff(
                session, passwords, phone=phone, password=password,
                display_name=row.get("name") or phone, roles=roles,
                unit_id=_unit(session, row["unit"], where).id if row.get("unit") else None,
                area_id=_area(session, row["area"], where).id if row.get("area") else None,
                grid_ids=_cells_under(session, row.get("cells", ""), where))
        except (ValidationFailed, Conflict) as exc:
            raise SetupFileError(f"{where}: {exc.detail_code} {exc.errors or ''}") from exc
        tally.created += 1
        tally.new_accounts.append((phone, " ".join(sorted(roles)), password))
    return tally


def _first_password() -> str:
    """Twelve random letters and digits, at least one of each (the password rules)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _cells_under(session: Session, codes: str, where: str) -> list[int]:
    """The current grid cells of each code: the cell itself, or every cell below an area."""
    cells: list[int] = []
    for code in codes.split():
        area = _area(session, code, where)
        if area.level is AreaLevel.grid:
            cells.append(area.id)
            continue
        cells += session.execute(select(Area.id).where(
            Area.level == AreaLevel.grid, Area.valid_to.is_(None),
            Area.path.startswith(area.path))).scalars()
    return cells
