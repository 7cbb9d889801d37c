"""Places (internships, work-experience places, secondments) offered by host employers."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from registry.models.organisations import Employer, Network


class PlaceKind(enum.StrEnum):
    SNUFFELSTAGE = "snuffelstage"
    MEELOOPDAG = "meeloopdag"
    STAGE = "stage"
    WERKERVARINGSPLAATS = "werkervaringsplaats"
    DETACHERING = "detachering"


class PlaceStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    OPEN = "open"
    PAUSED = "paused"
    FULL = "full"
    CLOSED = "closed"


place_networks = Table(
    "place_networks",
    Base.metadata,
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_place_networks_network", "network_id", "place_id"),
)


class Place(TimestampMixin, Base):
    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("employer_id", "external_ref"),
        Index("ix_places_search", "status", "lat", "lon"),
        # No code path can over-book a place (issue 12): the database refuses it.
        CheckConstraint("taken_slots >= 0", name="taken_slots_not_negative"),
        CheckConstraint("taken_slots <= slots", name="taken_slots_within_slots"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    external_ref: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind), index=True)
    status: Mapped[PlaceStatus] = mapped_column(enum_column(PlaceStatus), default=PlaceStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(160))
    function: Mapped[str] = mapped_column(String(160), default="")
    sector: Mapped[str] = mapped_column(String(1), default="")  # SBI section
    description: Mapped[str] = mapped_column(Text, default="")
    # Location: the postcode decides the coordinate (area centre or geocoded address).
    postcode: Mapped[str] = mapped_column(String(7))
    house_number: Mapped[str] = mapped_column(String(10), default="")
    town: Mapped[str] = mapped_column(String(120), default="")
    lat: Mapped[float]
    lon: Mapped[float]
    geo_precision: Mapped[str] = mapped_column(String(10), default="postcode")
    # Capacity and time.
    slots: Mapped[int] = mapped_column(default=1)
    # Slots held by accepted or running placements; changed only by atomic conditional
    # UPDATEs in registry/services/placements.py, never read-then-written. ``slots`` is
    # changed by the conditional UPDATE in services/places.py ``_set_slots`` for the same
    # reason; CHECK constraints keep ``0 <= taken_slots <= slots``.
    taken_slots: Mapped[int] = mapped_column(default=0, server_default="0")
    min_hours_week: Mapped[int | None]
    usual_hours_week: Mapped[int | None]
    lower_start_allowed: Mapped[bool] = mapped_column(default=False)
    schedule_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    evening_work: Mapped[bool] = mapped_column(default=False)
    weekend_work: Mapped[bool] = mapped_column(default=False)
    available_from: Mapped[dt.date | None]
    available_until: Mapped[dt.date | None]
    ongoing: Mapped[bool] = mapped_column(default=True)
    typical_weeks: Mapped[int | None]
    intake_cap_per_month: Mapped[int | None]
    offers: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    # Workload demands, keyed by catalogue dimension: {"lifting": {"band": 2,
    # "incidental": false, "adjustable": true}, ...}. Exposures/conditions: list of keys,
    # or None when the employer has not stated them.
    demands: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    exposures: Mapped[list[str] | None] = mapped_column(JSON)
    offers_conditions: Mapped[list[str] | None] = mapped_column(JSON)
    # Demands, exposures and conditions in one fixed-length code the match search decodes
    # in bulk (registry.search.codec.encode_match_code).
    match_code: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # The match code's conflict bits (registry.search.codec.conflict_bits): the
    # search's capacity precheck is two integer tests against these.
    conflict_bits_1: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    conflict_bits_2: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Bit (id % 63) of each of the place's networks (registry.search.codec.network_bits):
    # the search's network filter is an integer test on its index, not a subquery per row.
    network_bits: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # floor(lat * 20): the 0.05-degree latitude band, so the search can seek the index per
    # band straight to its longitude range (registry.search.codec.lat_band).
    lat_band: Mapped[int | None]
    # The search generation this place's search columns or networks were last written
    # at (set by database triggers, registry.models.search_generation).
    search_gen: Mapped[int] = mapped_column(
        BigInteger, default=0, server_default="0", index=True, deferred=True
    )
    completeness: Mapped[float] = mapped_column(default=0.0)
    # Curation and freshness.
    last_confirmed_at: Mapped[dt.datetime | None]
    reminder_sent_at: Mapped[dt.datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")

    employer: Mapped[Employer] = relationship()
    networks: Mapped[list[Network]] = relationship(secondary=place_networks, lazy="selectin")


# Open places by creation time (issue 17): the to-do count "new places since your last
# search" and "newest first" lists seek the few recent open places instead of scanning a
# network's thousands. Migration d6scale00001.
ix_places_status_created = Index("ix_places_status_created", Place.status, Place.created_at)
# Places of one status by title (issue 17): the places and curation lists' default order
# walks this index instead of sorting a network's thousands of places for every page.
ix_places_status_title = Index("ix_places_status_title", Place.status, func.lower(Place.title))
# Places of one status with their last change (issue 17): the coordinator's "waiting for
# review" count and its oldest date read this index only, not a network's places.
# Migration e6home000001.
ix_places_status_updated = Index(
    "ix_places_status_updated", Place.status, Place.updated_at, Place.id
)
# The curation list over every status (issue 17): its default and "last confirmed" orders
# walk these and stop after a page, instead of sorting a network's 28,000 places.
ix_places_title = Index("ix_places_title", func.lower(Place.title), Place.id)
ix_places_confirmed = Index(
    "ix_places_confirmed", func.coalesce(Place.last_confirmed_at, Place.created_at), Place.id
)
