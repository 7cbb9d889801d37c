"""What the round page shows, read from the round's stored input and result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.domain.workload import CONDITIONS, EXPOSURES, dimension
from registry.models.matchmaking import MatchRound, RoundStatus
from registry.services import formatting
from registry.services.context import Context

STATUS_LABELS = {
    RoundStatus.PROPOSED: _l("Proposed"),
    RoundStatus.APPROVED: _l("Approved"),
    RoundStatus.DISCARDED: _l("Discarded"),
}


def item_label(kind: str, key: str) -> str:
    """A compared item's name (dimension, exposure, condition or hours)."""
    locale = get_locale()
    try:
        if kind == "dimension":
            return dimension(key).label(locale)
        if kind == "exposure":
            return next(f for f in EXPOSURES if f.key == key).label(locale)
        if kind == "condition":
            return next(f for f in CONDITIONS if f.key == key).label(locale)
    except (KeyError, StopIteration):
        return key.replace("_", " ")
    return _("Hours per week")


@dataclass
class PairRow:
    candidate_id: int
    pseudonym: str
    weeks_left: int
    place_id: int
    place: str
    employer: str
    town: str
    distance: float
    signals: list[str]
    unknowns: int
    terms: dict[str, int]
    points: int
    share: float
    rank: int
    locked: bool


@dataclass
class Figures:
    placed: int = 0
    urgent_placed: int = 0
    pairs: int = 0
    total_km: float = 0.0
    points: int = 0
    balance_change: int = 0


@dataclass
class RoundPage:
    network: str
    candidates: int
    places: int
    slots: int
    pair_count: int
    excluded: int
    optimum: Figures
    greedy: Figures
    pairs: list[PairRow] = field(default_factory=list)
    unplaced: list[tuple[str, int, str]] = field(default_factory=list)
    empty: list[tuple[str, str, str, int]] = field(default_factory=list)


def _reason(outcome: str, place: str, weeks: int) -> str:
    if outcome == "no_match":
        return _("No place in this round fits.")
    if outcome == "more_urgent":
        return ngettext(
            "Slot at %(place)s given to a candidate %(num)s week closer to week 104.",
            "Slot at %(place)s given to a candidate %(num)s weeks closer to week 104.",
            weeks,
            place=place,
        )
    return _(
        "Its best place, %(place)s, went to another candidate: giving it to this one would "
        "leave someone without a place or lower the round's total.",
        place=place,
    )


def round_view(ctx: Context, rnd: MatchRound) -> RoundPage:
    """The round page, from the stored snapshot; the candidates shown are audited."""
    data: dict[str, Any] = rnd.input or {}
    result: dict[str, Any] = rnd.result or {}
    cands, places, pairs = data.get("candidates", []), data.get("places", []), data.get("pairs", [])
    chosen = result.get("chosen", [])
    total = sum(pairs[i][10] for i, _r in chosen) or 1
    locks = {tuple(x) for x in rnd.locks}
    page = RoundPage(
        network=rnd.network.name,
        candidates=len(cands),
        places=len(places),
        slots=sum(p[5] for p in places),
        pair_count=len(pairs),
        excluded=int(data.get("excluded", 0)),
        optimum=Figures(**result.get("optimum", {})),
        greedy=Figures(**result.get("greedy", {})),
    )
    explain = result.get("explain", {})
    for i, rank in chosen:
        c, p = cands[pairs[i][0]], places[pairs[i][1]]
        info = explain.get(str(i), {})
        page.pairs.append(
            PairRow(
                candidate_id=c[0],
                pseudonym=c[1],
                weeks_left=c[2],
                place_id=p[0],
                place=p[1],
                employer=p[3],
                town=p[4],
                distance=pairs[i][2],
                signals=[item_label(k, key) for k, key in info.get("signals", [])],
                unknowns=len(info.get("unknowns", [])),
                terms=dict(
                    zip(("urgency", "fit", "distance", "reciprocity"), pairs[i][6:10], strict=True)
                ),
                points=pairs[i][10],
                share=100.0 * pairs[i][10] / total,
                rank=rank,
                locked=(c[0], p[0]) in locks,
            )
        )
    page.pairs.sort(key=lambda r: (r.weeks_left, r.pseudonym, r.rank))
    for c, outcome, p, weeks in result.get("unplaced", []):
        name = places[p][1] if p is not None else ""
        page.unplaced.append((cands[c][1], cands[c][2], _reason(outcome, name, weeks)))
    page.unplaced.sort(key=lambda u: (u[1], u[0]))
    page.empty = [
        (places[p][1], places[p][3], places[p][4], places[p][5]) for p in result.get("empty", [])
    ]
    with ctx.read_transaction():
        ctx.audit_each(
            "candidate.listed",
            "candidate",
            [c[0] for c in cands],
            groups=["fit_summary"],
            via="match_round",
            round_id=rnd.id,
        )
    return page


def accept_form(s):
    """The one-click proposal form of a suggestion, with a motivation written for it."""
    from registry.web.matchmaking import AcceptForm

    form = AcceptForm(prefix=f"a{s.id}")
    if not form.motivation.data:
        form.motivation.data = _(
            "Suggested by the matchmaking round of %(network)s: this place fits the "
            "candidate's workload capacity within %(km)s km.",
            network=s.round.network.name,
            km=formatting.number(_distance(s)),
        )
    return form


def _distance(s) -> float:
    pair = s.explanation.get("pair") or []
    return float(pair[2]) if len(pair) > 2 else 0.0
