"""The open places' search columns in memory, per process and database: the prefilter
as numpy masks instead of SQL.

A search reads few columns of many rows (position, kind, slot, period, employer,
sector, hours, match code, networks); through SQL each row read costs about a
microsecond and each statement a fixed overhead. Here they are arrays sorted by
latitude: a search takes the latitude slice of its box with two binary searches and
masks it, so at 100,000 places it reads no row through the database at all.

Freshness (:mod:`registry.search.generation`): every write to a place's search columns
or networks raises the database's search generation and stamps the place with it
(triggers, on both databases). A search first reads the generation; when it moved, it
loads only the places stamped since, into a small unsorted tail (and marks their old
rows dead), and folds the tail into the sorted arrays once it grows. A search inside
a transaction that has written anything reads through SQL instead (its own
uncommitted writes must not enter a copy other requests share).

The rows selected are every eligible place (open, a free slot, an accepted kind, in
the networks, not the home employer, period not ended, the sector filter) inside the
box of the outer radius: a superset of what the SQL prefilter reads, scored exactly
the same way (:func:`scoring.score_arrays`), so the page is the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection

from registry.domain import geo
from registry.domain.matching import MAX_NEAR_MISS_CONFLICTS, SearchFacts
from registry.domain.workload import capacity_week_hours, catalogue_version
from registry.models import PlaceKind, PlaceStatus
from registry.models.write_tracking import wrote
from registry.search.codec import conflict_masks, match_code_length
from registry.search.dialect import fetch_rows, member_sql
from registry.search.geometry import disk_params, inside_params, strip_rows
from registry.search.scoring import code_matrix

__all__ = ["Rows", "Snapshot", "disk", "for_search", "forget", "may_fit"]

KINDS = tuple(k.value for k in PlaceKind)
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
NO_END = np.iinfo(np.int32).max  # an ongoing place's end date, as a day number
TAIL_MAX = 2000  # tail rows before the tail is folded into the sorted arrays
BANDS_PER_DEGREE = 20  # 0.05-degree latitude bands: a search reads its box's longitudes

COLUMNS = (
    "id",
    "lat",
    "lon",
    "kind",
    "employer_id",
    "available_until",
    "slots",
    "taken_slots",
    "sector",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "match_code",
    "status",
    "conflict_bits_1",
    "conflict_bits_2",
)


def _day(value: Any) -> int:
    if value is None:
        return NO_END
    if type(value) is str:  # SQLite: ISO text
        value = dt.date.fromisoformat(value)
    return value.toordinal()


def _float(value: Any) -> float:
    return np.nan if value is None else float(value)


@dataclass
class Rows:
    """Rows of places as parallel arrays (one entry per place)."""

    ids: np.ndarray  # int64
    lat: np.ndarray  # float64
    lon: np.ndarray
    kind: np.ndarray  # int8: index in KINDS
    employer: np.ndarray  # int64 (-1: none)
    until: np.ndarray  # int32 day number (NO_END: ongoing or no end date)
    free: np.ndarray  # bool: a free slot
    sector: np.ndarray  # int32: index in the snapshot's sector list (-1: none)
    min_h: np.ndarray  # float64, NaN: not stated
    usual_h: np.ndarray
    lower: np.ndarray  # bool
    codes: np.ndarray  # (n, code length) uint8
    bits1: np.ndarray  # int64: the conflict bits (codec.conflict_bits)
    bits2: np.ndarray

    @classmethod
    def empty(cls) -> Rows:
        return cls.of([], {})

    @classmethod
    def of(cls, rows: Sequence[tuple[Any, ...]], sectors: dict[str | None, int]) -> Rows:
        """``COLUMNS`` rows (open places with a position only) as arrays; ``sectors`` is
        extended with sectors not seen before."""
        n = len(rows)
        if not n:
            z = np.zeros(0)
            return cls(
                z.astype(np.int64),
                z,
                z,
                z.astype(np.int8),
                z.astype(np.int64),
                z.astype(np.int32),
                z.astype(bool),
                z.astype(np.int32),
                z,
                z,
                z.astype(bool),
                np.zeros((0, match_code_length()), dtype=np.uint8),
                z.astype(np.int64),
                z.astype(np.int64),
            )
        cols = list(zip(*rows, strict=True))
        for s in cols[8]:
            if s not in sectors:
                sectors[s] = -1 if not s else len(sectors)
        return cls(
            np.array(cols[0], dtype=np.int64),
            np.array(cols[1], dtype=np.float64),
            np.array(cols[2], dtype=np.float64),
            np.array([KIND_INDEX.get(k, -1) for k in cols[3]], dtype=np.int8),
            np.array([-1 if e is None else e for e in cols[4]], dtype=np.int64),
            np.array([_day(u) for u in cols[5]], dtype=np.int32),
            np.array([(s or 0) > (t or 0) for s, t in zip(cols[6], cols[7], strict=True)]),
            np.array([sectors[s] for s in cols[8]], dtype=np.int32),
            np.array([_float(h) for h in cols[9]], dtype=np.float64),
            np.array([_float(h) for h in cols[10]], dtype=np.float64),
            np.array([bool(x) for x in cols[11]], dtype=bool),
            code_matrix(cols[12]),
            np.array([b or 0 for b in cols[14]], dtype=np.int64),
            np.array([b or 0 for b in cols[15]], dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.ids.size)

    def take(self, idx: np.ndarray) -> Rows:
        return Rows(*(getattr(self, f)[idx] for f in _FIELDS))

    def __add__(self, other: Rows) -> Rows:
        return Rows(*(np.concatenate((getattr(self, f), getattr(other, f))) for f in _FIELDS))

    def row(self, i: int) -> tuple[Any, ...]:
        """Row ``i`` as the SQL prefilter returns it (``sql.SCAN_COLUMNS`` up to the
        hours): id, lat, lon, minimum and usual hours (None: not stated), lower start."""
        min_h, usual_h = float(self.min_h[i]), float(self.usual_h[i])
        return (
            int(self.ids[i]),
            float(self.lat[i]),
            float(self.lon[i]),
            None if min_h != min_h else min_h,
            None if usual_h != usual_h else usual_h,
            bool(self.lower[i]),
        )


_FIELDS = tuple(Rows.__dataclass_fields__)


@dataclass
class Snapshot:
    """The open places of one database at one search generation: ``main`` sorted by
    latitude band (``BANDS_PER_DEGREE``) and then longitude, ``tail`` the places changed
    since it was sorted (unsorted, small); ``dead`` marks main rows superseded by the
    tail or no longer open. Never changed once made (a search in another thread keeps a
    consistent one)."""

    generation: tuple[Any, ...]
    main: Rows
    # network id -> the main rows offered there (ascending), their longitudes, and where
    # each band's run starts among them (as ``band_start`` for main)
    networks: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]
    bands: np.ndarray  # the latitude bands main holds, ascending
    band_start: np.ndarray  # main rows of bands[i]: band_start[i] to band_start[i + 1]
    tail: Rows = field(default_factory=Rows.empty)
    tail_networks: list[frozenset[int]] = field(default_factory=list)
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    id_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sorted_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sectors: dict[str | None, int] = field(default_factory=dict)

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """The main row of each place id (-1: not in main)."""
        if not self.sorted_ids.size:
            return np.full(ids.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.sorted_ids, ids), self.sorted_ids.size - 1)
        return np.where(self.sorted_ids[at] == ids, self.id_order[at], -1)

    def _seek_rows(self, seeks: list[tuple[int, float, float]], network_ids) -> np.ndarray:
        """The main rows offered in one of ``network_ids`` that the ``seeks`` (rows
        ``(band, min_lon, max_lon)`` of :func:`geometry.strip_rows`) cover: per network
        its rows are in main's order, so each band is a run sorted by longitude."""
        spans = []
        for band, lo, hi in seeks:
            i = int(np.searchsorted(self.bands, band))
            if lo <= hi and i < self.bands.size and self.bands[i] == band:
                spans.append((i, lo, hi))
        parts = []
        for nid in network_ids:
            offered = self.networks.get(nid)
            if offered is None:
                continue
            rows, lons, edges = offered
            for i, lo, hi in spans:
                a, b = int(edges[i]), int(edges[i + 1])
                if b > a:
                    band = lons[a:b]
                    start = a + int(np.searchsorted(band, lo, "left"))
                    stop = a + int(np.searchsorted(band, hi, "right"))
                    if stop > start:
                        parts.append(rows[start:stop])
        if len(parts) <= 1 or len(network_ids) == 1:  # each part sorted, none shared
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        # a place in two of the networks is in two parts: mark the rows they span
        start = int(min(p[0] for p in parts))
        seen = np.zeros(int(max(p[-1] for p in parts)) + 1 - start, dtype=bool)
        for part in parts:
            seen[part - start] = True
        return np.flatnonzero(seen) + start

    def select(
        self,
        facts: SearchFacts,
        sector: str | None,
        network_ids,
        radius_km: float,
        hole: tuple[dict[str, Any], tuple[geo.Box, str]] | None = None,
    ) -> Rows:
        """The eligible rows inside the box of ``radius_km`` around the home that its
        index seeks cover (``geometry.strip_rows``: the box's corners outside the disk's
        planar bound are skipped, and with ``hole``, its parameters and its box and
        prefix, so is the hole), as :class:`Rows`."""
        box = geo.bounding_box(facts.home, radius_km)
        params = disk_params(facts.home, radius_km, "")
        if hole is not None:
            params.update(hole[0])
        seeks = strip_rows(params, facts.home, box, hole[1] if hole else None)
        idx = self._seek_rows(seeks, network_ids)
        rows = self._eligible(self.main.take(idx[~self.dead[idx]]), facts, sector, box)
        if len(self.tail):
            inside = [bool(nets & network_ids) for nets in self.tail_networks]
            tail = self.tail.take(np.flatnonzero(inside))
            rows = rows + self._eligible(tail, facts, sector, box)
        return rows

    def _eligible(self, rows: Rows, facts: SearchFacts, sector, box: geo.Box) -> Rows:
        mask = (rows.lat >= box.min_lat) & (rows.lat <= box.max_lat)
        mask &= (rows.lon >= box.min_lon) & (rows.lon <= box.max_lon)
        mask &= rows.free
        kinds = [KIND_INDEX[k] for k in facts.kinds if k in KIND_INDEX]
        if len(kinds) < len(KINDS):
            mask &= np.isin(rows.kind, kinds)
        if facts.today is not None:
            mask &= rows.until >= facts.today.toordinal()
        if facts.home_employer_id is not None:
            mask &= rows.employer != facts.home_employer_id
        if sector:
            mask &= rows.sector == self.sectors.get(sector, -2)
        return rows.take(np.flatnonzero(mask))


def may_fit(rows: Rows, facts: SearchFacts, key: tuple, outer_km: float) -> Rows:
    """The rows that can be a match or a near miss: the SQL prefilter's capacity
    precheck and planar disks as masks (necessary conditions; every row kept is scored
    exactly). A row whose conflict bits share none of the capacity's and whose hours
    fit can be conflict-free: kept within the planar disk of ``outer_km``. Any other row
    has at least one conflict per shared bit (plus the hours), so it is kept only within
    the travel range's planar disk and with at most ``MAX_NEAR_MISS_CONFLICTS``."""
    mask1, mask2 = conflict_masks(key)
    shared = np.bitwise_count(rows.bits1 & mask1) + np.bitwise_count(rows.bits2 & mask2)
    person = capacity_week_hours(facts.capacity)
    hours_ok = np.ones(len(rows), dtype=bool)
    if person is not None and math.isfinite(person):
        required = np.where(np.isnan(rows.min_h), rows.usual_h, rows.min_h)
        required = np.where(np.isnan(required), 0.0, required)
        hours_ok = (required <= person) | rows.lower
    conflicts = shared.astype(np.int64) + ~hours_ok
    lat0, lon0 = facts.home
    near = disk_params(facts.home, outer_km, "")
    within = disk_params(facts.home, facts.max_km, "")
    dy = (rows.lat - lat0) * geo.KM_PER_DEGREE_LAT
    dx_near = (rows.lon - lon0) * near["kx"]
    dx_within = (rows.lon - lon0) * within["kx"]
    keep = (conflicts == 0) & (dy * dy + dx_near * dx_near <= near["r2"])
    keep |= (conflicts <= MAX_NEAR_MISS_CONFLICTS) & (
        dy * dy + dx_within * dx_within <= within["r2"]
    )
    return rows.take(np.flatnonzero(keep))


# The capacity prechecks a ring read may ask for (``rings.read_rows`` passes them on as
# ``free`` and ``tiers``, joined as the SQL conditions are): no conflict possible; at
# most one shared conflict bit; at most MAX_NEAR_MISS_CONFLICTS per column.
FREE, ONE, FEW = "F", "T1", "T2"
EXTRAS = {"", FREE, f"NOT ({FREE})", f"NOT ({FREE}) AND {ONE}", f"NOT ({FREE}) AND {FEW}"}


def _planar(rows: Rows, home, params: dict[str, Any], ky: float, prefix: str) -> np.ndarray:
    dy = (rows.lat - home[0]) * ky
    dx = (rows.lon - home[1]) * params[prefix + "kx"]
    return dy * dy + dx * dx <= params[prefix + "r2"]


def _in_box(rows: Rows, box: geo.Box) -> np.ndarray:
    return (
        (rows.lat >= box.min_lat)
        & (rows.lat <= box.max_lat)
        & (rows.lon >= box.min_lon)
        & (rows.lon <= box.max_lon)
    )


def _precheck(rows: Rows, facts: SearchFacts, key: tuple, extra: str) -> np.ndarray:
    """``extra`` (one of ``EXTRAS``) as a mask: ``sql.conflict_free_sql`` and
    ``sql.near_miss_tiers_sql`` on the arrays."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown precheck {extra!r}")
    if not extra:
        return np.ones(len(rows), dtype=bool)
    mask1, mask2 = conflict_masks(key)
    shared1, shared2 = rows.bits1 & mask1, rows.bits2 & mask2
    free = (shared1 == 0) & (shared2 == 0)
    person = capacity_week_hours(facts.capacity)
    if person is not None and math.isfinite(person):
        required = np.where(np.isnan(rows.min_h), rows.usual_h, rows.min_h)
        required = np.where(np.isnan(required), 0.0, required)
        free &= (required <= person) | rows.lower
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
) -> Rows:
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


_LOCK = threading.Lock()
_SNAPSHOTS: dict[str, Snapshot] = {}
ENABLED = True  # tests turn it off to compare with the SQL prefilter
DELTA_MAX = 5000  # more changed places than this: load everything anew


def _key(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def read_generation(conn: Connection) -> tuple[Any, ...] | None:
    """The database's search generation (epoch, value) with the catalogue version, or
    None when it has none (a database without the triggers' row)."""
    rows = fetch_rows(conn, "SELECT epoch, value FROM search_generation WHERE id = 1", {})
    if not rows:
        return None
    epoch, value = rows[0]
    return (epoch, int(value), catalogue_version())


def _read_places(conn: Connection, where: str, params: dict[str, Any]) -> list[tuple]:
    return fetch_rows(
        conn,
        f"SELECT {', '.join(COLUMNS)} FROM places WHERE {where}",  # noqa: S608 - constant
        params,
    )


def load(conn: Connection, generation: tuple[Any, ...]) -> Snapshot:
    """Every open place, sorted by latitude band and longitude, with its networks."""
    rows = _read_places(
        conn,
        "status = {open} AND lat IS NOT NULL AND lon IS NOT NULL",
        {"open": PlaceStatus.OPEN.value},
    )
    sectors: dict[str | None, int] = {None: -1, "": -1}
    main = Rows.of(rows, sectors)
    band = np.floor(main.lat * BANDS_PER_DEGREE).astype(np.int64)
    order = np.lexsort((main.lon, band))
    main, band = main.take(order), band[order]
    bands, band_start = np.unique(band, return_index=True)
    id_order = np.argsort(main.ids, kind="stable")
    snap = Snapshot(
        generation,
        main,
        {},
        bands,
        np.append(band_start, len(main)),
        dead=np.zeros(len(main), dtype=bool),
        id_order=id_order,
        sorted_ids=main.ids[id_order],
        sectors=sectors,
    )
    links = fetch_rows(conn, "SELECT place_id, network_id FROM place_networks", {})
    if links:
        place_ids, network_ids = (np.array(c, dtype=np.int64) for c in zip(*links, strict=True))
        pos = snap.positions(place_ids)
        found = pos >= 0
        pos, network_ids = pos[found], network_ids[found]
        for nid in np.unique(network_ids).tolist():
            rows = np.sort(pos[network_ids == nid])
            snap.networks[nid] = (rows, main.lon[rows], np.searchsorted(rows, snap.band_start))
    return snap


def _changed(conn: Connection, snap: Snapshot, generation: tuple[Any, ...]) -> Snapshot | None:
    """``snap`` brought to ``generation`` from the places stamped since, or None when a
    full load is due (another epoch or catalogue, too many changes, a full tail)."""
    if snap.generation[0] != generation[0] or snap.generation[2] != generation[2]:
        return None
    rows = _read_places(conn, "search_gen > {since}", {"since": snap.generation[1]})
    if not rows:
        return dataclasses.replace(snap, generation=generation)
    if len(rows) > DELTA_MAX or len(snap.tail) + len(rows) > TAIL_MAX:
        return None
    ids = [r[0] for r in rows]
    params: dict[str, Any] = {}
    links = fetch_rows(
        conn,
        "SELECT place_id, network_id FROM place_networks WHERE "  # noqa: S608
        + member_sql(conn, params, "place_id", "pid", ids),
        params,
    )
    nets: dict[int, set[int]] = {}
    for place_id, network_id in links:
        nets.setdefault(place_id, set()).add(network_id)
    changed = set(ids)
    dead = snap.dead.copy()
    pos = snap.positions(np.array(ids, dtype=np.int64))
    dead[pos[pos >= 0]] = True
    keep = [i for i, pid in enumerate(snap.tail.ids.tolist()) if pid not in changed]
    live = [
        r for r in rows if r[13] == PlaceStatus.OPEN.value and r[1] is not None and r[2] is not None
    ]
    sectors = dict(snap.sectors)
    added = Rows.of(live, sectors)
    tail = snap.tail.take(np.array(keep, dtype=np.int64)) + added
    tail_networks = [snap.tail_networks[i] for i in keep] + [
        frozenset(nets.get(r[0], ())) for r in live
    ]
    return dataclasses.replace(
        snap,
        generation=generation,
        tail=tail,
        tail_networks=tail_networks,
        dead=dead,
        sectors=sectors,
    )


def current(conn: Connection, generation: tuple[Any, ...]) -> Snapshot:
    """The snapshot of ``conn``'s database at ``generation`` (or later): the one held,
    brought up to date, or loaded. Snapshots are never changed once made, so a search
    in another thread keeps a consistent one."""
    key = _key(conn)
    snap = _SNAPSHOTS.get(key)
    if snap is not None and snap.generation == generation:
        return snap
    with _LOCK:
        snap = _SNAPSHOTS.get(key)
        if snap is not None and snap.generation == generation:
            return snap
        fresh = _changed(conn, snap, generation) if snap is not None else None
        if fresh is None:
            fresh = load(conn, generation)
        _SNAPSHOTS[key] = fresh
    return fresh


def for_search(conn: Connection) -> Snapshot | None:
    """The snapshot a search on ``conn`` may use, or None: then it reads through SQL
    (the copy is off, the database has no search generation, or this transaction has
    written: its own uncommitted changes must not enter a copy shared by others)."""
    if not ENABLED or wrote(conn):
        return None
    generation = read_generation(conn)
    if generation is None:
        return None
    return current(conn, generation)


def forget() -> None:
    """Drop every snapshot (tests)."""
    _SNAPSHOTS.clear()
