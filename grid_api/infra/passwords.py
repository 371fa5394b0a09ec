"""Password hashing with argon2id, and the rules a new password must meet."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON = frozenset({
    "12345678", "123456789", "1234567890", "password", "password1", "qwerty123", "11111111",
    "88888888", "abc12345", "a1234567", "aa123456", "iloveyou", "woaini1314", "qq123456",
    "1q2w3e4r", "qwertyui", "asdf1234", "zxcvbnm1", "abcd1234", "admin123",
})


class PasswordService:
    """argon2id with a per-deployment memory cost (tests use a small one)."""

    def __init__(self, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(memory_cost=memory_kib, time_cost=3, parallelism=1)
        # Verifying against this when the account does not exist keeps timing uniform.
        self._dummy_hash = self._hasher.hash("not-a-real-password-0")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False


def weakness(password: str, *, phone: str | None = None) -> str | None:
    """Why ``password`` is too weak (an English message, localized later), or None."""
    if len(password) < MIN_LENGTH:
        return f"Shorter than minimum length {MIN_LENGTH}."
    if len(password) > MAX_LENGTH:
        return f"Longer than maximum length {MAX_LENGTH}."
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        return "Password must contain both letters and digits."
    if password.lower() in _COMMON:
        return "Password is too common."
    if phone and phone[-8:] in password:
        return "Password must not contain the phone number."
    return None
