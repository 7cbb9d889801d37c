"""Employer networks, employers, memberships and coach organisations."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from registry.models.accounts import User


ANSWER_DEADLINE_DAYS = 5  # working days, unless the network sets another


class NetworkKind(enum.StrEnum):
    REGIONAL = "regional"
    SECTORAL = "sectoral"


class MembershipStatus(enum.StrEnum):
    APPLIED = "applied"
    ADMITTED = "admitted"
    SUSPENDED = "suspended"
    LEFT = "left"


class SizeClass(enum.StrEnum):
    MICRO = "micro"  # < 10
    SMALL = "small"  # 10-49
    MEDIUM = "medium"  # 50-249
    LARGE = "large"  # 250+


class CoachOrganisationKind(enum.StrEnum):
    REINTEGRATION_COMPANY = "reintegration_company"
    ARBO_SERVICE = "arbo_service"
    EMPLOYER_HR = "employer_hr"


network_coordinators = Table(
    "network_coordinators",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
)

employer_contacts = Table(
    "employer_contacts",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("employer_id", ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True),
)


class Network(TimestampMixin, Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[NetworkKind] = mapped_column(enum_column(NetworkKind))
    area: Mapped[str] = mapped_column(String(200), default="")  # region or sector
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # Settings that later features read.
    review_new_places: Mapped[bool] = mapped_column(default=False)
    freshness_days: Mapped[int] = mapped_column(default=60)
    reciprocity_soft_limit: Mapped[int | None]
    reciprocity_hard_limit: Mapped[bool] = mapped_column(default=False)
    retention_months: Mapped[int] = mapped_column(default=24)
    # Working days a host has to answer a proposal before it counts as overdue (issue 14);
    # empty means the default (ANSWER_DEADLINE_DAYS).
    answer_deadline_days: Mapped[int | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="network", cascade="all, delete-orphan"
    )
    coordinators: Mapped[list[User]] = relationship(
        secondary=network_coordinators, back_populates="coordinated_networks"
    )

    @property
    def answer_deadline(self) -> int:
        """Working days a host has to answer a proposal in this network."""
        return self.answer_deadline_days or ANSWER_DEADLINE_DAYS


class Employer(TimestampMixin, Base):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str] = mapped_column(String(200), default="")
    kvk_number: Mapped[str] = mapped_column(String(8), unique=True)
    sbi_section: Mapped[str] = mapped_column(String(1))
    size_class: Mapped[SizeClass] = mapped_column(enum_column(SizeClass))
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(7))
    town: Mapped[str] = mapped_column(String(120), default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="employer", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[User]] = relationship(
        secondary=employer_contacts, back_populates="employers"
    )

    @property
    def name(self) -> str:
        return self.trade_name or self.legal_name


class Membership(TimestampMixin, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("network_id", "employer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    status: Mapped[MembershipStatus] = mapped_column(enum_column(MembershipStatus))
    since: Mapped[dt.date | None]
    until: Mapped[dt.date | None]

    network: Mapped[Network] = relationship(back_populates="memberships")
    employer: Mapped[Employer] = relationship(back_populates="memberships")


class CoachOrganisation(TimestampMixin, Base):
    __tablename__ = "coach_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[CoachOrganisationKind] = mapped_column(enum_column(CoachOrganisationKind))
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    coaches: Mapped[list[User]] = relationship(back_populates="coach_organisation")
