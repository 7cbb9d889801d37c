"""The engine: read, score, rank, and let the domain explain what the page shows.

A search never reads every place: it selects the rows it needs from the in-memory copy
of the open places (:mod:`snapshot`), or, where that copy cannot be used (a transaction
that has written, a database without the search generation), through the SQL prefilter
(:mod:`rings` for which rows, :mod:`sql` for how); :mod:`scoring` scores them on
arrays. The rows read are ranked on the rank key without the preferences
(``np.lexsort``); the shortlist is the top ``limit`` plus the rows tied with the last of
them, whose preferred sector and function (read for the
shortlist only) break the ties. Only the places that end up on the page are evaluated,
and so explained, by :func:`matching.evaluate`, each with the comparison made from its
match code; its rank key is checked against the vectorised one.

The result is identical (same places, same order) to the brute force in
``bench/reference.py``; tests check this on random data on SQLite and PostgreSQL, and
``python -m bench.match_search`` measures both.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy.orm import Session

from registry.domain.matching import (
    MAX_NEAR_MISS_CONFLICTS,
    NEAR_MISS_RANGE_FACTOR,
    MatchResult,
    Outcome,
    PlaceFacts,
    SearchFacts,
    evaluate,
)
from registry.domain.matching import rank_key as domain_rank_key
from registry.domain.workload import capacity_week_hours
from registry.search import score_kernels, snapshot_select, sql
from registry.search import snapshot as snapshots
from registry.search.codec import capacity_key, conflict_masks
from registry.search.comparer import Comparer
from registry.search.rings import read_rows
from registry.search.scoring import (
    Columns,
    Scored,
    SearchStats,
    fresh_codes,
    score,
    score_arrays,
)
from registry.search.shown import PlaceSummary, summary_of_row
from registry.search.snapshot_rows import AnyRows
from registry.search.snapshot_select import Snapshot
from registry.search.sql import Scope

__all__ = [
    "DEFAULT_LIMIT",
    "NEAR_MISS_LIMIT",
    "Page",
    "Scope",
    "SearchStats",
    "norm_function",
    "search_page",
    "search_places",
]

DEFAULT_LIMIT = 50
NEAR_MISS_LIMIT = 20
_NO_DEMAND = PlaceFacts._field_defaults["demand"]  # not read: the comparison is given


@functools.lru_cache(maxsize=8192)
def norm_function(text: str | None) -> str | None:
    """Functions compare case- and space-insensitively; empty means not stated."""
    text = (text or "").strip().lower()
    return text or None


def _read(
    session: Session,
    facts: SearchFacts,
    scope: Scope,
    limits: tuple[int, int, bool],
    stats: SearchStats,
    key: tuple,
) -> Scored:
    """Every row the page needs, scored (``limits``: the arguments ``limit``,
    ``near_limit`` and ``combined`` of :func:`rings.read_rows`; ``key``: the
    capacity's :func:`codec.capacity_key`)."""
    conn = session.connection()

    def recode(ids: Sequence[int]) -> dict[int, str]:
        return fresh_codes(sql.read_for_recode(conn, ids))

    def read(
        radius: float,
        extra: str = "",
        bound=(),
        inner: float | None = None,
        beyond: float | None = None,
    ) -> Scored:
        rows = sql.prefilter(conn, facts, scope, radius, extra, bound, inner, beyond)
        stats.rows_read += len(rows)
        return score(rows, facts, stats, key, recode)

    table = sql.table_facts(conn)
    free, bound = "", ()
    if not table.stale_codes:
        free, bound = sql.conflict_free_sql(key, capacity_week_hours(facts.capacity))
    tiers = sql.near_miss_tiers_sql(key)
    limit, near_limit, combined = limits
    return read_rows(read, facts, limit, near_limit, free, tiers, bound, table.large, combined)


def _read_snapshot(
    session: Session,
    snap: Snapshot,
    facts: SearchFacts,
    scope: Scope,
    limits: tuple[int, int, bool],
    stats: SearchStats,
    key: tuple,
) -> Scored:
    """Every row the page needs, from the in-memory copy, scored: on a small copy every
    eligible place that can be a match or a near miss, in one pass
    (:meth:`Snapshot.near`); on a large one the expanding disks of :mod:`rings`, each
    disk read from the copy (:func:`snapshot_select.disk`)."""
    conn = session.connection()
    limit, near_limit, combined = limits
    trusted = not sql.table_facts(conn).stale_codes  # else the bits cannot be trusted

    def recode(ids: Sequence[int]) -> dict[int, str]:
        return fresh_codes(sql.read_for_recode(conn, ids))

    def scored(rows: AnyRows) -> Scored:
        stats.rows_read += len(rows)
        src, idx = rows.source_index()  # scored where the columns are
        cols = Columns(src.ids, src.lat, src.lon, src.min_h, src.usual_h, src.lower, src.codes)
        return score_arrays(cols, facts, stats, key, recode, idx)

    if len(snap.main) < sql.RING_MIN_PLACES:
        outer = facts.max_km * NEAR_MISS_RANGE_FACTOR if near_limit else facts.max_km
        if not trusted:
            return scored(snap.select(facts, scope.sector, scope.network_ids, outer))
        near = snap.near(facts, scope.sector, scope.network_ids, key, outer)
        return _by_conflicts(*near, near_limit, scored)

    def read(radius, extra="", bound=(), inner=None, beyond=None) -> Scored:
        rows = snapshot_select.disk(
            snap, facts, scope.sector, scope.network_ids, key, radius, extra, inner, beyond
        )
        return scored(rows)

    free, tiers = "", ("",)
    if trusted:
        masks = any(conflict_masks(key))
        person = capacity_week_hours(facts.capacity)
        if masks or (person is not None and math.isfinite(person)):
            free = snapshot_select.FREE
        tiers = (snapshot_select.ONE, snapshot_select.FEW) if masks else ("",)
    return read_rows(read, facts, limit, near_limit, free, tiers, (), True, combined)


def _by_conflicts(
    rows: AnyRows, least: np.ndarray, near_limit: int, scored: Callable[[AnyRows], Scored]
) -> Scored:
    """The rows scored by the least number of conflicts their bits and hours show
    (``least``: a row has at least that many), fewest first, stopping once the near
    misses cannot come from the rest. A row with ``t`` or more conflicts is no match,
    and as a near miss it ranks after every near miss with fewer (the rank key's second
    part): once ``near_limit`` rows scored are near misses with fewer than ``t``
    conflicts, no row of ``t`` or more can be on the page. Most wide searches need only
    their conflict-free rows (matches, and near misses just beyond the range)."""
    # the first tier that can be left out: fewer rows before it than near misses wanted
    # cannot fill them (then the tiers are scored together: one call costs less)
    before = np.cumsum(np.bincount(least, minlength=MAX_NEAR_MISS_CONFLICTS + 1))
    first = next(
        (t for t in range(1, MAX_NEAR_MISS_CONFLICTS + 1) if before[t - 1] >= near_limit),
        MAX_NEAR_MISS_CONFLICTS + 1,
    )
    out = scored(rows.take(np.flatnonzero(least < first)))
    for tier in range(first, MAX_NEAR_MISS_CONFLICTS + 1):
        certain = np.count_nonzero((out.order == 1) & (out.conflicts < tier))
        if certain >= near_limit:
            break
        out = out + scored(rows.take(np.flatnonzero(least == tier)))
    return out


def _shortlist(scored: Scored, keep: np.ndarray, limit: int) -> list[int]:
    """The rows of ``keep`` ranked on the key before the preferences: the top ``limit``
    plus every row tied with the last of them (:func:`score_kernels.shortlist`)."""
    return score_kernels.shortlist(
        keep,
        scored.order,
        scored.conflicts,
        scored.signals,
        scored.unknowns,
        scored.distance,
        scored.neg_slack,
        scored.ids,
        limit,
    ).tolist()


def _place(pid: int, coordinate: tuple[float, float], shown: PlaceSummary) -> PlaceFacts:
    """A shortlisted place as the matcher sees it; the prefilter reads open places only.
    Without its demands: ``evaluate`` is handed the comparison made from the place's
    match code."""
    return PlaceFacts(
        pid,
        coordinate,
        shown.kind,
        _NO_DEMAND,  # positional: a place is made for every row the page shows
        shown.sector or None,
        norm_function(shown.function),
        shown.available_until,
        shown.ongoing,
        True,
        shown.free_slots,
        False,
        shown.employer_id,
    )


def _ranked(
    scored: Scored,
    rows: list[int],
    limit: int,
    facts: SearchFacts,
    short: dict[int, PlaceSummary],
) -> list[tuple[tuple[Any, ...], int]]:
    """The ``limit`` best of the shortlisted ``rows``, ranked with the preferences: their
    full rank keys and rows."""
    if not rows:
        return []
    at = np.array(rows)
    prefixes = zip(*(a[at].tolist() for a in scored.prefix()), strict=True)
    sectors, functions = facts.preferred_sectors, facts.preferred_functions
    keyed = []
    for i, pid, prefix in zip(rows, scored.ids[at].tolist(), prefixes, strict=True):
        shown = short[pid]
        prefs = (
            (shown.sector or None) not in sectors,
            norm_function(shown.function) not in functions,
        )
        keyed.append(((*prefix, *prefs, pid), i))
    keyed.sort()
    del keyed[limit:]
    return keyed


def _explain(
    scored: Scored,
    sections: list[tuple[list[int], int]],
    facts: SearchFacts,
    short: dict[int, PlaceSummary],
    key: tuple,
) -> list[list[MatchResult]]:
    """Per section (shortlisted rows, limit) its ``limit`` best, ranked with the
    preferences and evaluated (explained) by the domain, all compared at once; the
    fast path must agree with the domain."""
    ranked = [_ranked(scored, rows, limit, facts, short) for rows, limit in sections]
    keyed = [k for section in ranked for k in section]
    if not keyed:
        return [[] for _ in sections]
    at = np.array([i for _, i in keyed])
    comparer = Comparer(facts.capacity, key)
    comparisons = comparer.compare_many(scored.codes[at], scored.hours(at))
    coordinates = zip(scored.lat[at].tolist(), scored.lon[at].tolist(), strict=True)
    results = []
    for (want, _), coordinate, comparison in zip(keyed, coordinates, comparisons, strict=True):
        res = evaluate(facts, _place(want[-1], coordinate, short[want[-1]]), want[4], comparison)
        if domain_rank_key(res) != want:  # pragma: no cover - a fast-path bug
            raise RuntimeError(f"search fast path disagrees with the domain on {res.place_id}")
        results.append(res)
    out, start = [], 0
    for section in ranked:
        out.append(results[start : start + len(section)])
        start += len(section)
    return out


def _shown(
    session: Session, snap: Snapshot | None, ids: list[int], since: dt.datetime | None
) -> tuple[dict[int, PlaceSummary], dict[int, int]]:
    """The shortlisted places as the page shows them, and their proposals since
    ``since`` (0 for a place without an intake cap): from the copy the page was read
    from (and through SQL only this month's proposals of the places with an intake
    cap), else in one SQL read."""
    if snap is None:
        rows = sql.read_shortlist(session.connection(), ids, since)
        return {pid: summary_of_row(r) for pid, r in rows.items()}, {
            pid: r[-1] for pid, r in rows.items()
        }
    shown = snap.shown(ids)
    capped = [pid for pid, s in shown.items() if s.intake_cap_per_month is not None]
    counts = sql.read_intake(session.connection(), capped, since) if capped and since else {}
    return shown, {pid: counts.get(pid, 0) for pid in shown}


class Page(NamedTuple):
    found: list[MatchResult]  # the matches, ranked
    near: list[MatchResult]  # the near misses, ranked
    shown: dict[int, PlaceSummary]  # what the page shows of each place
    intake: dict[int, int]  # each place's proposals since ``since`` (0 without a cap)


def search_page(
    session: Session,
    facts: SearchFacts,
    scope: Scope,
    *,
    limit: int = DEFAULT_LIMIT,
    near_limit: int = NEAR_MISS_LIMIT,
    stats: SearchStats | None = None,
    combined: bool = False,
    since: dt.datetime | None = None,
) -> Page:
    """The ``limit`` best matches and the ``near_limit`` best near misses, each ranked as
    :func:`matching.rank` ranks them, read in one pass. Equal to the brute force's
    matches and near misses, each cut to its limit. ``combined`` (for
    :func:`search_places`): the near misses fill only what the matches leave of
    ``limit``. ``since``: count the proposals per place from then on (the page's intake
    counts), read with the shortlist."""
    stats = stats if stats is not None else SearchStats()
    limit, near_limit = max(limit, 0), max(near_limit, 0)
    if not scope.network_ids or not facts.kinds or not (limit or near_limit):
        return Page([], [], {}, {})
    snap = snapshots.for_search(session.connection())
    key = capacity_key(facts.capacity)
    if snap is not None and math.isfinite(facts.max_km):
        scored = _read_snapshot(
            session, snap, facts, scope, (limit, near_limit, combined), stats, key
        )
    else:
        snap = None
        scored = _read(session, facts, scope, (limit, near_limit, combined), stats, key)
    if combined:
        near_limit = min(near_limit, max(0, limit - int(np.count_nonzero(scored.order == 0))))
    pages = []
    for order, cut in ((0, limit), (1, near_limit)):
        keep = np.flatnonzero(scored.order == order) if cut else np.zeros(0, dtype=np.int64)
        pages.append(_shortlist(scored, keep, cut) if keep.size else [])
    ids = [int(scored.ids[i]) for i in (*pages[0], *pages[1])]
    if not ids:
        return Page([], [], {}, {})
    short, intake = _shown(session, snap, ids, since)
    sections = [(pages[0], limit), (pages[1], near_limit)]
    found, near = _explain(scored, sections, facts, short, key)
    stats.evaluated = len(found) + len(near)
    return Page(found, near, short, intake)


def search_places(
    session: Session,
    facts: SearchFacts,
    scope: Scope,
    *,
    limit: int = DEFAULT_LIMIT,
    outcomes: tuple[Outcome, ...] = (Outcome.MATCH, Outcome.NEAR_MISS),
    stats: SearchStats | None = None,
) -> list[MatchResult]:
    """The best ``limit`` places for a search, ranked as :func:`matching.rank` ranks them,
    keeping only the given outcomes (matches rank before near misses)."""
    match = Outcome.MATCH in outcomes
    near = Outcome.NEAR_MISS in outcomes
    found, misses, *_ = search_page(
        session,
        facts,
        scope,
        limit=limit if match else 0,
        near_limit=limit if near else 0,
        stats=stats,
        combined=match and near,
    )
    return [*found, *misses][:limit]
