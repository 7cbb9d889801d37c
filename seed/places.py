"""Demo places: at least 150 across the demo employers and networks, loaded by
``load_demo``. Deterministic (a fixed random seed) and idempotent: every place has an
``external_ref`` ``DEMO-<kvk>-<n>`` and is only created when it does not exist yet.

The spread is realistic on purpose: every kind, demands from light to heavy around the
function templates, some incomplete places, some stale (the sweep reminds or pauses
them), some full, paused, closed, draft or waiting for review.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.workload import CONDITIONS, EXPOSURES, all_dimensions
from registry.geodata import default_directory
from registry.models import Employer, MembershipStatus, Place, PlaceKind, PlaceStatus
from registry.models.base import utcnow
from registry.services.place_templates import get_template
from registry.services.places import refresh_derived

HERE = Path(__file__).resolve().parent
SEED = 20261125
KINDS = list(PlaceKind)
DESCRIPTION = (
    "Je werkt mee in een vast team en krijgt een vaste begeleider. "
    "We beginnen rustig en bouwen samen op."
)


# The showcase place: an open place of the demo employer contact's organisation (Zorggroep
# Noordoost Twente) with a free slot, no intake cap and a demand that can be adjusted, so
# the showcase candidate (seed.candidates) finds it as a match with a signal.
SHOWCASE_REF = "DEMO-10000002-4"


def _showcase(place: Place, networks: list, now: dt.datetime) -> None:
    """Make the showcase place fit its role, after every random draw (the draws stay put)."""
    place.status = PlaceStatus.OPEN
    place.slots = max(place.slots, 2)
    place.intake_cap_per_month = None
    place.last_confirmed_at = now - dt.timedelta(days=5)
    place.networks = list(networks)
    demands = dict(place.demands or {})
    heavy = [k for k, d in sorted(demands.items()) if d.get("band") is not None and d["band"] >= 1]
    if heavy and not any(demands[k]["incidental"] or demands[k]["adjustable"] for k in heavy):
        demands[heavy[0]] = {**demands[heavy[0]], "adjustable": True}
    place.demands = demands


def _variants() -> list[dict[str, str]]:
    with (HERE / "place_variants.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _postcodes_by_town() -> dict[str, list[str]]:
    towns: dict[str, list[str]] = {}
    for area in default_directory().areas():
        towns.setdefault(area.town.lower(), []).append(area.digits)
    return towns


def _status(rng: random.Random, reviewing: bool) -> PlaceStatus:
    roll = rng.random()
    if roll < 0.07:
        return PlaceStatus.DRAFT
    if roll < 0.13:
        return PlaceStatus.SUBMITTED if reviewing else PlaceStatus.DRAFT
    if roll < 0.20:
        return PlaceStatus.PAUSED
    if roll < 0.26:
        return PlaceStatus.FULL
    if roll < 0.30:
        return PlaceStatus.CLOSED
    return PlaceStatus.OPEN


def _demands(rng: random.Random, template, incomplete: bool) -> dict[str, dict]:
    out = {}
    heavier = rng.random() < 0.3  # some places ask more than the template
    for dim in all_dimensions():
        band, incidental, adjustable = template.demands.get(dim.key, (None, False, False))
        if band is None:
            continue
        shift = rng.choice((-1, 0, 0, 0, 1)) + (1 if heavier and rng.random() < 0.4 else 0)
        band = max(0, min(dim.heaviest, band + shift))
        out[dim.key] = {
            "band": band,
            "incidental": incidental or rng.random() < 0.08,
            "adjustable": adjustable or rng.random() < 0.12,
        }
    if incomplete:
        for key in rng.sample(sorted(out), k=rng.randint(3, 12)):
            out.pop(key)
    return out


def load_places(session: Session, now: dt.datetime | None = None) -> int:
    """Create the missing demo places; return how many were created."""
    now = now or utcnow()
    rng = random.Random(SEED)
    variants = _variants()
    towns = _postcodes_by_town()
    employers = session.scalars(select(Employer).order_by(Employer.kvk_number)).all()
    existing = set(
        session.execute(
            select(Place.employer_id, Place.external_ref).where(Place.external_ref.like("DEMO-%"))
        ).all()
    )
    created = 0
    counter = 0
    for employer in employers:
        networks = [
            m.network for m in employer.memberships if m.status == MembershipStatus.ADMITTED
        ]
        if not networks:
            continue
        fitting = [v for v in variants if employer.sbi_section in v["sectors"]] or variants
        count = 4 if employer.size_class.value in {"large", "medium"} else 3
        for n in range(1, count + 1):
            counter += 1
            ref = f"DEMO-{employer.kvk_number}-{n}"
            variant = rng.choice(fitting)
            template = get_template(variant["template"])
            kind = KINDS[counter % len(KINDS)]
            incomplete = rng.random() < 0.18
            offered = networks if len(networks) == 1 or rng.random() < 0.6 else networks[:1]
            status = _status(rng, any(net.review_new_places for net in offered))
            age = rng.choice(
                (2, 5, 8, 12, 15, 20, 25, 30, 35, 40, 50, 58, 70)
            )  # days since confirmed
            if (employer.id, ref) in existing:
                continue
            digits = employer.postcode[:4]
            nearby = towns.get(employer.town.lower(), [digits])
            postcode = rng.choice(nearby) if rng.random() < 0.5 else digits
            area = default_directory().lookup(postcode) or default_directory().lookup(digits)
            if area is None:
                continue
            min_hours = max(4, template.min_hours_week + rng.choice((-4, 0, 0, 4)))
            place = Place(
                employer_id=employer.id,
                external_ref=ref,
                kind=kind,
                status=status,
                title=variant["title"],
                function=variant["function"],
                sector=employer.sbi_section,
                description="" if incomplete and rng.random() < 0.5 else DESCRIPTION,
                postcode=area.digits if postcode != digits else employer.postcode,
                town=area.town,
                lat=area.lat,
                lon=area.lon,
                geo_precision="postcode",
                slots=rng.choice((1, 1, 1, 2, 2, 3)),
                min_hours_week=min_hours,
                usual_hours_week=max(min_hours, template.usual_hours_week),
                lower_start_allowed=rng.random() < 0.7,
                schedule_days=list(template.schedule_days[: rng.choice((3, 4, 5))]),
                evening_work=rng.random() < 0.15,
                weekend_work=rng.random() < 0.1,
                available_from=(now + dt.timedelta(days=rng.choice((-60, -10, 0, 14)))).date(),
                ongoing=kind != PlaceKind.MEELOOPDAG,
                typical_weeks=1 if kind == PlaceKind.MEELOOPDAG else template.typical_weeks,
                intake_cap_per_month=rng.choice((None, None, None, 2, 4)),
                offers=list(template.offers),
                contact_name=employer.contact_name,
                contact_email=employer.contact_email,
                demands=_demands(rng, template, incomplete),
                exposures=None
                if incomplete and rng.random() < 0.5
                else [f.key for f in EXPOSURES if f.key in template.exposures],
                offers_conditions=None
                if incomplete and rng.random() < 0.5
                else [c.key for c in CONDITIONS if c.key in template.conditions],
                last_confirmed_at=(
                    None
                    if status in (PlaceStatus.DRAFT, PlaceStatus.SUBMITTED)
                    else now - dt.timedelta(days=age)
                ),
            )
            place.networks = list(offered)
            if ref == SHOWCASE_REF:
                _showcase(place, networks, now)
            refresh_derived(place)
            session.add(place)
            created += 1
    session.flush()
    return created
