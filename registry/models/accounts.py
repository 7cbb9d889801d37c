"""User accounts and their roles."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.permissions import Role
from registry.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from registry.models.organisations import CoachOrganisation, Employer, Network


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", func.lower("email"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    last_login_at: Mapped[dt.datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # set once enrolment is confirmed
    totp_enabled_at: Mapped[dt.datetime | None]
    totp_last_step: Mapped[int | None]  # the last accepted time step: a code works once
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))  # during enrolment
    coach_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("coach_organisations.id", ondelete="SET NULL")
    )

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    coach_organisation: Mapped[CoachOrganisation | None] = relationship(back_populates="coaches")
    coordinated_networks: Mapped[list[Network]] = relationship(
        secondary="network_coordinators", back_populates="coordinators", lazy="selectin"
    )
    employers: Mapped[list[Employer]] = relationship(
        secondary="employer_contacts", back_populates="contacts", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # used by Flask-Login
        return self.active

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")
