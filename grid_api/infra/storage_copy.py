"""Move files from local disk to an object store: idempotent, resumable, checksum-verified.

A file counts as moved only once the store returns the same SHA-256 as the local file; a
run that stopped half-way is resumed by running it again (verified objects are skipped).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from grid_api.infra.storage import LocalStorage, Storage


class Outcome(enum.StrEnum):
    copied = "copied"
    already_there = "already_there"
    mismatch = "mismatch"


@dataclass
class CopyReport:
    copied: int = 0
    already_there: int = 0
    deleted_locally: int = 0
    mismatched: list[str] = field(default_factory=list)


def copy_one(source: LocalStorage, target: Storage, key: str) -> Outcome:
    """Copy one file unless the store already holds the same bytes.
    Raises StorageUnavailable (run again to resume)."""
    data = source.get(key)
    digest = hashlib.sha256(data).hexdigest()
    present = target.stat(key)
    if present is not None and present.size == len(data) and present.sha256 == digest:
        return Outcome.already_there
    target.put(key, data)  # the store checks Content-MD5 on receipt
    # What counts is what a download will return: read it back.
    if hashlib.sha256(target.get(key)).hexdigest() != digest:
        return Outcome.mismatch
    return Outcome.copied


def copy_all(source: LocalStorage, target: Storage, keys: Iterable[str], *,
             delete_local: bool = False,
             on_each: Callable[[str, Outcome], None] | None = None) -> CopyReport:
    """Copy every key; with ``delete_local`` a local file goes once its copy is verified.
    Raises StorageUnavailable."""
    report = CopyReport()
    for key in keys:
        outcome = copy_one(source, target, key)
        if outcome is Outcome.mismatch:
            report.mismatched.append(key)
        else:
            setattr(report, outcome.value, getattr(report, outcome.value) + 1)
            if delete_local:
                source.delete(key)
                report.deleted_locally += 1
        if on_each is not None:
            on_each(key, outcome)
    return report
