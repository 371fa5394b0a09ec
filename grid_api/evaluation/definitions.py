"""The city's 口径: which cohort and which denominators its published rates use.

Cities publish the same rate name under different definitions, so the definition is data,
changed by admins over the API and named in every answer that used it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from grid_api.errors import ValidationFailed
from models.evaluation import EvaluationSetting

COHORTS = ("registered", "reported")
REWORK_DENOMINATORS = ("handled", "due")
KEY = "definitions"


@dataclass(frozen=True)
class Definitions:
    """口径. ``cohort``: the cases a period counts — those registered in it (立案口径) or those
    reported in it; reports themselves (上报, 有效上报, 作废) always count by report time.
    ``exclude_deferred``: 缓办 cases leave the on-time denominators (按期处置率, 按期结案率),
    as Jinhua publishes them. ``rework_denominator``: 返工率 over cases handled (处置数) or
    over cases due (应结案数). ``satisfied_from``: the lowest rating that counts as satisfied.
    """

    cohort: str = "registered"
    exclude_deferred: bool = True
    rework_denominator: str = "handled"
    satisfied_from: int = 4

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _checked(values: dict[str, Any]) -> Definitions:
    errors: dict[str, list[str]] = {}
    if values.get("cohort") not in COHORTS:
        errors["cohort"] = [f"One of: {', '.join(COHORTS)}."]
    if values.get("rework_denominator") not in REWORK_DENOMINATORS:
        errors["rework_denominator"] = [f"One of: {', '.join(REWORK_DENOMINATORS)}."]
    if not isinstance(values.get("exclude_deferred"), bool):
        errors["exclude_deferred"] = ["Not a valid boolean."]
    satisfied = values.get("satisfied_from")
    if isinstance(satisfied, bool) or satisfied not in range(1, 6):
        errors["satisfied_from"] = ["A rating from 1 to 5."]
    if errors:
        raise ValidationFailed(errors=errors)
    return Definitions(**{k: values[k] for k in Definitions.__dataclass_fields__})


def current(session: Session) -> Definitions:
    """The city's definitions (the defaults until an admin changes them)."""
    stored = session.execute(select(EvaluationSetting.value)
                             .where(EvaluationSetting.key == KEY)).scalar()
    if not stored:
        return Definitions()
    return replace(Definitions(), **{k: v for k, v in stored.items()
                                     if k in Definitions.__dataclass_fields__})


def change(session: Session, changes: dict[str, Any], *, actor_id: int) -> Definitions:
    """Change some of the definitions. Raises ValidationFailed."""
    updated = _checked(current(session).as_dict() | changes)
    session.execute(insert(EvaluationSetting).values(
        key=KEY, value=updated.as_dict(), updated_by=actor_id).on_conflict_do_update(
        index_elements=["key"], set_={"value": updated.as_dict(), "updated_by": actor_id,
                                      "updated_at": func.now()}))
    return updated
