"""并单: one problem reported through several channels (hotline, app, patrol, Open311).

Candidates are open cases of the same major class (大类) within some metres (PostGIS
``ST_DWithin`` on geography) and some days of each other, grouped into clusters (connected
pairs). A supervisor merges reports awaiting review into a master case: each is rejected as
its duplicate through the workflow — so statistics count the problem once, as its master —
and remembered as a follower. Rejected as a duplicate, a follower's reporter follows the
master (cases.outcomes) and hears of its progress and closing like every follower.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import and_, cast, func, select, update
from sqlalchemy.orm import Session, aliased

from grid_api.cases import commands as c
from grid_api.cases import policy
from grid_api.cases.workflow import ActionContext, act
from grid_api.errors import BusinessRuleViolation, Conflict, ValidationFailed
from grid_api.identity.principal import Principal
from models.case import OPEN_STATUSES, Case, CaseStatus
from models.category import Category
from models.integration import CaseMerge, ClientCase, IntegrationClient

GEOGRAPHY = Geography(srid=4326)
MAX_CANDIDATES = 500  # newest open cases looked at per search


@dataclass(frozen=True)
class CandidateSearch:
    radius_m: float = 100
    days: int = 3  # reported within this many days of each other
    within_days: int = 30  # only cases reported this recently


def candidate_clusters(session: Session, principal: Principal,
                       search: CandidateSearch, now: datetime | None = None
                       ) -> list[list[dict[str, Any]]]:
    """Clusters of open, unmerged cases in the principal's scope that may be one problem,
    the largest first; each cluster oldest first."""
    now = now or datetime.now(UTC)
    a, b = aliased(Case), aliased(Case)
    cat_a, cat_b = aliased(Category), aliased(Category)
    scope = policy.cases_fully_visible_to(principal)
    recent = now - timedelta(days=search.within_days)
    open_ids = (select(Case.id).where(scope, Case.status.in_(sorted(OPEN_STATUSES)),
                                      Case.created_at >= recent,
                                      Case.id.not_in(select(CaseMerge.case_id)))
                .order_by(Case.created_at.desc()).limit(MAX_CANDIDATES).scalar_subquery())
    pairs = session.execute(
        select(a.id, b.id)
        .join(b, and_(b.id > a.id, b.id.in_(open_ids)))
        .join(cat_a, cat_a.id == a.category_id).join(cat_b, cat_b.id == b.category_id)
        .where(a.id.in_(open_ids), cat_a.parent_id == cat_b.parent_id,
               func.abs(func.extract("epoch", a.created_at - b.created_at))
               <= search.days * 86400,
               func.ST_DWithin(cast(a.location, GEOGRAPHY), cast(b.location, GEOGRAPHY),
                               search.radius_m))).all()
    groups = _connected(pairs)
    return [_describe(session, ids) for ids in groups]


def _connected(pairs: list[tuple[int, int]]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in pairs:
        parent[root(left)] = root(right)
    groups: dict[int, list[int]] = {}
    for node in list(parent):
        groups.setdefault(root(node), []).append(node)
    return sorted((sorted(ids) for ids in groups.values()), key=lambda ids: (-len(ids), ids))


def _describe(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Case.id, Case.code, Case.status, Case.created_at, Case.description,
               Category.code.label("category"), func.ST_X(Case.location).label("lon"),
               func.ST_Y(Case.location).label("lat"), IntegrationClient.channel)
        .join(Category, Category.id == Case.category_id)
        .outerjoin(ClientCase, ClientCase.case_id == Case.id)
        .outerjoin(IntegrationClient, IntegrationClient.id == ClientCase.client_id)
        .where(Case.id.in_(ids)).order_by(Case.created_at, Case.id)).all()
    return [{"id": row.id, "code": row.code, "status": row.status.value,
             "category": row.category, "description": row.description,
             "created_at": row.created_at,
             "location": {"type": "Point", "coordinates": [row.lon, row.lat]},
             "channel": row.channel.value if row.channel else "app"} for row in rows]


def merge(ctx: ActionContext, master_id: int, follower_ids: list[int],
          note: str | None = None) -> list[int]:
    """Merge reports awaiting review into the master case (their duplicate). Returns the
    followers. Raises NotFound, PermissionDenied (not the actor's to register or reject),
    ValidationFailed (the master among its followers, or unknown), BusinessRuleViolation (a
    master that is closed or rejected), Conflict (a follower past review)."""
    if master_id in follower_ids:
        raise ValidationFailed(errors={"case_ids": ["A case cannot follow itself."]})
    master = ctx.session.get(Case, master_id)
    if master is None or not policy.can_view_full(ctx.actor, master):
        raise ValidationFailed(errors={"master": ["No such case."]})
    if master.status not in OPEN_STATUSES:
        raise BusinessRuleViolation("merge_master_not_open")
    for follower_id in sorted(set(follower_ids)):
        follower = ctx.session.get(Case, follower_id)
        if follower is not None and follower.status is not CaseStatus.reported:
            raise Conflict("merge_follower_registered",
                                        params={"case_code": follower.code})
        act(ctx, follower_id, c.Reject(reason="duplicate", duplicate_of=master_id,
                                       note=note or f"并入案件 {master.code}"))
        ctx.session.add(CaseMerge(case_id=follower_id, master_id=master_id,
                                  merged_by=ctx.actor.user_id))
        # Cases that followed the follower follow the master now.
        ctx.session.execute(update(CaseMerge).where(CaseMerge.master_id == follower_id)
                            .values(master_id=master_id))
    ctx.session.flush()  # the merges are what a closing master finds
    return sorted(set(follower_ids))


def followers_of(session: Session, master_id: int) -> list[int]:
    return list(session.execute(select(CaseMerge.case_id).where(
        CaseMerge.master_id == master_id).order_by(CaseMerge.case_id)).scalars())


def master_id_of(session: Session, case_id: int) -> int | None:
    return session.execute(select(CaseMerge.master_id).where(
        CaseMerge.case_id == case_id)).scalar()
