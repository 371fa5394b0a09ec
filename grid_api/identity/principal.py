"""The signed-in user as authorization sees them: roles and the scope of each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from models.user import Role


@dataclass(frozen=True)
class Principal:
    """The signed-in user as authorization sees them, loaded once per request."""

    user_id: int | None  # None: the system itself (automatic dispatch, auto-close)
    roles: frozenset[Role]
    unit_id: int | None = None
    area_id: int | None = None
    area_path: str | None = None  # supervisor scope: every area whose path starts with this
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    family_id: str | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_staff(self) -> bool:
        return bool(self.roles - {Role.resident})

    @property
    def is_system(self) -> bool:
        return self.user_id is None


# The system as an actor: takes the steps rules decide (dispatch by routing rules, closing a
# verified case where configured); its timeline events have no user.
SYSTEM: Final = Principal(user_id=None, roles=frozenset())
