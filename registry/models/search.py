"""Match search bookkeeping: when a user last searched for a candidate, and the index
that serves the search's prefilter."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, utcnow
from registry.models.places import Place


class SearchVisit(Base):
    """The last (and previous) time a user searched places for a candidate, so results
    can show what is new since then."""

    __tablename__ = "search_visits"
    __table_args__ = (UniqueConstraint("user_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    searched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    previous_searched_at: Mapped[dt.datetime | None]


# The match search's prefilter seeks open places per accepted kind and 0.05-degree latitude
# band straight to the longitude span of its circle there, and reads only these columns, so it
# never touches the table rows (registry/search/sql.py). Migration d3match00001.
ix_places_match = Index(
    "ix_places_match",
    Place.status,
    Place.kind,
    Place.lat_band,
    Place.lon,
    Place.conflict_bits_1,  # the tests right after the seek come first in each entry
    Place.conflict_bits_2,
    Place.network_bits,
    Place.employer_id,  # never the candidate's home employer
    Place.available_until,  # only places whose period has not ended
    Place.lat,
    Place.slots,
    Place.taken_slots,
    Place.sector,
    Place.min_hours_week,
    Place.usual_hours_week,
    Place.lower_start_allowed,
    Place.match_code,
    Place.id,
)
