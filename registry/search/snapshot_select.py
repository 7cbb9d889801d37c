"""The search's in-memory copy of the places (:mod:`snapshot`): the SQL prefilter's
conditions on its arrays (row by row in compiled loops, :mod:`kernels`, or as masks).

:class:`Snapshot` holds the open places sorted by 0.05-degree latitude band and then
longitude, and per network the rows offered there, so a search reads only its disk's
index seeks (:func:`geometry.strip_rows`, as the SQL prefilter seeks its covering
index) in its networks, then checks them: :meth:`Snapshot.select` for the eligible
places (open, a free slot, an accepted kind, not the home employer, period not ended,
the sector), :func:`may_fit` for the capacity precheck and the planar disks of a
one-pass read (:meth:`Snapshot.near`: both in one pass), :func:`disk` for a read of the
expanding disks of :mod:`rings` (the same contract as ``sql.prefilter``). Every
condition is necessary, never sufficient: the rows kept are scored exactly
(:func:`scoring.score_arrays`), so the page equals the brute force's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from registry.domain import geo
from registry.domain.matching import MAX_NEAR_MISS_CONFLICTS, SearchFacts
from registry.domain.workload import capacity_week_hours
from registry.search import kernels
from registry.search.codec import conflict_masks
from registry.search.geometry import disk_params, inside_params, strip_rows
from registry.search.shown import PlaceSummary
from registry.search.snapshot_rows import KIND_INDEX, KINDS, AnyRows, Rows

__all__ = ["BANDS_PER_DEGREE", "FEW", "FREE", "ONE", "Snapshot", "disk", "may_fit"]

BANDS_PER_DEGREE = 20  # 0.05-degree latitude bands: a search reads its box's longitudes
OFFERED_SETS = 32  # sets of networks whose merged rows a copy keeps (16 bytes a row each)
_NOTHING_OFFERED = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
_NO_SPANS = np.zeros(0, dtype=np.int64)
_NO_DEAD = np.zeros(0, dtype=bool)


@dataclass
class Snapshot:
    """The open places of one database at one search generation: ``main`` sorted by
    latitude band (``BANDS_PER_DEGREE``) and then longitude, ``tail`` the places changed
    since it was sorted (unsorted, small); ``dead`` marks main rows superseded by the
    tail or no longer open. Never changed once made (a search in another thread keeps a
    consistent one)."""

    generation: tuple[Any, ...]
    main: Rows
    # network id -> the main rows offered there that have a free slot (ascending) and
    # their seek keys (:func:`seek_keys`)
    networks: dict[int, tuple[np.ndarray, np.ndarray]]
    bands: np.ndarray  # the latitude bands main holds, ascending
    band_start: np.ndarray  # main rows of bands[i]: band_start[i] to band_start[i + 1]
    tail: Rows = field(default_factory=Rows.empty)
    tail_networks: list[frozenset[int]] = field(default_factory=list)
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    id_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sorted_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sectors: dict[str | None, int] = field(default_factory=dict)
    # ``networks`` for the sets of networks searched so far (:meth:`_offered`): main's
    # rows never change, so a copy brought up to date keeps them
    offered: dict[frozenset[int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """The main row of each place id (-1: not in main)."""
        if not self.sorted_ids.size:
            return np.full(ids.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.sorted_ids, ids), self.sorted_ids.size - 1)
        return np.where(self.sorted_ids[at] == ids, self.id_order[at], -1)

    def shown(self, ids: list[int]) -> dict[int, PlaceSummary]:
        """The places ``ids`` (all in the copy) as the page shows them, by id
        (:meth:`Rows.shown`)."""
        rest = ids
        out: dict[int, PlaceSummary] = {}
        if len(self.tail):  # a place in the tail is newer than its (dead) main row
            at = {pid: i for i, pid in enumerate(self.tail.ids.tolist())}
            mine = [at[pid] for pid in ids if pid in at]
            out = {row.id: row for row in self.tail.shown(np.array(mine, dtype=np.int64))}
            rest = [pid for pid in ids if pid not in out]
        if rest:
            pos = self.positions(np.array(rest, dtype=np.int64))
            if (pos < 0).any():  # pragma: no cover - the page came from this copy
                raise LookupError("a shown place is not in the search's copy")
            out.update((row.id, row) for row in self.main.shown(pos))
        return out

    def _seek_spans(
        self, seeks: list[tuple[int, float, float]], network_ids
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The main rows with a free slot offered in one of ``network_ids`` that the
        ``seeks`` (rows ``(band, min_lon, max_lon)`` of :func:`geometry.strip_rows`)
        cover, as ``rows[starts[k]:stops[k]]`` per seek: one sorted search for every
        seek's start and another for every end in the networks' keys
        (:func:`seek_keys`)."""
        spans = [s for s in seeks if s[1] <= s[2]]
        if not spans or not self.bands.size:
            return _NOTHING_OFFERED[0], _NO_SPANS, _NO_SPANS
        band, lo, hi = (np.array(c) for c in zip(*spans, strict=True))
        i = np.minimum(np.searchsorted(self.bands, band), self.bands.size - 1)
        held = self.bands[i] == band
        lo_keys, hi_keys = seek_keys(i[held], lo[held]), seek_keys(i[held], hi[held])
        rows, keys = self._offered(network_ids)
        return rows, np.searchsorted(keys, lo_keys, "left"), np.searchsorted(keys, hi_keys, "right")

    def _offered(self, network_ids) -> tuple[np.ndarray, np.ndarray]:
        """``networks`` for a set of networks: a place offered in two of them once.
        Made on first use per set and copy (a coach's searches share their sets)."""
        if len(network_ids) == 1:
            return self.networks.get(next(iter(network_ids)), _NOTHING_OFFERED)
        key = frozenset(network_ids)
        offered = self.offered.get(key)
        if offered is None:
            held = np.zeros(len(self.main), dtype=bool)  # a union without sorting
            keys = np.zeros(len(self.main), dtype=np.float64)
            for n in key & self.networks.keys():
                rows, seek = self.networks[n]
                held[rows] = True
                keys[rows] = seek
            rows = np.flatnonzero(held)
            offered = (rows, keys[rows])
            if len(self.offered) >= OFFERED_SETS:
                self.offered.clear()
            self.offered[key] = offered
        return offered

    def select(
        self,
        facts: SearchFacts,
        sector: str | None,
        network_ids,
        radius_km: float,
        hole: tuple[dict[str, Any], tuple[geo.Box, str]] | None = None,
    ) -> AnyRows:
        """The eligible rows inside the box of ``radius_km`` around the home that its
        index seeks cover (``geometry.strip_rows``: the box's corners outside the disk's
        planar bound are skipped, and with ``hole``, its parameters and its box and
        prefix, so is the hole), as :class:`Rows`."""
        box = geo.bounding_box(facts.home, radius_km)
        params = disk_params(facts.home, radius_km, "")
        if hole is not None:
            params.update(hole[0])
        seeks = strip_rows(params, facts.home, box, hole[1] if hole else None)
        filters = self._filters(facts, sector, box)
        main = self.main
        rows, starts, stops = self._seek_spans(seeks, network_ids)
        found: AnyRows = main.take(
            kernels.eligible_rows(rows, starts, stops, self.dead, main.filtered_columns(), filters)
        )
        if len(self.tail):
            tail = self.tail
            inside = [bool(nets & network_ids) for nets in self.tail_networks]
            candidates = np.flatnonzero(inside & tail.free)
            ends = np.array([0, candidates.size], dtype=np.int64)
            idx = kernels.eligible_rows(
                candidates, ends[:1], ends[1:], _NO_DEAD, tail.filtered_columns(), filters
            )
            found = found + tail.take(idx)
        return found

    def near(
        self, facts: SearchFacts, sector: str | None, network_ids, key: tuple, outer_km: float
    ) -> tuple[AnyRows, np.ndarray]:
        """:meth:`select` of the disk of ``outer_km``, then :func:`may_fit`: on a copy
        without a tail in one compiled pass (:func:`kernels.near_rows`)."""
        if len(self.tail):
            return may_fit(self.select(facts, sector, network_ids, outer_km), facts, key, outer_km)
        fit = _fit(facts, key, outer_km)
        home, ky, (kx, r2) = fit[2], fit[3], fit[4]  # the seeks follow the outer disk
        rows, keys = self._offered(network_ids)
        main = self.main
        kept, least = kernels.near_rows(
            (*home, r2, kx, ky),
            (self.bands, rows, keys),
            self.dead,
            main.filtered_columns(),
            self._filters(facts, sector, geo.bounding_box(home, outer_km)),
            main.fit_columns(),
            fit,
        )
        return main.take(kept), least

    def _filters(self, facts: SearchFacts, sector, box: geo.Box) -> tuple[Any, ...]:
        """The arguments of :func:`kernels.eligible_rows` after the columns: which rows
        (each with a free slot) the search may show, in its box."""
        accepted = np.zeros(len(KINDS) + 1, dtype=bool)  # the last: a kind not known (-1)
        accepted[[KIND_INDEX[k] for k in facts.kinds if k in KIND_INDEX]] = True
        return (
            accepted,
            kernels.NO_DAY if facts.today is None else facts.today.toordinal(),
            kernels.NO_EMPLOYER if facts.home_employer_id is None else int(facts.home_employer_id),
            self.sectors.get(sector, -2) if sector else kernels.ANY_SECTOR,
            (float(box.min_lat), float(box.max_lat), float(box.min_lon), float(box.max_lon)),
        )


def seek_keys(band_index: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """A row's (or a seek bound's) place in its network's rows, as one sorted float:
    its latitude band's index in ``Snapshot.bands`` then its longitude. Rounding keeps
    the order (never reverses it), so a seek holds every row within its bounds, and at
    most a row just beside them (every later condition is exact)."""
    return band_index * 1000.0 + (lon + 180.0)


def may_fit(
    rows: AnyRows, facts: SearchFacts, key: tuple, outer_km: float
) -> tuple[AnyRows, np.ndarray]:
    """The rows that can be a match or a near miss, and the least number of conflicts
    each has: the SQL prefilter's capacity precheck and planar disks as masks
    (necessary conditions; every row kept is scored exactly). A row whose conflict bits
    share none of the capacity's and whose hours fit can be conflict-free: kept within
    the planar disk of ``outer_km``. Any other row has at least one conflict per shared
    bit (plus the hours), so it is kept only within the travel range's planar disk and
    with at most ``MAX_NEAR_MISS_CONFLICTS``."""
    source, idx = rows.source_index()
    kept, least = kernels.may_fit_rows(idx, source.fit_columns(), _fit(facts, key, outer_km))
    return source.take(kept), least


def _fit(facts: SearchFacts, key: tuple, outer_km: float) -> tuple[Any, ...]:
    """The ``fit`` argument of :func:`kernels.may_fit_rows`."""
    person = capacity_week_hours(facts.capacity)
    outer = disk_params(facts.home, outer_km, "")
    within = disk_params(facts.home, facts.max_km, "")
    return (
        conflict_masks(key),
        math.nan if person is None or not math.isfinite(person) else float(person),
        (float(facts.home[0]), float(facts.home[1])),
        geo.KM_PER_DEGREE_LAT,
        (float(outer["kx"]), float(outer["r2"])),
        (float(within["kx"]), float(within["r2"])),
        MAX_NEAR_MISS_CONFLICTS,
    )


# The capacity prechecks a ring read may ask for (``rings.read_rows`` passes them on as
# ``free`` and ``tiers``, joined as the SQL conditions are): no conflict possible; at
# most one shared conflict bit; at most MAX_NEAR_MISS_CONFLICTS per column.
FREE, ONE, FEW = "F", "T1", "T2"
EXTRAS = {"", FREE, f"NOT ({FREE})", f"NOT ({FREE}) AND {ONE}", f"NOT ({FREE}) AND {FEW}"}


def _planar(rows: AnyRows, home, params: dict[str, Any], ky: float, prefix: str) -> np.ndarray:
    dy = (rows.lat - home[0]) * ky
    dx = (rows.lon - home[1]) * params[prefix + "kx"]
    return dy * dy + dx * dx <= params[prefix + "r2"]


def _in_box(rows: AnyRows, box: geo.Box) -> np.ndarray:
    return (
        (rows.lat >= box.min_lat)
        & (rows.lat <= box.max_lat)
        & (rows.lon >= box.min_lon)
        & (rows.lon <= box.max_lon)
    )


def _shared_bits(rows: AnyRows, key: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Each row's conflict bits that the capacity's masks share (one per conflict)."""
    mask1, mask2 = conflict_masks(key)
    return rows.bits1 & mask1, rows.bits2 & mask2


def _hours_fit(rows: AnyRows, facts: SearchFacts) -> np.ndarray:
    """The hours part of ``sql.conflict_free_sql``: the hours the place needs at first
    (its minimum, else its usual hours) are within the person's, or it may start lower."""
    person = capacity_week_hours(facts.capacity)
    if person is None or not math.isfinite(person):
        return np.ones(len(rows), dtype=bool)
    required = np.where(np.isnan(rows.min_h), rows.usual_h, rows.min_h)
    required = np.where(np.isnan(required), 0.0, required)
    return (required <= person) | rows.lower


def _precheck(rows: AnyRows, facts: SearchFacts, key: tuple, extra: str) -> np.ndarray:
    """``extra`` (one of ``EXTRAS``) as a mask: ``sql.conflict_free_sql`` and
    ``sql.near_miss_tiers_sql`` on the arrays."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown precheck {extra!r}")
    if not extra:
        return np.ones(len(rows), dtype=bool)
    shared1, shared2 = _shared_bits(rows, key)
    free = (shared1 == 0) & (shared2 == 0) & _hours_fit(rows, facts)
    if extra == FREE:
        return free
    keep = ~free
    if extra.endswith(ONE) or extra.endswith(FEW):
        count1, count2 = np.bitwise_count(shared1), np.bitwise_count(shared2)
        one = (count1 <= 1) & (count2 <= 1) & ~((shared1 != 0) & (shared2 != 0))
        if extra.endswith(ONE):
            keep &= one
        else:
            limit = MAX_NEAR_MISS_CONFLICTS
            keep &= ~one & (count1 <= limit) & (count2 <= limit)
    return keep


def disk(
    snap: Snapshot,
    facts: SearchFacts,
    scope_sector: str | None,
    network_ids,
    key: tuple,
    radius_km: float,
    extra: str = "",
    inner_km: float | None = None,
    beyond_km: float | None = None,
) -> AnyRows:
    """``sql.prefilter`` on the copy, for ``rings.read_rows``: the eligible rows inside
    the box and planar bound of ``radius_km`` meeting ``extra``, less those inside the
    box and planar bound of ``inner_km`` (the same conditions on the same values, so
    two reads are disjoint and together hold the larger one) and those surely within
    ``beyond_km`` (``geometry.inside_params``)."""
    home = facts.home
    hole = None
    inner = disk_params(home, inner_km, "i_") if inner_km is not None else None
    if inner is not None:
        hole = (inner, (geo.bounding_box(home, inner_km), "i_"))
    inside = None
    if beyond_km is not None:
        inside, inside_box = inside_params(home, beyond_km, geo.bounding_box(home, radius_km), "h_")
        hole = (inside, (inside_box, "h_"))  # it holds the inner disk
    rows = snap.select(facts, scope_sector, network_ids, radius_km, hole)
    keep = _planar(rows, home, disk_params(home, radius_km, ""), geo.KM_PER_DEGREE_LAT, "")
    if inner is not None:
        in_hole = _in_box(rows, geo.bounding_box(home, inner_km))
        in_hole &= _planar(rows, home, inner, geo.KM_PER_DEGREE_LAT, "i_")
        keep &= ~in_hole
    if inside is not None:
        keep &= ~_planar(rows, home, inside, inside["h_ky"], "h_")
    keep &= _precheck(rows, facts, key, extra)
    return rows.take(np.flatnonzero(keep))
