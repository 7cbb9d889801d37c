"""Deterministic synthetic places and searches for the match-search benchmark.

Places are spread over the real Dutch postcode-area centres (most on the centre, some
geocoded to an address a little away from it), with a demand mix drawn from a handful
of typical second-track functions plus noise, a realistic status/kind mix and offered to
one regional network (by province) and sometimes a sector network.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from registry.domain.geo import Coordinate
from registry.domain.matching import SearchFacts
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    CapacityFacts,
    Demand,
    DemandFacts,
    all_dimensions,
    completeness,
)
from registry.geodata import default_directory
from registry.search.codec import encode_match_code

PROVINCES = (
    "Drenthe", "Flevoland", "Fryslân", "Gelderland", "Groningen", "Limburg",
    "Noord-Brabant", "Noord-Holland", "Overijssel", "Utrecht", "Zeeland", "Zuid-Holland",
)  # fmt: skip
SECTOR_NETWORKS = ("Zorg", "Techniek", "Logistiek", "Overheid")
KINDS = (
    ("werkervaringsplaats", 35),
    ("stage", 20),
    ("detachering", 20),
    ("snuffelstage", 15),
    ("meeloopdag", 10),
)
STATUSES = (("open", 72), ("paused", 9), ("full", 7), ("draft", 5), ("closed", 7))

# function -> (sector, sector network or None, {dimension: band}, exposures)
TEMPLATES: dict[str, tuple[str, str | None, dict[str, int], tuple[str, ...]]] = {
    "office": (
        "N",
        "Overheid",
        {
            "attention": 2,
            "time_pressure": 1,
            "structure": 1,
            "customer_contact": 1,
            "screen_work": 3,
            "sitting": 3,
            "lifting": 0,
            "carrying": 0,
            "walking": 0,
            "standing": 0,
        },
        (),
    ),
    "care": (
        "Q",
        "Zorg",
        {
            "attention": 2,
            "customer_contact": 3,
            "emotional_load": 3,
            "teamwork": 2,
            "lifting": 3,
            "push_pull": 2,
            "bending": 2,
            "walking": 3,
            "standing": 3,
            "evening_work": 1,
            "night_work": 1,
        },
        ("skin",),
    ),
    "warehouse": (
        "H",
        "Logistiek",
        {
            "time_pressure": 2,
            "structure": 1,
            "lifting": 3,
            "carrying": 3,
            "push_pull": 2,
            "bending": 2,
            "walking": 3,
            "standing": 3,
            "driving": 1,
        },
        ("cold", "noise", "ppe"),
    ),
    "production": (
        "C",
        "Techniek",
        {
            "attention": 2,
            "time_pressure": 3,
            "structure": 0,
            "lifting": 2,
            "bending": 2,
            "standing": 3,
            "overhead_work": 1,
            "kneeling": 1,
        },
        ("noise", "dust", "vibration", "ppe"),
    ),
    "retail": (
        "G",
        None,
        {
            "customer_contact": 3,
            "conflicts": 2,
            "time_pressure": 2,
            "lifting": 2,
            "walking": 2,
            "standing": 3,
            "evening_work": 1,
        },
        (),
    ),
    "hospitality": (
        "I",
        None,
        {
            "customer_contact": 3,
            "time_pressure": 3,
            "teamwork": 2,
            "lifting": 2,
            "walking": 3,
            "standing": 3,
            "evening_work": 2,
        },
        ("heat", "skin"),
    ),
    "green": (
        "A",
        None,
        {
            "lifting": 3,
            "carrying": 3,
            "bending": 3,
            "kneeling": 3,
            "walking": 3,
            "stairs_climbing": 2,
            "driving": 1,
        },
        ("cold", "dust", "vibration", "ppe"),
    ),
    "construction": (
        "F",
        "Techniek",
        {
            "lifting": 4,
            "carrying": 4,
            "push_pull": 3,
            "stairs_climbing": 4,
            "kneeling": 3,
            "overhead_work": 2,
            "standing": 3,
        },
        ("cold", "noise", "dust", "vibration", "ppe"),
    ),
    "ict": (
        "J",
        None,
        {"attention": 2, "structure": 2, "screen_work": 3, "sitting": 3, "teamwork": 1},
        (),
    ),
    "education": (
        "P",
        "Overheid",
        {
            "customer_contact": 2,
            "emotional_load": 2,
            "conflicts": 2,
            "teamwork": 2,
            "standing": 2,
            "walking": 1,
        },
        (),
    ),
}
TEMPLATE_WEIGHTS = {"office": 18, "care": 16, "warehouse": 12, "production": 10,
                    "retail": 12, "hospitality": 8, "green": 5, "construction": 6,
                    "ict": 6, "education": 7}  # fmt: skip


def network_names() -> list[str]:
    return [f"Regio {p}" for p in PROVINCES] + [f"Sector {s}" for s in SECTOR_NETWORKS]


def _choice(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


@dataclass
class SyntheticPlace:
    id: int
    lat: float
    lon: float
    postcode: str
    town: str
    status: str
    kind: str
    sector: str
    function: str
    networks: tuple[str, ...]
    demands: dict[str, dict]
    exposures: list[str] | None
    offers_conditions: list[str] | None
    min_hours_week: int | None
    usual_hours_week: int | None
    lower_start_allowed: bool
    slots: int
    taken_slots: int
    match_code: str
    completeness: float


def _demand_map(raw: dict[str, dict]) -> dict[str, Demand]:
    return {
        k: Demand(v.get("band"), bool(v.get("incidental")), bool(v.get("adjustable")))
        for k, v in raw.items()
    }


def places(n: int, seed: int = 20261125) -> Iterator[SyntheticPlace]:
    """``n`` places, always the same for the same ``n`` and ``seed``."""
    rng = random.Random(seed)
    areas = list(default_directory().areas())
    dims = all_dimensions()
    names = list(TEMPLATE_WEIGHTS)
    weights = list(TEMPLATE_WEIGHTS.values())
    for i in range(1, n + 1):
        area = rng.choice(areas)
        lat, lon = area.lat, area.lon
        precision_address = rng.random() < 0.3
        if precision_address:  # geocoded address: up to ~2 km from the area centre
            lat = round(lat + rng.uniform(-0.018, 0.018), 6)
            lon = round(lon + rng.uniform(-0.03, 0.03), 6)
        function = rng.choices(names, weights)[0]
        sector, sector_net, base, exposures = TEMPLATES[function]
        demands: dict[str, dict] = {}
        stated_share = rng.choice((1.0, 0.95, 0.85, 0.7))
        for dim in dims:
            if rng.random() > stated_share:
                continue  # not stated
            band = base.get(dim.key, 0 if rng.random() < 0.6 else 1)
            band = min(dim.heaviest, max(0, band + rng.choice((-1, 0, 0, 0, 1))))
            demands[dim.key] = {
                "band": band,
                "incidental": rng.random() < 0.12,
                "adjustable": rng.random() < 0.18,
            }
        nets = [f"Regio {area.province}"] if area.province in PROVINCES else ["Regio Utrecht"]
        if sector_net and rng.random() < 0.35:
            nets.append(f"Sector {sector_net}")
        exp = None if rng.random() < 0.15 else sorted(e for e in exposures if rng.random() < 0.8)
        offers = (
            None if rng.random() < 0.25 else sorted(c.key for c in CONDITIONS if rng.random() < 0.5)
        )
        min_h = rng.choice((None, 8, 12, 16, 16, 20, 24, 24, 32))
        usual = (
            None
            if min_h is None and rng.random() < 0.5
            else max(min_h or 0, rng.choice((16, 24, 32, 36)))
        )
        dm = _demand_map(demands)
        slots = rng.choice((1, 1, 1, 2, 2, 3, 5))
        status = _choice(rng, STATUSES)
        yield SyntheticPlace(
            id=i,
            lat=lat,
            lon=lon,
            postcode=area.digits,
            town=area.town,
            status=status,
            kind=_choice(rng, KINDS),
            sector=sector,
            function=function,
            networks=tuple(nets),
            demands=demands,
            exposures=exp,
            offers_conditions=offers,
            min_hours_week=min_h,
            usual_hours_week=usual,
            lower_start_allowed=rng.random() < 0.4,
            slots=slots,
            taken_slots=slots if status == "full" else rng.choice((0, 0, 0, 1)) % slots,
            match_code=encode_match_code(
                DemandFacts(
                    dm,
                    None if exp is None else frozenset(exp),
                    None if offers is None else frozenset(offers),
                )
            ),
            completeness=completeness(DemandFacts(dm))[0],
        )


@dataclass(frozen=True)
class SyntheticSearch:
    facts: SearchFacts
    networks: tuple[str, ...]
    province: str


def searches(count: int, seed: int = 7) -> list[SyntheticSearch]:
    """``count`` candidate searches from random postcode areas with typical limitations."""
    rng = random.Random(seed)
    areas = [a for a in default_directory().areas() if a.province in PROVINCES]
    dims = all_dimensions()
    out = []
    for _ in range(count):
        area = rng.choice(areas)
        home: Coordinate = (area.lat, area.lon)
        capacity: dict[str, int | None] = {}
        for dim in rng.sample(dims, rng.randint(3, 8)):
            capacity[dim.key] = rng.randint(0, max(0, dim.heaviest - 1))
        if rng.random() < 0.2:
            capacity[rng.choice(dims).key] = None  # not assessed
        kinds = frozenset(rng.sample([k for k, _ in KINDS], rng.randint(2, 5)))
        nets = [f"Regio {area.province}"]
        if rng.random() < 0.3:
            nets.append(f"Sector {rng.choice(SECTOR_NETWORKS)}")
        if rng.random() < 0.3:
            nets.append(f"Regio {rng.choice(PROVINCES)}")
        facts = SearchFacts(
            home=home,
            max_km=float(rng.choice((10, 15, 20, 25, 25, 30, 40))),
            kinds=kinds,
            capacity=CapacityFacts(
                capacity=capacity,
                avoid_exposures=frozenset(
                    rng.sample([e.key for e in EXPOSURES], rng.randint(0, 2))
                ),
                needs_conditions=frozenset(
                    rng.sample([c.key for c in CONDITIONS], rng.randint(0, 2))
                ),
                hours_per_day=rng.choice((1, 2, 3, 4)),
                hours_per_week=rng.choice((1, 2, 3, 4)),
            ),
            preferred_sectors=frozenset(rng.sample("CFGHINPQ", rng.randint(0, 2))),
            preferred_functions=frozenset(rng.sample(list(TEMPLATES), rng.randint(0, 2))),
        )
        out.append(SyntheticSearch(facts, tuple(dict.fromkeys(nets)), area.province))
    return out
