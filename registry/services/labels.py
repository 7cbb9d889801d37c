"""Every enum's label in the reader's language: one table per enum, used by templates,
PDFs, exports and messages alike, so that no internal code (``ended_early``,
``admitted``) ever reaches a person.

The tables are keyed by the enum members; as they are ``StrEnum`` members a lookup with
the plain value (``PLACE_KIND["stage"]``) finds the same label. :func:`label` falls back
to a readable form of an unknown value rather than the raw code.
"""

from __future__ import annotations

from collections.abc import Mapping

from registry.domain.matching import BlockerKind
from registry.domain.permissions import Role
from registry.domain.placement import DeclineReason, EndReason, Outcome, Party, Status
from registry.domain.workload import Verdict
from registry.models.candidates import TrajectoryStatus
from registry.models.organisations import (
    CoachOrganisationKind,
    MembershipStatus,
    NetworkKind,
    SizeClass,
)
from registry.models.places import PlaceKind, PlaceStatus
from registry.services.translation import lazy_gettext as _l
from registry.services.translation import ngettext

__all__ = [
    "BLOCKER",
    "DECLINE_REASON",
    "END_REASON",
    "MEMBERSHIP_STATUS",
    "NETWORK_KIND",
    "ORG_KIND",
    "PLACEMENT_OUTCOME",
    "PLACEMENT_STATUS",
    "PLACE_FIELD",
    "PLACE_KIND",
    "PLACE_KIND_HELP",
    "PLACE_STATUS",
    "ROLE",
    "SIZE_CLASS",
    "TRAJECTORY_STATUS",
    "VERDICT",
    "VERDICT_MARK",
    "fit_summary",
    "verdict_count",
    "label",
]

PLACE_KIND = {
    PlaceKind.SNUFFELSTAGE: _l("Taster internship"),
    PlaceKind.MEELOOPDAG: _l("Job-shadowing day"),
    PlaceKind.STAGE: _l("Internship"),
    PlaceKind.WERKERVARINGSPLAATS: _l("Work-experience place"),
    PlaceKind.DETACHERING: _l("Secondment"),
}
PLACE_KIND_HELP = {
    PlaceKind.SNUFFELSTAGE: _l("A few days to get a feel for the work and the workplace."),
    PlaceKind.MEELOOPDAG: _l("One day walking along with an employee to see the work."),
    PlaceKind.STAGE: _l("Some weeks of learning the work under guidance."),
    PlaceKind.WERKERVARINGSPLAATS: _l(
        "A longer placement to gain work experience; the home employer keeps paying."
    ),
    PlaceKind.DETACHERING: _l(
        "The employee works at the host while employed and paid by the home employer; "
        "possible until the end of the second sick year."
    ),
}
PLACE_STATUS = {
    PlaceStatus.DRAFT: _l("Draft"),
    PlaceStatus.SUBMITTED: _l("Waiting for review"),
    PlaceStatus.OPEN: _l("Open"),
    PlaceStatus.PAUSED: _l("Paused"),
    PlaceStatus.FULL: _l("Full"),
    PlaceStatus.CLOSED: _l("Closed"),
}
PLACEMENT_STATUS = {
    Status.PROPOSED: _l("Proposed"),
    Status.ACCEPTED: _l("Accepted"),
    Status.DECLINED: _l("Declined"),
    Status.WITHDRAWN: _l("Withdrawn"),
    Status.STARTED: _l("Running"),
    Status.CANCELLED: _l("Cancelled"),
    Status.COMPLETED: _l("Completed"),
    Status.ENDED_EARLY: _l("Ended early"),
}
PLACEMENT_OUTCOME = {
    Outcome.HIRED: _l("Hired by the host (contract)"),
    Outcome.SECONDMENT_CONTINUED: _l("Secondment continued"),
    Outcome.RETURNED_HOME: _l("Returned to the home employer"),
    Outcome.NO_FOLLOW_UP: _l("No follow-up"),
}
DECLINE_REASON = {
    DeclineReason.NO_CAPACITY: _l("No capacity at the moment"),
    DeclineReason.NOT_SUITABLE: _l("The place does not suit this candidate"),
    DeclineReason.WORKLOAD_MISMATCH: _l("The workload does not match"),
    DeclineReason.TIMING: _l("The timing does not work"),
    DeclineReason.CANDIDATE_UNAVAILABLE: _l("The candidate is not available"),
    DeclineReason.OTHER: _l("Other reason"),
}
END_REASON = {
    EndReason.WORKLOAD_TOO_HIGH: _l("The workload was too high"),
    EndReason.NOT_SUITABLE: _l("The place did not suit the candidate"),
    EndReason.CANDIDATE_REQUEST: _l("At the candidate's request"),
    EndReason.HOST_REQUEST: _l("At the host's request"),
    EndReason.HOME_REQUEST: _l("At the home employer's request"),
    EndReason.OTHER: _l("Other reason"),
}
PARTY = {
    Party.COACH: _l("Coach"),
    Party.HOST: _l("Host employer"),
    Party.HOME: _l("Home employer"),
    Party.COORDINATOR: _l("Network coordinator"),
    Party.ADMIN: _l("Administrator"),
}
MEMBERSHIP_STATUS = {
    MembershipStatus.APPLIED: _l("Applied"),
    MembershipStatus.ADMITTED: _l("Admitted"),
    MembershipStatus.SUSPENDED: _l("Suspended"),
    MembershipStatus.LEFT: _l("Left"),
}
NETWORK_KIND = {NetworkKind.REGIONAL: _l("Regional"), NetworkKind.SECTORAL: _l("Sectoral")}
SIZE_CLASS = {
    SizeClass.MICRO: _l("Micro (fewer than 10)"),
    SizeClass.SMALL: _l("Small (10-49)"),
    SizeClass.MEDIUM: _l("Medium (50-249)"),
    SizeClass.LARGE: _l("Large (250 or more)"),
}
ORG_KIND = {
    CoachOrganisationKind.REINTEGRATION_COMPANY: _l("Reintegration company"),
    CoachOrganisationKind.ARBO_SERVICE: _l("Occupational health service"),
    CoachOrganisationKind.EMPLOYER_HR: _l("Employer's own HR team"),
}
ROLE = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Network coordinator"),
    Role.COACH: _l("Reintegration coach"),
    Role.EMPLOYER: _l("Employer contact"),
}
TRAJECTORY_STATUS = {
    TrajectoryStatus.ACTIVE: _l("Active"),
    TrajectoryStatus.CLOSED: _l("Closed"),
    TrajectoryStatus.ERASED: _l("Erased"),
}

# One vocabulary for a comparison's outcome, with the same symbol on every page, PDF and
# export: past, signaal, past niet, onbekend.
VERDICT = {
    Verdict.FIT: _l("fits"),
    Verdict.SIGNAL: _l("signal"),
    Verdict.CONFLICT: _l("does not fit"),
    Verdict.UNKNOWN: _l("unknown"),
}
VERDICT_MARK = {
    Verdict.FIT: "✓",
    Verdict.SIGNAL: "!",
    Verdict.CONFLICT: "✗",
    Verdict.UNKNOWN: "?",
}
# A place's stated fields, as the history names what changed ("Gewijzigd: Titel, Tillen").
PLACE_FIELD = {
    "kind": _l("Kind of place"),
    "title": _l("Title"),
    "function": _l("Function"),
    "sector": _l("Sector (SBI section)"),
    "description": _l("Description of the work"),
    "postcode": _l("Postcode"),
    "house_number": _l("House number (optional)"),
    "slots": _l("Places at the same time"),
    "min_hours_week": _l("Minimum hours per week"),
    "usual_hours_week": _l("Usual hours per week"),
    "lower_start_allowed": _l("A lower start with build-up is possible"),
    "schedule_days": _l("Working days"),
    "evening_work": _l("Evening work"),
    "weekend_work": _l("Weekend work"),
    "available_from": _l("Available from"),
    "available_until": _l("Available until"),
    "ongoing": _l("Ongoing (no end date)"),
    "typical_weeks": _l("Typical duration (weeks)"),
    "intake_cap_per_month": _l("At most this many new proposals a month"),
    "offers": _l("What the host offers"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail"),
    "contact_phone": _l("Contact phone"),
    "demands": _l("Workload"),
    "exposures": _l("Physical environment (exposures)"),
    "offers_conditions": _l("Working conditions the place can offer"),
    "networks": _l("Offer to networks"),
}
BLOCKER = {
    BlockerKind.TOO_FAR: _l("Too far"),
    BlockerKind.DIMENSION: _l("Workload"),
    BlockerKind.EXPOSURE: _l("Exposure"),
    BlockerKind.CONDITION: _l("Condition"),
    BlockerKind.HOURS: _l("Hours"),
    BlockerKind.FULL: _l("Full"),
    BlockerKind.CLOSED: _l("Closed"),
    BlockerKind.KIND: _l("Kind of place"),
    BlockerKind.HOME_EMPLOYER: _l("The candidate's own employer"),
    BlockerKind.ENDED: _l("Period ended"),
}


def label(table: Mapping, value: object) -> str:
    """The label of ``value`` in ``table``; an unknown value reads as words, not a code."""
    key = getattr(value, "value", value)
    found = table.get(key)
    if found is not None:
        return str(found)
    return "" if key is None else str(key).replace("_", " ")


def verdict_count(verdict: object, num: int) -> str:
    """A count of one outcome in words: "31 past", "2 signalen", "1 past niet"."""
    key = getattr(verdict, "value", verdict)
    if key == Verdict.FIT:
        return ngettext("%(num)s fits", "%(num)s fit", num)
    if key == Verdict.SIGNAL:
        return ngettext("%(num)s signal", "%(num)s signals", num)
    if key == Verdict.CONFLICT:
        return ngettext("%(num)s does not fit", "%(num)s do not fit", num)
    return ngettext("%(num)s unknown", "%(num)s unknown", num)


def fit_summary(counts: Mapping) -> str:
    """ "31 past · 2 signalen · 1 onbekend": the non-zero counts, worst last."""
    order = (Verdict.FIT, Verdict.SIGNAL, Verdict.CONFLICT, Verdict.UNKNOWN)
    parts = [verdict_count(v, counts.get(v, 0)) for v in order if counts.get(v, 0)]
    return " · ".join(parts)


# --------------------------------------------------------------------------- workload labels

_CATALOGUES: dict[str, object] = {}


def _catalogue(locale: str):
    from babel.support import Translations

    from registry import PROJECT_ROOT

    if locale not in _CATALOGUES:
        _CATALOGUES[locale] = Translations.load(
            str(PROJECT_ROOT / "registry" / "translations"), [locale]
        )
    return _CATALOGUES[locale]


def translate_workload(msgid: str, locale: object = None) -> str | None:
    """The workload catalogue's translator (see ``workload.set_translator``): the
    message catalogue's text for an ``N_``-marked English label in ``locale`` (the
    request's when None), or None when the catalogue has no Dutch for it."""
    from registry.services.formatting import current_locale

    if not msgid:
        return None
    loc = current_locale(locale)
    text = _catalogue(loc).gettext(msgid)
    if loc != "en" and text == msgid:
        return None
    return text


def install_workload_translator() -> None:
    """Translate the workload catalogue's labels through the message catalogues."""
    from registry.domain import workload

    workload.set_translator(translate_workload)
