"""the open cases' and the unfinished cases' indexes hold the columns their counts read,
so the overview counts them without visiting the table

Revision ID: f2b8d4a6c0e9
Revises: a8d2c6f0e4b7
Create Date: 2026-12-02 23:40:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'f2b8d4a6c0e9'
down_revision: str | None = 'a8d2c6f0e4b7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNFINISHED = "(NOT handled OR NOT closed OR due_at IS NOT NULL)"
LIVE_COLUMNS = "area_path, dispatched, handled, handle_deadline, closed, due_at, late, deferred"
OPEN = "status NOT IN ('closed', 'rejected')"

COVERING = {
    "ix_case_counters_open_area":
        f"(area_path text_pattern_ops, status) WHERE {OPEN}",
    "ix_case_counters_due_at":
        "(due_at) INCLUDE (area_path, deferred) WHERE due_at IS NOT NULL",
    "ix_case_counters_unfinished_registered":
        f"(registered_at) INCLUDE ({LIVE_COLUMNS}) WHERE {UNFINISHED}",
    "ix_case_counters_unfinished_reported":
        f"(reported_at) INCLUDE (registered_at, {LIVE_COLUMNS}) WHERE {UNFINISHED}",
}
NARROW = {
    "ix_case_counters_open_area": f"(area_path text_pattern_ops) WHERE {OPEN}",
    "ix_case_counters_due_at": "(due_at) WHERE due_at IS NOT NULL",
    "ix_case_counters_unfinished_registered": f"(registered_at) WHERE {UNFINISHED}",
    "ix_case_counters_unfinished_reported": f"(reported_at) WHERE {UNFINISHED}",
}


def _replace(indexes: dict[str, str]) -> None:
    for name, definition in indexes.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON case_counters {definition}")


def upgrade() -> None:
    _replace(COVERING)


def downgrade() -> None:
    _replace(NARROW)
