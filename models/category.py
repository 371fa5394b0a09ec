"""Case categories after GB/T 30428.2 / CJ/T 214: components (部件) and events (事件),
major classes (大类) and their minor classes (小类), with per-stage time limits."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column


class CategoryKind(enum.StrEnum):
    component = "component"  # 部件: public facilities, routed to their owner first
    event = "event"  # 事件: things that happen, routed to the territory first


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # "C01" (component major class 01), "C0101" (its minor class 01); "E…" for events.
    code: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    kind: Mapped[CategoryKind] = mapped_column(
        Enum(CategoryKind, name="category_kind"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    name_zh: Mapped[str] = mapped_column(String(50), nullable=False)
    name_en: Mapped[str] = mapped_column(String(80), nullable=False)
    photo_required: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                                 server_default=text("false"))
    # {"register": {"value": 1, "unit": "working_hours"}, "handle": {...}, "verify": {...}}
    time_limits: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False,
                                                        server_default=text("'{}'"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    # Disputes between neighbours, anything naming a person: the public sees only the grid
    # cell's centre of such a case, never its point, description or address.
    sensitive: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                            server_default=text("false"))
    # 自行处置: a grid worker may fix a problem of this category on the spot and report it
    # with before and after photos; the system then registers, resolves and closes it.
    allows_on_site_fix: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                                     server_default=text("false"))
    created_at: Mapped[datetime] = created_at_column()

    parent: Mapped[Category | None] = relationship(remote_side=[id])

    def limit(self, stage: str) -> dict[str, Any] | None:
        """The time limit of a stage, falling back to the major class's."""
        return stage_limit(stage, self.time_limits,
                           self.parent.time_limits if self.parent is not None else None)


def stage_limit(stage: str, own: dict[str, Any] | None,
                major: dict[str, Any] | None) -> dict[str, Any] | None:
    """A minor class's time limit of a stage, else its major class's."""
    limit = (own or {}).get(stage)
    return limit if limit is not None else (major or {}).get(stage)
