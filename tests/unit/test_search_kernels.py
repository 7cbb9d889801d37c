"""The compiled loops (``registry.search.kernels``) equal the numpy expressions they
replace, on random rows: which rows a search may show, which can fit, the code sums,
the scores and the outcomes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.matching import MAX_NEAR_MISS_CONFLICTS, NEAR_MISS_RANGE_FACTOR
from registry.search import geometry, kernels, score_kernels

BITS = 63  # a conflict-bit column's bits below the sign bit


def _columns(seed: int, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    nan_min = rng.random(n) < 0.3
    nan_usual = rng.random(n) < 0.3
    return {
        "lat": rng.uniform(51.0, 53.0, n),
        "lon": rng.uniform(4.0, 6.0, n),
        "kind": rng.integers(-1, 3, n).astype(np.int8),  # -1: a kind not known
        "until": rng.integers(739_195, 739_206, n).astype(np.int32),
        "employer": rng.integers(-1, 6, n).astype(np.int64),
        "sector": rng.integers(-1, 4, n).astype(np.int32),
        "dead": rng.random(n) < 0.1,
        "bits1": rng.integers(0, 1 << BITS, n, dtype=np.int64) & rng.integers(0, 64, n),
        "bits2": rng.integers(0, 1 << BITS, n, dtype=np.int64) & rng.integers(0, 8, n),
        "min_h": np.where(nan_min, np.nan, rng.integers(8, 41, n).astype(np.float64)),
        "usual_h": np.where(nan_usual, np.nan, rng.integers(8, 41, n).astype(np.float64)),
        "lower": rng.random(n) < 0.5,
    }


search = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "n": st.integers(0, 300),
        "accepted": st.lists(st.booleans(), min_size=4, max_size=4),
        "today": st.sampled_from([None, 739_200, 739_203]),
        "home_employer": st.sampled_from([None, -1, 2]),
        "sector": st.sampled_from([None, -2, -1, 1, 3]),
        "box": st.tuples(
            st.floats(51.0, 52.0), st.floats(52.0, 53.0), st.floats(4.0, 5.0), st.floats(5.0, 6.0)
        ),
    }
)


@settings(max_examples=200, deadline=None)
@given(search, st.data())
def test_eligible_rows_keep_exactly_the_rows_the_masks_keep(s, data):
    c = _columns(s["seed"], s["n"])
    share = data.draw(st.floats(0.0, 1.0))
    rows = np.flatnonzero(np.random.default_rng(s["seed"] + 1).random(s["n"]) < share)
    cut = sorted(data.draw(st.lists(st.integers(0, rows.size), min_size=2, max_size=6)))
    starts, stops = np.array(cut[:-1], dtype=np.int64), np.array(cut[1:], dtype=np.int64)
    dead = c["dead"] if data.draw(st.booleans()) else np.zeros(0, dtype=bool)
    accepted = np.array(s["accepted"], dtype=bool)  # the last: a kind not known
    columns = tuple(c[k] for k in ("lat", "lon", "kind", "until", "employer", "sector"))
    filters = (
        accepted,
        kernels.NO_DAY if s["today"] is None else s["today"],
        kernels.NO_EMPLOYER if s["home_employer"] is None else s["home_employer"],
        kernels.ANY_SECTOR if s["sector"] is None else s["sector"],
        s["box"],
    )
    got = kernels.eligible_rows(rows, starts, stops, dead, columns, filters)
    idx = np.concatenate([rows[a:b] for a, b in zip(starts, stops, strict=True)] + [rows[:0]])
    min_lat, max_lat, min_lon, max_lon = s["box"]
    lat, lon = c["lat"][idx], c["lon"][idx]
    mask = (lat >= min_lat) & (lat <= max_lat) & (lon >= min_lon) & (lon <= max_lon)
    mask &= accepted[c["kind"][idx]]
    if dead.size:
        mask &= ~dead[idx]
    if s["today"] is not None:
        mask &= c["until"][idx] >= s["today"]
    if s["home_employer"] is not None:
        mask &= c["employer"][idx] != s["home_employer"]
    if s["sector"] is not None:
        mask &= c["sector"][idx] == s["sector"]
    assert got.tolist() == idx[mask].tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 300),
    st.tuples(st.integers(0, (1 << BITS) - 1), st.integers(0, (1 << BITS) - 1)),
    st.sampled_from([math.nan, 0.0, 16.0, 24.0, 40.0]),
    st.floats(1.0, 80.0),
    st.floats(1.0, 1.5),
)
def test_may_fit_rows_keep_and_count_as_the_masks_do(seed, n, masks, person, max_km, factor):
    c = _columns(seed, n)
    idx = np.flatnonzero(np.random.default_rng(seed).random(n) < 0.7)
    home, ky = (52.0, 5.0), 110.574
    kx_out, kx_max = 111.2 * math.cos(math.radians(53.0)), 111.2 * math.cos(math.radians(52.7))
    r2_out, r2_max = (max_km * factor / 0.995) ** 2, (max_km / 0.995) ** 2
    columns = tuple(c[k] for k in ("lat", "lon", "bits1", "bits2", "min_h", "usual_h", "lower"))
    fit = (masks, person, home, ky, (kx_out, r2_out), (kx_max, r2_max), 2)
    kept, least = kernels.may_fit_rows(idx, columns, fit)
    conflicts = np.bitwise_count(c["bits1"][idx] & masks[0]).astype(np.int64)
    conflicts += np.bitwise_count(c["bits2"][idx] & masks[1])
    if not math.isnan(person):
        required = np.where(np.isnan(c["min_h"]), c["usual_h"], c["min_h"])[idx]
        required = np.where(np.isnan(required), 0.0, required)
        conflicts += ~((required <= person) | c["lower"][idx])
    dy = (c["lat"][idx] - home[0]) * ky
    dx_out, dx_max = (c["lon"][idx] - home[1]) * kx_out, (c["lon"][idx] - home[1]) * kx_max
    keep = (conflicts == 0) & (dy * dy + dx_out * dx_out <= r2_out)
    keep |= (conflicts <= 2) & (dy * dy + dx_max * dx_max <= r2_max)
    assert kept.tolist() == idx[keep].tolist()
    assert least.tolist() == conflicts[keep].tolist()


@pytest.mark.parametrize("rows", [0, 1, 7, 500, 1200])
@pytest.mark.parametrize("read_only", [False, True])
def test_code_sums_equal_one_fancy_index_over_the_matrix(rows, read_only):
    """Scoring sums a capacity's table over each code's positions."""
    rng = np.random.default_rng(rows)
    table = rng.integers(0, 1 << 40, size=(33, 256), dtype=np.int64)
    table.setflags(write=False)
    matrix = rng.integers(0, 256, size=(rows, table.shape[0]), dtype=np.uint8)
    matrix.setflags(write=not read_only)
    want = table[np.arange(table.shape[0]), matrix].sum(axis=1)
    assert score_kernels.code_sums(table, matrix).tolist() == want.tolist()


def test_warm_up_compiles_every_loop():
    kernels.warm_up()
    loops = (
        kernels.eligible_rows,
        kernels.may_fit_rows,
        kernels.near_rows,
        score_kernels.code_sums,
        score_kernels.geodesic_km,
        score_kernels.geodesic_km_pairs,
        score_kernels.score_rows,
        score_kernels.rank_parts,
        score_kernels.shortlist,
    )
    for loop in loops:
        assert loop.signatures  # compiled (or loaded from the disk cache)


def _hours_packed(person, min_h, usual_h, lower):
    """``workload.compare_hours`` on arrays (NaN: not stated), as packed counts (the
    whole-array form the scoring loop replaces; ``person`` None: no hours stated)."""
    required = np.where(np.isnan(min_h), usual_h, min_h)
    if person is None:
        return np.full(required.shape, score_kernels.UNKNOWN, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        over = required > person
    verdict = np.where(over, np.where(lower, score_kernels.SIGNAL, 1), 0)
    return np.where(np.isnan(required), score_kernels.UNKNOWN, verdict).astype(np.int64)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 200),
    st.sampled_from([None, 0.0, 16.0, 24.0, 40.0, math.inf]),
)
def test_score_rows_gather_and_count_as_the_whole_array_steps(seed, n, person):
    c = _columns(seed, n)
    rng = np.random.default_rng(seed)
    ids = rng.permutation(n).astype(np.int64) + 1
    table = rng.integers(0, 1 << 30, size=(33, 256), dtype=np.int64)
    codes = rng.integers(0, 256, size=(n, 33), dtype=np.uint8)
    idx = np.flatnonzero(rng.random(n) < 0.6)
    home = (52.0, 5.0)
    got = score_kernels.score_rows(
        idx,
        ids,
        c["lat"],
        c["lon"],
        c["min_h"],
        c["usual_h"],
        c["lower"],
        codes,
        table,
        math.nan if person is None else person,
        home,
    )
    columns = (ids, c["lat"], c["lon"], c["min_h"], c["usual_h"], c["lower"], codes)
    for gathered, column in zip(got[:7], columns, strict=True):
        np.testing.assert_array_equal(gathered, column[idx])
    hours = _hours_packed(person, c["min_h"][idx], c["usual_h"][idx], c["lower"][idx])
    sums = table[np.arange(33), codes[idx]].sum(axis=1)
    assert got[7].tolist() == (sums + hours).tolist()
    want_km = geometry.geodesic_km_many(home, c["lat"][idx], c["lon"][idx])
    np.testing.assert_allclose(got[8], want_km, rtol=0, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 9), st.integers(0, 40)),
        max_size=50,
    ),
    st.lists(st.floats(0.0, 90.0), min_size=50, max_size=50),
    st.floats(1.0, 60.0),
)
def test_rank_parts_are_the_outcome_rules_on_arrays(counts, km, max_km):
    packed = np.array(
        [
            c | s * score_kernels.SIGNAL | u * score_kernels.UNKNOWN | slack << 24
            for c, s, u, slack in counts
        ],
        dtype=np.int64,
    )
    distance = np.array(km[: len(counts)], dtype=np.float64)
    near_km = max_km * NEAR_MISS_RANGE_FACTOR
    order, conflicts, signals, unknowns, neg_slack = score_kernels.rank_parts(
        packed, distance, max_km, near_km, MAX_NEAR_MISS_CONFLICTS
    )
    want_conflicts = packed & 0xFF
    want_order = np.where(
        distance - max_km <= 0,
        np.where(want_conflicts == 0, 0, np.where(want_conflicts <= 2, 1, 2)),
        np.where((want_conflicts == 0) & (distance <= near_km), 1, 2),
    )
    assert order.tolist() == want_order.tolist()
    assert conflicts.tolist() == want_conflicts.tolist()
    assert signals.tolist() == (((packed >> 8) & 0xFF) > 0).tolist()
    assert unknowns.tolist() == ((packed >> 16) & 0xFF).tolist()
    assert neg_slack.tolist() == (-(packed >> 24)).tolist()


def _numpy_geodesic(home, lat, lon):
    """The same closed form as some forty whole-array numpy steps (the search's former
    implementation): the compiled loop must give the same distances."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    lat, dlon = np.radians(lat), np.radians(lon - home[1])
    home_lat = math.radians(home[0])
    sin0, cos0 = math.sin(home_lat), math.cos(home_lat)
    n0 = a / math.sqrt(1 - e2 * sin0 * sin0)
    x0, z0 = n0 * cos0, n0 * (1 - e2) * sin0
    sin_lat = np.sin(lat)
    n = a / np.sqrt(1 - e2 * sin_lat * sin_lat)
    dx, dy = n * np.cos(lat) * np.cos(dlon) - x0, n * np.cos(lat) * np.sin(dlon)
    dz = n * (1 - e2) * sin_lat - z0
    c2 = dx * dx + dy * dy + dz * dz
    mid, half = 0.5 * (lat + home_lat), 0.5 * dlon
    east = dy * np.cos(half) - dx * np.sin(half)
    north = dz * np.cos(mid) - np.sin(mid) * (dx * np.cos(half) + dy * np.sin(half))
    flat2 = east * east + north * north
    w = np.sqrt(1 - e2 * np.sin(mid) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = (north * north * w**3 / (1 - e2) + east * east * w) / (a * flat2)
    kc2 = np.where(flat2 > 0, k, 0.0) ** 2 * c2
    return np.sqrt(c2) * (1 + kc2 / 24 + 3 * kc2 * kc2 / 640) / 1000.0


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.tuples(st.floats(50.7, 53.5), st.floats(3.4, 7.1)))
def test_geodesic_loop_equals_the_whole_array_formula(seed, home):
    rng = np.random.default_rng(seed)
    lat = rng.uniform(home[0] - 1.2, home[0] + 1.2, 500)  # up to some 200 km
    lon = rng.uniform(home[1] - 1.8, home[1] + 1.8, 500)
    lat[0], lon[0] = home  # the home itself: 0
    got = score_kernels.geodesic_km(home, lat, lon)
    np.testing.assert_allclose(got, _numpy_geodesic(home, lat, lon), rtol=1e-13, atol=1e-12)
    assert got[0] == 0.0
    assert np.isnan(score_kernels.geodesic_km(home, np.array([10.0]), np.array([5.0])))[0]  # far


def _lexsort_shortlist(parts, keep, limit):
    """The shortlist as whole-array steps: every row of ``keep`` sorted on the seven
    keys, cut after the limit-th and the rows tied with it."""
    order, conflicts, signals, unknowns, distance, neg_slack, ids = parts
    prefix = (order, conflicts, signals, unknowns, distance, neg_slack)
    ranked = keep[np.lexsort((ids[keep], *(a[keep] for a in reversed(prefix))))]
    end = min(limit, ranked.size)
    while 0 < end < ranked.size and all(a[ranked[end]] == a[ranked[end - 1]] for a in prefix):
        end += 1
    return ranked[:end].tolist()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),  # outcome
            st.integers(0, 3),  # conflicts
            st.booleans(),  # signals
            st.integers(0, 3),  # unknowns
            st.sampled_from([0.5, 1.0, 2.0, 7.25]),  # distance: ties are common
            st.integers(-3, 0),  # negated slack
        ),
        min_size=1,
        max_size=80,
    ),
    st.integers(1, 12),
    st.data(),
)
def test_shortlist_is_the_lexicographic_top_with_its_ties(rows, limit, data):
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    dtypes = (np.int64, np.int64, bool, np.int64, np.float64, np.int64)
    parts = [np.array(c, dtype=t) for c, t in zip(columns, dtypes, strict=True)]
    parts.append(np.array(data.draw(st.permutations(range(1, n + 1))), dtype=np.int64))
    keep = np.flatnonzero(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    got = score_kernels.shortlist(keep, *parts, limit).tolist()
    assert got == _lexsort_shortlist(parts, keep, limit)
