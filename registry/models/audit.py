"""Append-only audit trail and the mail outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, utcnow


class AuditEvent(Base):
    """Who did what to which object, when and from where. Never updated or deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        # the objects that ever had one kind of event, e.g. the places the freshness
        # sweep paused (issue 17: the coordinator's to-do count); migration e6home000001
        Index("ix_audit_events_action", "object_type", "action", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
def _audit_is_append_only(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _audit_never_deleted(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("audit events are append-only")


class OutboxMessage(Base):
    """An e-mail waiting to be sent; sending is retried until it succeeds."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Files sent along (issue 20: calendar invitations): [{filename, content_type, text}].
    attachments: Mapped[list | None] = mapped_column(JSON)
