"""Builders for test (and demo) records: small functions with sensible defaults."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from sqlalchemy.orm import Session

from registry.domain.permissions import Role
from registry.models import (
    CoachOrganisation,
    CoachOrganisationKind,
    Employer,
    Membership,
    MembershipStatus,
    Network,
    NetworkKind,
    SizeClass,
    User,
    UserRole,
)
from registry.services.accounts import hash_password

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def network(session: Session, name: str | None = None, **kw) -> Network:
    n = next(_seq)
    obj = Network(name=name or f"Netwerk {n}", kind=kw.pop("kind", NetworkKind.REGIONAL), **kw)
    session.add(obj)
    session.flush()
    return obj


def employer(
    session: Session,
    networks: Iterable[Network] = (),
    status: MembershipStatus = MembershipStatus.ADMITTED,
    **kw,
) -> Employer:
    n = next(_seq)
    defaults = {
        "legal_name": f"Werkgever {n} B.V.",
        "kvk_number": f"{50000000 + n:08d}",
        "sbi_section": "Q",
        "size_class": SizeClass.MEDIUM,
        "postcode": "3511 AB",
        "town": "Utrecht",
    }
    defaults.update(kw)
    obj = Employer(**defaults)
    session.add(obj)
    session.flush()
    for net in networks:
        session.add(Membership(network=net, employer=obj, status=status))
    session.flush()
    return obj


def coach_org(session: Session, name: str | None = None) -> CoachOrganisation:
    obj = CoachOrganisation(
        name=name or f"Coachbureau {next(_seq)}", kind=CoachOrganisationKind.REINTEGRATION_COMPANY
    )
    session.add(obj)
    session.flush()
    return obj


def user(
    session: Session,
    *roles: Role,
    email: str | None = None,
    networks: Iterable[Network] = (),
    employers: Iterable[Employer] = (),
    org: CoachOrganisation | None = None,
    password: str | None = PASSWORD,
    language: str = "nl",
    active: bool = True,
) -> User:
    n = next(_seq)
    obj = User(
        email=email or f"user{n}@example.nl",
        display_name=f"Gebruiker {n}",
        password_hash=hash_password(password) if password else None,
        language=language,
        active=active,
        roles=[UserRole(role=r) for r in roles],
    )
    obj.coordinated_networks = list(networks)
    obj.employers = list(employers)
    obj.coach_organisation = org
    session.add(obj)
    session.flush()
    return obj
