"""Rankings: composite scores of units, areas or grid workers — weighted sums of rates, with
grade bands — that explain themselves component by component."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from grid_api.errors import ValidationFailed
from grid_api.evaluation import definitions, indicators
from grid_api.evaluation.indicators import Period, Scope
from models.evaluation import EvaluationSetting

KINDS = {"unit": "unit", "area": "area", "grid_worker": "worker"}  # kind → grouping
KEY = "rankings"


@dataclass(frozen=True)
class Component:
    name: str
    zh: str
    rate: str | None  # the indicator it reads; None: volume or a rate not yet counted
    inverted: bool = False  # a rate where less is better scores 100 − rate


COMPONENTS = {c.name: c for c in (
    Component("closing_rate", "结案率", "closing_rate"),
    Component("on_time_closing_rate", "按期结案率", "on_time_closing_rate"),
    Component("on_time_handling_rate", "按期处置率", "on_time_handling_rate"),
    Component("handling_rate", "处置率", "handling_rate"),
    Component("accurate_dispatch_rate", "准确派遣率", "accurate_dispatch_rate"),
    Component("no_rework", "1 − 返工率", "rework_rate", inverted=True),
    Component("no_extension", "1 − 延期率", "extension_rate", inverted=True),
    Component("no_overdue", "1 − 超期待处置率", "overdue_open_rate", inverted=True),
    Component("valid_report_rate", "有效上报率", "valid_report_rate"),
    Component("on_time_registration_rate", "按时立案率", "on_time_registration_rate"),
    Component("on_time_check_rate", "按时核查率", "on_time_check_rate"),
    Component("satisfaction_rate", "满意率", "satisfaction_rate"),
    Component("self_handling_rate", "自行处置率", "self_handling_rate"),
    Component("no_missed_reports", "1 − 漏报率", None, inverted=True),
    Component("volume", "案件量", None),
)}
# The published practice's weights (percent), per kind.
DEFAULT_WEIGHTS = {
    "unit": {"closing_rate": 30, "on_time_handling_rate": 30, "no_rework": 30, "volume": 10},
    "area": {"on_time_closing_rate": 40, "closing_rate": 30, "no_rework": 20, "volume": 10},
    # 按时核实率 and 按时核查率 (20 % each) are one step on site here, 核查: 40 %.
    "grid_worker": {"valid_report_rate": 40, "no_missed_reports": 20, "on_time_check_rate": 40},
}
DEFAULT_GRADES = [{"grade": "A", "from": 90}, {"grade": "B", "from": 75},
                  {"grade": "C", "from": 60}, {"grade": "D", "from": 40},
                  {"grade": "E", "from": 0}]


def settings(session: Session) -> dict[str, Any]:
    """Weights per kind and grade bands: the city's, else the published defaults."""
    stored = session.execute(select(EvaluationSetting.value)
                             .where(EvaluationSetting.key == KEY)).scalar() or {}
    return {"weights": {kind: stored.get("weights", {}).get(kind, weights)
                        for kind, weights in DEFAULT_WEIGHTS.items()},
            "grades": stored.get("grades", DEFAULT_GRADES)}


def _check(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for kind, weights in values["weights"].items():
        if kind not in DEFAULT_WEIGHTS:
            errors[f"weights.{kind}"] = ["Not a kind of ranking."]
            continue
        unknown = set(weights) - set(COMPONENTS)
        if unknown:
            errors[f"weights.{kind}"] = [f"Unknown components: {', '.join(sorted(unknown))}."]
        elif any(isinstance(w, bool) or not isinstance(w, int) or w < 0
                 for w in weights.values()) or sum(weights.values()) != 100:  # noqa: PLR2004
            errors[f"weights.{kind}"] = ["Whole, non-negative percentages summing to 100."]
    bands = values["grades"]
    starts = [band.get("from") for band in bands]
    if (not bands or any(not isinstance(s, int | float) or isinstance(s, bool) for s in starts)
            or starts != sorted(starts, reverse=True) or starts[-1] != 0
            or any(not isinstance(band.get("grade"), str) or not band["grade"]
                   for band in bands)):
        errors["grades"] = ["Bands from the highest down, the last from 0."]
    if errors:
        raise ValidationFailed(errors=errors)


def change(session: Session, changes: dict[str, Any], *, actor_id: int) -> dict[str, Any]:
    """Change weights (per kind, summing to 100) or grade bands. Raises ValidationFailed."""
    current = settings(session)
    updated = {"weights": current["weights"] | changes.get("weights", {}),
               "grades": changes.get("grades", current["grades"])}
    _check(updated)
    session.execute(insert(EvaluationSetting).values(
        key=KEY, value=updated, updated_by=actor_id).on_conflict_do_update(
        index_elements=["key"], set_={"value": updated, "updated_by": actor_id,
                                      "updated_at": func.now()}))
    return updated


def _round(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _grade(score: float, bands: list[dict[str, Any]]) -> str:
    return next(band["grade"] for band in bands if score >= band["from"])


def score(figures: dict[str, Any], weights: dict[str, int], *, volume_share: float,
          bands: list[dict[str, Any]]) -> dict[str, Any]:
    """One group's score: each component's value (0–100), weight and points. A component
    with nothing to measure (no cases behind its rate) is left out and the others' weights
    scale up to 100."""
    rows = []
    for name, weight in weights.items():
        component = COMPONENTS[name]
        if component.name == "volume":
            value: float | None = volume_share
        elif component.rate is None:
            value = 100.0  # 漏报 are not counted yet: nobody has missed one
        else:
            rate = figures["rates"][component.rate]["value"]
            value = None if rate is None else (100 - rate if component.inverted else rate)
        rows.append({"name": name, "label": component.zh, "value": value, "weight": weight})
    counted = sum(row["weight"] for row in rows if row["value"] is not None)
    total = Decimal(0)
    for row in rows:
        if row["value"] is None or not counted:
            row["points"] = None
            continue
        points = Decimal(str(row["value"])) * row["weight"] / counted
        row["points"] = _round(points)
        total += points
    final = _round(total)
    return {"score": final, "grade": _grade(final, bands), "components": rows}


def ranking(session: Session, *, kind: str, scope: Scope, period: Period,
            now: datetime) -> dict[str, Any]:
    """Every unit, area or grid worker of the scope, best first. Raises ValidationFailed."""
    if kind not in KINDS:
        raise ValidationFailed(errors={"kind": [f"One of: {', '.join(KINDS)}."]})
    city = definitions.current(session)
    chosen = settings(session)
    groups = indicators.compute(session, scope=scope, period=period, group_by=KINDS[kind],
                                definitions=city, now=now)
    groups.pop(None, None)  # cases no unit holds yet rank nowhere
    largest = max((counts["registered"] for counts in groups.values()), default=0)
    items = []
    for key, counts in groups.items():
        figures = indicators.describe(counts, city)
        share = 100.0 * counts["registered"] / largest if largest else 0.0
        items.append({"key": key, "counts": figures["counts"],
                      **score(figures, chosen["weights"][kind], volume_share=round(share, 2),
                              bands=chosen["grades"])})
    items.sort(key=lambda item: (-item["score"], item["key"]))
    for rank, item in enumerate(items, start=1):
        item["rank"] = rank
    return {"kind": kind, "weights": chosen["weights"][kind], "grades": chosen["grades"],
            "definitions": city.as_dict(), "items": items}
