"""The scannable result list's helpers and pages: sorting, the fit summary, one place's
explanation (fetched when a row is opened, or as a page of its own without JavaScript)
and the printable shortlist.

They read the search's public results only (hits with their explanations).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import abort, render_template, request, url_for
from flask_login import login_required

from registry.domain.workload import Verdict
from registry.search import usecases as svc
from registry.services import labels
from registry.services.errors import ValidationFailed
from registry.web.helpers import service_context

SORTS = ("rank", "distance", "confirmed")
SHORTLIST_MAX = 20  # a one-page print: more than this is not a shortlist
_OLDEST = dt.datetime.min.replace(tzinfo=dt.UTC)


def sort_key(value: str | None) -> str:
    """The chosen sort order; anything unknown is the ranking."""
    return value if value in SORTS else "rank"


def sort_hits(search: Any, order: str) -> None:
    """Reorder each section's hits: by rank (as found), distance or last confirmed."""
    if order == "rank":
        return
    for name in ("matches", "signals", "near_misses"):
        hits = getattr(search, name)
        if order == "distance":
            hits.sort(key=lambda h: h.result.distance_km)
        else:
            hits.sort(key=lambda h: _aware(h.place.last_confirmed_at), reverse=True)


def _aware(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return _OLDEST
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def explanation_links(candidate_id: int, query: dict) -> Callable[[int], str]:
    """The link to each row's explanation (same filters as the list): built once per
    page and completed per place, as ``url_for`` would build it (a result page has some
    seventy rows, and each ``url_for`` with the filters cost more than the row's text)."""
    built = url_for("search.explain", candidate_id=candidate_id, place_id=0, **query)
    path, mark, rest = built.partition("?")
    head = path.removesuffix("/0")
    if head == path:  # pragma: no cover - the route changed shape: build each link
        return lambda place_id: url_for(
            "search.explain", candidate_id=candidate_id, place_id=place_id, **query
        )
    tail = mark + rest
    return lambda place_id: f"{head}/{int(place_id)}{tail}"


def verdict_counts(comparison: Any) -> Counter:
    """How many compared items fit, signal, conflict or are unknown."""
    counts: Counter = Counter()
    results = comparison.results
    counts[Verdict.CONFLICT] = len(comparison.conflicts)
    counts[Verdict.SIGNAL] = len(comparison.signals)
    counts[Verdict.UNKNOWN] = len(comparison.unknowns)
    counts[Verdict.FIT] = len(results) - sum(counts.values())
    return counts


def fit_summary(comparison: Any) -> str:
    """ "31 past · 2 signalen · 1 onbekend"."""
    return labels.fit_summary(verdict_counts(comparison))


def worst_verdict(comparison: Any) -> str:
    """The row's symbol: conflict before signal before unknown before fit."""
    for verdict, found in (
        (Verdict.CONFLICT, comparison.conflicts),
        (Verdict.SIGNAL, comparison.signals),
        (Verdict.UNKNOWN, comparison.unknowns),
    ):
        if found:
            return verdict.value
    return Verdict.FIT.value


def _search(candidate_id: int, parse_filters: Callable[[Any], Any]) -> Any:
    """The candidate's search as the list showed it (same filters), without recording a
    visit: opening an explanation is not a new search."""
    try:
        filters = parse_filters(request.args)
    except ValidationFailed:
        filters = svc.SearchFilters()
    return svc.search_for_candidate(service_context(), candidate_id, filters, record_visit=False)


def _sections(search: Any) -> list[tuple[str, Any]]:
    """Every hit with the section it is listed in."""
    return [
        (section, hit)
        for section, hits in (
            ("match", search.matches),
            ("signal", search.signals),
            ("near_miss", search.near_misses),
        )
        for hit in hits
    ]


def _section_of(search: Any, place_id: int) -> tuple[str, Any]:
    for section, hit in _sections(search):
        if hit.place.id == place_id:
            return section, hit
    abort(404)


def register(bp: Any, context: Callable[[Any], dict], parse_filters: Callable[[Any], Any]) -> None:
    """Add the explanation and shortlist routes to the search blueprint; ``context``
    gives the template helpers the result list uses (labels, band texts) and
    ``parse_filters`` reads the list's filters from the query (the web layer's form)."""

    @bp.get("/candidates/<int:candidate_id>/search/places/<int:place_id>")
    @login_required
    def explain(candidate_id: int, place_id: int):
        search = _search(candidate_id, parse_filters)
        section, hit = _section_of(search, place_id)
        fragment = bool(request.headers.get("HX-Request"))
        return render_template(
            "search/_explanation.html" if fragment else "search/explanation.html",
            search=search,
            hit=hit,
            section=section,
            **context(search),
        )

    @bp.get("/candidates/<int:candidate_id>/search/shortlist")
    @login_required
    def shortlist(candidate_id: int):
        search = _search(candidate_id, parse_filters)
        try:
            wanted = [int(v) for v in request.args.getlist("place")][:SHORTLIST_MAX]
        except ValueError:
            abort(400)
        found = {hit.place.id: (section, hit) for section, hit in _sections(search)}
        chosen = [found[pid] for pid in dict.fromkeys(wanted) if pid in found]
        return render_template(
            "search/shortlist.html", search=search, chosen=chosen, **context(search)
        )
