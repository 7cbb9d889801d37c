"""Match alerts (issue 20): followed candidate searches, followed places, and the pairs
already announced.

A :class:`SearchFollow` keeps, besides the coach's saved filters, the columns a newly
published place is tested against in SQL (the inverse of the search's prefilter): the
bounding box of the search circle, the accepted kinds, the networks, the capacity's
conflict masks (``registry.search.codec.conflict_masks``) and the home employer. They
are refreshed whenever the candidate, the profile or the filters change
(``registry.search.alerts.refresh_candidate``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, utcnow
from registry.models.candidates import Candidate
from registry.models.places import Place


class SearchFollow(Base):
    """A user follows a candidate's search (its filters as saved)."""

    __tablename__ = "search_follows"
    __table_args__ = (
        UniqueConstraint("user_id", "candidate_id"),
        # The published place's test reads only this index until a row passes (covering).
        Index(
            "ix_search_follows_box",
            *("active", "lat_min", "lat_max", "lon_min", "lon_max", "kind_bits"),
            *("network_bits", "cmask_1", "cmask_2", "week_hours", "home_employer_id"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The index columns (see the module docstring); ``active`` is false while the
    # candidate has no known home area.
    active: Mapped[bool] = mapped_column(default=False)
    lat: Mapped[float] = mapped_column(Float, default=0.0)  # the candidate's home area
    lon: Mapped[float] = mapped_column(Float, default=0.0)
    max_km: Mapped[float] = mapped_column(Float, default=0.0)  # the range, filter applied
    week_hours: Mapped[float | None] = mapped_column(Float)  # the weekly hours limit, if any
    lat_min: Mapped[float] = mapped_column(Float, default=0.0)
    lat_max: Mapped[float] = mapped_column(Float, default=0.0)
    lon_min: Mapped[float] = mapped_column(Float, default=0.0)
    lon_max: Mapped[float] = mapped_column(Float, default=0.0)
    kind_bits: Mapped[int] = mapped_column(BigInteger, default=0)
    network_bits: Mapped[int] = mapped_column(BigInteger, default=0)
    cmask_1: Mapped[int] = mapped_column(BigInteger, default=0)
    cmask_2: Mapped[int] = mapped_column(BigInteger, default=0)
    home_employer_id: Mapped[int | None]
    sector: Mapped[str | None] = mapped_column(String(80))

    candidate: Mapped[Candidate] = relationship(lazy="raise")


class PlaceFollow(Base):
    """An employer contact follows a place: told when a consenting candidate who fits
    appears in its networks."""

    __tablename__ = "place_follows"
    __table_args__ = (UniqueConstraint("user_id", "place_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    place: Mapped[Place] = relationship(lazy="raise")


class AlertPair(Base):
    """A (user, candidate, place) pair already announced: never announced twice."""

    __tablename__ = "alert_pairs"
    __table_args__ = (UniqueConstraint("user_id", "candidate_id", "place_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))  # "search" (coach) or "place" (host)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
