"""Photos attached to a case: a re-encoded public copy, and the original EXIF as evidence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), nullable=False,
                                         index=True)
    uploader_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), nullable=False)
    # report (with the case), resolution (after-photos), verification, comment
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    # 自行处置 evidence: ``before`` or ``after`` the grid worker's fix on the spot.
    kind: Mapped[str | None] = mapped_column(String(10))
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    original_format: Mapped[str] = mapped_column(String(10), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    # Evidence from the original file's EXIF, shown to staff only.
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    distance_m: Mapped[float | None] = mapped_column(Float)
    far_from_case: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                                server_default=text("false"))
    # Until staff mark it publishable, only the case's full viewers (the reporter, the staff
    # in charge) may list or download the photo; then everyone who sees the case.
    publishable: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                              server_default=text("false"))
    published_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
