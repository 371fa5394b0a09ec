"""Accounts: resident self-registration, staff accounts, roles, scopes, passwords."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Select, any_, delete, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grid_api.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from grid_api.identity.sessions import revoke_all
from grid_api.infra.passwords import PasswordService, weakness
from models.area import Area, AreaLevel
from models.unit import Unit
from models.user import GridAssignment, Role, User


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound
    return user


def _check_password(password: str, phone: str) -> None:
    problem = weakness(password, phone=phone)
    if problem:
        raise ValidationFailed(errors={"password": [problem]})


def _insert(session: Session, user: User) -> User:
    try:
        with session.begin_nested():  # a duplicate must not poison the request's transaction
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        if "uq_users_phone" in str(exc.orig):
            raise Conflict("phone_taken",
                           errors={"phone": ["Phone number already registered."]}) from exc
        raise
    return user


def register_resident(session: Session, passwords: PasswordService, *, phone: str,
                      password: str, display_name: str) -> User:
    """Self-registration. Raises ValidationFailed (weak password), Conflict (phone taken)."""
    _check_password(password, phone)
    return _insert(session, User(phone=phone, display_name=display_name, roles=[Role.resident],
                                 password_hash=passwords.hash(password)))


def _validate_scopes(session: Session, roles: set[Role], unit_id: int | None,
                     area_id: int | None, grid_ids: Iterable[int]) -> None:
    errors: dict[str, list[str]] = {}
    if Role.unit_staff in roles and unit_id is None:
        errors["unit_id"] = ["Unit staff need a unit."]
    if unit_id is not None and session.get(Unit, unit_id) is None:
        errors["unit_id"] = ["No such unit."]
    if Role.supervisor in roles and area_id is None:
        errors["area_id"] = ["Supervisors need an area."]
    if area_id is not None and session.get(Area, area_id) is None:
        errors["area_id"] = ["No such area."]
    grid_ids = set(grid_ids)
    if grid_ids:
        found = set(session.execute(select(Area.id).where(
            Area.id.in_(grid_ids), Area.level == AreaLevel.grid)).scalars())
        if found != grid_ids:
            missing = ", ".join(map(str, sorted(grid_ids - found)))
            errors["grid_ids"] = [f"Not a grid cell: {missing}"]
    if errors:
        raise ValidationFailed(errors=errors)


def set_grid_cells(session: Session, user: User, grid_ids: Iterable[int]) -> None:
    session.execute(delete(GridAssignment).where(GridAssignment.user_id == user.id))
    session.add_all(GridAssignment(user_id=user.id, area_id=grid_id) for grid_id in set(grid_ids))


def create_staff(session: Session, passwords: PasswordService, *, phone: str, password: str,
                 display_name: str, roles: set[Role], unit_id: int | None = None,
                 area_id: int | None = None, grid_ids: Iterable[int] = ()) -> User:
    """An account created by an admin. Raises ValidationFailed, Conflict."""
    _check_password(password, phone)
    grid_ids = list(grid_ids)
    _validate_scopes(session, roles, unit_id, area_id, grid_ids)
    user = _insert(session, User(
        phone=phone, display_name=display_name, roles=sorted(roles), unit_id=unit_id,
        area_id=area_id, password_hash=passwords.hash(password)))
    set_grid_cells(session, user, grid_ids)
    return user


_UNSET = object()


def update_user(session: Session, user_id: int, *, roles: set[Role] | None = None,
                unit_id: object = _UNSET, area_id: object = _UNSET,
                grid_ids: Iterable[int] | None = None, display_name: str | None = None,
                disabled: bool | None = None) -> tuple[User, list[uuid.UUID]]:
    """Change roles, scopes, name or the disabled flag; returns the sessions it ended.

    Disabling, or taking roles away, ends every session of the user. Raises NotFound,
    ValidationFailed, Conflict (the last active admin would be gone).
    """
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound
    new_roles = set(roles) if roles is not None else {Role(r) for r in user.roles}
    active_after = disabled is False or (disabled is None and user.disabled_at is None)
    if _is_active_admin(user) and not (Role.admin in new_roles and active_after):
        _keep_an_admin(session, user)
    new_unit = user.unit_id if unit_id is _UNSET else unit_id
    new_area = user.area_id if area_id is _UNSET else area_id
    new_cells = list(grid_ids or ())
    _validate_scopes(session, new_roles, new_unit, new_area, new_cells)
    lost_roles = {Role(r) for r in user.roles} - new_roles
    user.roles, user.unit_id, user.area_id = sorted(new_roles), new_unit, new_area
    if display_name is not None:
        user.display_name = display_name
    if grid_ids is not None:
        set_grid_cells(session, user, new_cells)
    revoked: list[uuid.UUID] = []
    if disabled is True and user.disabled_at is None:
        user.disabled_at = datetime.now(UTC)
        revoked = revoke_all(session, user, reason="disabled")
    elif disabled is False:
        user.disabled_at = None
    if lost_roles and not revoked:
        revoked = revoke_all(session, user, reason="roles_changed")
    return user, revoked


# Taken by whoever is about to leave the deployment without one more active admin, so
# that two admins disabling each other at once cannot both succeed.
LAST_ADMIN_LOCK = 0x6772_6964_6164  # "gridad"


def _is_active_admin(user: User) -> bool:
    return Role.admin.value in user.roles and user.disabled_at is None


def _keep_an_admin(session: Session, user: User) -> None:
    """Raises Conflict when ``user`` is the last active admin."""
    session.execute(select(func.pg_advisory_xact_lock(LAST_ADMIN_LOCK)))
    others = session.execute(select(func.count()).select_from(User).where(
        literal(Role.admin.value) == any_(User.roles), User.disabled_at.is_(None),
        User.id != user.id)).scalar_one()
    if others == 0:
        raise Conflict("last_admin")


def change_password(session: Session, passwords: PasswordService, user_id: int, *,
                    current_password: str, new_password: str) -> list[uuid.UUID]:
    """Raises Unauthenticated (wrong current password), ValidationFailed (weak)."""
    user = get_user(session, user_id)
    if not passwords.verify(user.password_hash, current_password):
        raise Unauthenticated("bad_credentials")
    _check_password(new_password, user.phone)
    user.password_hash = passwords.hash(new_password)
    return revoke_all(session, user, reason="password_changed")


def users_query(*, role: Role | None = None, search: str | None = None) -> Select:
    query = select(User)
    if role is not None:
        query = query.where(literal(role.value) == any_(User.roles))
    if search:
        pattern = f"%{search.replace('%', '').replace('_', '')}%"
        query = query.where(User.display_name.ilike(pattern) | User.phone.like(pattern))
    return query


def grid_cells_of(session: Session, user_id: int) -> list[int]:
    return list(session.execute(select(GridAssignment.area_id).where(
        GridAssignment.user_id == user_id).order_by(GridAssignment.area_id)).scalars())


def describe_user(session: Session, user: User, *, with_scopes: bool = False) -> dict:
    """The user as the API shows it; with the unit, area and cells spelled out for /me."""
    grid_ids = grid_cells_of(session, user.id)
    described = {
        "id": user.id, "phone": user.phone, "display_name": user.display_name,
        "roles": list(user.roles), "unit_id": user.unit_id, "area_id": user.area_id,
        "grid_ids": grid_ids, "disabled": user.disabled_at is not None,
        "created_at": user.created_at,
    }
    if with_scopes:
        described["unit"] = session.get(Unit, user.unit_id) if user.unit_id else None
        described["area"] = session.get(Area, user.area_id) if user.area_id else None
        described["grid_cells"] = list(session.execute(
            select(Area).where(Area.id.in_(grid_ids)).order_by(Area.code)).scalars())
    return described
