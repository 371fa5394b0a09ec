"""Following a public case ("me too", 我也遇到) instead of filing a duplicate."""

from __future__ import annotations

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from grid_api.cases import policy, queries
from grid_api.errors import BusinessRuleViolation, NotFound
from grid_api.identity.principal import Principal
from models.case import PUBLIC_STATUSES, Case
from models.follow import CaseFollower


def _followable(session: Session, principal: Principal, case_id: int) -> Case:
    """Raises NotFound (no such case, or not public), BusinessRuleViolation (own report)."""
    case = queries.get_case(session, case_id)
    if case.status not in PUBLIC_STATUSES:
        raise NotFound  # a private case's existence does not leak, even to staff who see it
    if case.reporter_id == principal.user_id:
        raise BusinessRuleViolation("cannot_follow_own_case")
    return case


def follow(session: Session, principal: Principal, case_id: int) -> int:
    """Follow the case (again is a no-op: phones retry); returns its follower count.

    Raises NotFound, BusinessRuleViolation (cannot_follow_own_case).
    """
    _followable(session, principal, case_id)
    session.execute(insert(CaseFollower).values(case_id=case_id, user_id=principal.user_id)
                    .on_conflict_do_nothing())
    return follower_count(session, case_id)


def unfollow(session: Session, principal: Principal, case_id: int) -> int:
    """Stop following (not following is a no-op); returns the follower count.

    Raises NotFound (no such case or not one the principal may see)."""
    queries.get_visible_case(session, principal, case_id)
    session.execute(delete(CaseFollower).where(CaseFollower.case_id == case_id,
                                               CaseFollower.user_id == principal.user_id))
    return follower_count(session, case_id)


def follower_count(session: Session, case_id: int) -> int:
    return session.execute(select(func.count()).where(CaseFollower.case_id == case_id)).scalar()


def followed_query(principal: Principal) -> Select:
    """The cases the principal follows that they may still see."""
    return select(Case).join(CaseFollower, CaseFollower.case_id == Case.id).where(
        CaseFollower.user_id == principal.user_id, policy.cases_visible_to(principal))
