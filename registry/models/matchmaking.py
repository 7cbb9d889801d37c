"""Matchmaking rounds and the suggestions they send to coaches (issue 19).

A round keeps its input (the candidates, places and pairs it was solved on, with their
terms) and its result (the chosen pairs, the greedy comparison and why each unplaced
candidate has no place) as JSON, so it can be explained later exactly as it was shown.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from registry.models.candidates import Candidate
    from registry.models.organisations import Network
    from registry.models.places import Place


class RoundStatus(enum.StrEnum):
    PROPOSED = "proposed"  # solved; the coordinator may lock, exclude and re-solve
    APPROVED = "approved"  # its pairs became suggestions to the coaches
    DISCARDED = "discarded"


class SuggestionStatus(enum.StrEnum):
    OPEN = "open"
    PROPOSED = "proposed"  # the coach turned it into a proposal
    DECLINED = "declined"  # the coach declined it, with a reason


class MatchRound(TimestampMixin, Base):
    __tablename__ = "match_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    region: Mapped[str] = mapped_column(String(60), default="")  # a province, or all
    status: Mapped[RoundStatus] = mapped_column(
        enum_column(RoundStatus), default=RoundStatus.PROPOSED
    )
    options: Mapped[int] = mapped_column(default=1)  # k: places per candidate
    weights: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    organisation_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    locks: Mapped[list[list[int]]] = mapped_column(JSON, default=list)  # [candidate, place]
    exclusions: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    input: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    solves: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    network: Mapped[Network] = relationship()


class MatchSuggestion(TimestampMixin, Base):
    """One pair of an approved round: a suggestion to the candidate's coach."""

    __tablename__ = "match_suggestions"
    __table_args__ = (UniqueConstraint("round_id", "candidate_id", "place_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("match_rounds.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(default=1)
    status: Mapped[SuggestionStatus] = mapped_column(
        enum_column(SuggestionStatus), default=SuggestionStatus.OPEN
    )
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("placements.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    round: Mapped[MatchRound] = relationship()
    candidate: Mapped[Candidate] = relationship()
    place: Mapped[Place] = relationship()
