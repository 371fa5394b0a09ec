"""Which unit handles a case: the most specific routing rule wins, and the rule can be
explained. Components (部件) route owner-first — a rule for the exact minor class beats a
finer area — events (事件) territory-first — the finer area beats the finer class."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grid_api.errors import Conflict, NotFound, ValidationFailed
from models.area import Area
from models.category import Category, CategoryKind
from models.routing import RoutingRule
from models.unit import Unit


@dataclass(frozen=True)
class Candidate:
    rule_id: int
    unit_id: int
    unit_name: str
    area_code: str
    area_level: str
    area_depth: int
    category_code: str
    minor_class: bool
    priority: int

    def as_dict(self) -> dict:
        return asdict(self)


def candidates(session: Session, category: Category, area_ids: list[int]) -> list[Candidate]:
    """Every active rule that applies to this category in a cell (given with its ancestors'
    ids), best first. Reads rule areas' codes and paths, never their outlines."""
    categories = [category.id] + ([category.parent_id] if category.parent_id else [])
    area = select(Area.id, Area.code, Area.level, Area.path).subquery()
    rows = session.execute(
        select(RoutingRule, area.c.code, area.c.level, area.c.path, Category, Unit)
        .join(area, area.c.id == RoutingRule.area_id)
        .join(Category, Category.id == RoutingRule.category_id)
        .join(Unit, Unit.id == RoutingRule.unit_id)
        .where(RoutingRule.active, RoutingRule.category_id.in_(categories),
               RoutingRule.area_id.in_(area_ids))
    ).all()
    found = [Candidate(rule.id, unit.id, unit.name, code, level.value, path.count("/") - 1,
                       rule_category.code, rule_category.parent_id is not None, rule.priority)
             for rule, code, level, path, rule_category, unit in rows]
    if category.kind is CategoryKind.component:
        return sorted(found, key=lambda c: (-c.minor_class, -c.area_depth, -c.priority,
                                            c.rule_id))
    return sorted(found, key=lambda c: (-c.area_depth, -c.minor_class, -c.priority, c.rule_id))


def explain(category: Category, ranked: list[Candidate]) -> str:
    if not ranked:
        return "no rule matches this category here: the case needs manual dispatch"
    order = ("owner-first: the most specific category, then the finest area"
             if category.kind is CategoryKind.component
             else "territory-first: the finest area, then the most specific category")
    best = ranked[0]
    return (f"{category.kind.value} {category.code} routes {order}, then priority; "
            f"rule {best.rule_id} ({best.category_code} in {best.area_level} "
            f"{best.area_code}) wins")


def rules_query():
    """Active rules with their category codes, for listing."""
    return (select(RoutingRule, Category.code)
            .join(Category, Category.id == RoutingRule.category_id)
            .where(RoutingRule.active))


def retire_rule(session: Session, rule_id: int) -> None:
    """Keep the rule for the record but stop applying it. Raises NotFound."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound
    rule.active = False


def create_rule(session: Session, *, category: str, area_id: int, unit_id: int,
                priority: int = 0) -> RoutingRule:
    """Add a rule, or bring back the same one retired earlier (rules are kept for the
    record, one row per category × area × unit). Raises ValidationFailed (unknown
    category, area or unit), Conflict (the same rule is in force)."""
    chosen = session.execute(select(Category).where(Category.code == category)
                             ).scalar_one_or_none()
    errors = {}
    if chosen is None:
        errors["category"] = ["Unknown category."]
    if session.get(Area, area_id) is None:
        errors["area_id"] = ["No such area."]
    if session.get(Unit, unit_id) is None:
        errors["unit_id"] = ["No such unit."]
    if errors:
        raise ValidationFailed(errors=errors)
    rule = session.execute(select(RoutingRule).where(
        RoutingRule.category_id == chosen.id, RoutingRule.area_id == area_id,
        RoutingRule.unit_id == unit_id)).scalar_one_or_none()
    if rule is not None and rule.active:
        raise Conflict("routing_rule_exists")
    if rule is not None:
        rule.active, rule.priority = True, priority
        return rule
    try:
        with session.begin_nested():  # a concurrent twin may win the insert
            rule = RoutingRule(category_id=chosen.id, area_id=area_id, unit_id=unit_id,
                               priority=priority)
            session.add(rule)
    except IntegrityError as exc:
        raise Conflict("routing_rule_exists") from exc
    return rule
