"""Phone normalization and password rules."""

import pytest

from grid_api.identity.phones import normalize_phone
from grid_api.infra.passwords import PasswordService, weakness


@pytest.mark.parametrize(("raw", "expected"), [
    ("13800138000", "+8613800138000"),
    ("138 0013 8000", "+8613800138000"),
    ("+86 138-0013-8000", "+8613800138000"),
    ("008613800138000", "+8613800138000"),
    ("+14155552671", "+14155552671"),
    ("12800138000", None),       # no mainland mobile starts 12
    ("1380013800", None),        # ten digits
    ("+8612345", None),          # +86 but not a mobile
    ("hello", None),
    ("", None),
])
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


def test_password_rules():
    assert weakness("Hangzhou2026") is None
    assert weakness("Ab1") == "Shorter than minimum length 8."
    assert weakness("12345678901") == "Password must contain both letters and digits."
    assert weakness("Password1") == "Password is too common."
    assert weakness("pw13800138000", phone="+8613800138000") == (
        "Password must not contain the phone number.")


def test_hash_and_verify():
    service = PasswordService(memory_kib=1024)
    stored = service.hash("Hangzhou2026")
    assert stored.startswith("$argon2id$")
    assert service.verify(stored, "Hangzhou2026")
    assert not service.verify(stored, "hangzhou2026")
    assert not service.verify(None, "Hangzhou2026")
    assert not service.verify("garbage", "Hangzhou2026")
