"""Keeping the per-case counters (``models.case_counter``) in step with the timeline: folded
in the transaction of every step, and rebuilt from ``case_events`` on demand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from models.case import Case, CaseEvent
from models.case_counter import CaseCounter, fold
from models.category import Category

REBUILD_BATCH = 5000


def opening(case: Case, category_code: str) -> CaseCounter:
    """The counters of a new case folded over its opening events (not yet added)."""
    row = CaseCounter.opening(case_id=case.id, area_path=case.area_path,
                              category_code=category_code, source=case.source,
                              reporter_id=case.reporter_id)
    for event in case.events:
        fold(row, event)
    return row


def record(session: Session, case: Case, event: CaseEvent) -> None:
    """Fold the case's newest event into its counters (the case is locked by the caller);
    a case without counters yet gets them from its whole timeline."""
    row = session.get(CaseCounter, case.id)
    if row is None:
        rebuild_cases(session, [case.id])
        return
    fold(row, event)


def _static(session: Session, case_ids: list[int]) -> dict[int, CaseCounter]:
    rows = session.execute(
        select(Case.id, Case.area_path, Case.source, Case.reporter_id, Category.code)
        .join(Category, Category.id == Case.category_id).where(Case.id.in_(case_ids))
        # Steps taken meanwhile wait: they fold into the rebuilt counters afterwards.
        .with_for_update(of=Case))
    return {case_id: CaseCounter.opening(case_id=case_id, area_path=path, category_code=code,
                                         source=source, reporter_id=reporter_id)
            for case_id, path, source, reporter_id, code in rows}


def rebuild_cases(session: Session, case_ids: list[int]) -> int:
    """Recompute the counters of these cases from their timelines; returns how many."""
    rows = _static(session, case_ids)
    events = defaultdict(list)
    for event in session.execute(select(CaseEvent).where(CaseEvent.case_id.in_(list(rows)))
                                 .order_by(CaseEvent.case_id, CaseEvent.seq)).scalars():
        events[event.case_id].append(event)
    for case_id, row in rows.items():
        for event in events[case_id]:
            fold(row, event)
    session.flush()  # pending changes to these cases' counters reach the table first
    session.execute(delete(CaseCounter).where(CaseCounter.case_id.in_(list(rows))))
    for stale in [obj for obj in session.identity_map.values()
                  if isinstance(obj, CaseCounter) and obj.case_id in rows]:
        session.expunge(stale)
    if rows:
        session.execute(insert(CaseCounter), [row.values() for row in rows.values()])
    return len(rows)


def _batches(session: Session, size: int) -> Iterator[list[int]]:
    last = 0
    while ids := session.execute(select(Case.id).where(Case.id > last).order_by(Case.id)
                                 .limit(size)).scalars().all():
        yield list(ids)
        last = ids[-1]


def rebuild_all(session: Session, *, batch: int = REBUILD_BATCH) -> Iterator[int]:
    """Rebuild every case's counters, a batch at a time (each batch's cases locked while
    it runs); yields the count per batch, after which the caller may commit."""
    for case_ids in _batches(session, batch):
        yield rebuild_cases(session, case_ids)
