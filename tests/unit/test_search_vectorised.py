"""The match search's vectorised pieces equal the domain: the numpy geodesic against
geopy, and the match code round trip."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain import geo
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    CapacityFacts,
    Demand,
    DemandFacts,
    ResultKind,
    all_dimensions,
    compare_all,
)
from registry.search import codec, comparer, geometry, scoring, sql

# The Netherlands, with a margin (Zeeland to the Wadden islands and Zuid-Limburg).
DUTCH_LAT = st.floats(50.7, 53.6, allow_nan=False)
DUTCH_LON = st.floats(3.3, 7.3, allow_nan=False)
COORDINATE = st.tuples(DUTCH_LAT, DUTCH_LON)


@settings(max_examples=200, deadline=None)
@given(COORDINATE, st.lists(COORDINATE, min_size=1, max_size=40))
def test_vectorised_geodesic_equals_geopy(home, points):
    """Anywhere in the Netherlands (up to about 380 km apart): within a mm of geopy."""
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    got = geometry.geodesic_km_many(home, lat, lon)
    for (plat, plon), km in zip(points, got.tolist(), strict=True):
        assert abs(km - geo.distance_km(home, (plat, plon))) < 1e-6  # < 1 mm


@settings(max_examples=200, deadline=None)
@given(COORDINATE, st.lists(st.tuples(st.floats(-1.2, 1.2), st.floats(-1.9, 1.9)), min_size=1))
def test_vectorised_geodesic_equals_geopy_at_search_distances(home, offsets):
    """Within a search's reach (at most 250 km): within 10 micrometres of geopy (the
    error grows with the distance, to about 1 µm at 150 km; the rings allow 1 m)."""
    lat = np.array([home[0] + d for d, _ in offsets])
    lon = np.array([home[1] + d for _, d in offsets])
    got = geometry.geodesic_km_many(home, lat, lon)
    for plat, plon, km in zip(lat.tolist(), lon.tolist(), got.tolist(), strict=True):
        want = geo.distance_km(home, (plat, plon))
        assert abs(km - want) < 1e-8


def test_vectorised_geodesic_of_the_home_itself_is_zero():
    home = (52.0907, 5.1214)
    got = geometry.geodesic_km_many(home, np.array([home[0], 52.1]), np.array([home[1], 5.2]))
    assert got[0] == 0.0 and got[1] > 0


DEMAND = st.one_of(
    st.none(),
    st.builds(Demand, st.integers(0, 4), st.booleans(), st.booleans()),
)
FLAGS_E = st.one_of(st.none(), st.frozensets(st.sampled_from([f.key for f in EXPOSURES])))
FLAGS_C = st.one_of(st.none(), st.frozensets(st.sampled_from([f.key for f in CONDITIONS])))


@st.composite
def demand_facts(draw):
    demands = {}
    for dim in all_dimensions():
        d = draw(DEMAND)
        if d is not None:
            demands[dim.key] = Demand(min(d.band, dim.heaviest), d.incidental, d.adjustable)
    hours = st.one_of(st.none(), st.sampled_from((4, 8, 16, 24, 32, 40)))
    return DemandFacts(
        demands, draw(FLAGS_E), draw(FLAGS_C), draw(hours), draw(hours), draw(st.booleans())
    )


@st.composite
def capacities(draw):
    capacity = {}
    for dim in all_dimensions():
        band = draw(st.one_of(st.none(), st.integers(0, dim.heaviest), st.just(-1)))
        if band != -1:  # -1: not in the mapping, so the normal (heaviest) band
            capacity[dim.key] = band
    now_day = draw(st.one_of(st.none(), st.floats(0, 10)))
    now_week = draw(st.one_of(st.none(), st.floats(0, 50)))
    if draw(st.integers(0, 4)) == 0:  # issue 12: no current profile, every item unknown
        return CapacityFacts.without_profile(now_day, now_week)
    return CapacityFacts(
        capacity,
        draw(st.frozensets(st.sampled_from([f.key for f in EXPOSURES]))),
        draw(st.frozensets(st.sampled_from([f.key for f in CONDITIONS]))),
        draw(st.one_of(st.none(), st.integers(0, 4))),
        draw(st.one_of(st.none(), st.integers(0, 4))),
        now_day,
        now_week,
    )


@settings(max_examples=200, deadline=None)
@given(capacities(), demand_facts())
def test_match_code_scores_and_comparisons_equal_compare_all(capacity, demand):
    code = codec.encode_match_code(demand)
    assert len(code) == codec.match_code_length() and code.isascii()
    want = compare_all(capacity, demand)
    hours = (demand.min_hours_week, demand.usual_hours_week, demand.lower_start_allowed)
    got = comparer.Comparer(capacity).compare(code.encode("ascii"), hours)
    assert got == want
    # the packed table look-up counts exactly what the comparison holds (hours apart)
    table = scoring.score_table(codec.capacity_key(capacity))
    row = np.frombuffer(code.encode("ascii"), dtype=np.uint8)
    packed = int(table[np.arange(table.shape[0]), row].sum())
    results = [*want.dimensions, *want.exposures, *want.conditions]
    assert packed & 0xFF == sum(r.verdict == "conflict" for r in results)
    assert (packed >> 8) & 0xFF == sum(r.verdict == "signal" for r in results)
    assert (packed >> 16) & 0xFF == sum(r.verdict == "unknown" for r in results)
    assert packed >> 24 == want.slack


@settings(max_examples=100, deadline=None)
@given(capacities(), st.booleans(), demand_facts())
def test_fewest_unknowns_bound_every_code(capacity, person_known, demand):
    """The rings' lower bound of a capacity's unknowns (from the catalogue's tables):
    per position the fewest of any valid byte, plus the hours when no hours are
    stated; no code has fewer."""
    key = codec.capacity_key(capacity)
    table = scoring.score_table(key)
    valid = np.where(table < scoring.INVALID, (table >> 16) & 0xFF, 1 << 20)
    fewest = scoring.min_unknowns(key, person_known)
    assert fewest == int(valid.min(axis=1).sum()) + (0 if person_known else 1)
    row = np.frombuffer(codec.encode_match_code(demand).encode("ascii"), dtype=np.uint8)
    assert fewest <= int((table[np.arange(table.shape[0]), row] >> 16 & 0xFF).sum()) + 1


@settings(max_examples=100, deadline=None)
@given(capacities(), st.lists(demand_facts(), min_size=1, max_size=6))
def test_comparisons_of_many_codes_at_once_equal_one_by_one(capacity, demands):
    """The page's explanations compare its places' codes at once: each comparison
    equals the domain's for that place."""
    codes = [codec.encode_match_code(d) for d in demands]
    hours = [(d.min_hours_week, d.usual_hours_week, d.lower_start_allowed) for d in demands]
    matrix = np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8)
    got = comparer.Comparer(capacity).compare_many(matrix.reshape(len(codes), -1), hours)
    assert got == [compare_all(capacity, d) for d in demands]


@settings(max_examples=300, deadline=None)
@given(capacities(), demand_facts())
def test_conflict_bits_share_exactly_one_bit_per_conflict(capacity, demand):
    """The prefilter's precheck: a place's conflict bits share with a capacity's masks
    exactly one bit per conflicting dimension, exposure or condition (hours apart)."""
    code = codec.encode_match_code(demand)
    bits = codec.conflict_bits(code)
    masks = codec.conflict_masks(codec.capacity_key(capacity))
    assert len(bits) == len(masks) == len(codec.CONFLICT_BIT_COLUMNS)
    assert all(0 <= b < 2**63 and 0 <= m < 2**63 for b, m in zip(bits, masks, strict=True))
    shared = sum(bin(b & m).count("1") for b, m in zip(bits, masks, strict=True))
    want = compare_all(capacity, demand)
    assert shared == sum(1 for r in want.conflicts if r.kind is not ResultKind.HOURS)
    hours = (demand.min_hours_week, demand.usual_hours_week, demand.lower_start_allowed)
    got = comparer.Comparer(capacity).compare(code.encode("ascii"), hours)
    assert (got.conflicts, got.signals, got.unknowns, got.slack) == (
        want.conflicts,
        want.signals,
        want.unknowns,
        want.slack,
    )


def test_conflict_bits_of_an_invalid_code_are_zero():
    """A code of another length (another catalogue) or none: no bit, so every capacity's
    precheck lets the place through to be scored from its re-encoded code."""
    assert codec.conflict_bits("") == (0, 0)
    assert codec.conflict_bits("0" * (codec.match_code_length() - 1)) == (0, 0)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**63 - 1), st.integers(0, 3))
def test_at_most_bits_sql_counts_set_bits(value, k):
    import sqlite3

    text = sql._at_most_bits_sql(str(value), k)
    (got,) = sqlite3.connect(":memory:").execute(f"SELECT {text}").fetchone()  # noqa: S608
    assert bool(got) == (bin(value).count("1") <= k)


@settings(max_examples=200, deadline=None)
@given(capacities(), demand_facts())
def test_near_miss_tiers_split_places_by_conflict_count(capacity, demand):
    """The first near-miss read takes every place with at most one conflicting bit, the
    second every other place with at most two per column, on the database itself."""
    import sqlite3

    key = codec.capacity_key(capacity)
    bits = codec.conflict_bits(codec.encode_match_code(demand))
    masks = codec.conflict_masks(key)
    shared = [bin(b & m).count("1") for b, m in zip(bits, masks, strict=True)]
    columns = ", ".join(
        f"{b} AS {c}" for b, c in zip(bits, codec.CONFLICT_BIT_COLUMNS, strict=True)
    )
    db = sqlite3.connect(":memory:")

    def holds(condition: str) -> bool:
        if not condition:
            return True
        sql = condition.format_map({f"cmask{i}": f":cmask{i}" for i in range(len(masks))})
        params = {f"cmask{i}": m for i, m in enumerate(masks)}
        (got,) = db.execute(f"SELECT {sql} FROM (SELECT {columns})", params).fetchone()  # noqa: S608
        return bool(got)

    tiers = sql.near_miss_tiers_sql(key)
    assert holds(tiers[0]) == (sum(shared) <= 1)
    if len(tiers) > 1:
        assert holds(tiers[1]) == (sum(shared) > 1 and max(shared) <= 2)


def _shares_a_bit(bits: tuple[int, ...], masks: tuple[int, ...]) -> bool:
    return any(b & m for b, m in zip(bits, masks, strict=True))


def test_conflict_bits_follow_a_dimension_registered_at_run_time() -> None:
    """The bit layout is cached per catalogue version: built before a registration, it
    is rebuilt for the longer code (not the silent (0, 0) of a stale layout), gives the
    domain's conflicts for the new dimension, and is the old one again after the undo."""
    from registry.domain import workload as wl

    heavy_lifting = DemandFacts({"lifting": Demand(4)})
    code = codec.encode_match_code(heavy_lifting)
    before = codec.conflict_bits(code)  # the layout of today's catalogue, now cached
    assert any(before)
    gripping = wl.Dimension(
        "gripping",
        "IV",
        "Grijpen",
        "Gripping",
        (wl.Band("licht", "light"), wl.Band("matig", "moderate"), wl.Band("zwaar", "heavy")),
    )
    with wl.register_dimension(gripping):
        cannot_grip = CapacityFacts({"gripping": 0})
        masks = codec.conflict_masks(codec.capacity_key(cannot_grip))
        for band in range(3):
            demand = DemandFacts({"gripping": Demand(band)})
            bits = codec.conflict_bits(codec.encode_match_code(demand))
            conflicts = compare_all(cannot_grip, demand).conflicts
            assert _shares_a_bit(bits, masks) == bool(conflicts), band
        assert any(codec.conflict_bits(codec.encode_match_code(heavy_lifting)))
        # the score table has a row for the new position too
        key = codec.capacity_key(cannot_grip)
        assert scoring.score_table(key).shape[0] == codec.match_code_length()
    assert codec.conflict_bits(code) == before


@settings(max_examples=300, deadline=None)
@given(COORDINATE, st.floats(1, 150), st.floats(0, 1.2), st.floats(0, 6.2832))
def test_the_inside_disk_lies_within_its_radius(home, radius, reach, bearing) -> None:
    """A point meeting the planar condition of ``inside_params`` (built for the box of a
    wider disk, as the near-miss read does) is within the radius by geopy's geodesic:
    the read that skips those points loses no near miss."""
    import math

    box = geo.bounding_box(home, radius * 1.25)
    params, inside = geometry.inside_params(home, radius, box, "h_")
    # a point at ``reach`` times the radius in the planar metric, in some direction
    r = math.sqrt(params["h_r2"]) * reach
    lat = home[0] + r * math.cos(bearing) / params["h_ky"]
    lon = home[1] + r * math.sin(bearing) / params["h_kx"]
    planar = ((lat - home[0]) * params["h_ky"]) ** 2 + ((lon - home[1]) * params["h_kx"]) ** 2
    if planar <= params["h_r2"] and box.min_lat <= lat <= box.max_lat:
        assert geo.distance_km(home, (lat, lon)) <= radius - 0.0009
        assert inside.min_lat <= lat <= inside.max_lat and inside.min_lon <= lon <= inside.max_lon


def test_joined_scores_keep_every_column_and_read_the_hours_back():
    """Rows of expanding disks are joined column by column; the page reads the hours of
    the rows it explains back as the domain states them (NaN: not stated)."""

    def scored(ids, min_h, lower):
        a = np.array(ids, dtype=np.int64)
        h = np.array(min_h, dtype=np.float64)
        return scoring.Scored(
            a,
            a,
            a,
            a,
            a,
            a.astype(float),
            a,
            np.zeros((len(ids), 2)),
            a + 0.5,
            a - 0.5,
            h,
            h * 2,
            np.array(lower, dtype=bool),
        )

    joined = scored([1, 2], [8.0, np.nan], [True, False]) + scored([], [], [])
    joined = joined + scored([3], [16.0], [False])
    assert joined.ids.tolist() == [1, 2, 3] and joined.lat.tolist() == [1.5, 2.5, 3.5]
    assert joined.codes.shape == (3, 2) and joined.lon.tolist() == [0.5, 1.5, 2.5]
    assert joined.hours(np.array([2, 0, 1])) == [
        (16.0, 32.0, False),
        (8.0, 16.0, True),
        (None, None, False),
    ]
