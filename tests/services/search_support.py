"""Builders for the match-search tests (no tests here): random places near a point."""

from __future__ import annotations

import random

from registry.domain.matching import SearchFacts
from registry.domain.workload import CONDITIONS, EXPOSURES, CapacityFacts, all_dimensions
from registry.models import Place, PlaceKind, PlaceStatus
from registry.services.places import refresh_derived

UTRECHT = (52.0907, 5.1214)
KINDS = [k.value for k in PlaceKind]


def place(session, employer, networks, *, lat, lon, status=PlaceStatus.OPEN, **kw) -> Place:
    values = {
        "employer_id": employer.id,
        "kind": PlaceKind.WERKERVARINGSPLAATS,
        "status": status,
        "title": kw.pop("title", "Plek"),
        "postcode": "3511 AB",
        "town": "Utrecht",
        "lat": lat,
        "lon": lon,
        "slots": 1,
        "demands": {},
        "exposures": [],
        "offers_conditions": [],
        "min_hours_week": 8,
        "usual_hours_week": 16,
    }
    values.update(kw)
    obj = Place(**values)
    obj.networks = list(networks)
    refresh_derived(obj)
    session.add(obj)
    session.flush()
    return obj


def random_places(session, rng: random.Random, employers, networks, n: int, centre=UTRECHT):
    """``n`` places with random demands, flags, hours, kinds and statuses; some share a
    coordinate (postcode-area centres), some lie beyond any search range."""
    dims = all_dimensions()
    spots = [
        (centre[0] + rng.uniform(-0.4, 0.4), centre[1] + rng.uniform(-0.6, 0.6)) for _ in range(40)
    ]
    out = []
    for _ in range(n):
        lat, lon = (
            rng.choice(spots)
            if rng.random() < 0.5
            else (
                centre[0] + rng.uniform(-0.45, 0.45),
                centre[1] + rng.uniform(-0.7, 0.7),
            )
        )
        demands = {}
        for dim in dims:
            if rng.random() < 0.15:
                continue
            demands[dim.key] = {
                "band": rng.randint(0, dim.heaviest),
                "incidental": rng.random() < 0.2,
                "adjustable": rng.random() < 0.2,
            }
        nets = rng.sample(networks, rng.randint(1, len(networks)))
        slots = rng.choice((1, 1, 2))
        out.append(
            place(
                session,
                rng.choice(employers),
                nets,
                lat=lat,
                lon=lon,
                status=rng.choice(
                    [PlaceStatus.OPEN] * 6
                    + [PlaceStatus.PAUSED, PlaceStatus.FULL, PlaceStatus.DRAFT]
                ),
                kind=rng.choice(KINDS),
                sector=rng.choice("CGHNQ"),
                function=rng.choice(("Administratie", "zorg", "Magazijn", "")),
                demands=demands,
                exposures=None
                if rng.random() < 0.2
                else rng.sample([e.key for e in EXPOSURES], rng.randint(0, 3)),
                offers_conditions=None
                if rng.random() < 0.2
                else rng.sample([c.key for c in CONDITIONS], rng.randint(0, 4)),
                min_hours_week=rng.choice((None, 8, 16, 24, 32)),
                usual_hours_week=rng.choice((None, 16, 24, 36)),
                lower_start_allowed=rng.random() < 0.4,
                slots=slots,
                taken_slots=rng.choice((0, 0, 0, slots)),
            )
        )
    return out


def random_search(rng: random.Random, centre=UTRECHT) -> SearchFacts:
    dims = all_dimensions()
    capacity: dict[str, int | None] = {}
    for dim in rng.sample(dims, rng.randint(0, 9)):
        capacity[dim.key] = rng.randint(0, dim.heaviest)
    if rng.random() < 0.3:
        capacity[rng.choice(dims).key] = None
    return SearchFacts(
        home=(centre[0] + rng.uniform(-0.2, 0.2), centre[1] + rng.uniform(-0.3, 0.3)),
        max_km=float(rng.choice((5, 10, 15, 25, 40))),
        kinds=frozenset(rng.sample(KINDS, rng.randint(1, len(KINDS)))),
        capacity=CapacityFacts(
            capacity=capacity,
            avoid_exposures=frozenset(rng.sample([e.key for e in EXPOSURES], rng.randint(0, 2))),
            needs_conditions=frozenset(rng.sample([c.key for c in CONDITIONS], rng.randint(0, 2))),
            hours_per_day=rng.choice((None, 0, 1, 2, 3, 4)),
            hours_per_week=rng.choice((None, 0, 1, 2, 3, 4)),
        ),
        preferred_sectors=frozenset(rng.sample("CGHNQ", rng.randint(0, 2))),
        preferred_functions=frozenset(rng.sample(("administratie", "zorg"), rng.randint(0, 1))),
    )


def random_rule_search(rng: random.Random, employer_ids, today, centre=UTRECHT) -> SearchFacts:
    """A random search with the second-track rules in play (issue 12): a home employer
    (sometimes none), a date (places whose period ended before it are left out),
    sometimes no capacity profile, sometimes hours the candidate can work now."""
    import dataclasses

    facts = random_search(rng, centre)
    capacity = facts.capacity
    if rng.random() < 0.25:
        capacity = CapacityFacts.without_profile()
    capacity = dataclasses.replace(
        capacity,
        now_hours_per_day=rng.choice((None, None, 2.0, 4.0, 6.5)),
        now_hours_per_week=rng.choice((None, None, 8.0, 16.0, 30.0)),
    )
    return dataclasses.replace(
        facts,
        capacity=capacity,
        home_employer_id=rng.choice([None, *employer_ids]),
        today=rng.choice((None, today)),
    )
