"""Demo data for the registry, loaded by ``flask --app registry seed demo``.

Idempotent: every record is found by its natural key (network name, KvK number,
e-mail address) before it is created, so running it twice changes nothing.
Demo accounts exist only here; production data never contains them.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.permissions import Role
from registry.extensions import db
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
from registry.services.accounts import find_user_by_email, hash_password

HERE = Path(__file__).resolve().parent
DEMO_PASSWORD = "demo1234"  # noqa: S105 - documented demo password, demo seed only
SINCE = dt.date(2025, 1, 1)

DEMO_USERS = [
    ("admin@voorbeeld.nl", "Ada Beheer", [Role.ADMIN]),
    ("coordinator@voorbeeld.nl", "Anouk Brink", [Role.COORDINATOR]),
    ("coach@voorbeeld.nl", "Coen de Coach", [Role.COACH]),
    ("werkgever@voorbeeld.nl", "Wendy Werkgever", [Role.EMPLOYER]),
]


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _networks(session: Session) -> dict[str, Network]:
    result = {}
    for row in _rows("networks.csv"):
        network = session.scalar(select(Network).where(Network.name == row["name"]))
        if network is None:
            network = Network(
                name=row["name"],
                kind=NetworkKind(row["kind"]),
                area=row["area"],
                contact_name=row["contact_name"],
                contact_email=row["contact_email"],
                review_new_places=row["review_new_places"] == "1",
                freshness_days=int(row["freshness_days"]),
                reciprocity_soft_limit=int(row["reciprocity_soft_limit"])
                if row["reciprocity_soft_limit"]
                else None,
                reciprocity_hard_limit=row["reciprocity_hard_limit"] == "1",
            )
            session.add(network)
        result[row["key"]] = network
    session.flush()
    return result


def _employers(session: Session, networks: dict[str, Network]) -> list[Employer]:
    employers = []
    for row in _rows("employers.csv"):
        employer = session.scalar(select(Employer).where(Employer.kvk_number == row["kvk"]))
        if employer is None:
            employer = Employer(
                kvk_number=row["kvk"],
                legal_name=row["legal_name"],
                trade_name=row["trade_name"],
                sbi_section=row["sbi"],
                size_class=SizeClass(row["size"]),
                street=row["street"],
                postcode=row["postcode"],
                town=row["town"],
                contact_name="HR",
                contact_email=f"hr.{row['kvk']}@werkgever.voorbeeld.nl",
            )
            session.add(employer)
            session.flush()
            for key in row["networks"].split():
                session.add(
                    Membership(
                        network=networks[key],
                        employer=employer,
                        status=MembershipStatus.ADMITTED,
                        since=SINCE,
                    )
                )
        employers.append(employer)
    session.flush()
    return employers


def _coach_orgs(session: Session) -> list[CoachOrganisation]:
    orgs = []
    for row in _rows("coach_organisations.csv"):
        org = session.scalar(select(CoachOrganisation).where(CoachOrganisation.name == row["name"]))
        if org is None:
            org = CoachOrganisation(
                name=row["name"],
                kind=CoachOrganisationKind(row["kind"]),
                contact_email=row["contact_email"],
            )
            session.add(org)
        orgs.append(org)
    session.flush()
    return orgs


def _users(session, networks, employers, orgs) -> int:
    created = 0
    for email, name, roles in DEMO_USERS:
        if find_user_by_email(session, email) is not None:
            continue
        user = User(
            email=email,
            display_name=name,
            password_hash=hash_password(DEMO_PASSWORD),
            language="nl",
            roles=[UserRole(role=r) for r in roles],
        )
        if Role.COORDINATOR in roles:
            user.coordinated_networks = [networks["twente"], networks["zorg-utrecht"]]
        if Role.EMPLOYER in roles:
            # Zorggroep Noordoost Twente: member of two networks.
            user.employers = [e for e in employers if e.kvk_number == "10000002"]
        if Role.COACH in roles:
            user.coach_organisation = orgs[0]
        session.add(user)
        created += 1
    session.flush()
    return created


def load_demo(session: Session | None = None) -> dict[str, int]:
    """Load (or complete) the demo data and return counts."""
    session = session or db.session
    networks = _networks(session)
    employers = _employers(session, networks)
    orgs = _coach_orgs(session)
    new_users = _users(session, networks, employers, orgs)
    session.commit()
    from seed.places import load_places

    demo_places = load_places(session)
    session.commit()
    from seed.candidates import load_candidates

    demo_candidates = load_candidates(session)
    # Placements last: they need the places and candidates seeded above (no-op without).
    from seed.placements import load_placements

    demo_placements = load_placements(session)
    # Match alerts (issue 20): a followed search and a draft that fits it.
    from seed.alerts import load_alerts

    demo_alerts = load_alerts(session)
    return {
        "new_places": demo_places,
        "candidates": demo_candidates,
        "placements": demo_placements,
        "followed_searches": demo_alerts,
        "networks": len(networks),
        "employers": len(employers),
        "coach_organisations": len(orgs),
        "new_demo_accounts": new_users,
    }
