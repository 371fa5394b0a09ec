"""Accounts, their roles and scopes, and the refresh-token families of their sessions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class Role(enum.StrEnum):
    resident = "resident"
    grid_worker = "grid_worker"
    unit_staff = "unit_staff"
    supervisor = "supervisor"
    admin = "admin"


STAFF_ROLES = frozenset(Role) - {Role.resident}
_ROLE_LIST = ", ".join(f"'{role.value}'" for role in Role)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)  # E.164
    display_name: Mapped[str] = mapped_column(String(50), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False)
    # Scopes: unit staff → their unit; supervisors → an area subtree; grid workers → the
    # cells in grid_assignments.
    unit_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    locale: Mapped[str] = mapped_column(String(10), nullable=False, server_default="zh-CN")
    # Bumped by a password change or a disable: every token issued before stops working.
    token_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The resident deleted their account: personal data erased, their cases kept anonymised.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint(f"roles <@ ARRAY[{_ROLE_LIST}]::varchar[] AND cardinality(roles) > 0",
                        name="known_roles"),
    )

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles


class GridAssignment(Base):
    """A grid worker's responsibility for one grid cell."""

    __tablename__ = "grid_assignments"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = created_at_column()


class TokenFamily(Base):
    """One signed-in session: every refresh token rotated from one login."""

    __tablename__ = "token_families"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    jti: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("token_families.id", ondelete="CASCADE"), nullable=False, index=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
