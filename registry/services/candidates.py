"""Use cases for candidates (second-track trajectories), their capacity profiles and consents.

Candidate data is health-related personal data (AVG special category). Every function here
that reads or changes it checks the field-group rules in
:mod:`registry.domain.permissions` and writes an audit event: views (``candidate.viewed``,
``candidate.listed``) as well as changes. Audit details name field groups and field
names, never values, so the audit trail itself holds no personal data.

A candidate someone may not see at all is reported as *not found* (never "forbidden"),
so ids cannot be probed.

Size (over 500 lines): every use case that reads or changes candidate health data is
here, so their visibility checks and audit events can be reviewed in one module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from registry.domain import timeline
from registry.domain.free_text import Finding, medical_terms_in, screen
from registry.domain.permissions import (
    ALL_FIELD_GROUPS,
    Action,
    CandidateFacts,
    FieldGroup,
    NetworkFacts,
    can,
    visible_fields,
)
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    HOURS_PER_DAY,
    HOURS_PER_WEEK,
    CapacityFacts,
    all_dimensions,
)
from registry.models import (
    AuditEvent,
    Candidate,
    CapacityProfile,
    Consent,
    ConsentScope,
    Employer,
    Membership,
    MembershipStatus,
    Network,
    PlaceKind,
    ProfileSource,
    TrajectoryOutcome,
    TrajectoryStatus,
    TravelMode,
    User,
)
from registry.services import free_text as shared_text
from registry.services import paging
from registry.services.context import Context
from registry.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.services.pseudonyms import unique_pseudonym
from registry.services.trajectory_erasure import erase_talk
from registry.services.value_checks import (
    POSTCODE_MESSAGE,
    check_hours_per_day,
    check_hours_per_week,
    check_postcode,
)

__all__ = [
    "AccessEntry",
    "CandidateInput",
    "CandidateRow",
    "CandidateView",
    "ConsentInput",
    "ListFilters",
    "NetworkOverview",
    "ProfileInput",
    "access_history",
    "add_months",
    "candidate_facts",
    "capacity_facts",
    "close_trajectory",
    "current_profile",
    "employer_candidates",
    "erase_candidate",
    "erase_expired",
    "erasure_due_on",
    "get_candidate",
    "get_candidate_for_edit",
    "audit_search",
    "get_candidate_for_search",
    "load_for_search",
    "home_employer_choices",
    "is_stale",
    "list_candidates",
    "medical_terms_in",
    "network_choices",
    "network_overview",
    "record_consent",
    "register_candidate",
    "save_profile",
    "shared_candidate_ids",
    "update_candidate",
    "withdraw_consent",
]

OBJ = "candidate"
MAX_ID = 2**31 - 1  # ids beyond a 32-bit integer cannot exist (and would upset PostgreSQL)
PAGE_SIZE = 50
SBI_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTU")
DEFAULT_RETENTION_MONTHS = 24
MAX_SICKNESS_YEARS = 4  # a first day of sickness longer ago than this is a typing error
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{5,28}$")

# --- facts, profiles and small helpers ---------------------------------------------------


def current_profile(candidate: Candidate) -> CapacityProfile | None:
    """The candidate's current capacity profile (None when none was recorded)."""
    return next((p for p in candidate.profiles if p.is_current), None)


def is_stale(profile: CapacityProfile | None, today: dt.date) -> bool:
    """A profile past its review date is stale (and flagged in every list)."""
    return profile is not None and profile.review_on is not None and profile.review_on < today


def capacity_facts(profile: CapacityProfile | None) -> CapacityFacts:
    """The profile as the workload catalogue's ``CapacityFacts`` (no profile: no
    limitation recorded, which means normal on every dimension)."""
    if profile is None:
        return CapacityFacts()
    return CapacityFacts(
        capacity=dict(profile.capacities or {}),
        avoid_exposures=frozenset(profile.avoid_exposures or ()),
        needs_conditions=frozenset(profile.needs_conditions or ()),
        hours_per_day=profile.hours_per_day,
        hours_per_week=profile.hours_per_week,
    )


def _active(consents: Iterable[Consent], scope: ConsentScope) -> list[Consent]:
    return [c for c in consents if c.scope == scope and c.withdrawn_at is None]


def candidate_facts(candidate: Candidate) -> CandidateFacts:
    """The plain facts the permission rules decide on."""
    consents = candidate.consents
    searched = {n.id for n in candidate.networks}
    shared: set[int] = set()
    for consent in _active(consents, ConsentScope.SHARE_PROFILE):
        shared |= {int(n) for n in consent.network_ids or ()}
    return CandidateFacts(
        id=candidate.id,
        coach_organisation_id=candidate.coach_organisation_id,
        home_employer_id=candidate.home_employer_id,
        shared_network_ids=frozenset(shared & searched),
        introduced_employer_ids=frozenset(
            c.host_employer_id
            for c in _active(consents, ConsentScope.INTRODUCE)
            if c.host_employer_id is not None
        ),
        shared_with_home_employer=bool(_active(consents, ConsentScope.SHARE_HOME_EMPLOYER)),
        erased=candidate.status == TrajectoryStatus.ERASED,
        closed=candidate.status != TrajectoryStatus.ACTIVE,
    )


def clock_of(candidate: Candidate, today: dt.date) -> timeline.Clock:
    return timeline.clock(
        candidate.first_sick_day, today, candidate.end_week, candidate.second_track_start
    )


def _valid_id(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except (TypeError, ValueError):
            return None
    return value if 0 < value <= MAX_ID else None


def _not_found() -> NotFound:
    return NotFound(_l("This candidate does not exist, or you cannot see it."))


def _load(ctx: Context, candidate_id: object, action: Action) -> tuple[Candidate, CandidateFacts]:
    """Load a candidate and check ``action``: invisible -> NotFound, visible but not
    allowed -> PermissionDenied."""
    actor = ctx.require(Action.NETWORK_LIST)  # any logged-in user with a role
    cid = _valid_id(candidate_id)
    candidate = (
        ctx.session.get(
            Candidate,
            cid,
            # What every candidate page reads (the permission checks: networks and
            # consents; the capacity profiles), in the same statement (issue 17): a few
            # rows, networks x consents x profiles.
            options=[
                joinedload(Candidate.home_employer),
                joinedload(Candidate.coach_organisation),
                joinedload(Candidate.networks),
                joinedload(Candidate.consents),
                joinedload(Candidate.profiles),
            ],
        )
        if cid is not None
        else None
    )
    if candidate is None:
        raise _not_found()
    facts = candidate_facts(candidate)
    if not can(actor, Action.CANDIDATE_VIEW, facts):
        raise _not_found()
    if not can(actor, action, facts):
        raise PermissionDenied(action)
    return candidate, facts


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def erasure_due_on(candidate: Candidate) -> dt.date | None:
    """When a closed trajectory's personal data is erased: closing date plus the shortest
    retention period of its networks (24 months when it has none)."""
    if candidate.status != TrajectoryStatus.CLOSED or candidate.closed_on is None:
        return None
    months = min((n.retention_months for n in candidate.networks), default=DEFAULT_RETENTION_MONTHS)
    return add_months(candidate.closed_on, months)


# --- input ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateInput:
    given_name: str
    family_name: str
    postcode: str
    home_employer_id: int
    first_sick_day: dt.date
    network_ids: Sequence[int] = ()
    email: str = ""
    phone: str = ""
    max_km: int = 25
    travel_mode: TravelMode = TravelMode.PUBLIC_TRANSPORT
    accepted_kinds: Sequence[str] = tuple(k.value for k in PlaceKind)
    preferred_sectors: Sequence[str] = ()
    preferred_functions: str = ""
    hours_per_day: float | None = None
    hours_per_week: float | None = None
    end_week: int = timeline.DEFAULT_END_WEEK
    end_week_reason: str = ""
    second_track_start: dt.date | None = None
    notes: str = ""


@dataclass(frozen=True)
class ProfileInput:
    """``capacities``: key -> heaviest band the person can handle, or None (not assessed);
    keys left out are normal. Hours are band indexes into HOURS_PER_DAY / HOURS_PER_WEEK."""

    capacities: Mapping[str, int | None] = field(default_factory=dict)
    avoid_exposures: Sequence[str] = ()
    needs_conditions: Sequence[str] = ()
    hours_per_day: int | None = len(HOURS_PER_DAY) - 1
    hours_per_week: int | None = len(HOURS_PER_WEEK) - 1
    source: ProfileSource | None = None
    assessed_on: dt.date | None = None
    review_on: dt.date | None = None
    fml_version: str = ""


@dataclass(frozen=True)
class ConsentInput:
    scope: ConsentScope
    given_on: dt.date
    network_ids: Sequence[int] = ()  # share_profile
    host_employer_id: int | None = None  # introduce
    text: str = ""


def _admitted_network_ids(ctx: Context, employer_id: int) -> set[int]:
    return set(
        ctx.session.scalars(
            select(Membership.network_id).where(
                Membership.employer_id == employer_id,
                Membership.status == MembershipStatus.ADMITTED,
            )
        )
    )


def _free_text(errors: dict, name: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors.setdefault(name, []).append(_l("Use at most %(n)s characters.", n=limit))
    terms = medical_terms_in(value)
    if terms:
        errors.setdefault(name, []).append(
            _l(
                "Never enter medical details (found: %(terms)s). Describe what the person "
                "can do in terms of work.",
                terms=", ".join(dict.fromkeys(terms)),
            )
        )
    return value


def _validate_candidate(ctx: Context, data: CandidateInput) -> dict:
    """Check the input; return the normalised values or raise ValidationFailed."""
    errors: dict[str, list[object]] = {}
    out: dict = {}
    today = ctx.today()
    for name, limit in (("given_name", 80), ("family_name", 120)):
        value = (getattr(data, name) or "").strip()
        if not value:
            errors[name] = [_l("This field is required.")]
        elif len(value) > limit:
            errors[name] = [_l("Use at most %(n)s characters.", n=limit)]
        out[name] = value
    email = (data.email or "").strip()
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        errors["email"] = [_l("Enter a valid e-mail address.")]
    out["email"] = email or None
    phone = (data.phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = [_l("Enter a valid phone number.")]
    out["phone"] = phone or None
    postcode, area, problem = check_postcode(data.postcode, ctx.settings)  # issue 14
    if problem is not None or postcode is None or area is None:
        errors["postcode"] = [problem or POSTCODE_MESSAGE]
    else:
        out.update(postcode=str(postcode), postcode_area=area.digits, lat=area.lat, lon=area.lon)
    employer_id = _valid_id(data.home_employer_id)
    employer = ctx.session.get(Employer, employer_id) if employer_id else None
    admitted: set[int] = set()
    if employer is None:
        errors["home_employer_id"] = [_l("This employer does not exist.")]
    else:
        admitted = _admitted_network_ids(ctx, employer.id)
        if not admitted:
            errors["home_employer_id"] = [
                _l("The home employer must be an admitted member of a network.")
            ]
        out["home_employer_id"] = employer.id
    network_ids = {_valid_id(n) for n in data.network_ids or ()}
    if not network_ids:
        errors["network_ids"] = [_l("Choose at least one network.")]
    elif employer is not None and admitted and not network_ids <= admitted:
        errors["network_ids"] = [
            _l("Choose networks in which the home employer is an admitted member.")
        ]
    else:
        out["network_ids"] = network_ids
    if not isinstance(data.max_km, int) or not 1 <= data.max_km <= 200:
        errors["max_km"] = [_l("Choose a distance from 1 to 200 km.")]
    out["max_km"] = data.max_km
    try:
        out["travel_mode"] = TravelMode(data.travel_mode)
    except ValueError:
        errors["travel_mode"] = [_l("Choose a travel mode.")]
    kinds = list(dict.fromkeys(data.accepted_kinds or ()))
    if not kinds:
        errors["accepted_kinds"] = [_l("Choose at least one kind of place.")]
    elif not set(kinds) <= {k.value for k in PlaceKind}:
        errors["accepted_kinds"] = [_l("Choose from the listed kinds of place.")]
    out["accepted_kinds"] = kinds
    sectors = list(dict.fromkeys(data.preferred_sectors or ()))
    if not set(sectors) <= SBI_LETTERS:
        errors["preferred_sectors"] = [_l("Choose from the listed sectors.")]
    out["preferred_sectors"] = sectors
    out["preferred_functions"] = _free_text(
        errors, "preferred_functions", data.preferred_functions, 300
    )
    for name, check in (
        ("hours_per_day", check_hours_per_day),
        ("hours_per_week", check_hours_per_week),
    ):
        value = getattr(data, name)
        problem = check(value)  # one rule for hours everywhere (issue 14)
        if problem is not None:
            errors[name] = [problem]
        out[name] = value
    if (
        data.hours_per_day
        and data.hours_per_week
        and not errors.get("hours_per_day")
        and data.hours_per_week > data.hours_per_day * 7
    ):
        errors["hours_per_week"] = [_l("More hours per week than seven days allow.")]
    first = data.first_sick_day
    if not isinstance(first, dt.date):
        errors["first_sick_day"] = [_l("Enter a date.")]
    elif first > today:
        errors["first_sick_day"] = [_l("The first day of sickness cannot be in the future.")]
    elif first < add_months(today, -12 * MAX_SICKNESS_YEARS):
        errors["first_sick_day"] = [
            _l("The first day of sickness lies more than %(n)s years ago.", n=MAX_SICKNESS_YEARS)
        ]
    out["first_sick_day"] = first
    end_week = data.end_week
    if not isinstance(end_week, int) or not 1 <= end_week <= timeline.MAX_END_WEEK:
        errors["end_week"] = [_l("Choose an end week from 1 to %(n)s.", n=timeline.MAX_END_WEEK)]
    out["end_week"] = end_week
    reason = _free_text(errors, "end_week_reason", data.end_week_reason, 300)
    # Coordinators and the home employer read the reason: no name in it.
    named = screen(reason, (out["given_name"], out["family_name"])).names
    if named:
        errors.setdefault("end_week_reason", []).extend(shared_text.messages(Finding(named)))
    if end_week != timeline.DEFAULT_END_WEEK and not reason and "end_week" not in errors:
        errors["end_week_reason"] = [
            _l("Give the reason for extending or shortening the trajectory.")
        ]
    out["end_week_reason"] = reason
    start = data.second_track_start
    if start is not None:
        if not isinstance(start, dt.date):
            errors["second_track_start"] = [_l("Enter a date.")]
        elif isinstance(first, dt.date) and start < first:
            errors["second_track_start"] = [
                _l("The second track cannot start before the first day of sickness.")
            ]
        elif start > add_months(today, 12):
            errors["second_track_start"] = [_l("This date lies too far in the future.")]
    out["second_track_start"] = start
    out["notes"] = _free_text(errors, "notes", data.notes, 4000) or None
    if errors:
        raise ValidationFailed(errors)
    return out


_PERSONAL = ("given_name", "family_name", "email", "phone", "postcode", "notes")


def _apply_candidate(ctx: Context, candidate: Candidate, values: dict) -> list[str]:
    """Set the values; return the names of the fields that changed (never the values)."""
    changed = []
    network_ids = values.pop("network_ids")
    for name, value in values.items():
        if getattr(candidate, name) != value:
            setattr(candidate, name, value)
            changed.append(name)
    current = {n.id for n in candidate.networks}
    if current != network_ids:
        candidate.networks = list(
            ctx.session.scalars(select(Network).where(Network.id.in_(network_ids)))
        )
        changed.append("networks")
    return changed


# --- registering and editing -------------------------------------------------------------


def check_candidate(ctx: Context, data: CandidateInput) -> None:
    """Every problem of a candidate's values at once, also those that need the database
    (home employer, networks), without saving (issue 14)."""
    _validate_candidate(ctx, data)


def check_profile(ctx: Context, data: ProfileInput) -> None:
    """Every problem of a capacity profile at once, without saving (issue 14)."""
    _validate_profile(ctx, data)


def register_candidate(
    ctx: Context, data: CandidateInput, profile: ProfileInput | None = None
) -> Candidate:
    """A coach registers a candidate of their organisation (optionally with a profile)."""
    actor = ctx.require(Action.CANDIDATE_CREATE)
    values = _validate_candidate(ctx, data)
    profile_values = _validate_profile(ctx, profile) if profile is not None else None
    try:
        with ctx.transaction():
            candidate = Candidate(
                pseudonym=unique_pseudonym(ctx.session),
                coach_organisation_id=actor.coach_organisation_id,
                coach_id=actor.user_id,
                status=TrajectoryStatus.ACTIVE,
            )
            _apply_candidate(ctx, candidate, values)
            ctx.session.add(candidate)
            ctx.session.flush()
            ctx.audit("candidate.registered", OBJ, candidate.id, pseudonym=candidate.pseudonym)
            if profile_values is not None:
                _add_profile(ctx, candidate, profile_values)
    except IntegrityError as exc:  # two registrations drew the same pseudonym at once
        raise Conflict(_l("The candidate could not be saved. Please try again.")) from exc
    return candidate


def update_candidate(ctx: Context, candidate_id: int, data: CandidateInput) -> Candidate:
    candidate, _facts = _load(ctx, candidate_id, Action.CANDIDATE_EDIT)
    values = _validate_candidate(ctx, data)
    with ctx.transaction():
        changed = _apply_candidate(ctx, candidate, values)
        ctx.audit("candidate.updated", OBJ, candidate.id, fields=sorted(changed))
        _alerts(ctx, candidate, announce=False)
    return candidate


def _alerts(ctx: Context, candidate: Candidate, *, announce: bool) -> None:
    """Match alerts (issue 20): refresh the candidate's followed searches; with
    ``announce`` (a profile or sharing consent recorded) tell the followers of the places
    the candidate now fits."""
    from registry.search import alerts

    alerts.refresh_candidate(ctx, candidate)
    if announce:
        alerts.candidate_changed(ctx, candidate)


def get_candidate_for_edit(ctx: Context, candidate_id: int) -> Candidate:
    """The full record for the coach's edit forms (audited as a view)."""
    candidate, _facts = _load(ctx, candidate_id, Action.CANDIDATE_EDIT)
    with ctx.transaction():
        ctx.audit(
            "candidate.viewed", OBJ, candidate.id, groups=sorted(ALL_FIELD_GROUPS), purpose="edit"
        )
    return candidate


# --- capacity profile --------------------------------------------------------------------


def _validate_profile(ctx: Context, data: ProfileInput) -> dict:
    errors: dict[str, list[object]] = {}
    today = ctx.today()
    capacities: dict[str, int | None] = {}
    dims = {d.key: d for d in all_dimensions()}
    for key, band in (data.capacities or {}).items():
        dim = dims.get(key)
        if dim is None:
            errors.setdefault("capacities", []).append(_l("Unknown workload dimension."))
            continue
        if band is None:
            capacities[key] = None
        elif isinstance(band, bool) or not isinstance(band, int) or not 0 <= band <= dim.heaviest:
            errors[f"cap_{key}"] = [_l("Choose one of the listed levels.")]
        elif band != dim.heaviest:  # normal (no limitation) is stored by leaving it out
            capacities[key] = band
    exposures = list(dict.fromkeys(data.avoid_exposures or ()))
    if not set(exposures) <= {f.key for f in EXPOSURES}:
        errors["avoid_exposures"] = [_l("Choose from the listed exposures.")]
    conditions = list(dict.fromkeys(data.needs_conditions or ()))
    if not set(conditions) <= {f.key for f in CONDITIONS}:
        errors["needs_conditions"] = [_l("Choose from the listed conditions.")]
    for name, bands in (("hours_per_day", HOURS_PER_DAY), ("hours_per_week", HOURS_PER_WEEK)):
        value = getattr(data, name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(bands)
        ):
            errors[name] = [_l("Choose one of the listed levels.")]
    source = None
    if data.source is not None:
        try:
            source = ProfileSource(data.source)
        except ValueError:
            errors["source"] = [_l("Choose a source.")]
    if data.assessed_on is not None and data.assessed_on > today:
        errors["assessed_on"] = [_l("The assessment date cannot be in the future.")]
    if data.assessed_on and data.review_on and data.review_on < data.assessed_on:
        errors["review_on"] = [_l("The review date cannot be before the assessment date.")]
    fml_version = (data.fml_version or "").strip()
    if len(fml_version) > 40:
        errors["fml_version"] = [_l("Use at most %(n)s characters.", n=40)]
    if errors:
        raise ValidationFailed(errors)
    return {
        "capacities": capacities,
        "avoid_exposures": exposures,
        "needs_conditions": conditions,
        "hours_per_day": data.hours_per_day,
        "hours_per_week": data.hours_per_week,
        "source": source,
        "assessed_on": data.assessed_on,
        "review_on": data.review_on,
        "fml_version": fml_version,
    }


def _add_profile(ctx: Context, candidate: Candidate, values: dict) -> CapacityProfile:
    for old in candidate.profiles:
        old.is_current = False
    profile = CapacityProfile(
        candidate=candidate, is_current=True, created_by_id=ctx.actor_id, created_at=ctx.now()
    )
    for name, value in values.items():
        setattr(profile, name, value)
    ctx.session.add(profile)
    ctx.session.flush()
    ctx.audit(
        "candidate.profile_saved",
        OBJ,
        candidate.id,
        profile_id=profile.id,
        limited=len(profile.capacities),
    )
    return profile


def save_profile(ctx: Context, candidate_id: int, data: ProfileInput) -> CapacityProfile:
    """Record a new capacity profile; the earlier one stays as history (not current)."""
    candidate, _facts = _load(ctx, candidate_id, Action.CANDIDATE_EDIT)
    values = _validate_profile(ctx, data)
    with ctx.transaction():
        profile = _add_profile(ctx, candidate, values)
        _alerts(ctx, candidate, announce=True)
    return profile


# --- reading -----------------------------------------------------------------------------


@dataclass
class CandidateView:
    """What one viewer may see of a candidate: fields outside ``groups`` stay None."""

    id: int
    pseudonym: str
    groups: frozenset[FieldGroup]
    status: TrajectoryStatus
    clock: timeline.Clock | None = None
    show_dates: bool = False  # the clock's exact dates (trajectory status group)
    can_edit: bool = False
    can_erase: bool = False
    can_see_history: bool = False
    # fit summary
    postcode_area: str | None = None
    max_km: int | None = None
    travel_mode: TravelMode | None = None
    accepted_kinds: list[str] | None = None
    profile_stale: bool | None = None
    # trajectory status
    outcome: TrajectoryOutcome | None = None
    closed_on: dt.date | None = None
    second_track_start: dt.date | None = None
    end_week_reason: str | None = None
    networks: list[Network] | None = None
    erasure_due_on: dt.date | None = None
    # identity
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    postcode: str | None = None
    # home employer
    home_employer: Employer | None = None
    # notes
    notes: str | None = None
    # capacity details
    profile: CapacityProfile | None = None
    profile_history: list[CapacityProfile] | None = None
    preferred_sectors: list[str] | None = None
    preferred_functions: str | None = None
    hours_per_day: float | None = None
    hours_per_week: float | None = None
    # the coach's own organisation only
    consents: list[Consent] | None = None

    def sees(self, group: FieldGroup | str) -> bool:
        return FieldGroup(group) in self.groups

    @property
    def name(self) -> str | None:
        if self.given_name is None:
            return None
        return f"{self.given_name} {self.family_name or ''}".strip()


def _view(
    ctx: Context, candidate: Candidate, facts: CandidateFacts, groups: frozenset[FieldGroup]
) -> CandidateView:
    today = ctx.today()
    actor = ctx.actor
    profile = current_profile(candidate)
    view = CandidateView(
        id=candidate.id,
        pseudonym=candidate.pseudonym,
        groups=groups,
        status=candidate.status,
        clock=clock_of(candidate, today),
        show_dates=FieldGroup.TRAJECTORY_STATUS in groups,
        can_edit=can(actor, Action.CANDIDATE_EDIT, facts),
        can_erase=can(actor, Action.CANDIDATE_ERASE, facts),
        can_see_history=can(actor, Action.CANDIDATE_HISTORY, facts),
    )
    if FieldGroup.FIT_SUMMARY in groups:
        view.postcode_area = candidate.postcode_area
        view.max_km = candidate.max_km
        view.travel_mode = candidate.travel_mode
        view.accepted_kinds = list(candidate.accepted_kinds or [])
        view.profile_stale = is_stale(profile, today)
    if FieldGroup.TRAJECTORY_STATUS in groups:
        view.outcome = candidate.outcome
        view.closed_on = candidate.closed_on
        view.second_track_start = candidate.second_track_start
        view.end_week_reason = candidate.end_week_reason
        view.networks = list(candidate.networks)
        view.erasure_due_on = erasure_due_on(candidate)
    if FieldGroup.IDENTITY in groups:
        view.given_name = candidate.given_name
        view.family_name = candidate.family_name
        view.email = candidate.email
        view.phone = candidate.phone
        view.postcode = candidate.postcode
    if FieldGroup.HOME_EMPLOYER in groups:
        view.home_employer = candidate.home_employer
    if FieldGroup.NOTES in groups:
        view.notes = candidate.notes
    if FieldGroup.CAPACITY_DETAILS in groups:
        view.profile = profile
        view.profile_stale = is_stale(profile, today)
        view.profile_history = [p for p in candidate.profiles if not p.is_current]
        view.preferred_sectors = list(candidate.preferred_sectors or [])
        view.preferred_functions = candidate.preferred_functions
        view.hours_per_day = candidate.hours_per_day
        view.hours_per_week = candidate.hours_per_week
    if groups == ALL_FIELD_GROUPS or (facts.erased and can(actor, Action.CANDIDATE_HISTORY, facts)):
        view.consents = list(candidate.consents)
    return view


def get_candidate(ctx: Context, candidate_id: int) -> CandidateView:
    """One candidate as the actor may see it; the view is audited with the groups shown."""
    candidate, facts = _load(ctx, candidate_id, Action.CANDIDATE_VIEW)
    groups = visible_fields(ctx.actor, facts)
    view = _view(ctx, candidate, facts, groups)
    with ctx.read_transaction():
        ctx.audit("candidate.viewed", OBJ, candidate.id, groups=sorted(groups))
    return view


def get_candidate_for_search(ctx: Context, candidate_id: int) -> Candidate:
    """The candidate whose profile a match search uses (own coach organisation, or a
    coordinator of a network the profile is shared with). Audited as ``candidate.search``
    (committed). Use :func:`current_profile` and :func:`capacity_facts` for the capacity."""
    candidate = load_for_search(ctx, candidate_id)
    with ctx.read_transaction():  # only the audit row: the candidate stays loaded
        audit_search(ctx, candidate)
    return candidate


def load_for_search(ctx: Context, candidate_id: int) -> Candidate:
    """:func:`get_candidate_for_search` without its audit: for a use case that commits
    :func:`audit_search` together with its own writes, before anything is shown."""
    candidate, _ = _load(ctx, candidate_id, Action.CANDIDATE_SEARCH)
    return candidate


def audit_search(ctx: Context, candidate: Candidate) -> None:
    """Add the ``candidate.search`` audit event to the current transaction: the search
    shows the fit, and the capacity bands only to whom may read them."""
    wanted = {FieldGroup.FIT_SUMMARY, FieldGroup.CAPACITY_DETAILS}
    facts = candidate_facts(candidate)
    seen = wanted & visible_fields(ctx.actor, facts) if ctx.actor else set()
    groups = sorted(seen | {FieldGroup.FIT_SUMMARY})
    ctx.audit_each("candidate.search", OBJ, [candidate.id], groups=groups)  # no unit of work


def shared_candidate_ids(ctx: Context, network_ids: Iterable[int]) -> set[int]:
    """Active candidates whose profile is shared (active consent) within any of these
    networks: the only ones a search outside the coach organisation may show."""
    wanted = set(network_ids)
    if not wanted:
        return set()
    rows = ctx.session.scalars(
        select(Candidate)
        .where(Candidate.status == TrajectoryStatus.ACTIVE)
        .where(
            Candidate.id.in_(
                select(Consent.candidate_id).where(
                    Consent.scope == ConsentScope.SHARE_PROFILE, Consent.withdrawn_at.is_(None)
                )
            )
        )
        .options(selectinload(Candidate.consents))
    )
    return {c.id for c in rows if candidate_facts(c).shared_network_ids & wanted}


def _audit_listed(ctx: Context, ids: Sequence[int], groups: Iterable[FieldGroup], **extra) -> None:
    """One ``candidate.listed`` event per candidate shown in a list."""
    ctx.audit_each("candidate.listed", OBJ, ids, groups=sorted(g.value for g in groups), **extra)


@dataclass
class CandidateRow:
    candidate: Candidate
    clock: timeline.Clock
    profile: CapacityProfile | None
    stale: bool


class Flag:
    STALE = "stale"
    DECIDE = "decide"
    LATE = "late"
    NO_PROFILE = "no_profile"
    ALL = (STALE, DECIDE, LATE, NO_PROFILE)


@dataclass(frozen=True)
class ListFilters:
    status: str = "active"  # active | closed | erased | all
    flag: str = ""  # "" or one of Flag.ALL
    q: str = ""  # name or pseudonym contains
    network_id: int | None = None
    page: int = 1


@dataclass
class CandidatePage:
    rows: list[CandidateRow]
    total: int
    page: int
    pages: int


def _row_matches(row: CandidateRow, filters: ListFilters) -> bool:
    checks = {
        Flag.STALE: lambda r: r.stale,
        Flag.DECIDE: lambda r: r.clock.decide_second_track,
        Flag.LATE: lambda r: r.clock.second_track_late,
        Flag.NO_PROFILE: lambda r: r.profile is None,
    }
    check = checks.get(filters.flag)
    return check is None or bool(check(row))


def list_candidates(ctx: Context, filters: ListFilters = ListFilters()) -> CandidatePage:
    """The own organisation's candidates, most urgent first (closest to the end week)."""
    actor = ctx.require(Action.CANDIDATE_LIST)
    if filters.status not in ("active", "closed", "erased", "all"):
        raise ValidationFailed.field("status", _l("Choose a status."))
    if filters.flag and filters.flag not in Flag.ALL:
        raise ValidationFailed.field("flag", _l("Choose a flag."))
    query = select(Candidate).where(Candidate.coach_organisation_id == actor.coach_organisation_id)
    if filters.status != "all":
        query = query.where(Candidate.status == TrajectoryStatus(filters.status))
    q = (filters.q or "").strip().lower()[:100]
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(
            func.lower(Candidate.pseudonym).like(like)
            | func.lower(Candidate.given_name + " " + Candidate.family_name).like(like)
        )
    if filters.network_id is not None:
        network_id = _valid_id(filters.network_id)
        query = query.where(
            Candidate.networks.any(Network.id == (network_id if network_id else -1))
        )
    today = ctx.today()
    # The order (the Poortwachter clock) and the flags are computed from a few columns of
    # every matching candidate; only the page's candidates are loaded whole (issue 17).
    keys = query.with_only_columns(
        Candidate.id,
        Candidate.status,
        Candidate.first_sick_day,
        Candidate.end_week,
        Candidate.second_track_start,
        CapacityProfile.id,
        CapacityProfile.review_on,
    ).outerjoin(
        CapacityProfile,
        (CapacityProfile.candidate_id == Candidate.id) & CapacityProfile.is_current.is_(True),
    )
    ranked = []
    needs_clock = filters.flag in (Flag.DECIDE, Flag.LATE)
    for cid, status, first, end_week, started, profile_id, review_on in ctx.session.execute(keys):
        last = timeline.end_date(first, end_week)  # the clock's urgency, without milestones
        if needs_clock or filters.flag:
            clock = timeline.clock(first, today, end_week, started) if needs_clock else None
            stub = CandidateRow(
                None,  # type: ignore[arg-type]
                clock,  # type: ignore[arg-type]
                profile_id,
                review_on is not None and review_on < today,
            )
            if not _row_matches(stub, filters):
                continue
        urgency = (today > last, (last - today).days)
        ranked.append(((status != TrajectoryStatus.ACTIVE, *urgency, cid), cid))
    ranked.sort()
    total = len(ranked)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    ids = [cid for _key, cid in ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    loaded = {
        c.id: c
        for c in ctx.session.scalars(
            select(Candidate)
            .where(Candidate.id.in_(ids))
            .options(selectinload(Candidate.profiles), selectinload(Candidate.home_employer))
        )
    }
    shown = []
    for cid in ids:
        candidate = loaded[cid]
        profile = current_profile(candidate)
        shown.append(
            CandidateRow(candidate, clock_of(candidate, today), profile, is_stale(profile, today))
        )
    with ctx.read_transaction():
        _audit_listed(ctx, ids, ALL_FIELD_GROUPS, list="coach")
    return CandidatePage(shown, total, page, pages)


@dataclass
class OverviewRow:
    id: int
    pseudonym: str
    postcode_area: str | None
    clock: timeline.Clock
    status: TrajectoryStatus
    stale: bool
    has_profile: bool
    second_track_started: bool


@dataclass
class NetworkOverview:
    network: Network
    rows: list[OverviewRow]  # the page shown (50, most urgent first)
    not_shared: int  # candidates searching this network without sharing consent (a count)
    page: paging.Page[OverviewRow] | None = None


def network_overview(ctx: Context, network_id: int, page: int = 1) -> NetworkOverview:
    """The coordinator's pseudonymous overview: candidates whose profile is shared within
    the network, most urgent first, 50 a page (only those shown are audited as listed);
    the others only as a count."""
    nid = _valid_id(network_id)
    network = ctx.session.get(Network, nid) if nid else None
    if network is None:
        raise NotFound(_l("This network does not exist."))
    ctx.require(Action.CANDIDATE_NETWORK_OVERVIEW, NetworkFacts(network.id))
    today = ctx.today()
    candidates = ctx.session.scalars(
        select(Candidate)
        .where(Candidate.status == TrajectoryStatus.ACTIVE)
        .where(Candidate.networks.any(Network.id == network.id))
        .options(selectinload(Candidate.profiles), selectinload(Candidate.consents))
    ).all()
    rows, hidden = [], 0
    for candidate in candidates:
        facts = candidate_facts(candidate)
        if network.id not in facts.shared_network_ids:
            hidden += 1
            continue
        profile = current_profile(candidate)
        rows.append(
            OverviewRow(
                candidate.id,
                candidate.pseudonym,
                candidate.postcode_area,
                clock_of(candidate, today),
                candidate.status,
                is_stale(profile, today),
                profile is not None,
                candidate.second_track_start is not None,
            )
        )
    rows.sort(key=lambda r: r.clock.urgency)
    per = paging.PAGE_SIZE
    page = min(max(1, page), max(1, -(-len(rows) // per)))
    shown = paging.Page(rows[(page - 1) * per : page * per], page, per, len(rows))
    with ctx.read_transaction():
        _audit_listed(
            ctx,
            [r.id for r in shown.items],
            (FieldGroup.FIT_SUMMARY, FieldGroup.TRAJECTORY_STATUS),
            list="network",
            network_id=network.id,
        )
    return NetworkOverview(network, shown.items, hidden, shown)


def employer_candidates(ctx: Context, employer_id: int) -> tuple[Employer, list[OverviewRow]]:
    """A home employer's contact: the trajectories of its own employees (pseudonymous,
    with status and clock)."""
    actor = ctx.require(Action.NETWORK_LIST)
    eid = _valid_id(employer_id)
    employer = ctx.session.get(Employer, eid) if eid else None
    if employer is None or employer.id not in actor.employer_ids:
        raise NotFound(_l("This employer does not exist."))
    today = ctx.today()
    rows = []
    for candidate in ctx.session.scalars(
        select(Candidate)
        .where(Candidate.home_employer_id == employer.id)
        .where(Candidate.status != TrajectoryStatus.ERASED)
        .options(selectinload(Candidate.profiles), selectinload(Candidate.consents))
    ):
        if FieldGroup.TRAJECTORY_STATUS not in visible_fields(actor, candidate_facts(candidate)):
            continue
        profile = current_profile(candidate)
        rows.append(
            OverviewRow(
                candidate.id,
                candidate.pseudonym,
                None,
                clock_of(candidate, today),
                candidate.status,
                is_stale(profile, today),
                profile is not None,
                candidate.second_track_start is not None,
            )
        )
    rows.sort(key=lambda r: (r.status != TrajectoryStatus.ACTIVE, *r.clock.urgency))
    with ctx.read_transaction():
        _audit_listed(
            ctx,
            [r.id for r in rows],
            (FieldGroup.TRAJECTORY_STATUS, FieldGroup.HOME_EMPLOYER),
            list="employer",
        )
    return employer, rows


# --- consent -----------------------------------------------------------------------------


def record_consent(ctx: Context, candidate_id: int, data: ConsentInput) -> Consent:
    """Record a consent given by the candidate; it takes effect at once."""
    candidate, _facts = _load(ctx, candidate_id, Action.CANDIDATE_CONSENT)
    errors: dict[str, list[object]] = {}
    try:
        scope = ConsentScope(data.scope)
    except ValueError:
        raise ValidationFailed.field("scope", _l("Choose what the consent covers.")) from None
    if not isinstance(data.given_on, dt.date):
        errors["given_on"] = [_l("Enter a date.")]
    elif data.given_on > ctx.today():
        errors["given_on"] = [_l("The consent date cannot be in the future.")]
    elif data.given_on < candidate.first_sick_day:
        errors["given_on"] = [_l("The consent date cannot be before the first day of sickness.")]
    searched = {n.id for n in candidate.networks}
    network_ids: list[int] = []
    host_id = None
    if scope == ConsentScope.SHARE_PROFILE:
        network_ids = sorted({n for n in (_valid_id(x) for x in data.network_ids or ()) if n})
        if not network_ids:
            errors["network_ids"] = [_l("Choose at least one network.")]
        elif not set(network_ids) <= searched:
            errors["network_ids"] = [_l("Choose networks in which the candidate searches.")]
    elif scope == ConsentScope.INTRODUCE:
        host_id = _valid_id(data.host_employer_id)
        host = ctx.session.get(Employer, host_id) if host_id else None
        if host is None:
            errors["host_employer_id"] = [_l("Choose a host employer.")]
        elif host.id == candidate.home_employer_id:
            errors["host_employer_id"] = [_l("Choose an employer other than the home employer.")]
        elif not _admitted_network_ids(ctx, host.id) & searched:
            errors["host_employer_id"] = [
                _l("Choose an employer in one of the candidate's networks.")
            ]
    text = _free_text(errors, "text", data.text, 2000)
    if errors:
        raise ValidationFailed(errors)
    with ctx.transaction():
        consent = Consent(
            candidate=candidate,
            scope=scope,
            network_ids=network_ids,
            host_employer_id=host_id,
            given_on=data.given_on,
            text=text or None,
            recorded_by_id=ctx.actor_id,
            recorded_at=ctx.now(),
        )
        ctx.session.add(consent)
        ctx.session.flush()
        ctx.audit(
            "candidate.consent_recorded",
            OBJ,
            candidate.id,
            consent_id=consent.id,
            scope=scope,
            network_ids=network_ids,
            host_employer_id=host_id,
        )
        if scope == ConsentScope.SHARE_PROFILE:
            _alerts(ctx, candidate, announce=True)
    return consent


def withdraw_consent(ctx: Context, candidate_id: int, consent_id: int) -> Consent:
    """Withdraw a consent, with immediate effect."""
    candidate, _facts = _load(ctx, candidate_id, Action.CANDIDATE_CONSENT)
    cid = _valid_id(consent_id)
    consent = ctx.session.get(Consent, cid) if cid else None
    if consent is None or consent.candidate_id != candidate.id:
        raise NotFound(_l("This consent does not exist."))
    if consent.withdrawn_at is not None:
        raise ValidationFailed.field("consent", _l("This consent was already withdrawn."))
    with ctx.transaction():
        consent.withdrawn_at = ctx.now()
        consent.withdrawn_by_id = ctx.actor_id
        ctx.audit(
            "candidate.consent_withdrawn",
            OBJ,
            candidate.id,
            consent_id=consent.id,
            scope=consent.scope,
        )
    return consent


# --- closing and erasure -----------------------------------------------------------------


def close_trajectory(
    ctx: Context, candidate_id: int, outcome: TrajectoryOutcome, closed_on: dt.date
) -> Candidate:
    candidate, _facts = _load(ctx, candidate_id, Action.CANDIDATE_EDIT)
    if candidate.status != TrajectoryStatus.ACTIVE:
        raise ValidationFailed.field("outcome", _l("This trajectory is already closed."))
    errors: dict[str, list[object]] = {}
    try:
        outcome = TrajectoryOutcome(outcome)
    except ValueError:
        errors["outcome"] = [_l("Choose an outcome.")]
    if not isinstance(closed_on, dt.date):
        errors["closed_on"] = [_l("Enter a date.")]
    elif closed_on > ctx.today():
        errors["closed_on"] = [_l("The closing date cannot be in the future.")]
    elif closed_on < candidate.first_sick_day:
        errors["closed_on"] = [_l("The closing date cannot be before the first day of sickness.")]
    if errors:
        raise ValidationFailed(errors)
    with ctx.transaction():
        candidate.status = TrajectoryStatus.CLOSED
        candidate.outcome = outcome
        candidate.closed_on = closed_on
        ctx.audit("candidate.closed", OBJ, candidate.id, outcome=outcome, closed_on=closed_on)
        _stop_following(ctx, candidate)
    return candidate


def _erase(ctx: Context, candidate: Candidate, reason: str) -> None:
    """Remove every personal field; keep the pseudonym and the anonymous trajectory facts
    (coach organisation, home employer, networks, dates, end week, outcome) so that
    placement figures and the reciprocity ledger stay exact."""
    for name in _PERSONAL:
        setattr(candidate, name, None)
    candidate.postcode_area = None
    candidate.lat = candidate.lon = None
    candidate.preferred_functions = ""
    candidate.preferred_sectors = []
    candidate.end_week_reason = ""
    candidate.hours_per_day = candidate.hours_per_week = None
    for profile in list(candidate.profiles):
        ctx.session.delete(profile)
    for consent in candidate.consents:
        consent.text = None
    # Issue 20: the conversations' texts are blanked, the attached files deleted.
    erase_talk(ctx, candidate.id)
    candidate.status = TrajectoryStatus.ERASED
    candidate.erased_at = ctx.now()
    ctx.audit("candidate.erased", OBJ, candidate.id, reason=reason)
    _stop_following(ctx, candidate)


def _stop_following(ctx: Context, candidate: Candidate) -> None:
    """Match alerts (issue 20): nobody follows a closed or erased trajectory's search."""
    from registry.search import alerts

    alerts.candidate_closed(ctx.session, candidate.id)


def erase_candidate(ctx: Context, candidate_id: int) -> Candidate:
    """Erase a closed trajectory's personal data (the coach's organisation)."""
    candidate, facts = _load(ctx, candidate_id, Action.CANDIDATE_VIEW)
    if not can(ctx.actor, Action.CANDIDATE_ERASE, facts):
        if candidate.status == TrajectoryStatus.ACTIVE and can(
            ctx.actor, Action.CANDIDATE_EDIT, facts
        ):
            raise ValidationFailed.field(
                "status", _l("Close the trajectory with its outcome before erasing it.")
            )
        raise PermissionDenied(Action.CANDIDATE_ERASE)
    with ctx.transaction():
        _erase(ctx, candidate, "request")
    return candidate


def erase_expired(ctx: Context) -> list[str]:
    """The daily retention job (no acting user): erase every closed trajectory whose
    retention period has passed. Returns the pseudonyms erased."""
    today = ctx.today()
    erased = []
    with ctx.transaction():
        for candidate in ctx.session.scalars(
            select(Candidate)
            .where(Candidate.status == TrajectoryStatus.CLOSED)
            .options(selectinload(Candidate.profiles), selectinload(Candidate.consents))
            .order_by(Candidate.id)
        ):
            due = erasure_due_on(candidate)
            if due is not None and due <= today:
                _erase(ctx, candidate, "retention")
                erased.append(candidate.pseudonym)
    return erased


# --- access history ----------------------------------------------------------------------


@dataclass
class AccessEntry:
    at: dt.datetime
    action: str
    actor_name: str | None
    actor_email: str | None
    groups: list[str]
    detail: dict


def access_history(ctx: Context, candidate_id: int, limit: int = 500) -> list[AccessEntry]:
    """Who saw or changed this candidate's data, and when (newest first)."""
    return access_history_page(ctx, candidate_id, 1, per_page=limit).items


def access_history_page(
    ctx: Context, candidate_id: int, page: int = 1, per_page: int = paging.PAGE_SIZE
) -> paging.Page[AccessEntry]:
    """One page of :func:`access_history`: the actor's name and e-mail address are read as
    columns, so the page costs the same statements for 5 or 50 entries (issue 17)."""
    candidate, _facts = _load(ctx, candidate_id, Action.CANDIDATE_HISTORY)
    query = (
        select(AuditEvent, User.display_name, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == OBJ, AuditEvent.object_id == candidate.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    found = paging.paginate(ctx.session, query, page, per_page, scalars=False)
    entries = [
        AccessEntry(
            at=event.at,
            action=event.action,
            actor_name=name,
            actor_email=email,
            groups=list((event.detail or {}).get("groups", [])),
            detail=dict(event.detail or {}),
        )
        for event, name, email in found.items
    ]
    with ctx.read_transaction():
        ctx.audit("candidate.history_viewed", OBJ, candidate.id)
    return paging.Page(entries, found.page, found.per_page, found.total)


# --- choices for forms -------------------------------------------------------------------


def home_employer_choices(ctx: Context) -> list[tuple[Employer, list[int]]]:
    """Employers that are an admitted member of at least one network, with those networks."""
    ctx.require(Action.CANDIDATE_CREATE)
    members: dict[int, list[int]] = {}
    for employer_id, network_id in ctx.session.execute(
        select(Membership.employer_id, Membership.network_id).where(
            Membership.status == MembershipStatus.ADMITTED
        )
    ):
        members.setdefault(employer_id, []).append(network_id)
    if not members:
        return []
    employers = ctx.session.scalars(
        select(Employer).where(Employer.id.in_(members)).order_by(Employer.legal_name)
    )
    return [(e, sorted(members[e.id])) for e in employers]


def network_choices(ctx: Context) -> list[Network]:
    ctx.require(Action.CANDIDATE_CREATE)
    return list(ctx.session.scalars(select(Network).order_by(Network.name)))
