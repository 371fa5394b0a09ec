"""The area tree: city → district → street → community → grid cell, as PostGIS polygons."""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geo.levels import AreaLevel
from models.base import Base, created_at_column

ROOT_PATH = "/"
PENDING_PATH = ""  # a row written before its id is known; its path is set right after


def child_path(parent_path: str | None, area_id: int) -> str:
    """The path rule: an area's path is its parent's path, then its own id ("/1/5/42/")."""
    return f"{parent_path or ROOT_PATH}{area_id}/"


def child_path_sql(parent_path: str, child_id: str) -> str:
    """The path rule for set-based writes, from two SQL expressions."""
    return f"{parent_path} || {child_id} || '/'"


def path_ids(path: str) -> list[int]:
    """The area ids of a materialised path ("/1/5/42/"), root first."""
    return [int(part) for part in path.strip("/").split("/") if part]


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(15), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[AreaLevel] = mapped_column(
        Enum(AreaLevel, name="area_level", native_enum=True), nullable=False
    )
    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    # Ancestor ids as "/1/5/23/": a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(200), nullable=False)
    geom = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False
    )
    valid_from: Mapped[date] = mapped_column(
        Date, nullable=False, server_default=func.current_date()
    )
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )

    parent: Mapped[Area | None] = relationship(remote_side=[id])

    __table_args__ = (
        Index("ix_areas_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        # Locating a point only ever looks at current grid cells.
        Index("ix_areas_current_grid_geom", "geom", postgresql_using="gist",
              postgresql_where=text("level = 'grid' AND valid_to IS NULL")),
    )


class AreaVersion(Base):
    """A superseded version of an area (name and boundary), kept when a re-import changes it."""

    __tablename__ = "area_versions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    area_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(15), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class AreaGeneration(Base):
    """One row counting changes to the area tree: a database trigger adds one for every
    statement that writes ``areas``, whatever wrote it (import, generation, a script)."""

    __tablename__ = "area_generation"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")

    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)


class AreaTile(Base):
    """A rendered vector tile of an area layer, valid while the tree is at ``generation``."""

    __tablename__ = "area_tiles"

    layer: Mapped[str] = mapped_column(String(20), primary_key=True)
    z: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    x: Mapped[int] = mapped_column(Integer, primary_key=True)
    y: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
