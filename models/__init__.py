"""The persistent domain: SQLAlchemy models (no Flask here)."""

from models.area import Area, AreaLevel
from models.base import Base
from models.outbox import OutboxMessage

__all__ = ["Area", "AreaLevel", "Base", "OutboxMessage"]
