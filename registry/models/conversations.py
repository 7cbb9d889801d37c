"""A placement's conversation, its calendar meetings and the files attached to it (issue 20).

Messages and attachments are candidate data: erasing the trajectory blanks every message
text and deletes every file, while the rows stay as anonymous facts (who wrote when, how
many), so counts do not change.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.placement import Party
from registry.models.base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from registry.models.accounts import User


class PlacementMessage(Base):
    """One message of the conversation on a proposal or placement."""

    __tablename__ = "placement_messages"
    __table_args__ = (Index("ix_placement_messages_placement", "placement_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_party: Mapped[Party] = mapped_column(enum_column(Party, 16))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[dt.datetime | None]
    deleted_at: Mapped[dt.datetime | None]  # withdrawn within the grace period
    erased_at: Mapped[dt.datetime | None]  # blanked with the trajectory

    author: Mapped[User | None] = relationship()


class MeetingKind(enum.StrEnum):
    INTRODUCTION = "introduction"
    START = "start"
    EVALUATION = "evaluation"


class PlacementMeeting(Base):
    """A planned meeting of a placement, sent as an iCalendar invitation. ``uid`` never
    changes; every move or cancellation raises ``sequence``."""

    __tablename__ = "placement_meetings"
    __table_args__ = (UniqueConstraint("placement_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, 16))
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[dt.datetime]
    minutes: Mapped[int] = mapped_column(default=60)
    location: Mapped[str] = mapped_column(String(300), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    cancelled_at: Mapped[dt.datetime | None]
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlacementAttachment(Base):
    """A file attached to a placement, stored outside the web root under a random key."""

    __tablename__ = "placement_attachments"
    __table_args__ = (Index("ix_placement_attachments_placement", "placement_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploader_party: Mapped[Party] = mapped_column(enum_column(Party, 16))
    kind: Mapped[str] = mapped_column(String(20), default="other")  # agreement | other
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(200), default="")
    storage_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[dt.datetime | None]

    uploaded_by: Mapped[User | None] = relationship()
