"""The search copy's index seeks (``Snapshot._seek_spans``): one sorted search per seek
bound over a network's keys (latitude band, then longitude) gives exactly the places
with a free slot, offered in one of the searched networks, inside a seek's band and
longitudes; a place in two of the networks once."""

from __future__ import annotations

import dataclasses
import math
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.matching import SearchFacts
from registry.domain.workload import CapacityFacts
from registry.search import codec, snapshot_select
from registry.search.snapshot import indexed
from registry.search.snapshot_rows import Rows
from registry.search.snapshot_select import BANDS_PER_DEGREE
from tests.unit.test_search_copy_rows import _row

NETWORKS = (1, 2, 3)

places = st.lists(
    st.tuples(
        st.floats(51.0, 51.45),  # latitude: bands 1020 to 1029
        st.floats(4.0, 5.0),  # longitude
        st.booleans(),  # a free slot
        st.sets(st.sampled_from(NETWORKS)),  # offered in
    ),
    max_size=60,
)
# as geometry.strip_rows makes them: per band one span, or two apart (around a hole),
# and empty ones (padding)
seeks = st.dictionaries(
    st.integers(1018, 1031),
    st.lists(st.floats(3.9, 5.1), min_size=2, max_size=4, unique=True).map(sorted),
    max_size=12,
).map(
    lambda spans: (
        [
            (band, *bounds[i : i + 2])
            for band, bounds in spans.items()
            for i in (0, 2)
            if i < len(bounds) - 1
        ]
        + [(1017, 1.0, 0.0)]
    )
)


def _copy(generated):
    rows = [
        _row(id=i + 1, lat=lat, lon=lon, slots=1, taken_slots=0 if free else 1)
        for i, (lat, lon, free, _) in enumerate(generated)
    ]
    links = [(i + 1, n) for i, (*_, nets) in enumerate(generated) for n in sorted(nets)]
    sectors: dict[str | None, int] = {None: -1, "": -1}
    return indexed((0, 0, 0), Rows.of(rows, sectors), sectors, links)


def _seek_rows(snap, seek_list, network_ids) -> np.ndarray:
    """The main rows the seeks' spans hold, span after span."""
    rows, starts, stops = snap._seek_spans(seek_list, network_ids)
    return np.array(
        [r for a, b in zip(starts.tolist(), stops.tolist(), strict=True) for r in rows[a:b]],
        dtype=np.int64,
    )


def _near_a_bound(lon: float, seek_list) -> bool:
    return any(math.isclose(lon, b, abs_tol=1e-9) for _, lo, hi in seek_list for b in (lo, hi))


@settings(max_examples=300, deadline=None)
@given(places, seeks, st.sets(st.sampled_from(NETWORKS), min_size=1))
def test_seeks_read_exactly_the_free_places_of_the_networks_in_their_spans(
    generated, seek_list, network_ids
):
    snap = _copy(generated)
    got = snap.main.ids[_seek_rows(snap, seek_list, frozenset(network_ids))].tolist()
    assert len(got) == len(set(got))  # a place in two networks once
    want = {
        i + 1
        for i, (lat, lon, free, nets) in enumerate(generated)
        if free
        and nets & network_ids
        and any(
            band == math.floor(lat * BANDS_PER_DEGREE) and lo <= lon <= hi
            for band, lo, hi in seek_list
        )
    }
    assert want <= set(got)
    # more only where rounding the keys met a bound (later conditions are exact)
    extra = set(got) - want
    assert all(_near_a_bound(generated[pid - 1][1], seek_list) for pid in extra)


def test_merged_rows_of_a_set_of_networks_are_kept_with_the_copy():
    generated = [(51.2, 4.5, True, {1, 2}), (51.2, 4.6, True, {2}), (51.3, 4.7, False, {1})]
    snap = _copy(generated)
    seek = [(math.floor(51.2 * BANDS_PER_DEGREE), 4.0, 5.0)]
    assert snap.main.ids[_seek_rows(snap, seek, frozenset({1, 2}))].tolist() == [1, 2]
    merged = snap.offered[frozenset({1, 2})]
    assert np.array_equal(merged[0], np.sort(merged[0]))
    assert _seek_rows(snap, seek, frozenset({2, 1})).tolist() == [0, 1]
    assert snap.offered[frozenset({1, 2})] is merged  # made once
    later = dataclasses.replace(snap, generation=(0, 1, 0))  # brought up to date
    assert later.offered is snap.offered  # main's rows did not change
    assert snap.main.ids[_seek_rows(snap, seek, frozenset({1}))].tolist() == [1]  # 3 is full
    assert _seek_rows(snap, seek, frozenset({9})).size == 0  # a network with no places


def test_a_place_on_a_seeks_bound_is_read_and_one_beside_it_is_not():
    lons = [4.5, 4.7, 4.5 - 1e-6, 4.7 + 1e-6, 4.6]
    snap = _copy([(51.2, lon, True, {1}) for lon in lons])
    seek = [(math.floor(51.2 * BANDS_PER_DEGREE), 4.5, 4.7)]
    got = snap.main.ids[_seek_rows(snap, seek, frozenset({1}))].tolist()
    assert sorted(got) == [1, 2, 5]


fitting = st.lists(
    st.tuples(
        st.floats(51.8, 52.4),  # latitude
        st.floats(4.6, 5.6),  # longitude
        st.booleans(),  # a free slot
        st.sets(st.sampled_from(NETWORKS), min_size=1),  # offered in
        st.integers(0, 7),  # conflict bits (the first column)
        st.sampled_from([None, 8.0, 32.0]),  # minimum hours
        st.booleans(),  # may start lower
        st.sampled_from(["stage", "detachering"]),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    fitting,
    st.tuples(st.floats(51.9, 52.3), st.floats(4.8, 5.4)),
    st.floats(2.0, 40.0),
    st.sets(st.sampled_from(NETWORKS), min_size=1),
    st.integers(0, 7),
    st.sampled_from([None, 1, 3]),
)
def test_one_pass_near_rows_equal_the_selection_then_the_precheck(
    generated, home, max_km, network_ids, mask, hours_per_week
):
    """``Snapshot.near`` (one compiled pass over the seeks) keeps the same rows, with
    the same least conflicts, as ``select`` and then ``may_fit``."""
    rows = [
        _row(
            id=i + 1,
            lat=lat,
            lon=lon,
            slots=1,
            taken_slots=0 if free else 1,
            conflict_bits_1=bits,
            conflict_bits_2=0,
            min_hours_week=hours,
            lower_start_allowed=lower,
            kind=kind,
            employer_id=1 + i % 3,
        )
        for i, (lat, lon, free, _, bits, hours, lower, kind) in enumerate(generated)
    ]
    links = [(i + 1, n) for i, (_, _, _, nets, *_) in enumerate(generated) for n in sorted(nets)]
    sectors: dict[str | None, int] = {None: -1, "": -1}
    snap = indexed((0, 0, 0), Rows.of(rows, sectors), sectors, links)
    facts = SearchFacts(
        home,
        max_km,
        frozenset({"stage"}),
        CapacityFacts(hours_per_week=hours_per_week),
        home_employer_id=2,
    )
    key = (*codec.capacity_key(facts.capacity)[:-1], False)
    with (
        patch.object(codec, "conflict_masks", lambda _: (mask, 0)),
        patch.object(snapshot_select, "conflict_masks", lambda _: (mask, 0)),
    ):
        outer = max_km * 1.25
        got, got_least = snap.near(facts, None, frozenset(network_ids), key, outer)
        selected = snap.select(facts, None, frozenset(network_ids), outer)
        want, want_least = snapshot_select.may_fit(selected, facts, key, outer)
    assert sorted(zip(got.ids.tolist(), got_least.tolist(), strict=True)) == sorted(
        zip(want.ids.tolist(), want_least.tolist(), strict=True)
    )
