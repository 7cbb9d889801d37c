"""The result list's cells as text: per row what the compact list shows besides its title
and links (distance, kind, hours, period, last confirmed, the fit summary and, for a near
miss, what blocks it), formatted and translated once per row in plain Python.

A results page has some seventy rows. The same formatting as Jinja filters, template
messages and helper calls cost about as much as the whole rest of the page's rendering
(each call through the template's machinery, each message and number looking the
locale up again); here the locale is looked up once per page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from registry.domain.matching import BlockerKind
from registry.services import formatting as fmt
from registry.services import labels
from registry.services.translation import gettext
from registry.web.search.explain import verdict_counts, worst_verdict


@dataclass(frozen=True, slots=True)
class RowText:
    distance: str
    kind: str
    hours: str
    period: str
    confirmed: str
    verdict: str  # the row's worst item verdict: conflict, signal, unknown or fit
    fit: str  # "31 past · 2 signalen"
    blockers: str  # a near miss: what blocks it ("te ver (+2,1 km), tillen"); else ""


def _hours(place: Any, locale: str) -> str:
    low, usual = place.min_hours_week, place.usual_hours_week
    if low is None:
        return "?" if usual is None else fmt.number(usual, 1, locale)
    text = fmt.number(low, 1, locale)
    if usual is not None and usual != low:
        text += "–" + fmt.number(usual, 1, locale)
    return text


def _period(place: Any, locale: str) -> str:
    if place.ongoing:
        return gettext("ongoing")
    if place.available_until:
        return gettext("until %(date)s", date=fmt.date_short(place.available_until, locale))
    return "?"


def _blockers(result: Any, locale: str) -> str:
    parts = []
    for b in result.blockers:
        text = str(labels.BLOCKER.get(b.kind, b.kind))
        if b.kind is BlockerKind.TOO_FAR:
            text += f" (+{fmt.distance(b.amount, locale)})"
        parts.append(text)
    return ", ".join(parts)


def row_text(hit: Any, section: str, locale: str) -> RowText:
    """One hit's cells (``section``: match, signal or near_miss)."""
    place, result = hit.place, hit.result
    confirmed = place.last_confirmed_at
    return RowText(
        distance=fmt.distance(result.distance_km, locale),
        kind=str(labels.PLACE_KIND.get(place.kind, place.kind)),
        hours=_hours(place, locale),
        period=_period(place, locale),
        confirmed=fmt.date_short(confirmed, locale) if confirmed else gettext("never"),
        verdict=worst_verdict(result.comparison),
        fit=labels.fit_summary(verdict_counts(result.comparison)),
        blockers=_blockers(result, locale) if section == "near_miss" else "",
    )


def row_texts(sections: Iterable[tuple[str, Iterable[Any]]], locale: object) -> dict[int, RowText]:
    """Every listed hit's cells, by place id; ``sections``: (section, hits) pairs."""
    code = fmt.current_locale(locale)
    return {
        hit.place.id: row_text(hit, section, code) for section, hits in sections for hit in hits
    }
