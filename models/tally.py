"""Daily tallies of the per-case counters, for the city and its districts (the scopes whose
year is too many cases to count at question time).

Each row sums, for one local day and one area of the top ``depth`` levels, what the
counters of its cases say, in three bases: reports by the day they were made, and the
cohort (registered cases) by the day of registration or of report — the city's 口径 picks
one. A trigger on ``case_counters`` appends every change as a signed row of
``tally_changes`` in the transaction that makes it (appending never waits on another
writer); a periodic job folds those rows into ``tallies``. Readers add both, so the figures
are exact at every moment. Only what does not depend on the clock is tallied: the measures
"due by now" are counted live over the cases not yet finished (a partial index).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, Identity, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

REPORTS, COHORT_BY_REGISTRATION, COHORT_BY_REPORT = 0, 1, 2  # the basis of a row

# What a tally column adds up, over a counters row ``r``. The reports' columns only count
# in the REPORTS basis, the cohort's in the other two (a case there once registered).
REPORT_COLUMNS = {
    "reported": "1",
    "worker_reported": "(r.source = 'grid_worker')::int",
    "self_handled": "r.self_handled::int",
    "valid": "(r.registered_at IS NOT NULL)::int",
    "rejected": "r.rejected::int",
    "registered_on_time": "(r.registered_at IS NOT NULL AND r.registered_on_time)::int",
}
COHORT_COLUMNS = {
    "registered": "1",
    "dispatched": "r.dispatched::int",
    "dispatched_accurately": "(r.dispatched AND r.returns = 0)::int",
    "handled": "r.handled::int",
    "handled_on_time": "(r.handled AND r.handled_on_time)::int",
    "handled_on_time_nd": "(r.handled AND r.handled_on_time AND NOT r.deferred)::int",
    "handled_dispatched": "(r.dispatched AND r.handled)::int",
    "handled_dispatched_nd": "(r.dispatched AND r.handled AND NOT r.deferred)::int",
    "verified": "r.verified::int",
    "closed": "r.closed::int",
    "closed_nd": "(r.closed AND NOT r.deferred)::int",
    "closed_on_time": "r.closed_on_time::int",
    "closed_on_time_nd": "(r.closed_on_time AND NOT r.deferred)::int",
    "reworked": "(r.reworks > 0)::int",
    "extended": "(r.extensions > 0)::int",
    "deferred": "r.deferred::int",
    "returns": "r.returns",
    "late": "r.late::int",
    "open": "(NOT r.closed)::int",
    "checks": "r.checks",
    "checks_on_time": "r.checks_on_time",
    "rated": "(r.rating IS NOT NULL)::int",
    "rating_sum": "coalesce(r.rating, 0)",
    **{f"rated_{stars}": f"(r.rating IS NOT DISTINCT FROM {stars})::int" for stars in range(1, 6)},
}
COLUMNS = (*REPORT_COLUMNS, *COHORT_COLUMNS)
# The cases whose clock-dependent measures are still open: counted live, by index.
UNFINISHED = "(NOT handled OR NOT closed OR due_at IS NOT NULL)"


# A bigint per column, zero unless added to (typed by hand: the list above is the schema).
_SumColumns = type("_SumColumns", (), {
    name: mapped_column(BigInteger, nullable=False, server_default=text("0"))
    for name in COLUMNS})


class Tally(_SumColumns, Base):
    __tablename__ = "tallies"

    basis: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    area_path: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class TallyChange(_SumColumns, Base):
    __tablename__ = "tally_changes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    basis: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    area_path: Mapped[str] = mapped_column(String(200), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)


class TallySetting(Base):
    """One row when tallies are kept: the zone whose days they count and the depth of the
    areas they count by. No row: nothing is tallied and every question counts cases. Not
    ``ready``: the triggers append changes while the tallies are being built, and questions
    still count cases."""

    __tablename__ = "tally_settings"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("1"))
    zone: Mapped[str] = mapped_column(String(64), nullable=False)
    depth: Mapped[int] = mapped_column(Integer, nullable=False)
    ready: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


# The heat layer's tallies: reports per map bin, kept the same way (a trigger appends, the
# worker folds). A case counts at its grid cell's inner point (as the heat tiles place it),
# binned at HEAT_ZOOM + 6 — a z10 tile's 64 × 64 bins — and, coarser, at the other levels
# for the tiles further out; per local month, ISO week and day, so a period reads its whole
# months, then the whole weeks of the rest, then its other days (30 days: about 4 weeks and
# 9 days, not 30 days). Every tile up to HEAT_ZOOM then reads at most four times its bins
# per month, week or day, however many cells and cases lie under it.
HEAT_ZOOM = 10
HEAT_BIN_LEVEL = HEAT_ZOOM + 6  # the finest bins, appended by the trigger
HEAT_LEVELS = (16, 14, 12)  # a tile at zoom z reads the coarsest level ≥ z + 6
DAY, WEEK, MONTH = 0, 1, 2  # the span a heat tally row sums; a week starts on Monday


class HeatTally(Base):
    __tablename__ = "heat_tallies"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    # The tile (zoom level − 6) holding the bin: one tile's bins are one index range.
    tile_x: Mapped[int] = mapped_column(Integer, primary_key=True)
    tile_y: Mapped[int] = mapped_column(Integer, primary_key=True)
    span: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # DAY, WEEK or MONTH
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)  # the span's first day
    area_path: Mapped[str] = mapped_column(String(200), primary_key=True)
    bin_x: Mapped[int] = mapped_column(Integer, primary_key=True)
    bin_y: Mapped[int] = mapped_column(Integer, primary_key=True)  # counted from the north
    reported: Mapped[int] = mapped_column(BigInteger, nullable=False)


class HeatChange(Base):
    __tablename__ = "heat_changes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    area_path: Mapped[str] = mapped_column(String(200), nullable=False)
    bin_x: Mapped[int] = mapped_column(Integer, nullable=False)  # at HEAT_BIN_LEVEL
    bin_y: Mapped[int] = mapped_column(Integer, nullable=False)
    reported: Mapped[int] = mapped_column(Integer, nullable=False)
