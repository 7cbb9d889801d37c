"""The workload catalogue (capacity versus demand) and how the two compare.

One module holds the catalogue as data: the ordinal dimensions (a condensed FML), the
exposure and condition flags and the hours bands, each with Dutch and English labels.
Forms, storage, matching and explanations all read it from here, always through
``all_dimensions()`` so that a dimension added with ``register_dimension`` is picked up
everywhere without a code change.

Comparison results are structured (verdicts, keys, band numbers), never sentences: the
web layer renders them through its translation layer.

Conventions:

- Bands are ordered light -> heavy; band 0 is the lightest.
- Person capacity per dimension: the heaviest band they can handle. A key that is absent
  from ``CapacityFacts.capacity`` means *normal* (no limitation: the heaviest band); an
  explicit ``None`` means *not assessed* (unknown).
- A person without a current capacity profile has stated nothing: ``CapacityFacts`` with
  ``profile=False`` (:meth:`CapacityFacts.without_profile`) makes every dimension,
  exposure and condition *unknown* with the reason :data:`NO_PROFILE`, never fit.
- Hours: the lower of the profile's hours bands and the hours the person can work now
  (``now_hours_per_day`` x 5 workdays, ``now_hours_per_week``) is the weekly limit.
- Place demand per dimension: a ``Demand``; an absent key or ``band=None`` is *not
  stated* (unknown). Optional (extended FML) dimensions a place did not state are skipped:
  they neither count as unknown nor against completeness.

Size (over 500 lines): the catalogue is data; most lines are the dimensions, flags
and hours bands with their labels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import NamedTuple

__all__ = [
    "N_",
    "set_translator",
    "CONDITIONS",
    "DIMENSIONS",
    "EXPOSURES",
    "HOURS_PER_DAY",
    "HOURS_PER_WEEK",
    "SECTIONS",
    "WORKDAYS_PER_WEEK",
    "UNKNOWN_CHAR",
    "Band",
    "CapacityFacts",
    "ComparisonResult",
    "Demand",
    "DemandFacts",
    "Dimension",
    "DimensionResult",
    "Flag",
    "FlagResult",
    "HoursBand",
    "HoursResult",
    "LimitSource",
    "NO_PROFILE",
    "Registration",
    "Result",
    "ResultKind",
    "Section",
    "Verdict",
    "all_dimensions",
    "catalogue_version",
    "compare_all",
    "compare_conditions",
    "compare_dimension",
    "compare_exposures",
    "compare_hours",
    "hours_within",
    "capacity_week_hours",
    "compare_capacity_hours",
    "completeness",
    "condition",
    "dimension",
    "dimensions_by_section",
    "exposure",
    "normal_capacity",
    "person_week_hours",
    "week_limit",
    "register_dimension",
]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a marker
    """Mark an English label for extraction into the message catalogues (a no-op here:
    the domain stays free of Flask; the web and service edge translate it)."""
    return message


Translator = Callable[[str, object], "str | None"]
_translator: Translator | None = None


def set_translator(translator: Translator | None) -> None:
    """Install the edge's translator: ``(english msgid, locale) -> text``, or None when
    the catalogue has no translation (then the Dutch text kept here is the fallback)."""
    global _translator
    _translator = translator


def _pick(locale: object, nl: str, en: str) -> str:
    """The label in the locale: through the message catalogue when a translator is
    installed (the labels are msgids marked with ``N_``); without one, or for a label
    the catalogue lacks (a dimension registered at run time), English for an 'en*'
    locale and Dutch otherwise."""
    if _translator is not None and en:  # an empty msgid would fetch the catalogue header
        found = _translator(en, locale)
        if found:
            return found
    if locale is not None and str(locale).lower().startswith("en"):
        return en
    return nl


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True)
class Section:
    """An FML section (I..VI)."""

    code: str
    label_nl: str
    label_en: str

    def label(self, locale: object = None) -> str:
        return _pick(locale, self.label_nl, self.label_en)


SECTIONS: dict[str, Section] = {
    s.code: s
    for s in (
        Section("I", "Persoonlijk functioneren", N_("Personal functioning")),
        Section("II", "Sociaal functioneren", N_("Social functioning")),
        Section("III", "Fysieke omgevingseisen", N_("Physical environment requirements")),
        Section("IV", "Dynamische handelingen", N_("Dynamic movements")),
        Section("V", "Statische houdingen", N_("Static postures")),
        Section("VI", "Werktijden", N_("Working hours")),
    )
}


@dataclass(frozen=True, slots=True)
class Band:
    """One step on a dimension's scale."""

    label_nl: str
    label_en: str

    def label(self, locale: object = None) -> str:
        return _pick(locale, self.label_nl, self.label_en)


@dataclass(frozen=True, slots=True)
class Dimension:
    """An ordinal workload dimension; bands run from light (0) to heavy (``heaviest``)."""

    key: str
    section: str
    label_nl: str
    label_en: str
    bands: tuple[Band, ...]
    help_nl: str = ""
    help_en: str = ""
    unit: str = ""
    optional: bool = False  # extended FML item: skipped for a place that did not state it

    def __post_init__(self) -> None:
        if not self.key.isidentifier():
            raise ValueError(f"invalid dimension key {self.key!r}")
        if self.section not in SECTIONS:
            raise ValueError(f"unknown FML section {self.section!r}")
        if not 2 <= len(self.bands) <= 10:
            raise ValueError("a dimension needs 2..10 bands")

    @property
    def heaviest(self) -> int:
        """Index of the heaviest band (a person's 'normal' capacity)."""
        return len(self.bands) - 1

    def label(self, locale: object = None) -> str:
        return _pick(locale, self.label_nl, self.label_en)

    def help(self, locale: object = None) -> str:
        return _pick(locale, self.help_nl, self.help_en)

    def band_label(self, band: int, locale: object = None) -> str:
        return self.bands[band].label(locale)


@dataclass(frozen=True, slots=True)
class Flag:
    """An exposure (place has it, person avoids it) or a condition (person needs it)."""

    key: str
    section: str
    label_nl: str
    label_en: str
    help_nl: str = ""
    help_en: str = ""

    def label(self, locale: object = None) -> str:
        return _pick(locale, self.label_nl, self.label_en)

    def help(self, locale: object = None) -> str:
        return _pick(locale, self.help_nl, self.help_en)


@dataclass(frozen=True, slots=True)
class HoursBand:
    """A person's hours limit; ``hours`` is None for the open top band ('more')."""

    hours: float | None
    label_nl: str
    label_en: str

    def label(self, locale: object = None) -> str:
        return _pick(locale, self.label_nl, self.label_en)

    @property
    def limit(self) -> float:
        return math.inf if self.hours is None else self.hours


def _bands(*pairs: tuple[str, str]) -> tuple[Band, ...]:
    return tuple(Band(nl, en) for nl, en in pairs)


_NONE = ("geen", N_("none"))
_SOMETIMES = ("soms", N_("sometimes"))
_REGULARLY = ("regelmatig", N_("regularly"))
_HOURS_SHORT = (
    ("minder dan een half uur", N_("less than half an hour")),
    ("ongeveer 1 uur", N_("about 1 hour")),
    ("ongeveer 4 uur", N_("about 4 hours")),
    ("het grootste deel van de dag", N_("most of the day")),
)
_KG = (
    ("tot 2 kg", N_("up to 2 kg")),
    ("tot 5 kg", N_("up to 5 kg")),
    ("tot 10 kg", N_("up to 10 kg")),
    ("tot 15 kg", N_("up to 15 kg")),
    ("meer dan 15 kg", N_("more than 15 kg")),
)

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "attention",
        "I",
        "Aandacht vasthouden bij één taak",
        N_("Sustained attention on one task"),
        _bands(
            ("korter dan 5 minuten", N_("less than 5 minutes")),
            ("korter dan 30 minuten", N_("less than 30 minutes")),
            ("30 minuten of langer", N_("30 minutes or more")),
        ),
    ),
    Dimension(
        "time_pressure",
        "I",
        "Tijdsdruk, deadlines, productiepieken",
        N_("Time pressure, deadlines, production peaks"),
        _bands(
            _NONE,
            ("af en toe", N_("occasional")),
            ("regelmatig", N_("regular")),
            ("hoog tempo het grootste deel van de dag", N_("high pace most of the day")),
        ),
    ),
    Dimension(
        "structure",
        "I",
        "Vereiste zelfstandigheid",
        N_("Independence required"),
        _bands(
            (
                "volledig voorgestructureerd werk met begeleiding",
                N_("fully pre-structured work with supervision"),
            ),
            ("vaste werkwijze, enige begeleiding", N_("fixed methods, some supervision")),
            ("zelfstandig werk", N_("independent work")),
        ),
    ),
    Dimension(
        "customer_contact",
        "II",
        "Contact met klanten, patiënten of publiek",
        N_("Contact with customers, patients or the public"),
        _bands(
            _NONE,
            ("af en toe", N_("occasional")),
            ("regelmatig", N_("regular")),
            ("intensief, ook met lastige klanten", N_("intensive, including difficult customers")),
        ),
    ),
    Dimension(
        "emotional_load",
        "II",
        "Omgaan met emotionele problemen van anderen",
        N_("Dealing with other people's emotional problems"),
        _bands(
            _NONE,
            ("licht", N_("light")),
            ("matig", N_("moderate")),
            ("zwaar (zorg, crisis)", N_("heavy (care, crisis)")),
        ),
    ),
    Dimension(
        "conflicts",
        "II",
        "Conflicten hanteren",
        N_("Handling conflicts"),
        _bands(
            _NONE,
            ("alleen telefonisch of schriftelijk", N_("only by phone or in writing")),
            ("van aangezicht tot aangezicht", N_("face to face")),
        ),
    ),
    Dimension(
        "teamwork",
        "II",
        "Samenwerken",
        N_("Cooperation"),
        _bands(
            ("alleen, eigen afgebakende taak", N_("alone, own delimited task")),
            ("in een klein team", N_("in a small team")),
            ("intensief teamwerk", N_("intensive team work")),
        ),
    ),
    Dimension(
        "screen_work",
        "IV",
        "Toetsenbord- en muiswerk, uren per dag",
        N_("Keyboard and mouse work, hours a day"),
        _bands(*_HOURS_SHORT),
        unit="h/day",
    ),
    Dimension("lifting", "IV", "Tillen", N_("Lifting"), _bands(*_KG), unit="kg"),
    Dimension(
        "carrying",
        "IV",
        "Dragen tijdens het lopen",
        N_("Carrying while walking"),
        _bands(*_KG),
        unit="kg",
    ),
    Dimension(
        "push_pull",
        "IV",
        "Duwen en trekken",
        N_("Pushing and pulling"),
        _bands(
            ("tot 100 N", N_("up to 100 N")),
            ("tot 150 N", N_("up to 150 N")),
            ("tot 250 N", N_("up to 250 N")),
            ("meer dan 250 N", N_("more than 250 N")),
        ),
        unit="N",
    ),
    Dimension(
        "bending",
        "IV",
        "Buigen, keer per uur",
        N_("Bending, times an hour"),
        _bands(
            ("zelden", N_("rarely")),
            ("tot 50 keer", N_("up to 50 times")),
            ("tot 150 keer", N_("up to 150 times")),
            ("tot 300 keer", N_("up to 300 times")),
            ("vaker", N_("more often")),
        ),
        unit="/h",
    ),
    Dimension(
        "walking",
        "IV",
        "Lopen tijdens het werk, uren per dag",
        N_("Walking during work, hours a day"),
        _bands(*_HOURS_SHORT),
        unit="h/day",
    ),
    Dimension(
        "stairs_climbing",
        "IV",
        "Traplopen en klimmen",
        N_("Stairs and climbing"),
        _bands(
            _NONE,
            ("losse treden", N_("single steps")),
            ("trap van één verdieping", N_("stairs of one floor")),
            ("regelmatig traplopen", N_("stairs regularly")),
            ("ladders", N_("ladders")),
        ),
    ),
    Dimension(
        "kneeling",
        "IV",
        "Knielen en hurken, keer per uur",
        N_("Kneeling and squatting, times an hour"),
        _bands(
            _NONE,
            ("tot 2 keer", N_("up to 2 times")),
            ("tot 5 keer", N_("up to 5 times")),
            ("tot 10 keer", N_("up to 10 times")),
            ("vaker", N_("more often")),
        ),
        unit="/h",
    ),
    Dimension(
        "overhead_work",
        "V",
        "Werken boven schouderhoogte",
        N_("Work above shoulder height"),
        _bands(
            _NONE,
            ("korte momenten", N_("short moments")),
            ("tot 1 minuut achter elkaar", N_("up to 1 minute at a time")),
            ("langer", N_("longer")),
        ),
    ),
    Dimension(
        "sitting",
        "V",
        "Zitten tijdens het werk, uren per dag",
        N_("Sitting during work, hours a day"),
        _bands(
            ("minder dan 4 uur", N_("less than 4 hours")),
            ("ongeveer 4 uur", N_("about 4 hours")),
            ("tot 8 uur", N_("up to 8 hours")),
            ("bijna de hele dag", N_("nearly all day")),
        ),
        unit="h/day",
    ),
    Dimension(
        "standing",
        "V",
        "Staan tijdens het werk, uren per dag",
        N_("Standing during work, hours a day"),
        _bands(*_HOURS_SHORT),
        unit="h/day",
    ),
    Dimension(
        "evening_work",
        "VI",
        "Avondwerk (18-22 uur)",
        N_("Evening work (18-22 h)"),
        _bands(_NONE, _SOMETIMES, _REGULARLY),
    ),
    Dimension(
        "night_work",
        "VI",
        "Nachtwerk (22-06 uur)",
        N_("Night work (22-06 h)"),
        _bands(_NONE, _SOMETIMES, _REGULARLY),
    ),
    Dimension(
        "driving",
        "II",
        "Een voertuig besturen voor het werk",
        N_("Driving a vehicle as part of the job"),
        _bands(_NONE, _SOMETIMES, _REGULARLY),
    ),
)
"""The core dimensions as shipped. Iterate ``all_dimensions()`` to include registered ones."""

EXPOSURES: tuple[Flag, ...] = (
    Flag("heat", "III", "Hitte boven 35 °C", N_("Heat above 35 °C")),
    Flag("cold", "III", "Kou of buitenwerk in de winter", N_("Cold or outdoor work in winter")),
    Flag("noise", "III", "Lawaai", N_("Noise")),
    Flag("dust", "III", "Stof, rook, gassen of dampen", N_("Dust, smoke, gas or vapours")),
    Flag("vibration", "III", "Trillingen", N_("Vibration")),
    Flag(
        "skin",
        "III",
        "Huidcontact met nat werk of irriterende stoffen",
        N_("Skin contact with wet work or irritants"),
    ),
    Flag(
        "ppe",
        "III",
        "Persoonlijke beschermingsmiddelen verplicht",
        N_("Personal protective equipment required"),
    ),
)

CONDITIONS: tuple[Flag, ...] = (
    Flag("little_distraction", "I", "Weinig afleiding", N_("Little distraction")),
    Flag("predictable", "I", "Voorspelbaar werk", N_("Predictable work")),
    Flag("few_interruptions", "I", "Weinig onderbrekingen", N_("Few interruptions")),
    Flag("no_peaks", "I", "Geen productiepieken", N_("No production peaks")),
    Flag("no_supervision", "II", "Geen leidinggevende taken", N_("No supervisory tasks")),
)

HOURS_PER_DAY: tuple[HoursBand, ...] = (
    HoursBand(2, "ongeveer 2 uur", N_("about 2 hours")),
    HoursBand(4, "ongeveer 4 uur", N_("about 4 hours")),
    HoursBand(6, "ongeveer 6 uur", N_("about 6 hours")),
    HoursBand(8, "ongeveer 8 uur", N_("about 8 hours")),
    HoursBand(None, "meer dan 8 uur", N_("more than 8 hours")),
)
HOURS_PER_WEEK: tuple[HoursBand, ...] = (
    HoursBand(10, "ongeveer 10 uur", N_("about 10 hours")),
    HoursBand(20, "ongeveer 20 uur", N_("about 20 hours")),
    HoursBand(30, "ongeveer 30 uur", N_("about 30 hours")),
    HoursBand(40, "ongeveer 40 uur", N_("about 40 hours")),
    HoursBand(None, "meer dan 40 uur", N_("more than 40 hours")),
)
WORKDAYS_PER_WEEK = 5  # turns an hours-per-day limit into a weekly one

_EXPOSURE_KEYS = {f.key: f for f in EXPOSURES}
_CONDITION_KEYS = {f.key: f for f in CONDITIONS}


# --------------------------------------------------------------------------- registry

_registry: dict[str, Dimension] = {d.key: d for d in DIMENSIONS}
_current: tuple[Dimension, ...] = DIMENSIONS
_version = 0  # bumped by every change of the catalogue


def all_dimensions() -> tuple[Dimension, ...]:
    """Every dimension in catalogue order: the core ones, then registered ones."""
    return _current


def catalogue_version() -> int:
    """A number that changes whenever the catalogue does (a dimension registered or
    undone): every cache derived from the catalogue is keyed on it."""
    return _version


def dimension(key: str) -> Dimension:
    """The dimension with this key (KeyError if there is none)."""
    return _registry[key]


def exposure(key: str) -> Flag:
    """The exposure flag with this key (KeyError if there is none)."""
    return _EXPOSURE_KEYS[key]


def condition(key: str) -> Flag:
    """The condition flag with this key (KeyError if there is none)."""
    return _CONDITION_KEYS[key]


class Registration:
    """Handle for a registered dimension; undo it with ``undo()`` or by leaving a ``with``."""

    def __init__(self, dim: Dimension) -> None:
        self.dimension = dim
        self._active = True

    def undo(self) -> None:
        global _current, _version
        if self._active:
            self._active = False
            _registry.pop(self.dimension.key, None)
            _current = tuple(_registry.values())
            _version += 1

    def __enter__(self) -> Dimension:
        return self.dimension

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.undo()


def register_dimension(dim: Dimension) -> Registration:
    """Add a dimension to the catalogue now (appended, so existing codes keep their place)."""
    global _current, _version
    if dim.key in _registry:
        raise ValueError(f"dimension {dim.key!r} already exists")
    _registry[dim.key] = dim
    _current = tuple(_registry.values())
    _version += 1
    return Registration(dim)


def dimensions_by_section() -> dict[str, tuple[Dimension, ...]]:
    """Dimensions grouped by FML section code, in section order; empty sections left out."""
    grouped: dict[str, list[Dimension]] = {code: [] for code in SECTIONS}
    for dim in all_dimensions():
        grouped[dim.section].append(dim)
    return {code: tuple(dims) for code, dims in grouped.items() if dims}


def normal_capacity() -> dict[str, int]:
    """A person without limitations: the heaviest band on every dimension."""
    return {dim.key: dim.heaviest for dim in all_dimensions()}


# --------------------------------------------------------------------------- comparison


NO_PROFILE = "no_profile"  # the reason of an unknown: no current capacity profile


class LimitSource(StrEnum):
    """Which hours limit applied: the profile's bands or what the person can work now."""

    PROFILE = "profile"
    NOW = "now"


class Verdict(StrEnum):
    """Outcome of one comparison. Severity: FIT < SIGNAL < CONFLICT; UNKNOWN stands apart."""

    FIT = "fit"
    SIGNAL = "signal"
    CONFLICT = "conflict"
    UNKNOWN = "unknown"


class ResultKind(StrEnum):
    DIMENSION = "dimension"
    EXPOSURE = "exposure"
    CONDITION = "condition"
    HOURS = "hours"


@dataclass(frozen=True, slots=True)
class Demand:
    """What a place asks on one dimension; ``band=None`` means not stated."""

    band: int | None
    incidental: bool = False  # only an incidental peak
    adjustable: bool = False  # the work can be adapted


@dataclass(frozen=True, slots=True)
class DimensionResult:
    """Comparison on one dimension. ``excess`` = bands above capacity, ``slack`` = bands below."""

    key: str
    verdict: Verdict
    capacity_band: int | None
    demand_band: int | None
    excess: int = 0
    slack: int = 0
    incidental: bool = False
    adjustable: bool = False
    reason: str | None = None  # why it is unknown, when the person side decides (NO_PROFILE)

    @property
    def kind(self) -> ResultKind:
        return ResultKind.DIMENSION


def _check_band(dim: Dimension, band: int | None, side: str) -> None:
    if band is not None and not 0 <= band <= dim.heaviest:
        raise ValueError(f"{side} band {band} out of range for {dim.key!r}")


def compare_dimension(
    dim: Dimension, capacity_band: int | None, demand: Demand | None, *, no_profile: bool = False
) -> DimensionResult:
    """Compare a person's capacity band with a place's demand on one dimension.

    fit: demand <= capacity; signal: exactly one band above and the demand is incidental or
    adjustable; conflict: anything heavier; unknown: either side not stated. Without a
    profile (``no_profile``) always unknown, with the reason ``NO_PROFILE``.
    """
    if no_profile:
        capacity_band = None
    demand_band = demand.band if demand is not None else None
    incidental = demand.incidental if demand is not None else False
    adjustable = demand.adjustable if demand is not None else False
    _check_band(dim, capacity_band, "capacity")
    _check_band(dim, demand_band, "demand")
    if capacity_band is None or demand_band is None:
        verdict, excess, slack = Verdict.UNKNOWN, 0, 0
    elif demand_band <= capacity_band:
        verdict, excess, slack = Verdict.FIT, 0, capacity_band - demand_band
    else:
        excess, slack = demand_band - capacity_band, 0
        soft = excess == 1 and (incidental or adjustable)
        verdict = Verdict.SIGNAL if soft else Verdict.CONFLICT
    return DimensionResult(
        dim.key,
        verdict,
        capacity_band,
        demand_band,
        excess,
        slack,
        incidental,
        adjustable,
        NO_PROFILE if no_profile else None,
    )


@dataclass(frozen=True, slots=True)
class FlagResult:
    """Exposure: ``person`` = must avoid, ``place`` = has it. Condition: ``person`` = needs it,
    ``place`` = can offer it. ``place`` is None when the place did not state its flags."""

    key: str
    kind: ResultKind
    verdict: Verdict
    person: bool
    place: bool | None
    reason: str | None = None  # NO_PROFILE: the person stated nothing


def _unknown_flags(
    flags: tuple[Flag, ...], kind: ResultKind, place: frozenset[str] | None
) -> tuple[FlagResult, ...]:
    """Every flag unknown: the person has no capacity profile."""
    return tuple(
        FlagResult(
            f.key,
            kind,
            Verdict.UNKNOWN,
            False,
            None if place is None else f.key in place,
            NO_PROFILE,
        )
        for f in flags
    )


def compare_exposures(
    avoid: Iterable[str], place_has: frozenset[str] | None, *, no_profile: bool = False
) -> tuple[FlagResult, ...]:
    """One result per exposure flag: conflict when avoided and present; unknown when avoided
    and the place did not state its exposures; fit otherwise. Without a profile: unknown."""
    if no_profile:
        return _unknown_flags(EXPOSURES, ResultKind.EXPOSURE, place_has)
    avoid = frozenset(avoid)
    out = []
    for flag in EXPOSURES:
        person = flag.key in avoid
        place = None if place_has is None else flag.key in place_has
        if not person:
            verdict = Verdict.FIT
        elif place is None:
            verdict = Verdict.UNKNOWN
        else:
            verdict = Verdict.CONFLICT if place else Verdict.FIT
        out.append(FlagResult(flag.key, ResultKind.EXPOSURE, verdict, person, place))
    return tuple(out)


def compare_conditions(
    needs: Iterable[str], place_offers: frozenset[str] | None, *, no_profile: bool = False
) -> tuple[FlagResult, ...]:
    """One result per condition flag: conflict when needed and not offered; unknown when
    needed and the place did not state what it offers; fit otherwise. Without a profile:
    unknown."""
    if no_profile:
        return _unknown_flags(CONDITIONS, ResultKind.CONDITION, place_offers)
    needs = frozenset(needs)
    out = []
    for flag in CONDITIONS:
        person = flag.key in needs
        place = None if place_offers is None else flag.key in place_offers
        if not person:
            verdict = Verdict.FIT
        elif place is None:
            verdict = Verdict.UNKNOWN
        else:
            verdict = Verdict.FIT if place else Verdict.CONFLICT
        out.append(FlagResult(flag.key, ResultKind.CONDITION, verdict, person, place))
    return tuple(out)


class HoursResult(NamedTuple):
    """Hours comparison. ``person_week_hours`` is the effective weekly limit (``math.inf``
    when unlimited, None when not stated); ``shortfall`` = min hours above that limit.
    A named tuple (immutable): made for every place a search page explains."""

    verdict: Verdict
    person_week_hours: float | None
    min_hours_week: float | None
    usual_hours_week: float | None
    lower_start_allowed: bool
    shortfall: float = 0.0
    limit_source: LimitSource | None = None  # which limit applied (None: no limit stated)

    @property
    def key(self) -> str:
        return "hours"

    @property
    def kind(self) -> ResultKind:
        return ResultKind.HOURS


def person_week_hours(hours_per_day: int | None, hours_per_week: int | None) -> float | None:
    """Effective weekly limit from the day and week bands (None when neither is stated)."""
    limits = []
    if hours_per_day is not None:
        limits.append(HOURS_PER_DAY[hours_per_day].limit * WORKDAYS_PER_WEEK)
    if hours_per_week is not None:
        limits.append(HOURS_PER_WEEK[hours_per_week].limit)
    return min(limits) if limits else None


def week_limit(
    hours_per_day: int | None,
    hours_per_week: int | None,
    now_hours_per_day: float | None = None,
    now_hours_per_week: float | None = None,
) -> tuple[float | None, LimitSource | None]:
    """The weekly hours limit and where it comes from: the lower of the profile's bands
    (:func:`person_week_hours`) and the hours the person can work now (per day times
    ``WORKDAYS_PER_WEEK``, per week). On a tie the profile is named. ``(None, None)``
    when nothing is stated."""
    profile = person_week_hours(hours_per_day, hours_per_week)
    now_limits = []
    if now_hours_per_day is not None:
        now_limits.append(float(now_hours_per_day) * WORKDAYS_PER_WEEK)
    if now_hours_per_week is not None:
        now_limits.append(float(now_hours_per_week))
    now = min(now_limits) if now_limits else None
    if now is not None and (profile is None or now < profile):
        return now, LimitSource.NOW
    if profile is not None:
        return profile, LimitSource.PROFILE
    return None, None


def compare_hours(
    hours_per_day: int | None,
    hours_per_week: int | None,
    min_hours_week: float | None,
    usual_hours_week: float | None = None,
    lower_start_allowed: bool = False,
    now_hours_per_day: float | None = None,
    now_hours_per_week: float | None = None,
) -> HoursResult:
    """fit when the place's minimum weekly hours are within the person's limit; signal when
    above it but the place allows a lower start (build-up); conflict otherwise; unknown when
    either side is not stated. A missing minimum falls back to the usual hours. The limit
    is the lower of the profile's bands and the hours available now (:func:`week_limit`)."""
    person, source = week_limit(
        hours_per_day, hours_per_week, now_hours_per_day, now_hours_per_week
    )
    return hours_within(person, source, min_hours_week, usual_hours_week, lower_start_allowed)


def hours_within(
    person: float | None,
    source: LimitSource | None,
    min_hours_week: float | None,
    usual_hours_week: float | None = None,
    lower_start_allowed: bool = False,
) -> HoursResult:
    """:func:`compare_hours` against a weekly limit already worked out (``person`` and
    its ``source``, as :func:`week_limit` gives them)."""
    required = min_hours_week if min_hours_week is not None else usual_hours_week
    if person is None or required is None:
        verdict, shortfall = Verdict.UNKNOWN, 0.0
    elif required <= person:
        verdict, shortfall = Verdict.FIT, 0.0
    else:
        shortfall = float(required - person)
        verdict = Verdict.SIGNAL if lower_start_allowed else Verdict.CONFLICT
    return HoursResult(
        verdict, person, min_hours_week, usual_hours_week, lower_start_allowed, shortfall, source
    )


@dataclass(frozen=True)
class CapacityFacts:
    """A person's capacity. ``capacity``: key -> band (absent = normal, None = not assessed);
    hours are indexes into ``HOURS_PER_DAY`` / ``HOURS_PER_WEEK`` (default: no limit).
    ``now_hours_per_day`` / ``now_hours_per_week``: the hours the person can work now
    (plain hours, None = not stated). ``profile=False``: no current capacity profile, so
    every dimension, exposure and condition is unknown (reason ``NO_PROFILE``)."""

    capacity: Mapping[str, int | None] = field(default_factory=dict)
    avoid_exposures: frozenset[str] = frozenset()
    needs_conditions: frozenset[str] = frozenset()
    hours_per_day: int | None = len(HOURS_PER_DAY) - 1
    hours_per_week: int | None = len(HOURS_PER_WEEK) - 1
    now_hours_per_day: float | None = None
    now_hours_per_week: float | None = None
    profile: bool = True

    @classmethod
    def without_profile(
        cls, now_hours_per_day: float | None = None, now_hours_per_week: float | None = None
    ) -> CapacityFacts:
        """A person without a current capacity profile: nothing stated but the hours
        they can work now."""
        return cls(
            hours_per_day=None,
            hours_per_week=None,
            now_hours_per_day=now_hours_per_day,
            now_hours_per_week=now_hours_per_week,
            profile=False,
        )

    def band(self, dim: Dimension) -> int | None:
        if not self.profile:
            return None
        return self.capacity.get(dim.key, dim.heaviest)


def capacity_week_hours(capacity: CapacityFacts) -> float | None:
    """The person's effective weekly hours limit (see :func:`week_limit`)."""
    return week_limit(
        capacity.hours_per_day,
        capacity.hours_per_week,
        capacity.now_hours_per_day,
        capacity.now_hours_per_week,
    )[0]


def compare_capacity_hours(
    capacity: CapacityFacts,
    min_hours_week: float | None,
    usual_hours_week: float | None = None,
    lower_start_allowed: bool = False,
) -> HoursResult:
    """:func:`compare_hours` for a whole capacity (profile bands and hours now)."""
    return compare_hours(
        capacity.hours_per_day,
        capacity.hours_per_week,
        min_hours_week,
        usual_hours_week,
        lower_start_allowed,
        capacity.now_hours_per_day,
        capacity.now_hours_per_week,
    )


@dataclass(frozen=True)
class DemandFacts:
    """What a place asks. ``demands``: key -> Demand (absent = not stated); ``exposures`` and
    ``offers_conditions`` are None when the place did not state them."""

    demands: Mapping[str, Demand] = field(default_factory=dict)
    exposures: frozenset[str] | None = None
    offers_conditions: frozenset[str] | None = None
    min_hours_week: float | None = None
    usual_hours_week: float | None = None
    lower_start_allowed: bool = False


Result = DimensionResult | FlagResult | HoursResult


class ComparisonResult(NamedTuple):
    """Every comparison between one capacity and one demand, in catalogue order. The
    conflicts, signals, unknowns and slack are sorted out once, when it is made: make it
    with :meth:`of` (the search's ``Comparer.compare_many`` sorts them out on arrays for
    many places at once, tested equal to it). A named tuple (immutable), as it is made
    for every explained place of every search, where a frozen dataclass's ``__init__``
    cost several times as much.
    """

    dimensions: tuple[DimensionResult, ...]
    exposures: tuple[FlagResult, ...]
    conditions: tuple[FlagResult, ...]
    hours: HoursResult
    conflicts: tuple[Result, ...]
    signals: tuple[Result, ...]
    unknowns: tuple[Result, ...]
    slack: int  # bands of room left, summed over the dimensions

    @classmethod
    def of(
        cls,
        dimensions: tuple[DimensionResult, ...],
        exposures: tuple[FlagResult, ...],
        conditions: tuple[FlagResult, ...],
        hours: HoursResult,
    ) -> ComparisonResult:
        conflicts: list[Result] = []
        signals: list[Result] = []
        unknowns: list[Result] = []
        fit, conflict, signal = Verdict.FIT, Verdict.CONFLICT, Verdict.SIGNAL
        for r in (*dimensions, *exposures, *conditions, hours):
            verdict = r.verdict
            if verdict is fit:  # most results fit
                continue
            if verdict is conflict:
                conflicts.append(r)
            elif verdict is signal:
                signals.append(r)
            else:
                unknowns.append(r)
        return cls(
            dimensions,
            exposures,
            conditions,
            hours,
            tuple(conflicts),
            tuple(signals),
            tuple(unknowns),
            sum([r.slack for r in dimensions]),
        )

    @property
    def results(self) -> tuple[Result, ...]:
        return (*self.dimensions, *self.exposures, *self.conditions, self.hours)

    @property
    def is_fit(self) -> bool:
        """Everything fits: no conflict, no signal, nothing unknown."""
        return not (self.conflicts or self.signals or self.unknowns)


def compare_all(capacity: CapacityFacts, demand: DemandFacts) -> ComparisonResult:
    """Compare a capacity profile with a place's demands on the whole catalogue."""
    dims = []
    missing = not capacity.profile
    for dim in all_dimensions():
        wanted = demand.demands.get(dim.key)
        if dim.optional and (wanted is None or wanted.band is None):
            continue
        dims.append(compare_dimension(dim, capacity.band(dim), wanted, no_profile=missing))
    return ComparisonResult.of(
        tuple(dims),
        compare_exposures(capacity.avoid_exposures, demand.exposures, no_profile=missing),
        compare_conditions(capacity.needs_conditions, demand.offers_conditions, no_profile=missing),
        compare_capacity_hours(
            capacity, demand.min_hours_week, demand.usual_hours_week, demand.lower_start_allowed
        ),
    )


def completeness(demand: DemandFacts) -> tuple[float, tuple[str, ...]]:
    """Share (0..1) of the core dimensions a place stated, and the keys it left out."""
    core = [dim for dim in all_dimensions() if not dim.optional]
    missing = tuple(
        dim.key for dim in core if (d := demand.demands.get(dim.key)) is None or d.band is None
    )
    if not core:
        return 1.0, ()
    return (len(core) - len(missing)) / len(core), missing


# --------------------------------------------------------------------------- codes

UNKNOWN_CHAR = "-"  # a place's demand not stated, in the search's match code
