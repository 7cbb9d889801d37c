"""Match-alert benchmark (issue 20): a place published among 20,000 followed searches.

    python -m bench.alerts        (make bench-alerts)

Builds the situation on the scale data set (``seed/scale.py``): a database filled by the
scale seed (a SQLite file ``bench/alerts_<candidates>.db``, or the PostgreSQL database of
``BENCH_DATABASE_URL``, which must be empty or hold an earlier run), then one followed
search per active candidate with a home area (a coach of the candidate's organisation
follows it; one in five with a distance filter, one in ten with one network only), so
about 20,000 followed searches. Sizes: ``ALERTS_SEED_ARGS`` (e.g. ``--candidates 2000
--places 10000``: the options of ``flask seed scale``).

**What is timed** is what publishing costs on top of the publication:
:func:`registry.search.alerts.place_changed` for one place that has just become open (the
index statement, the survivors' candidates with their profiles and networks, the domain's
``evaluate`` on each, the announced pairs and the notifications with their mails), and
its flush. Each of ``ALERTS_QUERIES`` (default 40) open places with a free slot, chosen at
random, is published once and rolled back, after 5 warm-up places. The last line::

    alerts follows=<n> places=<q> p50_ms=<x> p95_ms=<y> max_ms=<z> candidates_checked_p50=<c>
        alerts_mean=<a> exact=<yes|no>

(one line; wrapped here) with ``exact=yes`` when, for the first ``ALERTS_EXACT`` (default
5) places, the alerted followers equal those found by evaluating every followed search
of the place's networks in Python (no index).
"""

from __future__ import annotations

import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import selectinload

from registry import create_app
from registry.domain.matching import Outcome, evaluate
from registry.domain.permissions import Role
from registry.extensions import db
from registry.models import Candidate, Place, PlaceStatus, TrajectoryStatus, User, UserRole
from registry.models.alerts import AlertPair, SearchFollow
from registry.models.base import utcnow
from registry.search import alerts
from registry.search.usecases import (
    SearchFilters,
    _search_scope,
    candidate_search_facts,
    place_facts_of,
)
from registry.services import candidates as cands
from registry.services.context import Context

SEED = 20261204
BENCH_DIR = Path(__file__).resolve().parent


def _sizes() -> dict[str, int]:
    args = shlex.split(os.environ.get("ALERTS_SEED_ARGS", ""))
    sizes: dict[str, int] = {}
    for flag, value in zip(args[::2], args[1::2], strict=False):
        sizes[flag.lstrip("-").replace("-", "_")] = int(value)
    return sizes


def _app(sizes: dict[str, int]):
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        path = BENCH_DIR / f"alerts_{sizes.get('candidates', 20000)}.db"
        url = f"sqlite:///{path}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "log",
            "MAIL_DELIVER_ON_REQUEST": False,
        }
    )
    return app, url


def _prepare(sizes: dict[str, int]) -> None:
    """Migrate, fill with the scale seed when empty, and add the followed searches."""
    from flask_migrate import upgrade

    from seed.scale import Sizes, load_scale

    upgrade()
    session = db.session
    if not session.scalar(select(func.count()).select_from(Place)):
        began = time.perf_counter()
        load_scale(session, Sizes(**sizes), echo=lambda m: print(m, file=sys.stderr))
        print(f"scale seed: {time.perf_counter() - began:.0f} s", file=sys.stderr)
    if session.scalar(select(func.count()).select_from(SearchFollow)):
        _top_up(session)
        return
    began = time.perf_counter()
    coaches: dict[int, int] = {}
    for uid, org in session.execute(
        select(User.id, User.coach_organisation_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COACH, User.coach_organisation_id.is_not(None))
        .order_by(User.id)
    ):
        coaches.setdefault(org, uid)
    rng = random.Random(SEED)
    today = _today()
    ids = session.scalars(
        select(Candidate.id)
        .where(Candidate.status == TrajectoryStatus.ACTIVE, Candidate.lat.is_not(None))
        .order_by(Candidate.id)
    ).all()
    rows = []
    for start in range(0, len(ids), 2000):
        batch = session.scalars(
            select(Candidate)
            .where(Candidate.id.in_(ids[start : start + 2000]))
            .options(selectinload(Candidate.profiles), selectinload(Candidate.networks))
        ).all()
        for c in batch:
            user_id = c.coach_id or coaches.get(c.coach_organisation_id)
            if user_id is None:
                continue
            filters = SearchFilters()
            if rng.random() < 0.2:
                filters = SearchFilters(max_km=float(rng.choice((5, 10, 15))))
            elif rng.random() < 0.1 and c.networks:
                filters = SearchFilters(network_ids=frozenset({rng.choice(c.networks).id}))
            values = alerts._index_values(c, filters, today)
            rows.append(
                {
                    "user_id": user_id,
                    "candidate_id": c.id,
                    "filters": alerts.saved_filters(filters),
                    "created_at": utcnow(),
                    "lat": 0.0,
                    "lon": 0.0,
                    "max_km": 0.0,
                    "week_hours": None,
                    "lat_min": 0.0,
                    "lat_max": 0.0,
                    "lon_min": 0.0,
                    "lon_max": 0.0,
                    "kind_bits": 0,
                    "network_bits": 0,
                    "cmask_1": 0,
                    "cmask_2": 0,
                    "home_employer_id": None,
                    "sector": None,
                    **values,
                }
            )
        session.expunge_all()
    for start in range(0, len(rows), 5000):
        session.execute(insert(SearchFollow), rows[start : start + 5000])
    session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE search_follows"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()
    print(f"followed searches: {len(rows)} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    _top_up(session)


def _top_up(session) -> None:
    """Up to ``ALERTS_FOLLOWS`` (20,000) followed searches: a second coach of the same
    organisation follows the same search (same filters, so the same index columns) for
    as many candidates as needed."""
    target = int(os.environ.get("ALERTS_FOLLOWS", "20000"))
    have = session.scalar(select(func.count()).select_from(SearchFollow))
    if have >= target:
        return
    org_coaches: dict[int, list[int]] = {}
    for uid, org in session.execute(
        select(User.id, User.coach_organisation_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COACH, User.coach_organisation_id.is_not(None))
        .order_by(User.id)
    ):
        org_coaches.setdefault(org, []).append(uid)
    columns = [c for c in SearchFollow.__table__.columns if c.name != "id"]
    taken = set(session.execute(select(SearchFollow.user_id, SearchFollow.candidate_id)).all())
    extra = []
    for follow, org in session.execute(
        select(SearchFollow, Candidate.coach_organisation_id)
        .join(Candidate, Candidate.id == SearchFollow.candidate_id)
        .order_by(SearchFollow.id)
    ):
        other = next(
            (u for u in org_coaches.get(org, ()) if (u, follow.candidate_id) not in taken), None
        )
        if other is None:
            continue
        row = {c.name: getattr(follow, c.key) for c in columns}
        row["user_id"] = other
        taken.add((other, follow.candidate_id))
        extra.append(row)
        if have + len(extra) >= target:
            break
    for start in range(0, len(extra), 5000):
        session.execute(insert(SearchFollow), extra[start : start + 5000])
    session.commit()
    print(f"second followers: {len(extra)}", file=sys.stderr)


def _today():
    import datetime as dt

    return dt.date.today()


def _brute_force(session, place: Place, today) -> set[tuple[int, int]]:
    """Every followed search evaluated in Python, no index: (user, candidate) it matches."""
    net_ids = {n.id for n in place.networks}
    pf = place_facts_of(place)
    out = set()
    follows = session.execute(
        select(SearchFollow.user_id, SearchFollow.candidate_id, SearchFollow.filters)
    ).all()
    by_id = {
        c.id: c
        for c in session.scalars(
            select(Candidate)
            .where(Candidate.status == TrajectoryStatus.ACTIVE, Candidate.lat.is_not(None))
            .options(selectinload(Candidate.profiles), selectinload(Candidate.networks))
        )
    }
    for user_id, candidate_id, saved in follows:
        c = by_id.get(candidate_id)
        if c is None:
            continue
        facts, scope = _search_scope(
            c,
            candidate_search_facts(c, cands.current_profile(c), today),
            alerts.filters_of(saved),
        )
        if not scope.network_ids & net_ids or (scope.sector and scope.sector != place.sector):
            continue
        if evaluate(facts, pf).outcome is Outcome.MATCH:
            out.add((user_id, candidate_id))
    return out


def main() -> int:
    sizes = _sizes()
    app, url = _app(sizes)
    queries = int(os.environ.get("ALERTS_QUERIES", "40"))
    exact_n = int(os.environ.get("ALERTS_EXACT", "5"))
    with app.app_context(), app.test_request_context():
        _prepare(sizes)
        session = db.session
        today = _today()
        follows = session.scalar(select(func.count()).select_from(SearchFollow))
        pool = session.scalars(
            select(Place.id)
            .where(Place.status == PlaceStatus.OPEN, Place.taken_slots < Place.slots)
            .order_by(Place.id)
        ).all()
        rng = random.Random(SEED)
        chosen = rng.sample(pool, min(len(pool), queries + 5))
        times, checks, checked, counts, exact = [], [], [], [], True
        ctx = Context(session=session, actor=None, settings=app.config)
        for i, place_id in enumerate(chosen):
            place = session.scalar(
                select(Place)
                .where(Place.id == place_id)
                .options(selectinload(Place.networks), selectinload(Place.employer))
            )
            began = time.perf_counter()
            survivors = len(alerts.followers_matching(session, place, ctx.today()))
            check = (time.perf_counter() - began) * 1000
            began = time.perf_counter()
            n = alerts.place_changed(ctx, place)
            session.flush()
            took = (time.perf_counter() - began) * 1000
            if i >= 5 and i - 5 < exact_n:
                got = set(
                    session.execute(
                        select(AlertPair.user_id, AlertPair.candidate_id).where(
                            AlertPair.place_id == place.id
                        )
                    ).all()
                )
                if got != _brute_force(session, place, today):
                    exact = False
            session.rollback()
            session.expunge_all()
            if i >= 5:
                times.append(took)
                checks.append(check)
                checked.append(survivors)
                counts.append(n)
    times.sort()
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    print(f"database: {url.split('@')[-1]}", file=sys.stderr)
    print(
        f"alerts follows={follows} places={len(times)} p50_ms={statistics.median(times):.2f} "
        f"p95_ms={p95:.2f} max_ms={times[-1]:.2f} check_p50_ms={statistics.median(checks):.2f} "
        f"candidates_checked_p50={statistics.median(checked):.0f} "
        f"alerts_mean={statistics.mean(counts):.1f} exact={'yes' if exact else 'no'}"
    )
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
