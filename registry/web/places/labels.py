"""Translated labels for place values, shared by the place pages (and anyone showing a place)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from registry.domain.workload import CONDITIONS, EXPOSURES, SECTIONS, all_dimensions
from registry.services import labels as enum_labels

KIND_LABELS = enum_labels.PLACE_KIND
KIND_HELP = enum_labels.PLACE_KIND_HELP
STATUS_LABELS = enum_labels.PLACE_STATUS
DAY_LABELS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}
OFFER_LABELS = {
    "mentor": _l("A mentor or work buddy"),
    "training": _l("Training"),
    "travel_allowance": _l("Travel allowance"),
    "adjustments": _l("Workplace adjustments"),
    "contract_chance": _l("Chance of a contract afterwards"),
}
FIELD_LABELS = {
    "function": _l("Function"),
    "description": _l("Description"),
    "hours": _l("Hours per week"),
    "schedule": _l("Working days"),
    "exposures": _l("Physical environment (exposures)"),
    "conditions": _l("Working conditions the place can offer"),
    "contact": _l("Contact person"),
}
FRESHNESS_LABELS = {
    "ok": _l("Confirmed"),
    "due_soon": _l("Confirm soon"),
    "overdue": _l("Confirmation overdue"),
    "": "",
}
EVENT_LABELS = {
    "place.created": _l("Created"),
    "place.updated": _l("Changed"),
    "place.duplicated": _l("Created as a copy"),
    "place.submitted": _l("Offered to the networks"),
    "place.published": _l("Published after review"),
    "place.sent_back": _l("Sent back"),
    "place.pause": _l("Paused"),
    "place.resume": _l("Opened again"),
    "place.mark_full": _l("Marked as full"),
    "place.close": _l("Closed"),
    "place.confirmed": _l("Confirmed as current"),
    "place.reminder_sent": _l("Reminder to confirm sent"),
    "place.paused_stale": _l("Paused: not confirmed in time"),
    "place.period_ended": _l("Closed: period ended"),
    "place.imported": _l("Imported"),
    "place.confirm_requested": _l("Asked to confirm"),
    "place.exported": _l("Exported"),
    "candidate.reverse_search": _l("Searched for candidates who fit"),
}


def locale() -> str:
    return str(get_locale() or "nl")


def dimension_label(key: str) -> str:
    for dim in all_dimensions():
        if dim.key == key:
            return dim.label(locale())
    return key


def exposure_choices() -> list[tuple[str, str]]:
    return [(f.key, f.label(locale())) for f in EXPOSURES]


def condition_choices() -> list[tuple[str, str]]:
    return [(f.key, f.label(locale())) for f in CONDITIONS]


def section_label(code: str) -> str:
    return f"{code}. {SECTIONS[code].label(locale())}"


def template_globals() -> dict[str, object]:
    return {
        "place_kind_labels": KIND_LABELS,
        "place_kind_help": KIND_HELP,
        "place_status_labels": STATUS_LABELS,
        "place_day_labels": DAY_LABELS,
        "place_offer_labels": OFFER_LABELS,
        "place_field_labels": FIELD_LABELS,
        "place_freshness_labels": FRESHNESS_LABELS,
        "place_event_labels": EVENT_LABELS,
        "place_dimension_label": dimension_label,
        "place_section_label": section_label,
        "place_exposure_choices": exposure_choices,
        "place_condition_choices": condition_choices,
        "place_locale": locale,
    }
