"""Placements, their transition history, the reciprocity ledger and in-app notifications.

A placement copies the facts the ledger needs (network, host and home employer) when it is
proposed, so erasing a candidate's personal data never changes a balance.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.ledger import EntryKind, Unit
from registry.domain.placement import DeclineReason, EndReason, Outcome, Party, Status
from registry.models.base import Base, TimestampMixin, enum_column, utcnow

if TYPE_CHECKING:
    from registry.models.accounts import User
    from registry.models.candidates import Candidate
    from registry.models.organisations import Employer, Network
    from registry.models.places import Place


class Placement(TimestampMixin, Base):
    """A proposal of one candidate for one place, followed through to an outcome."""

    __tablename__ = "placements"
    __table_args__ = (
        Index("ix_placements_place_status", "place_id", "status"),
        Index("ix_placements_host_status", "host_employer_id", "status"),
        Index("ix_placements_home_status", "home_employer_id", "status"),
        Index("ix_placements_network", "network_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="RESTRICT"), index=True
    )
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"))
    host_employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"))
    home_employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"))
    coach_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("coach_organisations.id", ondelete="RESTRICT"), index=True
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.PROPOSED)
    proposed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When the host was reminded that the proposal is past the network's answer deadline
    # (once per proposal; issue 14).
    deadline_reminded_at: Mapped[dt.datetime | None]
    # The proposal: motivation, a recorded reason per signal, the end-week confirmation,
    # and a snapshot of the match as the coach saw it (distance, per-dimension verdicts).
    motivation: Mapped[str] = mapped_column(Text, default="")
    signal_reasons: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    past_end_confirmed: Mapped[bool] = mapped_column(default=False)
    distance_km: Mapped[float | None]
    fit: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Agreement facts (filled in by coach and host; all optional until the agreement).
    planned_start: Mapped[dt.date | None]
    planned_end: Mapped[dt.date | None]
    hours_per_week: Mapped[float | None]  # hours per week at the start
    target_hours_per_week: Mapped[float | None]  # where the build-up should arrive
    build_up: Mapped[str] = mapped_column(Text, default="")
    tasks: Mapped[str] = mapped_column(Text, default="")
    supervisor: Mapped[str] = mapped_column(String(160), default="")
    # The introduction (kennismakingsgesprek) between accepted and started: when the coach
    # recorded the candidate's consent to be introduced to the host, and the planned date.
    # The consent itself is a candidate Consent (scope introduce, this host employer).
    introduction_recorded_at: Mapped[dt.datetime | None]
    introduction_planned_on: Mapped[dt.date | None]
    # The conversation (issue 20): the coordinator reads along; writes once invited.
    coordinator_invited_at: Mapped[dt.datetime | None]
    # Lifecycle facts.
    started_on: Mapped[dt.date | None]
    ended_on: Mapped[dt.date | None]
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_column(DeclineReason))
    end_reason: Mapped[EndReason | None] = mapped_column(enum_column(EndReason))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    # The host's evaluation at the end: {"tasks": ..., "strengths": ..., "ratings": {...}}.
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evaluated_at: Mapped[dt.datetime | None]
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    place: Mapped[Place] = relationship()
    candidate: Mapped[Candidate] = relationship()
    network: Mapped[Network] = relationship()
    host_employer: Mapped[Employer] = relationship(foreign_keys=[host_employer_id])
    home_employer: Mapped[Employer] = relationship(foreign_keys=[home_employer_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    transitions: Mapped[list[PlacementTransition]] = relationship(
        back_populates="placement", order_by="PlacementTransition.id", cascade="all"
    )


class PlacementTransition(Base):
    """One step of a placement's history. Append-only."""

    __tablename__ = "placement_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status))
    to_status: Mapped[Status] = mapped_column(enum_column(Status))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    party: Mapped[Party | None] = mapped_column(enum_column(Party))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    note: Mapped[str] = mapped_column(Text, default="")

    placement: Mapped[Placement] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()


class LedgerEntryRecord(Base):
    """One posting of the reciprocity ledger. Never updated or deleted."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_employer", "network_id", "employer_id"),
        Index("ix_ledger_entries_placement", "placement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="RESTRICT"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"))
    unit: Mapped[Unit] = mapped_column(enum_column(Unit, 16))
    amount: Mapped[int]
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, 16))
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id", ondelete="RESTRICT")
    )
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    posted_on: Mapped[dt.date]  # the business date (start or end day) the posting belongs to


@event.listens_for(LedgerEntryRecord, "before_update")
def _ledger_is_append_only(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("ledger entries are append-only; post a reversal instead")


@event.listens_for(LedgerEntryRecord, "before_delete")
def _ledger_never_deleted(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("ledger entries are append-only; post a reversal instead")


class DeliveryMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    NONE = "none"  # in-app only


class Notification(Base):
    """An in-app message; e-mailed at once or in the daily digest by the user's choice."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    # De-duplicates reminders: one notification per user and key.
    dedup_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    emailed_at: Mapped[dt.datetime | None]  # queued in the outbox (at once or in a digest)


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[DeliveryMode] = mapped_column(
        enum_column(DeliveryMode, 16), default=DeliveryMode.IMMEDIATE
    )
    last_digest_at: Mapped[dt.datetime | None]
