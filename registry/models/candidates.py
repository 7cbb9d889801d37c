"""Candidates (second-track trajectories), their capacity profiles and consents.

Health-related personal data (AVG special category). There is deliberately no field for
a diagnosis, medical history, medication or the cause of sickness.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, TimestampMixin, enum_column, utcnow

if TYPE_CHECKING:
    from registry.models.accounts import User
    from registry.models.organisations import CoachOrganisation, Employer, Network


class TravelMode(enum.StrEnum):
    CAR = "car"
    PUBLIC_TRANSPORT = "public_transport"
    BIKE = "bike"


class TrajectoryStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    ERASED = "erased"


class TrajectoryOutcome(enum.StrEnum):
    WORK_NEW_EMPLOYER = "work_new_employer"
    WORK_OWN_EMPLOYER = "work_own_employer"
    RECOVERED = "recovered"
    WIA = "wia"
    EMPLOYMENT_ENDED = "employment_ended"
    OTHER = "other"


class ProfileSource(enum.StrEnum):
    COMPANY_DOCTOR = "company_doctor"
    INSURANCE_PHYSICIAN = "insurance_physician"
    LABOUR_EXPERT = "labour_expert"
    SELF_REPORTED = "self_reported"


class ConsentScope(enum.StrEnum):
    SHARE_PROFILE = "share_profile"  # pseudonymous profile within the chosen networks
    INTRODUCE = "introduce"  # introduce by name to one host employer
    SHARE_HOME_EMPLOYER = "share_home_employer"  # capacity details to the home employer


candidate_networks = Table(
    "candidate_networks",
    Base.metadata,
    Column("candidate_id", ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
)


class Candidate(TimestampMixin, Base):
    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(60), unique=True)
    coach_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("coach_organisations.id", ondelete="RESTRICT"), index=True
    )
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    home_employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[TrajectoryStatus] = mapped_column(
        enum_column(TrajectoryStatus), default=TrajectoryStatus.ACTIVE
    )
    # Personal data: emptied on erasure.
    given_name: Mapped[str | None] = mapped_column(String(80))
    family_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    postcode: Mapped[str | None] = mapped_column(String(7))
    notes: Mapped[str | None] = mapped_column(Text)
    # Search facts (the 4-digit area only; coordinates are the area centre).
    postcode_area: Mapped[str | None] = mapped_column(String(4))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    max_km: Mapped[int] = mapped_column(default=25)
    travel_mode: Mapped[TravelMode] = mapped_column(
        enum_column(TravelMode), default=TravelMode.PUBLIC_TRANSPORT
    )
    accepted_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_functions: Mapped[str] = mapped_column(String(300), default="")
    hours_per_day: Mapped[float | None]
    hours_per_week: Mapped[float | None]
    # The Poortwachter clock.
    first_sick_day: Mapped[dt.date]
    end_week: Mapped[int] = mapped_column(default=104)
    end_week_reason: Mapped[str] = mapped_column(String(300), default="")
    second_track_start: Mapped[dt.date | None]
    closed_on: Mapped[dt.date | None]
    outcome: Mapped[TrajectoryOutcome | None] = mapped_column(enum_column(TrajectoryOutcome))
    erased_at: Mapped[dt.datetime | None]

    coach_organisation: Mapped[CoachOrganisation] = relationship()
    coach: Mapped[User | None] = relationship()
    home_employer: Mapped[Employer] = relationship()
    networks: Mapped[list[Network]] = relationship(secondary=candidate_networks, lazy="selectin")
    profiles: Mapped[list[CapacityProfile]] = relationship(
        back_populates="candidate",
        cascade="all, delete-orphan",
        order_by="CapacityProfile.id.desc()",
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", order_by="Consent.id"
    )


class CapacityProfile(Base):
    """Workload capacity per catalogue dimension; earlier profiles are kept as history."""

    __tablename__ = "capacity_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    is_current: Mapped[bool] = mapped_column(default=True)
    # {"lifting": 1, ...}: the heaviest band the person can handle; a missing key is
    # "normal" (no limitation) unless listed in ``unknown``.
    capacities: Mapped[dict[str, int | None]] = mapped_column(JSON, default=dict)
    avoid_exposures: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs_conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Hours limits as band indexes into workload.HOURS_PER_DAY / HOURS_PER_WEEK (the last
    # band is "more": no limit); None = not assessed.
    hours_per_day: Mapped[int | None]
    hours_per_week: Mapped[int | None]
    source: Mapped[ProfileSource | None] = mapped_column(enum_column(ProfileSource))
    assessed_on: Mapped[dt.date | None]
    review_on: Mapped[dt.date | None]
    fml_version: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    candidate: Mapped[Candidate] = relationship(back_populates="profiles")


class Consent(Base):
    """Consent recorded by a coach; withdrawing it takes effect immediately."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[ConsentScope] = mapped_column(enum_column(ConsentScope))
    network_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # for share_profile
    host_employer_id: Mapped[int | None] = mapped_column(
        ForeignKey("employers.id", ondelete="SET NULL")
    )  # for introduce
    given_on: Mapped[dt.date]
    text: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    candidate: Mapped[Candidate] = relationship(back_populates="consents")

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
