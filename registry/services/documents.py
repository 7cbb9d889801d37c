"""Placement documents as PDF (fpdf2, pure Python): agreement, evaluation form, certificate.

Generated on request in Dutch or English; nothing is stored. Texts are fixed here per
language (legal wording reviewed as a whole rather than string by string). Workload
conditions are stated in workload terms only; no medical data exists to print.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from registry.domain.permissions import Action, can
from registry.domain.placement import Party, certificate_weeks
from registry.domain.workload import condition, dimension, exposure
from registry.models import Placement
from registry.services import formatting, labels
from registry.services import placements as placement_service
from registry.services.context import Context
from registry.services.errors import Conflict

KINDS = ("agreement", "evaluation", "certificate")

T = {
    "nl": {
        "agreement": "Plaatsingsovereenkomst",
        "evaluation": "Evaluatieformulier",
        "certificate": "Ervaringscertificaat",
        "parties": "Partijen",
        "home": "Werkgever (thuiswerkgever)",
        "host": "Gastwerkgever",
        "candidate": "Werknemer",
        "coach": "Re-integratiebegeleider",
        "kind": "Soort plaatsing",
        "place": "Plek",
        "period": "Periode",
        "from_until": "van {start} tot en met {end}",
        "open": "nog vast te stellen",
        "hours": "Uren per week",
        "build_up": "Opbouw van de uren",
        "tasks": "Werkzaamheden",
        "supervisor": "Begeleiding bij de gastwerkgever",
        "conditions": "Werkomstandigheden (alleen in termen van belasting)",
        "insurance_h": "Verzekering en aansprakelijkheid",
        "insurance": (
            "De werknemer blijft in dienst van de thuiswerkgever, die het loon doorbetaalt. "
            "De gastwerkgever zorgt voor een veilige werkplek en instructie en meldt een "
            "ongeval direct aan de thuiswerkgever. Schade die de werknemer bij de "
            "werkzaamheden veroorzaakt valt onder de aansprakelijkheidsverzekering van de "
            "gastwerkgever, tenzij partijen schriftelijk anders afspreken."
        ),
        "privacy": "Dit document bevat geen medische gegevens.",
        "signatures": "Ondertekening",
        "name_date": "Naam, datum en handtekening",
        "network": "Netwerk",
        "eval_intro": "In te vullen door de gastwerkgever aan het einde van de plaatsing.",
        "tasks_done": "Wat heeft de kandidaat gedaan?",
        "strengths": "Wat heeft de kandidaat laten zien (sterke punten)?",
        "development": "Ontwikkelpunten",
        "recommendation": "Aanbeveling",
        "overall": "Algemene opmerking",
        "ratings": "Beoordeling (1 = zwak, 5 = uitstekend)",
        "rating_names": {
            "punctuality": "Stiptheid en betrouwbaarheid",
            "quality": "Kwaliteit van het werk",
            "cooperation": "Samenwerking",
            "learning": "Leerbereidheid",
            "independence": "Zelfstandigheid",
        },
        "cert_intro": "Hierbij verklaart {host} dat {name} van {start} tot en met {end} "
        "werkervaring heeft opgedaan als {kind} bij onze organisatie ({weeks}).",
        "cert_sign": "Namens de gastwerkgever",
        "weeks": "weken",
        "issued": "Opgemaakt op {date}",
        "draft": (
            "Concept: de namen van de werknemer en de thuiswerkgever volgen na het "
            "kennismakingsgesprek, als de werknemer daarmee heeft ingestemd."
        ),
        "names_follow": "volgt na het kennismakingsgesprek",
        "hours_start": "Uren per week bij de start",
        "hours_target": "Uren per week als doel",
        "hours_value": "{hours} uur",
        "signals": "Aandachtspunten en afgesproken aanpassingen",
        "adjustments": "Aanpassingen die de gastwerkgever biedt",
        "none": "geen",
    },
    "en": {
        "agreement": "Placement agreement",
        "evaluation": "Evaluation form",
        "certificate": "Certificate of experience",
        "parties": "Parties",
        "home": "Employer (home employer)",
        "host": "Host employer",
        "candidate": "Employee",
        "coach": "Reintegration coach",
        "kind": "Kind of placement",
        "place": "Place",
        "period": "Period",
        "from_until": "from {start} up to and including {end}",
        "open": "to be agreed",
        "hours": "Hours per week",
        "build_up": "Build-up of hours",
        "tasks": "Tasks",
        "supervisor": "Supervision at the host",
        "conditions": "Work conditions (in workload terms only)",
        "insurance_h": "Insurance and liability",
        "insurance": (
            "The employee stays employed by the home employer, who continues to pay the "
            "wages. The host employer provides a safe workplace and instruction and reports "
            "any accident to the home employer at once. Damage the employee causes during "
            "the work is covered by the host employer's liability insurance unless the "
            "parties agree otherwise in writing."
        ),
        "privacy": "This document contains no medical data.",
        "signatures": "Signatures",
        "name_date": "Name, date and signature",
        "network": "Network",
        "eval_intro": "To be filled in by the host employer at the end of the placement.",
        "tasks_done": "What did the candidate do?",
        "strengths": "What did the candidate show (strengths)?",
        "development": "Points for development",
        "recommendation": "Recommendation",
        "overall": "Overall remark",
        "ratings": "Ratings (1 = weak, 5 = excellent)",
        "rating_names": {
            "punctuality": "Punctuality and reliability",
            "quality": "Quality of work",
            "cooperation": "Cooperation",
            "learning": "Willingness to learn",
            "independence": "Independence",
        },
        "cert_intro": "{host} declares that {name} gained work experience as {kind} in our "
        "organisation from {start} up to and including {end} ({weeks}).",
        "cert_sign": "On behalf of the host employer",
        "weeks": "weeks",
        "issued": "Issued on {date}",
        "draft": (
            "Draft: the names of the employee and the home employer follow after the "
            "introduction, once the employee has consented to it."
        ),
        "names_follow": "follows after the introduction",
        "hours_start": "Hours per week at the start",
        "hours_target": "Target hours per week",
        "hours_value": "{hours} hours",
        "signals": "Points of attention and agreed adjustments",
        "adjustments": "Adjustments the host offers",
        "none": "none",
    },
}


def _kind_name(placement: Placement, language: str) -> str:
    """The kind of place in running text ("werkervaringsplaats", "work-experience place"),
    from the one labels table."""
    with force_locale(language):
        return labels.label(labels.PLACE_KIND, placement.place.kind).lower()


_REPLACE = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u20ac": "EUR ",
}


def _latin(text: object) -> str:
    """The core PDF fonts speak Latin-1 (enough for Dutch); replace anything else."""
    value = str(text or "")
    for bad, good in _REPLACE.items():
        value = value.replace(bad, good)
    return value.encode("latin-1", "replace").decode("latin-1")


class _Doc(FPDF):
    def __init__(self, title: str, footer: str) -> None:
        super().__init__(format="A4")
        self._title, self._footer = title, footer
        self.set_title(_latin(title))
        self.set_creator("Second-track registry")
        self.set_auto_page_break(True, margin=18)
        self.add_page()
        self.set_font("Helvetica", "B", 18)
        self.multi_cell(0, 10, _latin(title), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 8, _latin(f"{self._footer} - {self.page_no()}"), align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", 12)
        self.multi_cell(0, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")

    def para(self, text: str) -> None:
        self.set_font("Helvetica", "", 10)
        self.multi_cell(0, 5.5, _latin(text), new_x="LMARGIN", new_y="NEXT")

    def row(self, label: str, value: object) -> None:
        self.set_font("Helvetica", "B", 10)
        self.cell(60, 6, _latin(label))
        self.set_font("Helvetica", "", 10)
        self.multi_cell(
            0, 6, _latin(value if value not in (None, "") else "-"), new_x="LMARGIN", new_y="NEXT"
        )

    def lines(self, count: int = 3) -> None:
        for _ in range(count):
            self.cell(0, 7, "", border="B", new_x="LMARGIN", new_y="NEXT")

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def _candidate_name(ctx: Context, placement: Placement) -> str:
    ident = placement_service.identity(ctx, placement)
    return ident.name if ident.revealed and ident.name else ident.pseudonym


def _period(t: dict, start: dt.date | None, end: dt.date | None, language: str) -> str:
    if not start:
        return t["open"]
    return t["from_until"].format(
        start=formatting.date_long(start, language),
        end=formatting.date_long(end, language) if end else "...",
    )


def _conditions(placement: Placement, language: str) -> list[str]:
    out = []
    for key, value in sorted((placement.place.demands or {}).items()):
        band = value.get("band") if isinstance(value, dict) else None
        if band is None:
            continue
        try:
            dim = dimension(key)
            out.append(f"{dim.label(language)}: {dim.bands[band].label(language)}")
        except (KeyError, IndexError, ValueError, AttributeError):
            continue
    return out


def _result_label(key: str, language: str) -> str:
    """A comparison key (dimension, exposure, condition, hours) in the document language."""
    if key == "hours":
        return {"nl": "Uren", "en": "Hours"}[language]
    for finder in (dimension, exposure, condition):
        try:
            return finder(key).label(language)
        except (KeyError, ValueError, AttributeError):
            continue
    return key


def _hours(t: dict, value: float | None, language: str) -> str:
    """Hours per week, the number formatted for the language (``12,5 uur``)."""
    if value is None:
        return t["open"]
    return t["hours_value"].format(hours=formatting.number(value, 1, language))


def _agreement_parties(ctx: Context, placement: Placement, t: dict, pdf: _Doc) -> None:
    """The three parties. Names only once introduced; the home employer only for whom
    ``placements.shows_home_employer`` allows (the one rule for every surface)."""
    named = placement_service.introduced(placement)
    if not named:
        pdf.para(t["draft"])
    home = placement.home_employer.legal_name
    if not placement_service.shows_home_employer(ctx, placement):
        home = t["names_follow"]
    pdf.heading(t["parties"])
    pdf.row(t["home"], home)
    pdf.row(t["host"], placement.host_employer.legal_name)
    candidate = _candidate_name(ctx, placement) if named else placement.candidate.pseudonym
    if not named:
        candidate = f"{candidate} ({t['names_follow']})"
    pdf.row(t["candidate"], candidate)
    pdf.row(t["network"], placement.network.name)


def _agreement_signals(placement: Placement, t: dict, language: str, pdf: _Doc) -> None:
    """The signal reasons and the adjustments the coach recorded with the proposal."""
    pdf.heading(t["signals"])
    reasons = placement.signal_reasons or {}
    for key, reason in sorted(reasons.items()):
        pdf.row(_result_label(key, language), reason)
    if not reasons:
        pdf.para(f"- {t['none']}")
    adjustments = sorted((placement.fit or {}).get("conditions") or {})
    if adjustments:
        pdf.row(t["adjustments"], ", ".join(_result_label(k, language) for k in adjustments))


def agreement(ctx: Context, placement: Placement, language: str) -> bytes:
    t = T[language]
    pdf = _Doc(t["agreement"], t["privacy"])
    _agreement_parties(ctx, placement, t, pdf)
    pdf.heading(t["place"])
    pdf.row(t["place"], placement.place.title)
    pdf.row(t["kind"], _kind_name(placement, language))
    start = placement.started_on or placement.planned_start
    pdf.row(t["period"], _period(t, start, placement.ended_on or placement.planned_end, language))
    target = placement.target_hours_per_week or placement.place.usual_hours_week
    pdf.row(t["hours_start"], _hours(t, placement.hours_per_week, language))
    pdf.row(t["hours_target"], _hours(t, target, language))
    pdf.row(t["build_up"], placement.build_up)
    pdf.row(t["tasks"], placement.tasks or placement.place.description)
    pdf.row(t["supervisor"], placement.supervisor or placement.place.contact_name)
    pdf.heading(t["conditions"])
    for line in _conditions(placement, language) or ["-"]:
        pdf.para(f"- {line}")
    _agreement_signals(placement, t, language, pdf)
    pdf.heading(t["insurance_h"])
    pdf.para(t["insurance"])
    pdf.heading(t["signatures"])
    for party in (t["home"], t["host"], t["candidate"]):
        pdf.row(party, t["name_date"])
        pdf.lines(1)
        pdf.ln(3)
    return pdf.output_bytes()


def evaluation(ctx: Context, placement: Placement, language: str) -> bytes:
    t = T[language]
    pdf = _Doc(t["evaluation"], t["privacy"])
    pdf.para(t["eval_intro"])
    pdf.row(t["candidate"], _candidate_name(ctx, placement))
    pdf.row(t["host"], placement.host_employer.legal_name)
    pdf.row(t["period"], _period(t, placement.started_on, placement.ended_on, language))
    data = placement.evaluation or {}
    for key in ("tasks_done", "strengths", "development", "recommendation", "overall"):
        pdf.heading(t[key])
        if data.get(key):
            pdf.para(data[key])
        else:
            pdf.lines(3)
    pdf.heading(t["ratings"])
    ratings = data.get("ratings") or {}
    for key, label in t["rating_names"].items():
        pdf.row(label, ratings.get(key) or "1  2  3  4  5")
    return pdf.output_bytes()


def certificate_available(placement: Placement) -> bool:
    """A certificate exists once the placement ended with at least one real week."""
    return certificate_weeks(placement.status, placement.started_on, placement.ended_on) > 0


def _weeks_text(weeks: int, language: str) -> str:
    with force_locale(language):
        return ngettext("%(num)s week", "%(num)s weeks", weeks)


def certificate(ctx: Context, placement: Placement, language: str) -> bytes:
    t = T[language]
    weeks = certificate_weeks(placement.status, placement.started_on, placement.ended_on)
    if not weeks:
        raise Conflict(
            _l(
                "A certificate of experience is available once the placement has been "
                "completed or ended early, after at least one full week of work."
            )
        )
    pdf = _Doc(t["certificate"], t["privacy"])
    pdf.para(
        t["cert_intro"].format(
            host=placement.host_employer.legal_name,
            name=_candidate_name(ctx, placement),
            start=formatting.date_long(placement.started_on, language),
            end=formatting.date_long(placement.ended_on, language),
            kind=_kind_name(placement, language),
            weeks=_weeks_text(weeks, language),
        )
    )
    pdf.row(t["place"], placement.place.title)
    data = placement.evaluation or {}
    for key in ("tasks_done", "strengths"):
        if data.get(key):
            pdf.heading(t[key])
            pdf.para(data[key])
    if not data.get("tasks_done") and placement.tasks:
        pdf.heading(t["tasks"])
        pdf.para(placement.tasks)
    pdf.ln(6)
    pdf.para(t["issued"].format(date=formatting.date_long(ctx.today(), language)))
    pdf.row(t["cert_sign"], t["name_date"])
    pdf.lines(1)
    return pdf.output_bytes()


_RENDER = {"agreement": agreement, "evaluation": evaluation, "certificate": certificate}


def may_download(ctx: Context, placement) -> bool:
    """Whether the actor (who may see the placement) may download its documents: every
    party may; an administrator who is no party only with the right to act on it. The
    placement page asks this before it offers the links (issue 14)."""
    parties = placement_service.parties(ctx, placement)
    if Party.ADMIN in parties and len(parties) == 1:
        return ctx.actor is not None and can(
            ctx.actor, Action.PLACEMENT_ACT, placement_service.facts_of(placement)
        )
    return True


def render(ctx: Context, placement_id: int, kind: str, language: str) -> tuple[bytes, str]:
    """The PDF and its file name; every party of the placement may download them."""
    placement = placement_service.get_placement(ctx, placement_id, Action.PLACEMENT_VIEW)
    if not may_download(ctx, placement):
        ctx.require(Action.PLACEMENT_ACT, placement_service.facts_of(placement))
    language = language if language in T else "nl"
    data = _RENDER[kind](ctx, placement, language)
    with ctx.transaction():
        ctx.audit("placement.document", "placement", placement.id, kind=kind, language=language)
    return data, f"{kind}-{placement.id}-{language}.pdf"
