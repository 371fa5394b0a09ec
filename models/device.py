"""Push targets (a channel's token for one app on one phone) and what was delivered to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    token: Mapped[str] = mapped_column(String(4096), nullable=False, unique=True)
    # The push channel the token belongs to: fcm, huawei, harmony, xiaomi, oppo, vivo, jpush …
    provider: Mapped[str] = mapped_column(String(20), nullable=False, server_default="fcm")
    # The app's id for the phone: the tokens of one phone share it (an FCM token and a
    # vendor token); a phone gets each notification once. None: the token is its own phone.
    phone_id: Mapped[str | None] = mapped_column(String(64))
    # FCM only: "token", a registration token; "fid", a Firebase installation id.
    kind: Mapped[str] = mapped_column(String(10), nullable=False, server_default="token")
    platform: Mapped[str] = mapped_column(String(10), nullable=False)  # android, ios, web
    locale: Mapped[str] = mapped_column(String(10), nullable=False, server_default="zh-CN")
    app_version: Mapped[str | None] = mapped_column(String(30))
    # False once its channel says the token is dead (app uninstalled, another sender).
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=text("now()"))


    @property
    def phone_key(self) -> str:
        """The phone this token is on: its tokens share a key."""
        return f"phone:{self.phone_id}" if self.phone_id else f"device:{self.id}"


class PushDelivery(Base):
    """One notification to one device: the record that keeps a push from going out twice.

    Written as ``sending`` (and committed) before the push leaves, so a worker that dies
    mid-send never pushes the phone again: a phone has at most one ``sending`` or ``sent``
    row per notification.
    """

    __tablename__ = "push_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False)
    device_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("devices.id",
                                                                  ondelete="CASCADE"),
                                           nullable=False)
    # sending, sent, dead_token, failed (the channel refused the message)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    provider: Mapped[str] = mapped_column(String(20), nullable=False, server_default="fcm")
    phone_key: Mapped[str] = mapped_column(String(80), nullable=False)
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("notification_id", "device_id"),
        Index("uq_push_deliveries_one_per_phone", "notification_id", "phone_key", unique=True,
              postgresql_where=text("status IN ('sending', 'sent')")),
        Index("ix_push_deliveries_created_at", "created_at"),
    )
