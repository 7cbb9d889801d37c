"""Which rows a search reads: expanding disks for the matches, then the near misses.

Every match is free of conflicts, and every place with a conflict ranks after every
match, so the conflict-free places are read first (the prefilter's capacity precheck,
``sql.conflict_free_sql``). On tables of ``sql.RING_MIN_PLACES`` places or more they are
read disk by growing disk around the home (each read seeking past the disk before it),
and the reading stops as soon as the rows read provably hold the ``limit`` best matches
(:func:`ring_complete`). Near misses then need the conflict-free places up to the near
miss range and, only if those are too few, the places with one conflict, then two
(``sql.near_miss_tiers_sql``). So the rows read are those a full read returns, less
only rows that provably cannot be on the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from registry.domain.matching import NEAR_MISS_RANGE_FACTOR, SearchFacts
from registry.domain.workload import capacity_week_hours
from registry.search.codec import capacity_key
from registry.search.scoring import Scored, min_unknowns

RING_MARGIN_KM = 0.001  # 1 m: far above the vectorised geodesic's error (< 1 mm)
RING_FIRST = 0.2  # the first ring's radius, as a fraction of the travel range
RING_GROWTH = 1.3  # the next ring's estimated radius is widened by this factor
RING_MAX = 0.85  # a ring wider than this fraction of the travel range: read it all
NEAR_FIRST = 1.08  # the first near-miss read: up to 8 % beyond the travel range

# read(radius, extra, bound, inner, beyond) -> the scored prefilter rows of the disk of
# ``radius`` meeting ``extra``, less those of the disk of ``inner`` and those surely
# within ``beyond`` (``sql.prefilter``)
Reader = Callable[..., Scored]


def ring_complete(scored: Scored, radius: float, limit: int, min_unknowns: int) -> bool:
    """Whether the ``limit`` best rows of ``scored`` (read for a disk of ``radius`` km)
    are provably the ``limit`` best of the whole search.

    Proof. ``scored`` holds every eligible place whose geodesic distance is at most
    ``radius`` (the prefilter's box and planar bound contain that disk), plus perhaps
    some farther ones; every row in it is itself an eligible place. Every place not
    read is farther than ``radius`` (its computed distance exceeds ``radius - 1 mm``).
    The rank key starts (outcome, conflicts, has signals, unknowns, distance, ...), and
    no place can do better on the first four than the best tier ``(match, 0, False,
    min_unknowns)`` (``min_unknowns`` a lower bound, see :func:`scoring.min_unknowns`). Suppose
    the ``limit``-th best row of ``scored`` (on that key) is in the best tier with a
    distance of at most ``radius - 1 m``. Then so are the rows before it (their tier is
    no worse and cannot be better), and any unread place either has a worse tier or the
    same tier and a strictly greater distance: it ranks strictly after the
    ``limit``-th row, whatever its slack, preferences or id. So the ``limit`` best of
    the whole search are those of ``scored``, and every place tied with the ``limit``-th
    on the key before the preferences (hence at the same distance) was read too; the
    shortlist and so the result are those of the full search. (Places with a conflict,
    not read by this ring, have a worse tier too, so neither is the conflict pass
    needed.) When the condition fails, nothing is concluded and the caller reads more.
    """
    if scored.ids.size < limit:
        return False
    best = (
        (scored.order == 0)
        & (scored.conflicts == 0)
        & ~scored.signals
        & (scored.unknowns <= min_unknowns)
    )
    inside = scored.distance <= radius - RING_MARGIN_KM
    if int(np.count_nonzero(best)) < limit:
        return False
    # the limit-th best row is in the best tier and inside iff at least ``limit`` rows
    # are both (then the limit best are exactly the nearest of those, all inside; a
    # best-tier row outside ranks after them all, being farther)
    return int(np.count_nonzero(best & inside)) >= limit


def _best_tier(scored: Scored, floor: int, order: int = 0) -> np.ndarray:
    return (
        (scored.order == order)
        & (scored.conflicts == 0)
        & ~scored.signals
        & (scored.unknowns <= floor)
    )


def _floor(facts: SearchFacts) -> int:
    capacity = facts.capacity
    return min_unknowns(capacity_key(capacity), capacity_week_hours(capacity) is not None)


def near_complete(scored: Scored, radius: float, limit: int, floor: int) -> bool:
    """Whether the rows read (every conflict-free place within ``radius`` km that is not
    surely within the travel range) provably hold the ``limit`` best near misses: as
    :func:`ring_complete`, for the best near-miss tier (no conflict, no signal, the
    fewest unknowns possible). Every place not read is farther than ``radius`` or has
    a conflict, so it ranks after ``limit`` such rows within ``radius`` less 1 m."""
    inside = scored.distance <= radius - RING_MARGIN_KM
    return int(np.count_nonzero(_best_tier(scored, floor, 1) & inside)) >= limit


def _near_rings(
    read: Reader,
    scored: Scored,
    facts: SearchFacts,
    near_limit: int,
    free: str,
    bound: Sequence[tuple[str, Any]],
    inner: float | None,
) -> Scored:
    """With the matches complete (rows read up to ``inner``): the conflict-free places
    beyond the travel range, a little beyond it first, the rest of the near-miss range
    only if :func:`near_complete` does not hold."""
    max_km = facts.max_km
    first = max_km * NEAR_FIRST
    scored = scored + read(first, free, bound, inner, max_km)
    if near_complete(scored, first, near_limit, _floor(facts)):
        return scored
    return scored + read(max_km * NEAR_MISS_RANGE_FACTOR, free, bound, first, max_km)


def _join(scored: Scored | None, more: Scored) -> Scored:
    return more if scored is None else scored + more


def match_rings(
    read: Reader, facts: SearchFacts, limit: int, free: str, bound: Sequence[tuple[str, Any]]
) -> tuple[Scored, float, bool]:
    """The conflict-free rows read disk by growing disk: a small disk (``RING_FIRST`` of
    the travel range), perhaps one more sized by the density of its best-tier rows, then
    the range. Returns the rows, the radius read up to, and whether they provably hold
    the ``limit`` best matches:

    - a disk inside the range, when :func:`ring_complete` holds;
    - the disk of the range always: every place outside it is farther than the range
      (the prefilter's disk contains every place within it by the domain's geodesic),
      so not a match.

    It gives up early (not complete) as soon as the rows read suggest fewer than
    ``limit`` matches in all: the caller then reads the rest in one go.
    """
    max_km = facts.max_km
    floor = _floor(facts)
    scored: Scored | None = None
    inner: float | None = None
    radius = max_km * RING_FIRST
    for small in range(1, 4):
        scored = _join(scored, read(radius, free, bound, inner))
        inner = radius
        if radius >= max_km or ring_complete(scored, radius, limit, floor):
            return scored, radius, True
        matches = int(np.count_nonzero(scored.order == 0))
        if matches * (max_km / radius) ** 2 < limit:  # few matches expected in all
            return scored, radius, False
        found = int(np.count_nonzero(_best_tier(scored, floor)))
        nxt = radius * max(math.sqrt(limit / found), 1.0) * RING_GROWTH if found else max_km
        radius = nxt if small < 2 and nxt <= max_km * RING_MAX else max_km
    raise AssertionError("unreachable: the third disk is the range")  # pragma: no cover


def _near_tiers(
    read: Reader,
    scored: Scored,
    facts: SearchFacts,
    near_limit: int,
    free: str,
    tiers: Sequence[str],
    bound: Sequence[tuple[str, Any]],
) -> Scored:
    """The places of the travel range with a conflict but no more than a near miss has
    (the others are no match): those with one conflict, then, if the near misses are
    still short, those with two. Every place not read has more conflicts than those
    counted, so it ranks after them."""
    left = list(tiers) if free else []
    while left:
        ahead = (scored.order == 1) & (scored.conflicts <= len(tiers) - len(left))
        if int(np.count_nonzero(ahead)) >= near_limit:
            break
        tier = left.pop(0)
        extra = f"NOT ({free})" + (f" AND {tier}" if tier else "")
        scored = scored + read(facts.max_km, extra, bound)
    return scored


def read_rows(
    read: Reader,
    facts: SearchFacts,
    limit: int,
    near_limit: int,
    free: str,
    tiers: Sequence[str],
    bound: Sequence[tuple[str, Any]],
    rings: bool = True,
    combined: bool = False,
) -> Scored:
    """Every row a page of the ``limit`` best matches and the ``near_limit`` best near
    misses needs (either limit may be 0); ``combined``: one list of ``limit`` places,
    matches first, so near misses only fill what the matches leave. ``free`` holds for
    every place without a conflict (``""``: no precheck, every place is read); ``tiers``
    are the conditions of ``sql.near_miss_tiers_sql``. Without ``rings`` (a small table,
    where one read is cheaper) the conflict-free rows are read in one go. Once the rings
    have the matches, the conflict-free near misses are read from the places not surely
    within the travel range (``geometry.inside_params``): a conflict-free place within
    it is a match, never a near miss."""
    max_km = facts.max_km
    outer = max_km * NEAR_MISS_RANGE_FACTOR if near_limit else max_km
    scored: Scored | None = None
    inner: float | None = None
    complete = False
    if limit and rings and max_km > 0 and math.isfinite(max_km):
        scored, inner, complete = match_rings(read, facts, limit, free, bound)
        if combined and complete and _matches(scored) >= limit:
            return scored  # every near miss ranks after these
    if not complete:  # the conflict-free rest: up to the near-miss range, or the range
        scored = _join(scored, read(outer, free, bound, inner))
    elif near_limit and scored is not None:  # the matches are complete: only places
        # beyond the travel range can be conflict-free near misses
        scored = _near_rings(read, scored, facts, near_limit, free, bound, inner)
    need = max(0, limit - _matches(scored)) if combined else near_limit
    if need:
        scored = _near_tiers(read, scored, facts, need, free, tiers, bound)
    return scored


def _matches(scored: Scored) -> int:
    return int(np.count_nonzero(scored.order == 0))
