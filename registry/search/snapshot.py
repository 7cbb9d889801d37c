"""The open places' search columns in memory, per process and database: the match
search's prefilter as numpy masks instead of SQL.

A search reads few columns of many rows (position, kind, slot, period, employer,
sector, hours, match code, conflict bits, networks); through SQL each row read costs
about a microsecond and each statement a fixed overhead. The copy holds them as arrays
(:mod:`snapshot_rows`) sorted for the search's disks (:mod:`snapshot_select`), with what
the page shows of a place (title, town, employer's name, ...), so a search reads no
place through the database: only the generation, and this month's proposals of the
shown places that have an intake cap.

This module keeps the copy current. Every write to a place's search columns or networks
raises the database's search generation and stamps the place with it (database
triggers, :mod:`registry.models.search_generation`). :func:`for_search` reads the
generation first; when it moved, :func:`current` loads only the places stamped since
into a small unsorted tail (marking their old rows dead) and loads everything anew
once the tail is full, a place was deleted (a new epoch) or the catalogue changed. A
search in a transaction that has written anything reads through SQL instead: its own
uncommitted writes must not enter a copy other requests share.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import numpy as np
from sqlalchemy import Connection

from registry.domain.workload import catalogue_version
from registry.models import PlaceStatus
from registry.models.write_tracking import wrote
from registry.search import kernels
from registry.search.dialect import fetch_rows, member_sql
from registry.search.snapshot_rows import AT_STATUS, COLUMNS, Rows
from registry.search.snapshot_select import BANDS_PER_DEGREE, Snapshot, seek_keys

__all__ = ["ENABLED", "for_search", "forget", "load"]

TAIL_MAX = 2000  # tail rows before the tail is folded into the sorted arrays


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
    """Every open place, sorted by latitude band and longitude, with its networks. (A
    process's first copy also compiles the loops that select from it.)"""
    kernels.warm_up()
    rows = _read_places(
        conn,
        "status = {open} AND lat IS NOT NULL AND lon IS NOT NULL",
        {"open": PlaceStatus.OPEN.value},
    )
    sectors: dict[str | None, int] = {None: -1, "": -1}
    links = fetch_rows(conn, "SELECT place_id, network_id FROM place_networks", {})
    return indexed(generation, Rows.of(rows, sectors), sectors, links)


def indexed(
    generation: tuple[Any, ...],
    main: Rows,
    sectors: dict[str | None, int],
    links: list[tuple[int, int]],
) -> Snapshot:
    """A copy of the places ``main`` (in any order), offered in networks as ``links``
    (place id, network id) say: sorted by latitude band and longitude, and per network
    its rows with a free slot with their seek keys (``snapshot_select.seek_keys``)."""
    band = np.floor(main.lat * BANDS_PER_DEGREE).astype(np.int64)
    order = np.lexsort((main.lon, band))
    main, band = main.take(order).rows(), band[order]
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
    if links:
        place_ids, network_ids = (np.array(c, dtype=np.int64) for c in zip(*links, strict=True))
        pos = snap.positions(place_ids)
        found = pos >= 0
        pos, network_ids = pos[found], network_ids[found]
        pos, network_ids = pos[main.free[pos]], network_ids[main.free[pos]]
        band_index = np.repeat(np.arange(bands.size), np.diff(snap.band_start))
        for nid in np.unique(network_ids).tolist():
            rows = np.sort(pos[network_ids == nid])
            snap.networks[nid] = (rows, seek_keys(band_index[rows], main.lon[rows]))
    return snap


def _changed(conn: Connection, snap: Snapshot, generation: tuple[Any, ...]) -> Snapshot | None:
    """``snap`` brought to ``generation`` from the places stamped since, or None when a
    full load is due (another epoch or catalogue, too many changes, a full tail)."""
    if snap.generation[0] != generation[0] or snap.generation[2] != generation[2]:
        return None
    if generation[1] < snap.generation[1]:  # the database went back (a restore)
        return None
    # in stamp order with a limit: PostgreSQL then walks the index on search_gen even
    # before its statistics say how few rows qualify (otherwise: a full scan, 65 ms)
    rows = _read_places(
        conn,
        "search_gen > {since} ORDER BY search_gen LIMIT {most}",
        {"since": snap.generation[1], "most": DELTA_MAX + 1},
    )
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
        r
        for r in rows
        if r[AT_STATUS] == PlaceStatus.OPEN.value and r[1] is not None and r[2] is not None
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
