"""A national-scale data set for measuring pages: ``flask --app registry seed scale``.

Loads into an EMPTY database (it refuses a database that has networks already) what the
registry is meant to hold nationally: by default 20 networks, 2,000 employers, 100,000
places in every state, 20,000 candidates with profiles and consents over 200 coach
organisations, 50,000 placements in every state with their transitions and ledger entries,
and a year of audit events and notifications. The demo logins of the demo seed exist with a
realistic share: the coach has about 60 candidates, the coordinator coordinates the two
largest networks, the employer contact's organisation has 40 places.

Fast on purpose: rows are built as plain dicts and written with SQLAlchemy Core
``insert(table)`` executemany in chunks (psycopg's pipelined "insertmanyvalues" on
PostgreSQL), with ids chosen here so no row needs a round trip. The place's derived search
columns come from the places service (``refresh_derived``), the ledger entries from the
ledger rules (``entries_for``), so the ledger check passes afterwards. Deterministic (a
fixed random seed; dates relative to today).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from registry.domain import ledger as ledger_rules
from registry.domain.permissions import Role
from registry.domain.placement import DeclineReason, EndReason, Outcome, Party, Status
from registry.geodata import PostcodeArea, default_directory
from registry.models import (
    AuditEvent,
    Base,
    Candidate,
    CapacityProfile,
    CoachOrganisation,
    CoachOrganisationKind,
    Consent,
    ConsentScope,
    Employer,
    LedgerEntryRecord,
    Membership,
    MembershipStatus,
    Network,
    NetworkKind,
    Notification,
    Place,
    PlaceKind,
    Placement,
    PlacementTransition,
    PlaceStatus,
    SizeClass,
    TrajectoryOutcome,
    TrajectoryStatus,
    TravelMode,
    User,
    UserRole,
    candidate_networks,
    employer_contacts,
    network_coordinators,
    place_networks,
)
from registry.services.accounts import hash_password
from registry.services.place_templates import get_template
from registry.services.places import refresh_derived
from registry.services.pseudonyms import ADJECTIVES, NOUNS
from seed.candidates import FAMILY, FUNCTIONS, GIVEN, _profile
from seed.demo import DEMO_PASSWORD
from seed.places import DESCRIPTION, _demands, _variants

SEED = 20261204
CHUNK = 5000
ADMIN = ("admin@voorbeeld.nl", "Ada Beheer")
COORDINATOR = ("coordinator@voorbeeld.nl", "Anouk Brink")
COACH = ("coach@voorbeeld.nl", "Coen de Coach")
EMPLOYER = ("werkgever@voorbeeld.nl", "Wendy Werkgever")
SECOND_COACH = ("coach.oost@voorbeeld.nl", "Olga Oosterhuis")
COACH_SHARE = 60  # candidates per coach
EMPLOYER_PLACES = 40  # places of the demo employer contact's organisation
SECTORAL = (("Q", "Zorg en welzijn"), ("P", "Onderwijs"), ("O", "Overheid"), ("C", "Techniek"))
SECTIONS = "ABCFGHIJKLMNOPQRS"
PLACE_STATES = (
    (PlaceStatus.OPEN, 0.64),
    (PlaceStatus.PAUSED, 0.08),
    (PlaceStatus.FULL, 0.05),
    (PlaceStatus.CLOSED, 0.09),
    (PlaceStatus.DRAFT, 0.09),
    (PlaceStatus.SUBMITTED, 0.05),
)
PLACEMENT_STATES = (
    (Status.COMPLETED, 0.30),
    (Status.ENDED_EARLY, 0.06),
    (Status.STARTED, 0.08),
    (Status.ACCEPTED, 0.03),
    (Status.PROPOSED, 0.08),
    (Status.DECLINED, 0.25),
    (Status.WITHDRAWN, 0.12),
    (Status.CANCELLED, 0.08),
)
ACTIVE = (Status.PROPOSED, Status.ACCEPTED, Status.STARTED)
HOLDING = (Status.ACCEPTED, Status.STARTED)


@dataclass
class Sizes:
    networks: int = 20
    employers: int = 2000
    places: int = 100_000
    coach_organisations: int = 200
    candidates: int = 20_000
    placements: int = 50_000
    audit_events: int = 200_000
    notifications: int = 60_000

    def check(self) -> None:
        if self.networks < 2 or self.employers < 2 * self.networks:
            raise ValueError("need at least 2 networks and 2 employers per network")
        if self.coach_organisations < 2 or self.candidates < 2:
            raise ValueError("need at least 2 coach organisations and 2 candidates")
        if min(self.places, self.placements, self.audit_events, self.notifications) < 0:
            raise ValueError("sizes cannot be negative")


@dataclass
class _World:
    """What later steps need from earlier ones (ids and a few facts, never ORM objects)."""

    today: dt.date
    now: dt.datetime
    rng: random.Random
    ids: dict[str, int] = field(default_factory=dict)
    networks: list[dict] = field(default_factory=list)
    employers: list[dict] = field(default_factory=list)
    employer_networks: dict[int, list[int]] = field(default_factory=dict)
    employer_users: dict[int, int] = field(default_factory=dict)
    orgs: list[int] = field(default_factory=list)
    coaches: dict[int, list[int]] = field(default_factory=dict)  # org id -> coach ids
    coordinators: dict[int, int] = field(default_factory=dict)  # network id -> user id
    places: list[dict] = field(default_factory=list)
    places_by_network: dict[int, list[int]] = field(default_factory=dict)
    candidates: list[dict] = field(default_factory=list)
    demo: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]


# --- writing -------------------------------------------------------------------------


def _chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _write(session: Session, table: Table, rows: list[dict], world: _World) -> None:
    """Bulk insert ``rows`` (all with the same keys) into ``table``."""
    for chunk in _chunks(rows):
        session.execute(insert(table), chunk)
    world.counts[table.name] = world.counts.get(table.name, 0) + len(rows)


def _defaults(table: Table) -> dict[str, Any]:
    """Python-side column defaults, so every dict of a table has the same keys."""
    out: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if default is None or not getattr(default, "is_scalar", False):
            continue
        value = default.arg
        out[column.key] = list(value) if isinstance(value, list) else value
    return out


def _row_of(obj: Base, defaults: dict[str, Any]) -> dict[str, Any]:
    """The column values of a transient ORM object (built as the demo seeds build them)."""
    table = obj.__table__
    row: dict[str, Any] = {}
    for column in table.columns:
        value = getattr(obj, column.key, None)
        if value is None and column.key in defaults:
            value = defaults[column.key]
        row[column.key] = value
    return row


def _fix_sequences(session: Session) -> None:
    """PostgreSQL only (dialect-specific SQL, marked): the rows above carry explicit ids,
    so move every id sequence past them; then refresh the planner's statistics and, as
    after any bulk load, vacuum: that sets the visibility map, without which PostgreSQL's
    index-only scans (the match search's) fetch every row from the table as well (until
    autovacuum comes by, which after a bulk insert can take an hour: a search page's
    prefilter read 3,000 table rows for 140 results, and took 3 ms instead of 1)."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(text("ANALYZE"))
        return
    for table in Base.metadata.sorted_tables:
        column = table.columns.get("id")
        if column is None or not column.autoincrement or column.type.python_type is not int:
            continue
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )
    session.commit()
    with session.get_bind().connect() as conn:  # VACUUM outside a transaction block
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


# --- the world -----------------------------------------------------------------------


def _weighted(rng: random.Random, choices: Iterable[tuple[Any, float]]) -> Callable[[], Any]:
    items = list(choices)
    values = [v for v, _ in items]
    weights = [w for _, w in items]
    return lambda: rng.choices(values, weights)[0]


def _regions(count: int) -> list[list[PostcodeArea]]:
    """Postcode areas cut into ``count`` runs of neighbouring codes (the first digits of a
    Dutch postcode follow the map), the first two runs the largest."""
    areas = list(default_directory().areas())
    weights = [3.0, 2.5] + [1.0] * (count - 2)
    total = sum(weights)
    out, start = [], 0
    for i, weight in enumerate(weights):
        end = len(areas) if i == count - 1 else start + max(1, round(len(areas) * weight / total))
        out.append(areas[start:end])
        start = end
    return out


def _networks(session: Session, world: _World, sizes: Sizes) -> list[list[PostcodeArea]]:
    sectoral = min(len(SECTORAL), max(0, sizes.networks - 2) // 4)
    regional = sizes.networks - sectoral
    regions = _regions(regional)
    rows = []
    for i in range(sizes.networks):
        nid = world.next_id("networks")
        if i < regional:
            area = regions[i][0].town
            name = f"Werkgeversnetwerk regio {area} ({i + 1:02d})"
            kind, sector = NetworkKind.REGIONAL, ""
        else:
            sector, label = SECTORAL[i - regional]
            name, kind, area = f"Sectornetwerk {label}", NetworkKind.SECTORAL, label
        rows.append(
            {
                "id": nid,
                "name": name,
                "kind": kind,
                "area": area,
                "contact_name": "Coordinatie",
                "contact_email": f"netwerk{nid}@netwerk.voorbeeld.nl",
                "review_new_places": i % 3 == 1,
                "freshness_days": (60, 45, 90)[i % 3],
                "reciprocity_soft_limit": (3, None, 5)[i % 3],
                "reciprocity_hard_limit": False,
                "retention_months": 24,
                "answer_deadline_days": None,
                "created_at": world.now - dt.timedelta(days=400),
                "updated_at": world.now - dt.timedelta(days=400),
            }
        )
        world.networks.append({"id": nid, "sector": sector, "regional": i < regional})
    _write(session, Network.__table__, rows, world)
    return regions


def _employers(session: Session, world: _World, sizes: Sizes, regions) -> None:
    rng = world.rng
    regional = [n for n in world.networks if n["regional"]]
    sector_net = {n["sector"]: n["id"] for n in world.networks if not n["regional"]}
    weights = [len(r) for r in regions]
    size_of = _weighted(
        rng,
        (
            (SizeClass.MICRO, 0.2),
            (SizeClass.SMALL, 0.35),
            (SizeClass.MEDIUM, 0.3),
            (SizeClass.LARGE, 0.15),
        ),
    )
    employers, memberships = [], []
    for i in range(sizes.employers):
        eid = world.next_id("employers")
        # The first employers: one per network first, so every network has members.
        r = i if i < len(regional) else rng.choices(range(len(regional)), weights)[0]
        area = rng.choice(regions[r])
        section = rng.choice(SECTIONS)
        size = size_of()
        nets = [regional[r]["id"]]
        if section in sector_net and rng.random() < 0.5:
            nets.append(sector_net[section])
        if eid == 1:  # the demo employer contact's organisation: large, in two networks
            section, size = "Q", SizeClass.LARGE
            nets = [regional[0]["id"]] + ([sector_net["Q"]] if "Q" in sector_net else [])
            nets += [regional[1]["id"]] if len(nets) == 1 else []
        name = f"{rng.choice(FAMILY).split()[-1].capitalize()} {('Zorg', 'Techniek', 'Logistiek', 'Diensten', 'Groep', 'Bouw')[i % 6]}"  # noqa: E501
        employers.append(
            {
                "id": eid,
                "legal_name": f"{name} {eid} B.V.",
                "trade_name": f"{name} {eid}",
                "kvk_number": f"{30000000 + eid:08d}",
                "sbi_section": section,
                "size_class": size,
                "street": f"Industrieweg {1 + i % 200}",
                "postcode": f"{area.digits} AB",
                "town": area.town,
                "contact_name": "HR",
                "contact_email": f"hr{eid}@werkgever.voorbeeld.nl",
                "contact_phone": "",
                "created_at": world.now - dt.timedelta(days=390),
                "updated_at": world.now - dt.timedelta(days=390),
            }
        )
        world.employers.append(
            {"id": eid, "area": area, "section": section, "size": size, "region": r}
        )
        world.employer_networks[eid] = nets
        for nid in nets:
            memberships.append(
                {
                    "id": world.next_id("memberships"),
                    "network_id": nid,
                    "employer_id": eid,
                    "status": MembershipStatus.ADMITTED,
                    "since": world.today - dt.timedelta(days=380),
                    "until": None,
                    "created_at": world.now - dt.timedelta(days=380),
                    "updated_at": world.now - dt.timedelta(days=380),
                }
            )
    _write(session, Employer.__table__, employers, world)
    _write(session, Membership.__table__, memberships, world)


def _orgs(session: Session, world: _World, sizes: Sizes) -> None:
    rows = []
    kinds = list(CoachOrganisationKind)
    for i in range(sizes.coach_organisations):
        oid = world.next_id("coach_organisations")
        rows.append(
            {
                "id": oid,
                "name": f"Re-integratiebureau {GIVEN[i % len(GIVEN)]} {i + 1:03d}",
                "kind": kinds[i % len(kinds)],
                "contact_email": f"info{oid}@coach.voorbeeld.nl",
                "notes": "",
                "created_at": world.now - dt.timedelta(days=390),
                "updated_at": world.now - dt.timedelta(days=390),
            }
        )
        world.orgs.append(oid)
    _write(session, CoachOrganisation.__table__, rows, world)


def _org_shares(world: _World, sizes: Sizes) -> list[int]:
    """Candidates per coach organisation: a few large ones, many small ones."""
    weights = [1.0 / math.sqrt(i + 1) for i in range(len(world.orgs))]
    total = sum(weights)
    shares = [max(1, int(sizes.candidates * w / total)) for w in weights]
    shares[0] += sizes.candidates - sum(shares)
    if shares[0] < 1:  # tiny sizes: spread evenly
        base, extra = divmod(sizes.candidates, len(world.orgs))
        shares = [base + (i < extra) for i in range(len(world.orgs))]
    return shares


def _users(session: Session, world: _World, sizes: Sizes) -> list[int]:
    """Demo logins, a coach per ~60 candidates, a coordinator per network and a contact
    per employer; all share one password hash (computing 2,500 argon2 hashes takes
    minutes, and nobody but the demo logins signs in)."""
    password = hash_password(DEMO_PASSWORD)
    users, roles, coordinated, contacts = [], [], [], []
    created = world.now - dt.timedelta(days=380)

    def add(email: str, name: str, role: Role, org: int | None = None) -> int:
        uid = world.next_id("users")
        users.append(
            {
                "id": uid,
                "email": email,
                "display_name": name,
                "password_hash": password,
                "active": True,
                "language": "nl",
                "last_login_at": None,
                "totp_secret": None,
                "totp_enabled_at": None,
                "totp_last_step": None,
                "totp_pending_secret": None,
                "coach_organisation_id": org,
                "created_at": created,
                "updated_at": created,
            }
        )
        roles.append({"user_id": uid, "role": role})
        return uid

    world.demo["admin"] = add(*ADMIN, Role.ADMIN)
    world.demo["coordinator"] = add(*COORDINATOR, Role.COORDINATOR)
    for nid in (world.networks[0]["id"], world.networks[1]["id"]):
        coordinated.append({"user_id": world.demo["coordinator"], "network_id": nid})
        world.coordinators[nid] = world.demo["coordinator"]
    world.demo["employer"] = add(*EMPLOYER, Role.EMPLOYER)
    contacts.append({"user_id": world.demo["employer"], "employer_id": world.employers[0]["id"]})
    world.employer_users[world.employers[0]["id"]] = world.demo["employer"]
    shares = _org_shares(world, sizes)
    for index, (oid, share) in enumerate(zip(world.orgs, shares, strict=True)):
        count = max(1, round(share / COACH_SHARE))
        for c in range(count):
            if index == 0 and c == 0:
                uid = add(*COACH, Role.COACH, oid)
                world.demo["coach"] = uid
            elif index == 1 and c == 0:
                uid = add(*SECOND_COACH, Role.COACH, oid)
                world.demo["coach_oost"] = uid
            else:
                uid = add(
                    f"coach{oid}.{c + 1}@coach.voorbeeld.nl",
                    f"Coach {oid}.{c + 1}",
                    Role.COACH,
                    oid,
                )
            world.coaches.setdefault(oid, []).append(uid)
    for network in world.networks[2:]:
        uid = add(
            f"coordinator{network['id']}@netwerk.voorbeeld.nl",
            f"Coordinator {network['id']}",
            Role.COORDINATOR,
        )
        coordinated.append({"user_id": uid, "network_id": network["id"]})
        world.coordinators[network["id"]] = uid
    for employer in world.employers[1:]:
        uid = add(
            f"contact{employer['id']}@werkgever.voorbeeld.nl",
            f"Contactpersoon {employer['id']}",
            Role.EMPLOYER,
        )
        contacts.append({"user_id": uid, "employer_id": employer["id"]})
        world.employer_users[employer["id"]] = uid
    _write(session, User.__table__, users, world)
    _write(session, UserRole.__table__, roles, world)
    _write(session, network_coordinators, coordinated, world)
    _write(session, employer_contacts, contacts, world)
    return shares


def _place_counts(world: _World, sizes: Sizes) -> list[int]:
    """Places per employer: by size class, the demo employer exactly 40."""
    weight = {
        SizeClass.MICRO: 0.3,
        SizeClass.SMALL: 0.8,
        SizeClass.MEDIUM: 1.5,
        SizeClass.LARGE: 3.0,
    }
    first = min(EMPLOYER_PLACES, sizes.places)
    rest = sizes.places - first
    weights = [weight[e["size"]] for e in world.employers[1:]]
    total = sum(weights) or 1.0
    counts = [int(rest * w / total) for w in weights]
    for i in range(rest - sum(counts)):
        counts[i % len(counts)] += 1
    return [first, *counts]


def _places(session: Session, world: _World, sizes: Sizes, regions) -> None:
    rng = world.rng
    variants = _variants()
    networks_by_id = {}
    state = _weighted(rng, PLACE_STATES)
    kinds = list(PlaceKind)
    defaults = _defaults(Place.__table__)
    rows, links = [], []
    for employer, count in zip(world.employers, _place_counts(world, sizes), strict=True):
        fitting = [v for v in variants if employer["section"] in v["sectors"]] or variants
        region = regions[employer["region"]]
        offered_all = world.employer_networks[employer["id"]]
        for n in range(count):
            pid = world.next_id("places")
            variant = rng.choice(fitting)
            template = get_template(variant["template"])
            kind = kinds[(pid + n) % len(kinds)]
            status = PlaceStatus.OPEN if employer["id"] == 1 and n < 30 else state()
            area = employer["area"] if rng.random() < 0.5 else rng.choice(region)
            incomplete = rng.random() < 0.15
            offered = offered_all if rng.random() < 0.7 else offered_all[:1]
            slots = rng.choice((1, 1, 1, 2, 2, 3, 5))
            min_hours = max(4, template.min_hours_week + rng.choice((-4, 0, 0, 4)))
            age = rng.randint(1, 80)
            place = Place(
                id=pid,
                employer_id=employer["id"],
                external_ref=f"SCALE-{pid}",
                kind=kind,
                status=status,
                title=variant["title"],
                function=variant["function"],
                sector=employer["section"],
                description="" if incomplete else DESCRIPTION,
                postcode=f"{area.digits} XY",
                house_number=str(1 + n),
                town=area.town,
                lat=area.lat,
                lon=area.lon,
                geo_precision="postcode",
                slots=slots,
                taken_slots=0,
                min_hours_week=min_hours,
                usual_hours_week=max(min_hours, template.usual_hours_week),
                lower_start_allowed=rng.random() < 0.7,
                schedule_days=list(template.schedule_days[: rng.choice((3, 4, 5))]),
                evening_work=rng.random() < 0.15,
                weekend_work=rng.random() < 0.1,
                available_from=world.today - dt.timedelta(days=rng.randint(0, 300)),
                available_until=(
                    None
                    if rng.random() < 0.8
                    else world.today + dt.timedelta(days=rng.randint(10, 300))
                ),
                ongoing=kind != PlaceKind.MEELOOPDAG,
                typical_weeks=1 if kind == PlaceKind.MEELOOPDAG else template.typical_weeks,
                intake_cap_per_month=rng.choice((None, None, None, 4)),
                offers=list(template.offers),
                contact_name="HR",
                contact_email=f"hr{employer['id']}@werkgever.voorbeeld.nl",
                contact_phone="",
                demands=_demands(rng, template, incomplete),
                exposures=None if incomplete else sorted(template.exposures),
                offers_conditions=None if incomplete else sorted(template.conditions),
                last_confirmed_at=(
                    None
                    if status in (PlaceStatus.DRAFT, PlaceStatus.SUBMITTED)
                    else world.now - dt.timedelta(days=age)
                ),
                reminder_sent_at=None,
                review_note="",
                created_at=world.now - dt.timedelta(days=rng.randint(30, 365)),
                updated_at=world.now - dt.timedelta(days=age),
            )
            place.networks = [
                networks_by_id.setdefault(nid, Network(id=nid, name="", kind="regional"))
                for nid in offered
            ]
            refresh_derived(place)
            rows.append(_row_of(place, defaults))
            place.networks = []
            for nid in offered:
                links.append({"place_id": pid, "network_id": nid})
                if status in (
                    PlaceStatus.OPEN,
                    PlaceStatus.FULL,
                    PlaceStatus.PAUSED,
                    PlaceStatus.CLOSED,
                ):
                    world.places_by_network.setdefault(nid, []).append(pid)
            world.places.append(
                {
                    "id": pid,
                    "employer_id": employer["id"],
                    "slots": slots,
                    "taken": 0,
                    "status": status,
                    "kind": kind,
                }
            )
        if len(rows) >= 20 * CHUNK:
            _write(session, Place.__table__, rows, world)
            _write(session, place_networks, links, world)
            rows, links = [], []
    _write(session, Place.__table__, rows, world)
    _write(session, place_networks, links, world)


def _pseudonym(i: int) -> str:
    """Unique for every index: the word pair cycles, the number counts the cycles."""
    pairs = len(ADJECTIVES) * len(NOUNS)
    pair, cycle = i % pairs, i // pairs
    return f"{ADJECTIVES[pair % len(ADJECTIVES)]} {NOUNS[pair // len(ADJECTIVES)]} {10 + cycle}"


def _candidates(session: Session, world: _World, sizes: Sizes, shares: list[int]) -> None:
    rng = world.rng
    cand_defaults = _defaults(Candidate.__table__)
    profile_defaults = _defaults(CapacityProfile.__table__)
    candidates, links, profiles, consents = [], [], [], []
    employers = world.employers
    kinds = [k.value for k in PlaceKind]
    index = 0
    for oid, share in zip(world.orgs, shares, strict=True):
        coaches = world.coaches[oid]
        for j in range(share):
            cid = world.next_id("candidates")
            # The demo coach's organisation fills its first coach first (about 60).
            coach = coaches[min(j // COACH_SHARE, len(coaches) - 1)]
            home = employers[rng.randrange(len(employers))]
            area = home["area"]
            weeks = rng.randint(6, 103)
            first = world.today - dt.timedelta(weeks=weeks, days=rng.randint(0, 6))
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            roll = rng.random()
            status = (
                TrajectoryStatus.ACTIVE
                if roll < 0.85
                else TrajectoryStatus.CLOSED
                if roll < 0.98
                else TrajectoryStatus.ERASED
            )
            erased = status == TrajectoryStatus.ERASED
            hours = rng.choice([(2, 8), (3, 12), (4, 16), (4, 20), (6, 24), (8, 32)])
            candidate = Candidate(
                id=cid,
                pseudonym=_pseudonym(index),
                coach_organisation_id=oid,
                coach_id=coach,
                home_employer_id=home["id"],
                status=status,
                given_name=None if erased else given,
                family_name=None if erased else family,
                email=None if erased else f"{given.lower()}.{cid}@mail.voorbeeld.nl",
                phone=None if erased else f"06 {10000000 + cid:08d}",
                postcode=None if erased else f"{area.digits} KL",
                notes=None,
                postcode_area=area.digits,
                lat=area.lat,
                lon=area.lon,
                max_km=rng.choice([10, 15, 20, 25, 30, 40]),
                travel_mode=rng.choice(list(TravelMode)),
                accepted_kinds=sorted(rng.sample(kinds, rng.randint(2, 5))),
                preferred_sectors=[home["section"]],
                preferred_functions=rng.choice(FUNCTIONS),
                hours_per_day=float(hours[0]),
                hours_per_week=float(hours[1]),
                first_sick_day=first,
                end_week=104,
                end_week_reason="",
                second_track_start=(
                    first + dt.timedelta(weeks=min(weeks - 1, 46)) if weeks > 47 else None
                ),
                closed_on=(
                    None
                    if status == TrajectoryStatus.ACTIVE
                    else world.today - dt.timedelta(days=rng.randint(5, 300))
                ),
                outcome=(
                    None
                    if status == TrajectoryStatus.ACTIVE
                    else rng.choice(list(TrajectoryOutcome))
                ),
                erased_at=world.now - dt.timedelta(days=3) if erased else None,
                created_at=world.now - dt.timedelta(weeks=min(weeks, 50)),
                updated_at=world.now - dt.timedelta(days=rng.randint(0, 60)),
            )
            candidates.append(_row_of(candidate, cand_defaults))
            nets = world.employer_networks[home["id"]]
            links.extend({"candidate_id": cid, "network_id": nid} for nid in nets)
            if rng.random() < 0.9:
                profile = _profile(rng, world.today, stale=rng.random() < 0.12)
                profile.id = world.next_id("capacity_profiles")
                profile.candidate_id = cid
                profile.created_by_id = coach
                profile.created_at = world.now - dt.timedelta(days=rng.randint(1, 200))
                profiles.append(_row_of(profile, profile_defaults))
            shares_profile = rng.random() < 0.8
            if shares_profile:
                consents.append(
                    {
                        "id": world.next_id("consents"),
                        "candidate_id": cid,
                        "scope": ConsentScope.SHARE_PROFILE,
                        "network_ids": list(nets),
                        "host_employer_id": None,
                        "given_on": max(first, world.today - dt.timedelta(days=200)),
                        "text": "Akkoord met delen van het pseudonieme profiel in het netwerk.",
                        "recorded_by_id": coach,
                        "recorded_at": world.now - dt.timedelta(days=rng.randint(1, 200)),
                        "withdrawn_at": None,
                        "withdrawn_by_id": None,
                    }
                )
            world.candidates.append(
                {
                    "id": cid,
                    "org": oid,
                    "coach": coach,
                    "home": home["id"],
                    "nets": nets,
                    "status": status,
                    "first": first,
                    "consents": shares_profile,
                }
            )
            index += 1
    _write(session, Candidate.__table__, candidates, world)
    _write(session, candidate_networks, links, world)
    _write(session, CapacityProfile.__table__, profiles, world)
    _write(session, Consent.__table__, consents, world)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _pick_place(world: _World, candidate: dict, holding: bool) -> dict | None:
    """A place in one of the candidate's networks at another employer (with a free slot
    when the placement holds one)."""
    rng = world.rng
    for _ in range(12):
        pool = world.places_by_network.get(rng.choice(candidate["nets"]))
        if not pool:
            continue
        place = world.places[rng.choice(pool) - 1]
        if place["employer_id"] == candidate["home"]:
            continue
        if holding and place["taken"] >= place["slots"]:
            continue
        return place
    return None


def _placements(session: Session, world: _World, sizes: Sizes) -> None:
    rng = world.rng
    state = _weighted(rng, PLACEMENT_STATES)
    placements, transitions, ledger = [], [], []
    busy: set[int] = set()  # candidates with a proposed, accepted or running placement
    active = [c for c in world.candidates if c["status"] == TrajectoryStatus.ACTIVE]
    # The demo coach's candidates first: their pages show placements in every state.
    demo = [c for c in active if c["coach"] == world.demo.get("coach")]
    demo_host = [p for p in world.places if p["employer_id"] == 1]
    attempts = 0
    while len(placements) < sizes.placements and attempts < sizes.placements * 4:
        attempts += 1
        status = state()
        if status in ACTIVE:
            pool = demo if demo and rng.random() < 0.05 else active
            candidate = pool[rng.randrange(len(pool))]
            if candidate["id"] in busy:
                status = Status.COMPLETED
        else:
            candidate = world.candidates[rng.randrange(len(world.candidates))]
        place = None
        if demo_host and rng.random() < 0.02:  # the demo employer's inbox and hosts
            place = demo_host[rng.randrange(len(demo_host))]
            shares = any(place["id"] in _network_set(world, n) for n in candidate["nets"])
            if (
                not shares
                or place["employer_id"] == candidate["home"]
                or (status in HOLDING and place["taken"] >= place["slots"])
            ):
                place = None
        place = place or _pick_place(world, candidate, status in HOLDING)
        if place is None:
            continue
        if status in ACTIVE:
            busy.add(candidate["id"])
        if status in HOLDING:
            place["taken"] += 1
        shared = [n for n in candidate["nets"] if place["id"] in _network_set(world, n)]
        network_id = shared[0] if shared else candidate["nets"][0]
        row, steps = _placement_row(world, candidate, place, network_id, status)
        placements.append(row)
        transitions.extend(steps)
        facts = ledger_rules.PlacementFacts(
            placement_id=row["id"],
            network_id=network_id,
            host_employer_id=row["host_employer_id"],
            home_employer_id=row["home_employer_id"],
            started_on=row["started_on"],
            ended_on=row["ended_on"],
            status=status,
        )
        for entry in ledger_rules.entries_for(facts):
            posted_on = row["ended_on"] if entry.kind.value == "end" else row["started_on"]
            ledger.append(
                {
                    "id": world.next_id("ledger_entries"),
                    "network_id": entry.network_id,
                    "placement_id": entry.placement_id,
                    "employer_id": entry.employer_id,
                    "unit": entry.unit,
                    "amount": entry.amount,
                    "kind": entry.kind,
                    "reverses_id": None,
                    "posted_at": _at(posted_on),
                    "posted_on": posted_on,
                }
            )
    _write(session, Placement.__table__, placements, world)
    _write(session, PlacementTransition.__table__, transitions, world)
    _write(session, LedgerEntryRecord.__table__, ledger, world)
    _take_slots(session, world)


_NETWORK_SETS: dict[int, set[int]] = {}


def _network_set(world: _World, network_id: int) -> set[int]:
    found = _NETWORK_SETS.get(network_id)
    if found is None:
        found = _NETWORK_SETS[network_id] = set(world.places_by_network.get(network_id, ()))
    return found


def _placement_row(
    world: _World, candidate: dict, place: dict, network_id: int, status: Status
) -> tuple[dict, list[dict]]:
    rng, today = world.rng, world.today
    pid = world.next_id("placements")
    coach = candidate["coach"]
    host_user = world.employer_users.get(place["employer_id"])
    # When it was proposed: active ones recently, finished ones over the past year.
    if status == Status.PROPOSED:
        proposed = today - dt.timedelta(days=rng.randint(0, 20))
    elif status == Status.ACCEPTED:
        proposed = today - dt.timedelta(days=rng.randint(8, 30))
    elif status == Status.STARTED:
        proposed = today - dt.timedelta(days=rng.randint(20, 100))
    else:
        proposed = today - dt.timedelta(days=rng.randint(120, 365))
    proposed = max(proposed, candidate["first"])
    answered = min(today, proposed + dt.timedelta(days=rng.randint(1, 6)))
    start = min(today, answered + dt.timedelta(days=rng.randint(7, 14)))
    weeks = rng.randint(1, 14) if status != Status.ENDED_EARLY else rng.randint(1, 4)
    end = min(today, start + dt.timedelta(weeks=weeks))
    started = status in (Status.STARTED, Status.COMPLETED, Status.ENDED_EARLY)
    ended = status in (Status.COMPLETED, Status.ENDED_EARLY)
    row = {
        "id": pid,
        "place_id": place["id"],
        "candidate_id": candidate["id"],
        "network_id": network_id,
        "host_employer_id": place["employer_id"],
        "home_employer_id": candidate["home"],
        "coach_organisation_id": candidate["org"],
        "proposed_by_id": coach,
        "status": status,
        "proposed_at": _at(proposed),
        "deadline_reminded_at": None,
        "motivation": "Past bij de belastbaarheid en de reisafstand.",
        "signal_reasons": {},
        "past_end_confirmed": False,
        "distance_km": round(rng.uniform(1, 30), 1),
        "fit": {},
        "planned_start": start if status != Status.PROPOSED else None,
        "planned_end": None,
        "hours_per_week": 12.0 if started else None,
        "target_hours_per_week": None,
        "build_up": "",
        "tasks": "",
        "supervisor": "",
        "introduction_recorded_at": _at(start - dt.timedelta(days=2)) if started else None,
        "introduction_planned_on": start - dt.timedelta(days=2) if started else None,
        "started_on": start if started else None,
        "ended_on": end if ended else None,
        "outcome": rng.choice(list(Outcome)) if status == Status.COMPLETED else None,
        "decline_reason": (
            rng.choice(list(DeclineReason))
            if status in (Status.DECLINED, Status.CANCELLED)
            else None
        ),
        "end_reason": rng.choice(list(EndReason)) if status == Status.ENDED_EARLY else None,
        "reason_text": "",
        "evaluation": None,
        "evaluated_at": None,
        "evaluated_by_id": None,
        "created_at": _at(proposed),
        "updated_at": _at(end if ended else answered),
    }
    path: list[tuple[Status, dt.date, Party, int | None]] = [
        (Status.PROPOSED, proposed, Party.COACH, coach)
    ]
    if status in (Status.DECLINED,):
        path.append((status, answered, Party.HOST, host_user))
    elif status == Status.WITHDRAWN:
        path.append((status, answered, Party.COACH, coach))
    elif status != Status.PROPOSED:
        path.append((Status.ACCEPTED, answered, Party.HOST, host_user))
        if status == Status.CANCELLED:
            path.append((status, start, Party.COACH, coach))
        elif started:
            path.append((Status.STARTED, start, Party.COACH, coach))
            if ended:
                path.append((status, end, Party.HOST, host_user))
    steps, previous = [], None
    for to_status, day, party, actor in path:
        steps.append(
            {
                "id": world.next_id("placement_transitions"),
                "placement_id": pid,
                "from_status": previous,
                "to_status": to_status,
                "actor_id": actor,
                "party": party,
                "at": _at(day),
                "reason": (row["decline_reason"] or row["end_reason"] or None)
                if to_status in (Status.DECLINED, Status.CANCELLED, Status.ENDED_EARLY)
                else None,
                "outcome": row["outcome"] if to_status == Status.COMPLETED else None,
                "note": "",
            }
        )
        previous = to_status
    return row, steps


def _take_slots(session: Session, world: _World) -> None:
    """Set ``taken_slots`` to the accepted and running placements (the slot invariant), in
    one UPDATE per distinct count."""
    from sqlalchemy import update

    by_count: dict[int, list[int]] = {}
    for place in world.places:
        if place["taken"]:
            by_count.setdefault(place["taken"], []).append(place["id"])
    for count, ids in by_count.items():
        for start in range(0, len(ids), 1000):
            session.execute(
                update(Place)
                .where(Place.id.in_(ids[start : start + 1000]))
                .values(taken_slots=count),
                execution_options={"synchronize_session": False},
            )


AUDIT_ACTIONS = (
    ("candidate.viewed", "candidate", 0.35),
    ("candidate.listed", "candidate", 0.25),
    ("place.viewed", "place", 0.15),
    ("place.updated", "place", 0.08),
    ("user.login", "user", 0.12),
    ("placement.proposed", "placement", 0.05),
)


def _audit(session: Session, world: _World, sizes: Sizes) -> None:
    """A year of audit events: the demo logins' share first, then everyone's."""
    rng = world.rng
    pick = _weighted(rng, ((a, w) for a, _, w in AUDIT_ACTIONS))
    kinds = {a: k for a, k, _ in AUDIT_ACTIONS}
    coaches = [u for ids in world.coaches.values() for u in ids]
    demo_users = list(world.demo.values())
    mine = [c["id"] for c in world.candidates if c["coach"] == world.demo.get("coach")]
    rows = []
    for i in range(sizes.audit_events):
        action = pick()
        actor = demo_users[i % len(demo_users)] if i % 20 == 0 else rng.choice(coaches)
        kind = kinds[action]
        if kind == "candidate":
            pool = mine if actor == world.demo.get("coach") and mine else None
            obj = rng.choice(pool) if pool else rng.randint(1, len(world.candidates))
        elif kind == "place":
            obj = rng.randint(1, max(1, len(world.places)))
        elif kind == "placement":
            obj = rng.randint(1, max(1, world.ids.get("placements", 1)))
        else:
            obj = actor
        rows.append(
            {
                "id": world.next_id("audit_events"),
                "at": world.now - dt.timedelta(seconds=rng.randint(60, 365 * 86400)),
                "actor_id": actor,
                "action": action,
                "object_type": kind,
                "object_id": obj,
                "remote_addr": f"10.0.{i % 250}.{i % 200 + 1}",
                "detail": {},
            }
        )
        if len(rows) >= 20 * CHUNK:
            _write(session, AuditEvent.__table__, rows, world)
            rows = []
    _write(session, AuditEvent.__table__, rows, world)


NOTIFICATION_KINDS = (
    ("proposal_new", "Nieuw voorstel voor een van uw plaatsen"),
    ("proposal_accepted", "Uw voorstel is geaccepteerd"),
    ("proposal_declined", "Uw voorstel is afgewezen"),
    ("placement_changed", "Een plaatsing is gestart"),
    ("listing_confirmation_due", "Bevestig dat uw plaats nog actueel is"),
)


def _notifications(session: Session, world: _World, sizes: Sizes) -> None:
    rng = world.rng
    users = list(world.employer_users.values()) + [u for ids in world.coaches.values() for u in ids]
    demo_users = list(world.demo.values())
    placements = world.ids.get("placements", 0)
    rows = []
    for i in range(sizes.notifications):
        user = demo_users[i % len(demo_users)] if i % 25 == 0 else rng.choice(users)
        kind, subject = rng.choice(NOTIFICATION_KINDS)
        created = world.now - dt.timedelta(seconds=rng.randint(60, 365 * 86400))
        rows.append(
            {
                "id": world.next_id("notifications"),
                "user_id": user,
                "kind": kind,
                "subject": subject,
                "body": "",
                "link": f"/placements/{rng.randint(1, placements)}" if placements else "",
                "dedup_key": None,
                "created_at": created,
                "read_at": created + dt.timedelta(hours=5) if rng.random() < 0.8 else None,
                "emailed_at": created,
            }
        )
    _write(session, Notification.__table__, rows, world)


def load_scale(
    session: Session,
    sizes: Sizes | None = None,
    today: dt.date | None = None,
    echo: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Fill an empty database with a national-scale registry; returns rows per table."""
    sizes = sizes or Sizes()
    sizes.check()
    for model in (Network, User, Place, Candidate):
        if session.scalar(select(func.count()).select_from(model)):
            raise ValueError(
                f"the scale seed loads into an empty database ({model.__tablename__} has rows)"
            )
    echo = echo or (lambda _message: None)
    today = today or dt.date.today()
    world = _World(today=today, now=_at(today, 9), rng=random.Random(SEED))
    _NETWORK_SETS.clear()
    steps: list[tuple[str, Callable[[], Any]]] = []
    regions: list = []
    shares: list[int] = []

    def networks() -> None:
        regions.extend(_networks(session, world, sizes))

    def users() -> None:
        shares.extend(_users(session, world, sizes))

    steps = [
        ("networks", networks),
        ("employers", lambda: _employers(session, world, sizes, regions)),
        ("coach organisations", lambda: _orgs(session, world, sizes)),
        ("users", users),
        ("places", lambda: _places(session, world, sizes, regions)),
        ("candidates", lambda: _candidates(session, world, sizes, shares)),
        ("placements and ledger", lambda: _placements(session, world, sizes)),
        ("audit trail", lambda: _audit(session, world, sizes)),
        ("notifications", lambda: _notifications(session, world, sizes)),
    ]
    for name, step in steps:
        began = time.perf_counter()
        step()
        session.commit()
        echo(f"{name}: {time.perf_counter() - began:.1f} s")
    _fix_sequences(session)
    session.commit()
    return dict(world.counts)
