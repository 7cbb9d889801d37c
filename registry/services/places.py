"""Use cases for places: post, edit, duplicate, review, pause, close, confirm, list, sweep.

A place belongs to one host employer and is offered to one or more networks in which
that employer is admitted. Its workload demands are stored per catalogue dimension (see
``registry.domain.workload``); every save refreshes ``completeness`` and the columns the
match search reads (``registry.search.codec``). Status moves:

    draft -> submitted (a network reviews new places) | open
    submitted -> open (published) | draft (sent back with a reason)
    open -> paused | full | closed;  paused, full -> open;  anything -> closed

Open places must be confirmed by their employer every N days (the smallest
``freshness_days`` among the place's networks). The daily sweep reminds at N-7 days and
pauses at N days, with a message in the outbox.

Size (over 500 lines): every use case of a place's life cycle shares the input
checks, the status rules and the derived search columns kept here.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from registry.domain.geo import parse_postcode
from registry.domain.permissions import (
    Action,
    PermissionDenied,
    PlaceFacts,
    Role,
    can,
)
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    Demand,
    DemandFacts,
    all_dimensions,
    completeness,
)
from registry.geodata import (
    Geocoder,
    NullGeocoder,
    PostcodeDirectory,
    default_directory,
    make_geocoder,
    resolve_location,
)
from registry.models import (
    AuditEvent,
    Employer,
    Membership,
    MembershipStatus,
    Network,
    Place,
    PlaceKind,
    PlaceStatus,
    User,
    place_networks,
)
from registry.search import codec
from registry.services import formatting, mail, paging, webhook_events
from registry.services.context import Context
from registry.services.errors import Conflict, NotFound, ValidationFailed
from registry.services.value_checks import (
    HOURS_PER_WEEK,
    POSTCODE_MESSAGE,
    check_hours_per_week,
)

log = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFERS = ("mentor", "training", "travel_allowance", "adjustments", "contract_chance")
SBI_SECTIONS = "ABCDEFGHIJKLMNOPQRSTU"
DEFAULT_FRESHNESS_DAYS = 60
REMINDER_DAYS_BEFORE = 7
PAGE_SIZE = 50
EXPORT_LIMIT = 20_000
MAX_LENGTHS = {
    "title": 160,
    "function": 160,
    "description": 5000,
    "house_number": 10,
    "contact_name": 120,
    "contact_email": 254,
    "contact_phone": 30,
    "external_ref": 64,
    "review_note": 1000,
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+()\-\s]*$")

# Key fields that count towards completeness besides the demands.
KEY_FIELDS = ("function", "description", "hours", "schedule", "exposures", "conditions", "contact")


# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceInput:
    """Everything a user states about a place. ``exposures`` / ``offers_conditions`` are
    None when not stated; ``demands`` holds only stated dimensions (or band None)."""

    kind: PlaceKind | str
    title: str
    network_ids: tuple[int, ...] = ()
    function: str = ""
    sector: str = ""
    description: str = ""
    postcode: str = ""
    house_number: str = ""
    slots: int | None = 1
    min_hours_week: int | None = None
    usual_hours_week: int | None = None
    lower_start_allowed: bool = False
    schedule_days: tuple[str, ...] = ()
    evening_work: bool = False
    weekend_work: bool = False
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    ongoing: bool = True
    typical_weeks: int | None = None
    intake_cap_per_month: int | None = None
    offers: tuple[str, ...] = ()
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    demands: Mapping[str, Demand] = field(default_factory=dict)
    exposures: frozenset[str] | None = None
    offers_conditions: frozenset[str] | None = None
    external_ref: str | None = None


def input_from_place(place: Place, **overrides: Any) -> PlaceInput:
    """The input that would reproduce this place (for duplicates and imports)."""
    values = {
        f.name: getattr(place, f.name)
        for f in fields(PlaceInput)
        if f.name not in {"network_ids", "demands", "exposures", "offers_conditions"}
    }
    values["schedule_days"] = tuple(place.schedule_days or ())
    values["offers"] = tuple(place.offers or ())
    values["network_ids"] = tuple(sorted(n.id for n in place.networks))
    values["demands"] = place_demands(place)
    values["exposures"] = None if place.exposures is None else frozenset(place.exposures)
    values["offers_conditions"] = (
        None if place.offers_conditions is None else frozenset(place.offers_conditions)
    )
    values.update(overrides)
    return PlaceInput(**values)


# --- derived values ------------------------------------------------------------------------


def place_demands(place: Place) -> dict[str, Demand]:
    """The stated demands of a place as catalogue Demands (unknown keys are ignored)."""
    return codec.place_demands(place.demands)


def demand_facts(place: Place) -> DemandFacts:
    """The place as the workload comparison sees it."""
    return codec.demand_facts_of(place)


@dataclass(frozen=True)
class Completeness:
    score: float  # 0..1
    missing_dimensions: tuple[str, ...]
    missing_fields: tuple[str, ...]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def place_completeness(place: Place) -> Completeness:
    """Share of core dimensions stated and key fields filled, and what is missing."""
    _share, missing_dims = completeness(demand_facts(place))
    core = [d for d in all_dimensions() if not d.optional]
    filled = {
        "function": bool((place.function or "").strip()),
        "description": bool((place.description or "").strip()),
        "hours": place.min_hours_week is not None or place.usual_hours_week is not None,
        "schedule": bool(place.schedule_days),
        "exposures": place.exposures is not None,
        "conditions": place.offers_conditions is not None,
        "contact": bool((place.contact_name or "").strip() or (place.contact_email or "").strip()),
    }
    missing_fields = tuple(k for k in KEY_FIELDS if not filled[k])
    total = len(core) + len(KEY_FIELDS)
    done = (len(core) - len(missing_dims)) + (len(KEY_FIELDS) - len(missing_fields))
    score = done / total if total else 1.0
    return Completeness(round(score, 4), missing_dims, missing_fields)


def refresh_derived(place: Place) -> None:
    """Recompute the columns the match search relies on. Call on every save."""
    place.match_code = codec.encode_match_code(demand_facts(place))
    place.conflict_bits_1, place.conflict_bits_2 = codec.conflict_bits(place.match_code)
    place.network_bits = codec.network_bits(n.id for n in place.networks)
    place.lat_band = codec.lat_band(place.lat)
    place.completeness = place_completeness(place).score


def _search_columns(place: Place) -> tuple:
    return (place.match_code, place.conflict_bits_1, place.conflict_bits_2, place.network_bits)


def recode_all(session: Session, batch: int = 1000) -> int:
    """Recompute every place's derived search columns (after a catalogue change, or for
    places written outside this service); returns how many places changed. Commits per
    batch."""
    changed = 0
    last = 0
    while True:
        places = session.scalars(
            select(Place).where(Place.id > last).order_by(Place.id).limit(batch)
        ).all()
        if not places:
            return changed
        for place in places:
            before = _search_columns(place)
            refresh_derived(place)
            changed += before != _search_columns(place)
        last = places[-1].id
        session.commit()


def freshness_days(place: Place) -> int:
    """The confirmation period: the strictest among the place's networks."""
    days = [n.freshness_days for n in place.networks if n.freshness_days]
    return min(days) if days else DEFAULT_FRESHNESS_DAYS


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=dt.UTC)
    return value


def confirmed_base(place: Place) -> dt.datetime | None:
    """When the place was last confirmed (or created, if never)."""
    return _aware(place.last_confirmed_at) or _aware(place.created_at)


def confirmation_due(place: Place) -> dt.datetime | None:
    base = confirmed_base(place)
    return base + dt.timedelta(days=freshness_days(place)) if base else None


def freshness_state(place: Place, now: dt.datetime) -> str:
    """'ok', 'due_soon' (within the reminder window) or 'overdue'; '' when not open."""
    if place.status not in (PlaceStatus.OPEN, PlaceStatus.FULL):
        return ""
    due = confirmation_due(place)
    if due is None:
        return "ok"
    if now >= due:
        return "overdue"
    if now >= due - dt.timedelta(days=REMINDER_DAYS_BEFORE):
        return "due_soon"
    return "ok"


def place_facts(place: Place) -> PlaceFacts:
    return PlaceFacts(
        employer_id=place.employer_id,
        network_ids=frozenset(n.id for n in place.networks),
        reviewing_network_ids=frozenset(n.id for n in place.networks if n.review_new_places),
        status=place.status.value,
        id=place.id,
    )


# --- location ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _configured_geocoder(name: str | None, user_agent: str | None) -> Geocoder:
    try:
        return make_geocoder(name, user_agent)
    except ValueError as exc:
        log.warning("GEOCODER misconfigured, using postcode centres: %s", exc)
        return NullGeocoder()


def geocoder_for(settings: Mapping[str, Any]) -> Geocoder:
    """The geocoder from configuration (GEOCODER, GEOCODER_USER_AGENT); tests may put an
    instance in PLACE_GEOCODER. Without configuration: postcode-area centres only."""
    instance = settings.get("PLACE_GEOCODER")
    if instance is not None:
        return instance
    return _configured_geocoder(settings.get("GEOCODER"), settings.get("GEOCODER_USER_AGENT"))


def directory_for(settings: Mapping[str, Any]) -> PostcodeDirectory:
    return settings.get("POSTCODE_DIRECTORY") or default_directory()


# --- validation ----------------------------------------------------------------------------


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int_between(
    errors: dict[str, list[object]], name: str, value: object, lo: int, hi: int, required=False
) -> int | None:
    if value is None or value == "":
        if required:
            errors.setdefault(name, []).append(_l("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(name, []).append(_l("Enter a whole number."))
        return None
    if not lo <= value <= hi:
        errors.setdefault(name, []).append(
            _l("Choose a number from %(lo)s to %(hi)s.", lo=lo, hi=hi)
        )
        return None
    return value


def admitted_networks(session: Session, employer_id: int) -> list[Network]:
    """The networks in which this employer is an admitted member, by name."""
    return list(
        session.scalars(
            select(Network)
            .join(Membership, Membership.network_id == Network.id)
            .where(
                Membership.employer_id == employer_id,
                Membership.status == MembershipStatus.ADMITTED,
            )
            .order_by(Network.name)
        )
    )


def check_input(
    ctx: Context,
    employer_id: int,
    data: PlaceInput,
    existing: Place | None = None,
    *,
    geocode: bool = True,
) -> tuple[dict[str, Any], dict[str, list[object]]]:
    """Validate and normalise; return (values to set on a Place, errors per field)."""
    errors: dict[str, list[object]] = {}
    v: dict[str, Any] = {}

    def err(name: str, message: object) -> None:
        errors.setdefault(name, []).append(message)

    for name, limit in MAX_LENGTHS.items():
        if name in {"review_note", "external_ref"}:
            continue
        value = _text(getattr(data, name))
        if len(value) > limit:
            err(name, _l("Use at most %(n)s characters.", n=limit))
        v[name] = value
    if not v["title"]:
        err("title", _l("This field is required."))

    try:
        v["kind"] = PlaceKind(data.kind)
    except ValueError:
        err("kind", _l("Choose a kind of place."))

    sector = _text(data.sector).upper()
    if sector and (len(sector) != 1 or sector not in SBI_SECTIONS):
        err("sector", _l("Choose a sector."))
    v["sector"] = sector

    if v["contact_email"] and not EMAIL_RE.match(v["contact_email"]):
        err("contact_email", _l("Enter a valid e-mail address."))
    if v["contact_phone"] and not PHONE_RE.match(v["contact_phone"]):
        err("contact_phone", _l("Use only digits, spaces and + - ( )."))

    ref = _text(data.external_ref) or None
    if ref is not None and len(ref) > MAX_LENGTHS["external_ref"]:
        err("external_ref", _l("Use at most %(n)s characters.", n=MAX_LENGTHS["external_ref"]))
    v["external_ref"] = ref

    v["slots"] = _int_between(errors, "slots", data.slots, 1, 100, required=True)
    for name in ("min_hours_week", "usual_hours_week"):  # one rule for hours (issue 14)
        value = getattr(data, name)
        problem = check_hours_per_week(value)
        if problem is not None:
            err(name, problem)
        v[name] = None if problem else _int_between(errors, name, value, *HOURS_PER_WEEK)
    if (
        v["min_hours_week"] is not None
        and v["usual_hours_week"] is not None
        and v["min_hours_week"] > v["usual_hours_week"]
    ):
        err("min_hours_week", _l("The minimum cannot be more than the usual hours."))
    v["typical_weeks"] = _int_between(errors, "typical_weeks", data.typical_weeks, 1, 104)
    v["intake_cap_per_month"] = _int_between(
        errors, "intake_cap_per_month", data.intake_cap_per_month, 1, 100
    )
    for name in ("lower_start_allowed", "evening_work", "weekend_work", "ongoing"):
        v[name] = bool(getattr(data, name))

    days = tuple(data.schedule_days or ())
    if any(d not in DAYS for d in days):
        err("schedule_days", _l("Choose days of the week."))
    v["schedule_days"] = [d for d in DAYS if d in days]
    offers = tuple(data.offers or ())
    if any(o not in OFFERS for o in offers):
        err("offers", _l("Choose from the list."))
    v["offers"] = [o for o in OFFERS if o in offers]

    for name in ("available_from", "available_until"):
        value = getattr(data, name)
        if value is not None and not isinstance(value, dt.date):
            err(name, _l("Enter a date like 2026-03-31."))
            value = None
        v[name] = value
    start, end = v["available_from"], v["available_until"]
    if start and end and end < start:
        err("available_until", _l("The end date is before the start date."))
    if end:  # a place with an end date is not ongoing
        v["ongoing"] = False

    # Demands: only catalogue dimensions, bands in range.
    dims = {d.key: d for d in all_dimensions()}
    demands: dict[str, dict[str, Any]] = {}
    for key, demand in (data.demands or {}).items():
        dim = dims.get(key)
        if dim is None:
            err("demands", _l("Unknown workload dimension %(key)s.", key=key))
            continue
        if demand is None or demand.band is None:
            continue
        band = demand.band
        if isinstance(band, bool) or not isinstance(band, int) or not 0 <= band <= dim.heaviest:
            err(f"demand_{key}", _l("Choose one of the listed levels."))
            continue
        demands[key] = {
            "band": band,
            "incidental": bool(demand.incidental),
            "adjustable": bool(demand.adjustable),
        }
    v["demands"] = {k: demands[k] for k in dims if k in demands}  # catalogue order
    exposure_keys = [f.key for f in EXPOSURES]
    condition_keys = [f.key for f in CONDITIONS]
    if data.exposures is None:
        v["exposures"] = None
    elif any(k not in exposure_keys for k in data.exposures):
        err("exposures", _l("Choose from the list."))
    else:
        v["exposures"] = [k for k in exposure_keys if k in data.exposures]
    if data.offers_conditions is None:
        v["offers_conditions"] = None
    elif any(k not in condition_keys for k in data.offers_conditions):
        err("offers_conditions", _l("Choose from the list."))
    else:
        v["offers_conditions"] = [k for k in condition_keys if k in data.offers_conditions]

    # Networks: at least one, each one where the employer is admitted.
    admitted = {n.id: n for n in admitted_networks(ctx.session, employer_id)}
    chosen = []
    for nid in dict.fromkeys(data.network_ids or ()):
        if not isinstance(nid, int) or isinstance(nid, bool) or nid not in admitted:
            err("network_ids", _l("Offer the place only to networks the employer is admitted to."))
            break
        chosen.append(admitted[nid])
    if not chosen and "network_ids" not in errors:
        err("network_ids", _l("Offer the place to at least one network."))
    v["networks"] = chosen

    _check_location(ctx, data, existing, v, errors, geocode=geocode)
    return v, errors


def _check_location(
    ctx: Context,
    data: PlaceInput,
    existing: Place | None,
    v: dict[str, Any],
    errors: dict[str, list[object]],
    *,
    geocode: bool,
) -> None:
    text = _text(data.postcode)
    if not text:
        errors.setdefault("postcode", []).append(_l("This field is required."))
        return
    parsed = parse_postcode(text)
    if parsed is None:
        errors.setdefault("postcode", []).append(POSTCODE_MESSAGE)
        return
    house = v.get("house_number", "")
    if (
        existing is not None
        and existing.postcode == str(parsed)
        and (existing.house_number or "") == house
        and existing.lat is not None
    ):
        v.update(
            postcode=existing.postcode,
            town=existing.town,
            lat=existing.lat,
            lon=existing.lon,
            geo_precision=existing.geo_precision,
        )
        return
    geocoder = geocoder_for(ctx.settings) if geocode else None
    found = resolve_location(directory_for(ctx.settings), geocoder, str(parsed), house or None)
    if found is None:
        errors.setdefault("postcode", []).append(POSTCODE_MESSAGE)
        return
    v.update(
        postcode=found.postcode,
        town=found.town,
        lat=found.lat,
        lon=found.lon,
        geo_precision=found.precision,
    )


def _apply(place: Place, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(place, name, value)
    refresh_derived(place)


SNAPSHOT_FIELDS = [
    "kind",
    "title",
    "function",
    "sector",
    "description",
    "postcode",
    "house_number",
    "slots",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "schedule_days",
    "evening_work",
    "weekend_work",
    "available_from",
    "available_until",
    "ongoing",
    "typical_weeks",
    "intake_cap_per_month",
    "offers",
    "contact_name",
    "contact_email",
    "contact_phone",
    "demands",
    "exposures",
    "offers_conditions",
]


def snapshot(place: Place) -> dict[str, Any]:
    """The user-stated content of a place, for change detection and audit."""
    out = {name: getattr(place, name) for name in SNAPSHOT_FIELDS}
    out["networks"] = sorted(n.id for n in place.networks)
    return out


def _values_snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {name: values.get(name) for name in SNAPSHOT_FIELDS}
    out["networks"] = sorted(n.id for n in values.get("networks", []))
    return out


def changed_fields(place: Place, values: Mapping[str, Any]) -> list[str]:
    before, after = snapshot(place), _values_snapshot(values)
    return [k for k in after if before.get(k) != after[k]]


# --- permission helpers --------------------------------------------------------------------


def _require_any(ctx: Context, place: Place, *actions: Action) -> None:
    if ctx.actor is None:
        raise PermissionDenied(actions[0], "anonymous")
    facts = place_facts(place)
    if not any(can(ctx.actor, a, facts) for a in actions):
        raise PermissionDenied(actions[0])


def get_place(ctx: Context, place_id: object, *actions: Action) -> Place:
    """The place, if the actor may do any of ``actions`` (default: view) on it."""
    if isinstance(place_id, bool) or not isinstance(place_id, int) or not 0 < place_id < 2**31:
        raise NotFound(_l("This place does not exist."))
    place = ctx.session.get(Place, place_id)
    if place is None:
        raise NotFound(_l("This place does not exist."))
    _require_any(ctx, place, *(actions or (Action.PLACE_VIEW,)))
    return place


def may(ctx: Context, place: Place, action: Action) -> bool:
    return ctx.actor is not None and can(ctx.actor, action, place_facts(place))


def creatable_employers(ctx: Context) -> list[Employer]:
    """Employers the actor may post places for (contacts: their own; admin: all;
    coordinators: admitted members of their networks)."""
    actor = ctx.actor
    if actor is None:
        return []
    query = select(Employer).order_by(Employer.legal_name)
    if actor.is_(Role.ADMIN):
        return list(ctx.session.scalars(query))
    ids = set(actor.employer_ids) if actor.is_(Role.EMPLOYER) else set()
    if actor.is_(Role.COORDINATOR) and actor.coordinated_network_ids:
        ids |= set(
            ctx.session.scalars(
                select(Membership.employer_id).where(
                    Membership.network_id.in_(actor.coordinated_network_ids),
                    Membership.status == MembershipStatus.ADMITTED,
                )
            )
        )
    if not ids:
        return []
    return list(ctx.session.scalars(query.where(Employer.id.in_(ids))))


def offerable_networks(ctx: Context, employer_id: int) -> list[Network]:
    """Networks the actor may offer this employer's place to."""
    networks = admitted_networks(ctx.session, employer_id)
    actor = ctx.actor
    if actor is None:
        return []
    if actor.is_(Role.ADMIN) or (actor.is_(Role.EMPLOYER) and employer_id in actor.employer_ids):
        return networks
    return [n for n in networks if n.id in actor.coordinated_network_ids]


def _require_create(ctx: Context, employer_id: int, network_ids: Iterable[int]) -> None:
    ids = frozenset(n for n in network_ids if isinstance(n, int))
    ctx.require(Action.PLACE_CREATE, PlaceFacts(employer_id=employer_id, network_ids=ids))


def require_write(
    ctx: Context, employer_id: int, network_ids: Iterable[int], place: Place | None = None
) -> None:
    """The permission checks of saving a place, shared by :func:`create_place`,
    :func:`update_place` and the import (issue 13): a new place needs PLACE_CREATE for
    its networks; an existing one also PLACE_EDIT on the place as it is, and not closed."""
    if place is not None:
        _require_any(ctx, place, Action.PLACE_EDIT)
        # a place the sweep closed because its period ended may be extended (issue 12)
        if place.status == PlaceStatus.CLOSED and not closed_for_period_end(ctx.session, place):
            raise Conflict(_l("A closed place cannot be changed. Duplicate it instead."))
    _require_create(ctx, employer_id, network_ids)


def get_employer_for_places(ctx: Context, employer_id: object) -> Employer:
    if isinstance(employer_id, bool) or not isinstance(employer_id, int) or employer_id <= 0:
        raise NotFound(_l("This employer does not exist."))
    employer = ctx.session.get(Employer, employer_id)
    if employer is None:
        raise NotFound(_l("This employer does not exist."))
    return employer


# --- use cases -----------------------------------------------------------------------------


def create_place(
    ctx: Context, employer_id: int, data: PlaceInput, *, submit: bool = False
) -> Place:
    """Post a new place (a draft, or submitted/opened at once with ``submit``)."""
    employer = get_employer_for_places(ctx, employer_id)
    require_write(ctx, employer.id, data.network_ids)
    values, errors = check_input(ctx, employer.id, data)
    if errors:
        raise ValidationFailed(errors)
    _unique_ref(ctx.session, employer.id, values.get("external_ref"), None)
    with ctx.transaction():
        place = Place(employer_id=employer.id, status=PlaceStatus.DRAFT)
        _apply(place, values)
        ctx.session.add(place)
        ctx.session.flush()
        ctx.audit(
            "place.created",
            "place",
            place.id,
            title=place.title,
            networks=[n.id for n in place.networks],
        )
        if submit:
            _submit(ctx, place)
    return place


def check_place(
    ctx: Context, employer_id: int, data: PlaceInput, existing: Place | None = None
) -> None:
    """Every problem of a place's values at once, also those that need the database
    (networks, postcode area, own reference), without saving (issue 14)."""
    _values, errors = check_input(ctx, employer_id, data, existing, geocode=False)
    try:
        _unique_ref(
            ctx.session,
            employer_id,
            _text(data.external_ref) or None,
            existing.id if existing is not None else None,
        )
    except ValidationFailed as error:
        for name, messages in error.errors.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)


def _unique_ref(session: Session, employer_id: int, ref: str | None, place_id: int | None) -> None:
    if not ref:
        return
    other = session.scalar(
        select(Place.id).where(Place.employer_id == employer_id, Place.external_ref == ref)
    )
    if other is not None and other != place_id:
        raise ValidationFailed.field(
            "external_ref", _l("Another place of this employer has this reference.")
        )


def _slots_below_taken(taken: int) -> object:
    return ngettext(
        "This place already has %(num)s accepted or running placement; "
        "you cannot lower the slots below that.",
        "This place already has %(num)s accepted or running placements; "
        "you cannot lower the slots below that.",
        taken,
    )


def _set_slots(ctx: Context, place: Place, slots: int) -> None:
    """Change the slot count atomically with the accepts (issue 12).

    One conditional UPDATE (``... WHERE taken_slots <= :slots``) so an accept that commits
    in between cannot be overtaken; on PostgreSQL it also locks the row until commit, like
    ``_reserve_slot`` does. Then the place switches to full when no slot is left, and back
    to open when the edit frees one. Conflict (with the real count) when too many are taken.
    """
    result = ctx.session.execute(
        update(Place)
        .where(Place.id == place.id, Place.taken_slots <= slots)
        .values(slots=slots)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        taken = ctx.session.scalar(select(Place.taken_slots).where(Place.id == place.id)) or 0
        raise Conflict(_slots_below_taken(taken))
    ctx.session.execute(
        update(Place)
        .where(
            Place.id == place.id,
            Place.status == PlaceStatus.OPEN,
            Place.taken_slots >= Place.slots,
        )
        .values(status=PlaceStatus.FULL)
        .execution_options(synchronize_session=False)
    )
    ctx.session.execute(
        update(Place)
        .where(
            Place.id == place.id,
            Place.status == PlaceStatus.FULL,
            Place.taken_slots < Place.slots,
        )
        .values(status=PlaceStatus.OPEN)
        .execution_options(synchronize_session=False)
    )
    ctx.session.refresh(place, ["slots", "taken_slots", "status"])


def update_place(ctx: Context, place_id: int, data: PlaceInput) -> Place:
    """Edit a place's content. Saving an open place also confirms it is current.

    The slot count is written by :func:`_set_slots`, never read-then-written."""
    place = get_place(ctx, place_id, Action.PLACE_EDIT)
    require_write(ctx, place.employer_id, data.network_ids, place)
    values, errors = check_input(ctx, place.employer_id, data, existing=place)
    taken = getattr(place, "taken_slots", 0) or 0
    if values.get("slots") is not None and values["slots"] < taken:
        errors.setdefault("slots", []).append(_slots_below_taken(taken))
    if errors:
        raise ValidationFailed(errors)
    _unique_ref(ctx.session, place.employer_id, values.get("external_ref"), place.id)
    with ctx.transaction():
        changed = changed_fields(place, values)
        slots = values.pop("slots", None)
        if slots is not None and "slots" in changed:
            _set_slots(ctx, place, slots)
        _apply(place, values)
        if place.status in (PlaceStatus.OPEN, PlaceStatus.FULL):
            place.last_confirmed_at = ctx.now()
            place.reminder_sent_at = None
        ctx.audit("place.updated", "place", place.id, changed=changed)
        _announce(ctx, place)
    return place


def duplicate_place(ctx: Context, place_id: int) -> Place:
    """A new draft with the same content (no reference, not confirmed)."""
    source = get_place(ctx, place_id, Action.PLACE_EDIT)
    title = gettext("Copy of %(title)s", title=source.title)[: MAX_LENGTHS["title"]]
    networks = offerable_networks(ctx, source.employer_id)
    keep = tuple(n.id for n in source.networks if n in networks)
    data = input_from_place(source, title=title, external_ref=None, network_ids=keep)
    values, errors = check_input(ctx, source.employer_id, data, existing=source)
    if "network_ids" in errors:  # no longer admitted anywhere it was offered
        raise Conflict(_l("The employer is no longer admitted to this place's networks."))
    if errors:
        raise ValidationFailed(errors)
    with ctx.transaction():
        place = Place(employer_id=source.employer_id, status=PlaceStatus.DRAFT)
        _apply(place, values)
        ctx.session.add(place)
        ctx.session.flush()
        ctx.audit("place.duplicated", "place", place.id, source=source.id)
    return place


def _announce(ctx: Context, place: Place) -> None:
    """Match alerts (issue 20): the place is open (published, re-opened, changed, a slot
    freed); tell the coaches whose followed search it now matches."""
    from registry.search import alerts

    alerts.place_changed(ctx, place)


def _stop_following(ctx: Context, place: Place) -> None:
    """Match alerts (issue 20): nobody follows a closed place."""
    from registry.search import alerts

    alerts.place_closed(ctx.session, place.id)


# Allowed status moves per action: action -> (from statuses, to status).
MOVES: dict[str, tuple[frozenset[PlaceStatus], PlaceStatus | None]] = {
    "submit": (frozenset({PlaceStatus.DRAFT}), None),  # submitted or open, see _submit
    "publish": (frozenset({PlaceStatus.SUBMITTED}), PlaceStatus.OPEN),
    "send_back": (frozenset({PlaceStatus.SUBMITTED}), PlaceStatus.DRAFT),
    "pause": (frozenset({PlaceStatus.OPEN, PlaceStatus.FULL}), PlaceStatus.PAUSED),
    "resume": (frozenset({PlaceStatus.PAUSED, PlaceStatus.FULL}), PlaceStatus.OPEN),
    "mark_full": (frozenset({PlaceStatus.OPEN}), PlaceStatus.FULL),
    "close": (frozenset(set(PlaceStatus) - {PlaceStatus.CLOSED}), PlaceStatus.CLOSED),
}


def can_move(place: Place, move: str) -> bool:
    return place.status in MOVES[move][0]


def _check_move(place: Place, move: str) -> None:
    if not can_move(place, move):
        raise Conflict(_l("This is not possible while the place has its current status."))


def period_ended(place: Place, today: dt.date) -> bool:
    """The place's availability period has ended: it is not searchable, cannot be
    published or opened, and the daily sweep closes it (issue 12)."""
    return place.available_until is not None and place.available_until < today


def _require_live(ctx: Context, place: Place) -> None:
    """Refuse to offer or open a place whose period has ended (extend it first)."""
    if period_ended(place, ctx.today()):
        raise ValidationFailed.field(
            "available_until",
            _l(
                "The place was available until %(date)s, which has passed. Extend the end "
                "date first.",
                date=formatting.date_long(place.available_until),
            ),
        )


def _submit(ctx: Context, place: Place) -> None:
    if not place.networks:
        raise ValidationFailed.field("network_ids", _l("Offer the place to at least one network."))
    _require_live(ctx, place)
    before = place.status
    if any(n.review_new_places for n in place.networks):
        place.status = PlaceStatus.SUBMITTED
    else:
        place.status = PlaceStatus.OPEN
        place.last_confirmed_at = ctx.now()
        place.reminder_sent_at = None
    place.review_note = ""
    ctx.audit("place.submitted", "place", place.id, before=before, after=place.status)
    from registry.services import review_signals

    review_signals.submitted(ctx, place)
    if place.status == PlaceStatus.OPEN:
        webhook_events.emit(ctx.session, "place.published", place)


def submit_place(ctx: Context, place_id: int) -> Place:
    """Offer a draft: open at once, or submitted when a network reviews new places."""
    place = get_place(ctx, place_id, Action.PLACE_EDIT)
    _check_move(place, "submit")
    with ctx.transaction():
        _submit(ctx, place)
        _announce(ctx, place)
    return place


def publish_place(ctx: Context, place_id: int) -> Place:
    """A reviewing network's coordinator approves a submitted place."""
    place = get_place(ctx, place_id, Action.PLACE_REVIEW)
    _check_move(place, "publish")
    _require_live(ctx, place)
    with ctx.transaction():
        place.status = PlaceStatus.OPEN
        place.review_note = ""
        place.last_confirmed_at = ctx.now()
        place.reminder_sent_at = None
        ctx.audit("place.published", "place", place.id)
        _announce(ctx, place)
        from registry.services import review_signals

        review_signals.published(ctx, place)
        webhook_events.emit(ctx.session, "place.published", place)
    return place


def send_back_place(ctx: Context, place_id: int, reason: str) -> Place:
    """Return a submitted place to its employer as a draft, with the reason."""
    place = get_place(ctx, place_id, Action.PLACE_REVIEW)
    reason = _text(reason)
    if not reason:
        raise ValidationFailed.field("reason", _l("Say what the employer should change."))
    if len(reason) > MAX_LENGTHS["review_note"]:
        raise ValidationFailed.field(
            "reason", _l("Use at most %(n)s characters.", n=MAX_LENGTHS["review_note"])
        )
    _check_move(place, "send_back")
    with ctx.transaction():
        place.status = PlaceStatus.DRAFT
        place.review_note = reason
        ctx.audit("place.sent_back", "place", place.id, reason=reason)
        from registry.services import review_signals

        review_signals.sent_back(ctx, place, reason)
    return place


def _move(ctx: Context, place_id: int, move: str, *actions: Action) -> Place:
    place = get_place(ctx, place_id, *actions)
    _check_move(place, move)
    target = MOVES[move][1]
    assert target is not None
    if target == PlaceStatus.OPEN:
        _require_live(ctx, place)
    with ctx.transaction():
        before = place.status
        place.status = target
        if target == PlaceStatus.CLOSED:
            _stop_following(ctx, place)
        if target == PlaceStatus.OPEN:
            place.last_confirmed_at = ctx.now()
            place.reminder_sent_at = None
        ctx.audit(f"place.{move}", "place", place.id, before=before, after=target)
        if target == PlaceStatus.OPEN:
            _announce(ctx, place)
        if target == PlaceStatus.PAUSED:
            webhook_events.emit(ctx.session, "place.paused", place)
    return place


def pause_place(ctx: Context, place_id: int) -> Place:
    return _move(ctx, place_id, "pause", Action.PLACE_EDIT, Action.PLACE_CURATE)


def close_place(ctx: Context, place_id: int) -> Place:
    return _move(ctx, place_id, "close", Action.PLACE_EDIT, Action.PLACE_CURATE)


def resume_place(ctx: Context, place_id: int) -> Place:
    """Open a paused or full place again; also a place the sweep closed because its
    period ended, once its employer has extended the end date."""
    place = get_place(ctx, place_id, Action.PLACE_EDIT)
    if place.status == PlaceStatus.CLOSED and closed_for_period_end(ctx.session, place):
        _require_live(ctx, place)
        with ctx.transaction():
            place.status = PlaceStatus.OPEN
            place.last_confirmed_at = ctx.now()
            place.reminder_sent_at = None
            ctx.audit(
                "place.resume",
                "place",
                place.id,
                before=PlaceStatus.CLOSED,
                after=PlaceStatus.OPEN,
                until=place.available_until.isoformat() if place.available_until else None,
            )
            _announce(ctx, place)
        return place
    return _move(ctx, place_id, "resume", Action.PLACE_EDIT)


def closed_for_period_end(session: Session, place: Place) -> bool:
    """The place is closed because the sweep found its period ended (so its employer may
    extend it and open it again), not closed by hand."""
    if place.status != PlaceStatus.CLOSED:
        return False
    last = session.scalar(
        select(AuditEvent.action)
        .where(
            AuditEvent.object_type == "place",
            AuditEvent.object_id == place.id,
            AuditEvent.action.in_(("place.close", "place.period_ended")),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return last == "place.period_ended"


def mark_full(ctx: Context, place_id: int) -> Place:
    return _move(ctx, place_id, "mark_full", Action.PLACE_EDIT)


CONFIRMABLE = frozenset({PlaceStatus.OPEN, PlaceStatus.FULL, PlaceStatus.PAUSED})


def confirm_place(ctx: Context, place_id: int) -> Place:
    """One click: the place is still current. A place the sweep paused opens again."""
    place = get_place(ctx, place_id, Action.PLACE_EDIT)
    if place.status not in CONFIRMABLE:
        raise Conflict(_l("Only open, full or paused places are confirmed."))
    reopen = place.status == PlaceStatus.PAUSED and _paused_by_sweep(ctx.session, place)
    with ctx.transaction():
        place.last_confirmed_at = ctx.now()
        place.reminder_sent_at = None
        if reopen:
            place.status = PlaceStatus.OPEN
            _announce(ctx, place)
        ctx.audit("place.confirmed", "place", place.id, reopened=reopen)
    return place


def _paused_by_sweep(session: Session, place: Place) -> bool:
    last = session.scalar(
        select(AuditEvent.action)
        .where(
            AuditEvent.object_type == "place",
            AuditEvent.object_id == place.id,
            AuditEvent.action.in_(("place.pause", "place.paused_stale")),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return last == "place.paused_stale"


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    action: str
    actor: str
    detail: dict[str, Any]


def place_history(ctx: Context, place_id: int) -> list[HistoryEntry]:
    """The audit trail of a place, newest first."""
    place = get_place(ctx, place_id, Action.PLACE_HISTORY)
    rows = ctx.session.execute(_history_query(place)).all()
    return [
        HistoryEntry(_aware(e.at), e.action, name or "", dict(e.detail or {})) for e, name in rows
    ]


def place_history_page(ctx: Context, place_id: int, page: int = 1) -> paging.Page[HistoryEntry]:
    """One page (50) of :func:`place_history` (issue 17)."""
    place = get_place(ctx, place_id, Action.PLACE_HISTORY)
    found = paging.paginate(ctx.session, _history_query(place), page, scalars=False)
    entries = [
        HistoryEntry(_aware(e.at), e.action, name or "", dict(e.detail or {}))
        for e, name in found.items
    ]
    return paging.Page(entries, found.page, found.per_page, found.total)


def _history_query(place: Place) -> Select:
    return (
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "place", AuditEvent.object_id == place.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


# --- lists ---------------------------------------------------------------------------------

SORTS = {
    "title": lambda: func.lower(Place.title),
    "employer": lambda: func.lower(Employer.legal_name),
    "town": lambda: func.lower(Place.town),
    "status": lambda: Place.status,
    "completeness": lambda: Place.completeness,
    "confirmed": lambda: func.coalesce(Place.last_confirmed_at, Place.created_at),
    "created": lambda: Place.created_at,
}
COMPLETENESS_FILTERS = ("complete", "lt75", "lt50")
UNCONFIRMED_DAYS = (7, 30, 60, 90)


@dataclass(frozen=True)
class PlaceFilters:
    network_id: int | None = None
    employer_id: int | None = None
    kind: str = ""
    status: str = ""
    area: str = ""  # town (part of a name) or postcode area (1-4 digits)
    completeness: str = ""
    unconfirmed_days: int | None = None
    q: str = ""  # words in title or function
    sort: str = "title"
    page: int = 1


@dataclass(frozen=True)
class PlacePage:
    items: list[Place]
    total: int  # counted up to paging.COUNT_CAP + 1 (issue 17)
    page: int
    pages: int

    @property
    def capped(self) -> bool:
        """More places than were counted: the page says "more than 10,000"."""
        return self.total > paging.COUNT_CAP

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.capped and len(self.items) == PAGE_SIZE)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _scoped(ctx: Context, scope: str) -> Select:
    actor = ctx.actor
    if actor is None:
        raise PermissionDenied(Action.PLACE_VIEW, "anonymous")
    query = select(Place)  # joined with the employer only to sort on its name
    if scope == "curation":
        ctx.require(Action.PLACE_CURATION_LIST)
        if not actor.is_(Role.ADMIN):
            query = query.where(
                Place.id.in_(
                    select(place_networks.c.place_id).where(
                        place_networks.c.network_id.in_(actor.coordinated_network_ids)
                    )
                )
            )
    elif scope == "own":
        if not (actor.is_(Role.EMPLOYER) or actor.is_(Role.ADMIN)):
            raise PermissionDenied(Action.PLACE_EDIT, "not an employer contact")
        if not actor.is_(Role.ADMIN) or actor.employer_ids:
            query = query.where(Place.employer_id.in_(actor.employer_ids))
    else:  # pragma: no cover - programming error
        raise ValueError(scope)
    return query


def _filtered(ctx: Context, filters: PlaceFilters, scope: str) -> Select:
    errors: dict[str, list[object]] = {}
    query = _scoped(ctx, scope)
    if filters.network_id is not None:
        query = query.where(
            Place.id.in_(
                select(place_networks.c.place_id).where(
                    place_networks.c.network_id == filters.network_id
                )
            )
        )
    if filters.employer_id is not None:
        query = query.where(Place.employer_id == filters.employer_id)
    if filters.kind:
        try:
            query = query.where(Place.kind == PlaceKind(filters.kind))
        except ValueError:
            errors["kind"] = [_l("Choose a kind of place.")]
    if filters.status:
        try:
            query = query.where(Place.status == PlaceStatus(filters.status))
        except ValueError:
            errors["status"] = [_l("Choose a status.")]
    area = (filters.area or "").strip()
    if len(area) > 80:
        errors["area"] = [_l("Use at most %(n)s characters.", n=80)]
    elif area:
        if re.fullmatch(r"[0-9]{1,4}", area):
            query = query.where(Place.postcode.like(f"{area}%"))
        else:
            query = query.where(
                func.lower(Place.town).like(f"%{_like(area.lower())}%", escape="\\")
            )
    q = (filters.q or "").strip()
    if len(q) > 80:
        errors["q"] = [_l("Use at most %(n)s characters.", n=80)]
    elif q:
        pattern = f"%{_like(q.lower())}%"
        query = query.where(
            or_(
                func.lower(Place.title).like(pattern, escape="\\"),
                func.lower(Place.function).like(pattern, escape="\\"),
            )
        )
    if filters.completeness:
        if filters.completeness == "complete":
            query = query.where(Place.completeness >= 0.9999)
        elif filters.completeness == "lt75":
            query = query.where(Place.completeness < 0.75)
        elif filters.completeness == "lt50":
            query = query.where(Place.completeness < 0.5)
        else:
            errors["completeness"] = [_l("Choose from the list.")]
    if filters.unconfirmed_days is not None:
        if filters.unconfirmed_days not in UNCONFIRMED_DAYS:
            errors["unconfirmed_days"] = [_l("Choose from the list.")]
        else:
            limit = ctx.now() - dt.timedelta(days=filters.unconfirmed_days)
            query = query.where(func.coalesce(Place.last_confirmed_at, Place.created_at) < limit)
    sort = filters.sort or "title"
    key = sort.lstrip("-")
    if key not in SORTS:
        errors["sort"] = [_l("Choose from the list.")]
    if errors:
        raise ValidationFailed(errors)
    if key == "employer":
        query = query.join(Employer, Employer.id == Place.employer_id)
    column = SORTS[key]()
    query = query.order_by(column.desc() if sort.startswith("-") else column.asc(), Place.id)
    return query


def search_places(ctx: Context, filters: PlaceFilters, scope: str = "own") -> PlacePage:
    """One page of the places the actor may list (``own``: the actor's employers' places;
    ``curation``: places offered to the coordinator's networks)."""
    query = _filtered(ctx, filters, scope)
    ids = query.with_only_columns(Place.id)
    total = paging.count_capped(ctx.session, ids)  # never reads past the cap (issue 17)
    pages = max(1, -(-(total or 0) // PAGE_SIZE))
    last = paging.MAX_PAGE if total > paging.COUNT_CAP else pages  # past the cap: page on
    page = filters.page if isinstance(filters.page, int) and 1 <= filters.page <= last else 1
    # The page's ids first, then their rows: ordering a network's 28,000 whole rows (their
    # demands included) to keep 50 took 110 ms at national scale, the ids alone 15 ms.
    page_ids = list(ctx.session.scalars(ids.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    rows = ctx.session.scalars(
        select(Place).where(Place.id.in_(page_ids)).options(selectinload(Place.employer))
    )
    by_id = {place.id: place for place in rows}
    items = [by_id[pid] for pid in page_ids if pid in by_id]
    return PlacePage(items, total or 0, page, pages)


def places_after(
    ctx: Context, filters: PlaceFilters, scope: str, after_id: int, limit: int
) -> list[Place]:
    """The partner API's keyset page (issue 18): the filtered places with an id above
    ``after_id``, in id order, so a cursor stays stable while places are added."""
    query = _filtered(ctx, filters, scope).order_by(None).where(Place.id > after_id)
    query = query.order_by(Place.id).limit(limit)
    return list(
        ctx.session.scalars(
            query.options(selectinload(Place.employer), selectinload(Place.networks))
        )
    )


def export_places(ctx: Context, filters: PlaceFilters, scope: str = "own") -> list[Place]:
    """Every place of the filtered list (no paging), for CSV/XLSX export."""
    query = _filtered(ctx, filters, scope)
    places = list(
        ctx.session.scalars(query.options(selectinload(Place.employer)).limit(EXPORT_LIMIT))
    )
    ctx.audit("place.exported", "place", None, count=len(places), scope=scope)
    ctx.session.commit()
    return places


def curation_networks(ctx: Context) -> list[Network]:
    """The networks whose places the actor curates."""
    ctx.require(Action.PLACE_CURATION_LIST)
    query = select(Network).order_by(Network.name)
    if not ctx.actor.is_(Role.ADMIN):
        query = query.where(Network.id.in_(ctx.actor.coordinated_network_ids))
    return list(ctx.session.scalars(query))


# --- freshness sweep -----------------------------------------------------------------------


PERIOD_ENDED = "period ended"  # the reason the sweep records when it closes a place


@dataclass
class SweepResult:
    reminded: list[int] = field(default_factory=list)
    paused: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)  # period ended


def _recipients(place: Place) -> list[tuple[str, str]]:
    """(e-mail, language) of the people who keep this place current."""
    out: dict[str, str] = {}
    for user in place.employer.contacts:
        if user.active and user.email:
            out.setdefault(user.email.lower(), user.language or "nl")
    if not out:
        for email in (place.contact_email, place.employer.contact_email):
            if email:
                out.setdefault(email.lower(), "nl")
                break
    return list(out.items())


def _notify(ctx: Context, place: Place, kind: str, days: int) -> None:
    base = str(ctx.settings.get("BASE_URL", "")).rstrip("/")
    link = f"{base}/places/{place.id}"
    for email, language in _recipients(place):
        with force_locale(language):
            if kind == "place_period_ended":
                subject = gettext(
                    "Your place was closed, its period ended: %(title)s", title=place.title
                )
                body = gettext(
                    'Hello,\n\nYour place "%(title)s" was available until %(date)s. That '
                    "date has passed, so the place has been closed and coaches no longer "
                    "find it.\n\nIs it still available? Extend the end date and open it "
                    "again:\n%(link)s",
                    title=place.title,
                    date=formatting.date_long(place.available_until),
                    link=link,
                )
            elif kind == "place_reminder":
                subject = gettext("Please confirm your place: %(title)s", title=place.title)
                body = ngettext(
                    'Hello,\n\nYour place "%(title)s" has not been confirmed for a while. '
                    "If nobody confirms it is still current, it is paused in %(num)s day "
                    "and coaches no longer find it.\n\nConfirm it with one click:\n%(link)s",
                    'Hello,\n\nYour place "%(title)s" has not been confirmed for a while. '
                    "If nobody confirms it is still current, it is paused in %(num)s days "
                    "and coaches no longer find it.\n\nConfirm it with one click:\n%(link)s",
                    days,
                    title=place.title,
                    link=link,
                )
            else:
                subject = gettext("Your place was paused: %(title)s", title=place.title)
                body = ngettext(
                    'Hello,\n\nYour place "%(title)s" was not confirmed within %(num)s '
                    "day and has been paused. Coaches no longer find it.\n\nConfirm it "
                    "to open it again:\n%(link)s",
                    'Hello,\n\nYour place "%(title)s" was not confirmed within %(num)s '
                    "days and has been paused. Coaches no longer find it.\n\nConfirm it "
                    "to open it again:\n%(link)s",
                    days,
                    title=place.title,
                    link=link,
                )
        mail.enqueue(ctx.session, email, subject[:200], body, kind=kind)


def _close_ended(ctx: Context, result: SweepResult) -> None:
    """Close every open, full or paused place whose period has ended, with the reason
    "period ended", and tell its employer (who can extend it and open it again)."""
    ended: Sequence[Place] = ctx.session.scalars(
        select(Place)
        .where(
            Place.status.in_((PlaceStatus.OPEN, PlaceStatus.FULL, PlaceStatus.PAUSED)),
            Place.available_until.is_not(None),
            Place.available_until < ctx.today(),
        )
        .options(selectinload(Place.employer).selectinload(Employer.contacts))
        .order_by(Place.id)
    ).all()
    for place in ended:
        before = place.status
        place.status = PlaceStatus.CLOSED
        _stop_following(ctx, place)
        ctx.audit(
            "place.period_ended",
            "place",
            place.id,
            reason=PERIOD_ENDED,
            before=before,
            until=place.available_until.isoformat() if place.available_until else None,
        )
        _notify(ctx, place, "place_period_ended", 0)
        result.closed.append(place.id)


def sweep(ctx: Context) -> SweepResult:
    """Close places whose period ended ("period ended"), then remind at N-7 days and
    pause at N days for open places nobody confirmed.

    Runs without a user (the daily CLI job); safe to run more than once a day.
    """
    now = ctx.now()
    result = SweepResult()
    with ctx.transaction():
        _close_ended(ctx, result)
    places: Sequence[Place] = ctx.session.scalars(
        select(Place)
        .where(Place.status == PlaceStatus.OPEN)
        .options(selectinload(Place.employer).selectinload(Employer.contacts))
        .order_by(Place.id)
    ).all()
    with ctx.transaction():
        for place in places:
            days = freshness_days(place)
            base = confirmed_base(place)
            if base is None:
                continue
            age = now - base
            if age >= dt.timedelta(days=days):
                place.status = PlaceStatus.PAUSED
                ctx.audit("place.paused_stale", "place", place.id, days=days)
                _notify(ctx, place, "place_paused", days)
                webhook_events.emit(ctx.session, "place.paused", place)
                result.paused.append(place.id)
            elif age >= dt.timedelta(days=days - REMINDER_DAYS_BEFORE):
                reminded = _aware(place.reminder_sent_at)
                if reminded is not None and reminded >= base:
                    continue
                place.reminder_sent_at = now
                remaining = max(1, (base + dt.timedelta(days=days) - now).days)
                ctx.audit("place.reminder_sent", "place", place.id, days=days)
                _notify(ctx, place, "place_reminder", remaining)
                result.reminded.append(place.id)
    return result
