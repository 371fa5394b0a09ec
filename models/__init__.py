"""The persistent domain: SQLAlchemy models (no Flask here)."""

from models.area import Area, AreaLevel, AreaVersion
from models.base import Base
from models.outbox import OutboxMessage
from models.unit import Unit
from models.user import (
    GridAssignment,
    RefreshToken,
    Role,
    TokenFamily,
    User,
)

__all__ = [
    "Area", "AreaLevel", "AreaVersion", "Base", "GridAssignment", "OutboxMessage",
    "RefreshToken", "Role", "TokenFamily", "Unit", "User",
]
