"""Persistence: typed SQLAlchemy 2.x models. Import every model here so Alembic sees it."""

from registry.models.accounts import User, UserRole
from registry.models.audit import AuditEvent, OutboxMessage
from registry.models.base import Base
from registry.models.organisations import (
    CoachOrganisation,
    CoachOrganisationKind,
    Employer,
    Membership,
    MembershipStatus,
    Network,
    NetworkKind,
    SizeClass,
    employer_contacts,
    network_coordinators,
)

__all__ = [
    "AuditEvent",
    "Base",
    "CoachOrganisation",
    "CoachOrganisationKind",
    "Employer",
    "Membership",
    "MembershipStatus",
    "Network",
    "NetworkKind",
    "OutboxMessage",
    "SizeClass",
    "User",
    "UserRole",
    "employer_contacts",
    "network_coordinators",
]
