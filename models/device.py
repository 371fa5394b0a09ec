"""Push targets (FCM registration tokens) and what was delivered to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    token: Mapped[str] = mapped_column(String(4096), nullable=False, unique=True)
    # "token": an FCM registration token; "fid": a Firebase installation id.
    kind: Mapped[str] = mapped_column(String(10), nullable=False, server_default="token")
    platform: Mapped[str] = mapped_column(String(10), nullable=False)  # android, ios, web
    locale: Mapped[str] = mapped_column(String(10), nullable=False, server_default="zh-CN")
    app_version: Mapped[str | None] = mapped_column(String(30))
    # False once FCM says the token is dead (app uninstalled, another sender): never retried.
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=text("now()"))


class PushDelivery(Base):
    """One notification to one device: the record that keeps a push from going out twice."""

    __tablename__ = "push_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False)
    device_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("devices.id",
                                                                  ondelete="CASCADE"),
                                           nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # sent, dead_token, failed
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (UniqueConstraint("notification_id", "device_id"),)
