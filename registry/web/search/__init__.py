"""Match search pages: a coach's search for a candidate, and the reverse search for a place."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from registry.domain.workload import CONDITIONS, EXPOSURES, NO_PROFILE, dimension
from registry.search import usecases as svc
from registry.services import formatting
from registry.services import labels as enum_labels
from registry.services import placements as placement_svc
from registry.services.errors import ValidationFailed
from registry.web.forms import SBI_SECTIONS
from registry.web.helpers import service_context
from registry.web.search import explain, forms, rows

bp = Blueprint("search", __name__)

KIND_LABELS = enum_labels.PLACE_KIND
VERDICT_LABELS = enum_labels.VERDICT
VERDICT_MARKS = enum_labels.VERDICT_MARK
BLOCKER_LABELS = enum_labels.BLOCKER
LIMIT_SOURCES = {
    "profile": _l("limit from the capacity profile"),
    "now": _l("limit from the hours the candidate can work now"),
}


def item_label(result, locale) -> str:
    """Label of one compared item (dimension, exposure, condition or hours)."""
    kind = getattr(result, "kind", None)
    kind = getattr(kind, "value", kind)
    if kind == "dimension":
        return dimension(result.key).label(locale)
    if kind == "exposure":
        return next(f for f in EXPOSURES if f.key == result.key).label(locale)
    if kind == "condition":
        return next(f for f in CONDITIONS if f.key == result.key).label(locale)
    return str(_l("Hours per week"))


def band_text(result, locale, show_capacity: bool = False) -> str:
    """What the place asks (and, when ``show_capacity``, what the candidate can do), in
    words. Whether the viewer may read the candidate's bands is decided by the
    permission rules (``CandidateSearch.show_capacity``); without it only the place's
    demand shows next to the outcome. An item unknown for want of a capacity profile
    says so."""
    kind = getattr(result.kind, "value", result.kind)
    no_profile = getattr(result, "reason", None) == NO_PROFILE
    if kind == "dimension":
        dim = dimension(result.key)
        need = (
            dim.band_label(result.demand_band, locale)
            if result.demand_band is not None
            else _l("not stated")
        )
        if no_profile:
            return str(_l("asks: %(need)s; no capacity profile", need=need))
        if not show_capacity:
            return str(_l("asks: %(need)s", need=need))
        can = (
            dim.band_label(result.capacity_band, locale)
            if result.capacity_band is not None
            else _l("not assessed")
        )
        return str(_l("asks: %(need)s; can: %(can)s", need=need, can=can))
    if kind in ("exposure", "condition"):
        if result.place is None:
            text = str(_l("not stated by the place"))
        elif kind == "exposure":
            text = str(_l("present") if result.place else _l("absent"))
        else:
            text = str(_l("offered") if result.place else _l("not offered"))
        return f"{text}; {_l('no capacity profile')}" if no_profile else text
    need = result.min_hours_week if result.min_hours_week is not None else result.usual_hours_week
    need_text = "?" if need is None else formatting.number(need)
    if not show_capacity:
        return str(_l("asks: %(need)s h", need=need_text))
    limit = result.person_week_hours
    text = str(
        _l(
            "asks: %(need)s h; can: %(can)s h",
            need=need_text,
            can="?" if limit is None else formatting.number(limit),
        )
    )
    source = getattr(result.limit_source, "value", result.limit_source)
    return f"{text} ({LIMIT_SOURCES[source]})" if source in LIMIT_SOURCES else text


def _sections(search: svc.CandidateSearch) -> tuple[tuple[str, list], ...]:
    return (
        ("match", search.matches),
        ("signal", search.signals),
        ("near_miss", search.near_misses),
    )


def _markers(search: svc.CandidateSearch, texts: dict[int, rows.RowText]) -> list[dict]:
    return [
        {  # short keys: one per result on the page (search-map.js reads them)
            "a": round(h.place.lat, 4),
            "o": round(h.place.lon, 4),
            "t": h.place.title,
            "s": section,
            "k": texts[h.place.id].distance,
            "i": h.place.id,
        }
        for section, hits in _sections(search)
        for h in hits
    ]


@bp.get("/candidates/<int:candidate_id>/search")
@login_required
def candidate(candidate_id: int):
    ctx = service_context()
    errors: dict = {}
    try:
        filters = forms.parse_filters(request.args)
    except ValidationFailed as exc:
        errors = exc.errors
        filters = svc.SearchFilters()
    result = svc.search_for_candidate(ctx, candidate_id, filters, follow_state=True)
    order = explain.sort_key(request.args.get("sort"))
    explain.sort_hits(result, order)
    from flask_babel import get_locale

    template = (
        "search/_results.html"
        if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
        else "search/candidate.html"
    )
    status = 422 if errors else 200
    texts = rows.row_texts(_sections(result), get_locale())
    return (
        render_template(
            template,
            search=result,
            errors=errors,
            kinds=KIND_LABELS,
            sectors=SBI_SECTIONS,
            verdicts=VERDICT_LABELS,
            marks=VERDICT_MARKS,
            show_capacity=result.show_capacity,
            markers=_markers(result, texts),
            row_texts=texts,
            tile_url=current_app.config.get("MAP_TILE_URL") or "",
            outline_url=url_for("static", filename="data/nl-outline.geojson"),
            sort=order,
            explanation_links=explain.explanation_links,
        ),
        status,
    )


@bp.get("/places/<int:place_id>/candidates")
@login_required
def reverse(place_id: int):
    ctx = service_context()
    result = svc.reverse_search(ctx, place_id)
    from flask_babel import get_locale

    return render_template(
        "search/reverse.html",
        search=result,
        verdicts=VERDICT_LABELS,
        marks=VERDICT_MARKS,
        item_label=item_label,
        band_text=band_text,
        locale=get_locale(),
        kinds=KIND_LABELS,
    )


def _list_context(result: svc.CandidateSearch) -> dict:
    """What the result rows and explanations need besides the search itself."""
    from flask_babel import get_locale

    return {
        "kinds": KIND_LABELS,
        "verdicts": VERDICT_LABELS,
        "marks": VERDICT_MARKS,
        "blockers": BLOCKER_LABELS,
        "item_label": item_label,
        "band_text": band_text,
        "show_capacity": result.show_capacity,
        "locale": get_locale(),
        "fit_summary": explain.fit_summary,
        "worst_verdict": explain.worst_verdict,
        # Only a user who may propose sees the propose link (issue 14: no dead ends).
        "may_propose": placement_svc.may_propose(service_context(), result.candidate),
    }


explain.register(bp, _list_context, forms.parse_filters)
