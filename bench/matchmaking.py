"""Matchmaking-round benchmark: 5,000 candidates and 20,000 free slots, solved exactly.

    python -m bench.matchmaking        (make bench-matchmaking)

Deterministic: the synthetic places of ``bench/synthetic.py`` (open places with a free
slot, in id order, until their free slots, within a tenth of them capped by a remaining
monthly intake, add up to 20,000), the synthetic candidate searches (with a home
employer, weeks left to the end week and a travel range). Timed: generating **every**
match pair (:func:`registry.search.pairs.match_pairs`, no top-k cut), building the
values and solving the min-cost flow (OR-Tools). Beside it, the greedy "most urgent
first, nearest place" allocation. Optimality is verified on rounds of 200 candidates ×
600 slots (one province each, some pairs locked) against an independent formulation
(``bench/matchmaking_reference.py``: SciPy's Hungarian method on the slot-expanded
matrix). The last line::

    matchmaking candidates=5000 slots=20000 pairs=<n> seconds=<t> optimal=<yes|no>
        placed=<p> greedy_placed=<g> urgent_placed=<u> greedy_urgent_placed=<gu>

(one line; wrapped here)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import sys
import time

import numpy as np

from bench import synthetic
from bench.matchmaking_reference import independent_optimum
from registry.domain import matchmaking as mm
from registry.domain.matching import SearchFacts
from registry.search.pairs import PlaceArrays, match_pairs

CANDIDATES = 5000
SLOTS = 20000
SEED = 20261204
TODAY = dt.date(2026, 12, 4)
EMPLOYERS = 4000


@dataclasses.dataclass
class Round:
    places: PlaceArrays
    capacity: np.ndarray
    host_balance: np.ndarray
    searches: list[SearchFacts]
    weeks_left: np.ndarray
    provinces: list[str]
    place_province: list[str]


def build_round(candidates: int, slots: int, seed: int = SEED) -> Round:
    """The deterministic round: places until ``slots`` free slots, ``candidates`` searches."""
    rng = random.Random(seed)
    balance = {e: rng.randint(-4, 4) for e in range(1, EMPLOYERS + 1)}
    cols: dict[str, list] = {k: [] for k in ("lat", "lon", "kind", "emp", "until", "min", "usual")}
    lower, codes, cap, host, prov = [], [], [], [], []
    area_province = {a.town: a.province for a in synthetic.default_directory().areas()}
    total = 0
    for p in synthetic.places(4 * slots):
        free = p.slots - p.taken_slots
        if p.status != "open" or free <= 0:
            continue
        room = min(free, slots - total)
        if rng.random() < 0.1:  # a host with an intake cap, part of it used this month
            room = min(room, rng.randint(1, 2))
        employer = rng.randint(1, EMPLOYERS)
        cols["lat"].append(p.lat)
        cols["lon"].append(p.lon)
        cols["kind"].append(p.kind)
        cols["emp"].append(employer)
        cols["until"].append(None)
        cols["min"].append(p.min_hours_week)
        cols["usual"].append(p.usual_hours_week)
        lower.append(p.lower_start_allowed)
        codes.append(p.match_code)
        cap.append(room)
        host.append(balance[employer])
        prov.append(area_province.get(p.town, ""))
        total += room
        if total >= slots:
            break
    places = PlaceArrays.build(
        cols["lat"], cols["lon"], cols["kind"], cols["emp"], cols["until"],
        cols["min"], cols["usual"], lower, codes,
    )  # fmt: skip
    searches, provinces = [], []
    for s in synthetic.searches(candidates, seed=seed):
        searches.append(
            dataclasses.replace(s.facts, home_employer_id=rng.randint(1, EMPLOYERS), today=TODAY)
        )
        provinces.append(s.province)
    weeks = np.array([rng.choice((2, 5, 8, 12, 20, 30, 40, 55, 70, 85)) for _ in searches])
    return Round(places, np.array(cap), np.array(host), searches, weeks, provinces, prov)


def solve_round(rnd: Round, limit: int = 1, lock_every: int = 0) -> tuple[mm.Problem, ...]:
    """Pairs, problem, the optimum and the greedy allocation of a round."""
    pairs = match_pairs(rnd.places, rnd.searches)
    locked = None
    if lock_every:
        locked = np.zeros(len(pairs), dtype=bool)
        seen_c, room = set(), rnd.capacity.copy()
        for i in range(0, len(pairs), lock_every):
            c, p = int(pairs.cand[i]), int(pairs.place[i])
            if c not in seen_c and room[p] > 0:
                locked[i] = True
                seen_c.add(c)
                room[p] -= 1
    problem, terms = mm.build_problem(
        mm.DEFAULT_WEIGHTS,
        weeks_left=rnd.weeks_left,
        max_km=np.array([s.max_km for s in rnd.searches]),
        limit=np.full(len(rnd.searches), limit),
        capacity=rnd.capacity,
        host_balance=rnd.host_balance,
        pair_c=pairs.cand,
        pair_p=pairs.place,
        distance=pairs.distance,
        signals=pairs.signals,
        unknowns=pairs.unknowns,
        slack=pairs.slack,
        locked=locked,
    )
    return problem, mm.solve(problem), terms


def sub_round(full: Round, province: str, candidates: int, slots: int) -> Round:
    """A 200 × 600 round: the candidates and places of one province."""
    ci = [i for i, p in enumerate(full.provinces) if p == province][:candidates]
    pi, caps, total = [], [], 0
    for i, p in enumerate(full.place_province):
        if p == province and total < slots:
            pi.append(i)
            caps.append(min(int(full.capacity[i]), slots - total))
            total += caps[-1]
    pl = full.places
    sel = np.array(pi, dtype=np.int64)
    places = PlaceArrays(
        pl.lat[sel], pl.lon[sel], [pl.kind[i] for i in pi], pl.employer[sel], pl.until[sel],
        pl.min_hours[sel], pl.usual_hours[sel], pl.lower_start[sel], pl.codes[sel], pl.bits[sel],
    )  # fmt: skip
    return Round(
        places,
        np.array(caps, dtype=np.int64),
        full.host_balance[sel],
        [full.searches[i] for i in ci],
        full.weeks_left[ci],
        [province] * len(ci),
        [province] * len(pi),
    )


def verify(full: Round) -> bool:
    """The optimum equals the independent formulation's on 200 × 600 rounds."""
    ok = True
    for n, province in enumerate(("Noord-Brabant", "Zuid-Holland", "Gelderland", "Utrecht")):
        rnd = sub_round(full, province, 200, 600)
        problem, chosen, _ = solve_round(rnd, lock_every=0 if n % 2 == 0 else 37)
        mine = int(problem.value[chosen].sum())
        other = independent_optimum(problem)
        print(
            f"  check {province}: candidates={problem.n_candidates} "
            f"slots={int(problem.capacity.sum())} pairs={problem.pair_c.size} "
            f"locked={int(problem.locked.sum())} flow={mine} reference={other}"
        )
        ok &= mine == other
    return ok


def main() -> int:
    t0 = time.perf_counter()
    rnd = build_round(CANDIDATES, SLOTS)
    print(f"built the round in {time.perf_counter() - t0:.2f} s ({len(rnd.places)} places)")
    match_pairs(rnd.places, rnd.searches[:50])  # warm the score tables' shared rows
    start, cpu = time.perf_counter(), time.process_time()
    problem, chosen, terms = solve_round(rnd)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"  pairs and solve: {seconds:.2f} s wall, {cpu:.2f} s CPU (load {os.getloadavg()[0]:.1f})"
    )
    greedy = mm.greedy(problem)
    best = mm.summarise(problem, chosen, terms.points)
    other = mm.summarise(problem, greedy, terms.points)
    print(f"  optimum: {best}")
    print(f"  greedy:  {other}")
    optimal = verify(rnd)
    print(
        f"matchmaking candidates={CANDIDATES} slots={int(rnd.capacity.sum())} "
        f"pairs={problem.pair_c.size} seconds={seconds:.2f} optimal={'yes' if optimal else 'no'} "
        f"placed={best.placed} greedy_placed={other.placed} urgent_placed={best.urgent_placed} "
        f"greedy_urgent_placed={other.urgent_placed}"
    )
    return 0 if optimal else 1


if __name__ == "__main__":
    sys.exit(main())
