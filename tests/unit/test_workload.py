"""The workload catalogue and the capacity/demand comparison."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain import workload as wl
from registry.domain.workload import (
    Band,
    CapacityFacts,
    Demand,
    DemandFacts,
    Dimension,
    ResultKind,
    Verdict,
    compare_all,
    compare_conditions,
    compare_dimension,
    compare_exposures,
    compare_hours,
    completeness,
)

SEVERITY = {Verdict.FIT: 0, Verdict.SIGNAL: 1, Verdict.CONFLICT: 2}

# key -> (section, number of bands), straight from domain/workload.md
EXPECTED = {
    "attention": ("I", 3),
    "time_pressure": ("I", 4),
    "structure": ("I", 3),
    "customer_contact": ("II", 4),
    "emotional_load": ("II", 4),
    "conflicts": ("II", 3),
    "teamwork": ("II", 3),
    "screen_work": ("IV", 4),
    "lifting": ("IV", 5),
    "carrying": ("IV", 5),
    "push_pull": ("IV", 4),
    "bending": ("IV", 5),
    "walking": ("IV", 4),
    "stairs_climbing": ("IV", 5),
    "kneeling": ("IV", 5),
    "overhead_work": ("V", 4),
    "sitting": ("V", 4),
    "standing": ("V", 4),
    "evening_work": ("VI", 3),
    "night_work": ("VI", 3),
    "driving": ("II", 3),
}


def extra_dimension(key: str = "gripping", optional: bool = False) -> Dimension:
    return Dimension(
        key,
        "IV",
        "Grijpen",
        "Gripping",
        (Band("licht", "light"), Band("matig", "moderate"), Band("zwaar", "heavy")),
        optional=optional,
    )


# --------------------------------------------------------------------------- catalogue


def test_catalogue_has_exactly_the_core_dimensions() -> None:
    assert [d.key for d in wl.DIMENSIONS] == list(EXPECTED)
    assert wl.all_dimensions() == wl.DIMENSIONS
    for dim in wl.DIMENSIONS:
        section, bands = EXPECTED[dim.key]
        assert dim.section == section
        assert len(dim.bands) == bands
        assert dim.heaviest == bands - 1
        assert dim.label_nl and dim.label_en and dim.label_nl != dim.label_en
        assert all(b.label_nl and b.label_en for b in dim.bands)
        assert not dim.optional


def test_flags_and_hours_bands() -> None:
    assert [f.key for f in wl.EXPOSURES] == [
        "heat",
        "cold",
        "noise",
        "dust",
        "vibration",
        "skin",
        "ppe",
    ]
    assert [f.key for f in wl.CONDITIONS] == [
        "little_distraction",
        "predictable",
        "few_interruptions",
        "no_peaks",
        "no_supervision",
    ]
    assert [b.hours for b in wl.HOURS_PER_DAY] == [2, 4, 6, 8, None]
    assert [b.hours for b in wl.HOURS_PER_WEEK] == [10, 20, 30, 40, None]
    assert wl.HOURS_PER_WEEK[-1].limit == math.inf
    assert wl.exposure("noise").label("en") == "Noise"
    assert wl.condition("predictable").label("nl") == "Voorspelbaar werk"


def test_labels_follow_the_locale_dutch_first() -> None:
    lifting = wl.dimension("lifting")
    assert lifting.label("nl") == "Tillen"
    assert lifting.label("en_GB") == "Lifting"
    assert lifting.label(None) == "Tillen"
    assert lifting.band_label(4, "en") == "more than 15 kg"
    assert wl.SECTIONS["IV"].label("en") == "Dynamic movements"


def test_sections_group_in_order() -> None:
    grouped = wl.dimensions_by_section()
    assert list(grouped) == ["I", "II", "IV", "V", "VI"]  # III only has exposure flags
    assert sum(len(v) for v in grouped.values()) == 21
    assert [d.key for d in grouped["VI"]] == ["evening_work", "night_work"]
    assert list(wl.SECTIONS) == ["I", "II", "III", "IV", "V", "VI"]


def test_unknown_dimension_lookup_fails() -> None:
    with pytest.raises(KeyError):
        wl.dimension("diagnosis")


def test_normal_capacity_is_the_heaviest_band() -> None:
    normal = wl.normal_capacity()
    assert normal["lifting"] == 4
    assert normal["attention"] == 2
    assert len(normal) == 21


def test_dimension_validation() -> None:
    with pytest.raises(ValueError):
        Dimension("bad key", "I", "x", "x", (Band("a", "a"), Band("b", "b")))
    with pytest.raises(ValueError):
        Dimension("k", "VII", "x", "x", (Band("a", "a"), Band("b", "b")))
    with pytest.raises(ValueError):
        Dimension("k", "I", "x", "x", (Band("a", "a"),))


# --------------------------------------------------------------------------- one dimension

LIFTING = wl.dimension("lifting")


@pytest.mark.parametrize(
    ("capacity", "demand", "verdict", "excess", "slack"),
    [
        (2, Demand(2), Verdict.FIT, 0, 0),
        (4, Demand(1), Verdict.FIT, 0, 3),
        (2, Demand(3, incidental=True), Verdict.SIGNAL, 1, 0),
        (2, Demand(3, adjustable=True), Verdict.SIGNAL, 1, 0),
        (2, Demand(3), Verdict.CONFLICT, 1, 0),
        (2, Demand(4, incidental=True, adjustable=True), Verdict.CONFLICT, 2, 0),
        (None, Demand(0), Verdict.UNKNOWN, 0, 0),
        (2, Demand(None), Verdict.UNKNOWN, 0, 0),
        (2, None, Verdict.UNKNOWN, 0, 0),
    ],
)
def test_compare_dimension_examples(
    capacity: int | None, demand: Demand | None, verdict: Verdict, excess: int, slack: int
) -> None:
    result = compare_dimension(LIFTING, capacity, demand)
    assert result.key == "lifting"
    assert result.kind is ResultKind.DIMENSION
    assert (result.verdict, result.excess, result.slack) == (verdict, excess, slack)


def test_compare_dimension_rejects_bands_out_of_range() -> None:
    with pytest.raises(ValueError):
        compare_dimension(LIFTING, 5, Demand(0))
    with pytest.raises(ValueError):
        compare_dimension(LIFTING, 0, Demand(-1))


@st.composite
def dim_case(draw: st.DrawFn) -> tuple[Dimension, int, int, int, bool, bool]:
    dim = draw(st.sampled_from(wl.DIMENSIONS))
    band = st.integers(0, dim.heaviest)
    capacity, d1, d2 = draw(band), draw(band), draw(band)
    return dim, capacity, min(d1, d2), max(d1, d2), draw(st.booleans()), draw(st.booleans())


@given(dim_case())
def test_heavier_demand_never_gives_a_better_verdict(case: tuple) -> None:
    dim, capacity, lighter, heavier, incidental, adjustable = case
    light = compare_dimension(dim, capacity, Demand(lighter, incidental, adjustable))
    heavy = compare_dimension(dim, capacity, Demand(heavier, incidental, adjustable))
    assert Verdict.UNKNOWN not in (light.verdict, heavy.verdict)
    assert SEVERITY[light.verdict] <= SEVERITY[heavy.verdict]


@given(dim_case())
def test_more_capacity_never_gives_a_worse_verdict(case: tuple) -> None:
    dim, demand, low, high, incidental, adjustable = case
    weak = compare_dimension(dim, low, Demand(demand, incidental, adjustable))
    strong = compare_dimension(dim, high, Demand(demand, incidental, adjustable))
    assert SEVERITY[strong.verdict] <= SEVERITY[weak.verdict]
    assert strong.slack >= weak.slack


@given(dim_case(), st.booleans())
def test_unknown_exactly_when_a_side_is_missing(case: tuple, person_missing: bool) -> None:
    dim, capacity, demand, _, incidental, adjustable = case
    if person_missing:
        result = compare_dimension(dim, None, Demand(demand, incidental, adjustable))
    else:
        result = compare_dimension(dim, capacity, Demand(None, incidental, adjustable))
    assert result.verdict is Verdict.UNKNOWN
    assert result.verdict is not Verdict.FIT


@given(dim_case())
def test_signal_only_one_band_above_and_only_when_soft(case: tuple) -> None:
    dim, capacity, demand, _, incidental, adjustable = case
    result = compare_dimension(dim, capacity, Demand(demand, incidental, adjustable))
    if result.verdict is Verdict.SIGNAL:
        assert demand == capacity + 1
        assert incidental or adjustable
    if demand == capacity + 1 and (incidental or adjustable):
        assert result.verdict is Verdict.SIGNAL
    assert (result.verdict is Verdict.FIT) == (demand <= capacity)
    assert result.excess == max(0, demand - capacity)


# --------------------------------------------------------------------------- flags and hours


def test_exposures() -> None:
    results = {r.key: r for r in compare_exposures({"noise", "dust"}, frozenset({"noise"}))}
    assert results["noise"].verdict is Verdict.CONFLICT
    assert results["dust"].verdict is Verdict.FIT
    assert results["heat"].verdict is Verdict.FIT
    unstated = {r.key: r.verdict for r in compare_exposures({"noise"}, None)}
    assert unstated["noise"] is Verdict.UNKNOWN
    assert unstated["heat"] is Verdict.FIT  # the person does not avoid heat


def test_conditions() -> None:
    results = {r.key: r.verdict for r in compare_conditions({"predictable"}, frozenset())}
    assert results["predictable"] is Verdict.CONFLICT
    assert results["no_peaks"] is Verdict.FIT
    offered = frozenset({"predictable"})
    assert {r.verdict for r in compare_conditions({"predictable"}, offered)} == {Verdict.FIT}
    unstated = {r.key: r.verdict for r in compare_conditions({"predictable"}, None)}
    assert unstated["predictable"] is Verdict.UNKNOWN


@pytest.mark.parametrize(
    ("day", "week", "minimum", "usual", "lower", "verdict", "shortfall"),
    [
        (None, 1, 20, 24, False, Verdict.FIT, 0),  # up to about 20 h a week
        (None, 1, 24, 24, False, Verdict.CONFLICT, 4),
        (None, 1, 24, 32, True, Verdict.SIGNAL, 4),  # build-up needed
        (None, 4, 60, None, False, Verdict.FIT, 0),  # no limit
        (1, None, 24, None, False, Verdict.CONFLICT, 4),  # 4 h a day -> 20 h a week
        (1, 4, 20, None, False, Verdict.FIT, 0),
        (None, 1, None, 16, False, Verdict.FIT, 0),  # the usual hours stand in
        (None, 1, None, None, False, Verdict.UNKNOWN, 0),
        (None, None, 8, None, False, Verdict.UNKNOWN, 0),
    ],
)
def test_hours(
    day: int | None,
    week: int | None,
    minimum: float | None,
    usual: float | None,
    lower: bool,
    verdict: Verdict,
    shortfall: float,
) -> None:
    result = compare_hours(day, week, minimum, usual, lower)
    assert result.verdict is verdict
    assert result.shortfall == shortfall
    assert result.key == "hours" and result.kind is ResultKind.HOURS


# --------------------------------------------------------------------------- all at once


def test_compare_all_collects_conflicts_signals_unknowns() -> None:
    capacity = CapacityFacts(
        {"lifting": 1, "standing": 1, "attention": None},
        avoid_exposures=frozenset({"noise"}),
        needs_conditions=frozenset({"predictable"}),
        hours_per_week=1,
    )
    demands = {d.key: Demand(0) for d in wl.DIMENSIONS}
    demands["lifting"] = Demand(3)  # conflict
    demands["standing"] = Demand(2, incidental=True)  # signal
    demands["walking"] = Demand(None)  # unknown (place)
    demand = DemandFacts(
        demands,
        exposures=frozenset({"noise"}),
        offers_conditions=None,
        min_hours_week=16,
    )
    result = compare_all(capacity, demand)
    assert {r.key for r in result.conflicts} == {"lifting", "noise"}
    assert {r.key for r in result.signals} == {"standing"}
    assert {r.key for r in result.unknowns} == {"attention", "walking", "predictable"}
    assert result.hours.verdict is Verdict.FIT
    assert not result.is_fit
    normal_keys = [d for d in wl.DIMENSIONS if d.key not in capacity.capacity]
    # lifting and standing have no slack; attention and walking are unknown
    assert result.slack == sum(d.heaviest for d in normal_keys if d.key != "walking")
    assert len(result.dimensions) == 21
    assert len(result.results) == 21 + 7 + 5 + 1


def test_a_person_without_limitations_fits_a_fully_stated_place() -> None:
    demand = DemandFacts(
        {d.key: Demand(d.heaviest) for d in wl.DIMENSIONS},
        exposures=frozenset(f.key for f in wl.EXPOSURES),
        offers_conditions=frozenset(),
        min_hours_week=40,
    )
    result = compare_all(CapacityFacts(), demand)
    assert result.is_fit
    assert result.slack == 0


def test_completeness() -> None:
    assert completeness(DemandFacts()) == (0.0, tuple(d.key for d in wl.DIMENSIONS))
    full = DemandFacts({d.key: Demand(0) for d in wl.DIMENSIONS})
    assert completeness(full) == (1.0, ())
    partial = DemandFacts({"lifting": Demand(1), "sitting": Demand(None)})
    share, missing = completeness(partial)
    assert share == pytest.approx(1 / 21)
    assert "sitting" in missing and "lifting" not in missing


# --------------------------------------------------------------------------- registration


def test_registered_dimension_is_picked_up_everywhere() -> None:
    with wl.register_dimension(extra_dimension()) as extra:
        assert wl.all_dimensions()[-1] is extra
        assert wl.dimension("gripping") is extra
        assert wl.normal_capacity()["gripping"] == 2
        assert "gripping" in [d.key for d in wl.dimensions_by_section()["IV"]]

        stated = DemandFacts({d.key: Demand(0) for d in wl.DIMENSIONS})
        share, missing = completeness(stated)
        assert missing == ("gripping",)
        assert share == pytest.approx(21 / 22)

        result = compare_all(CapacityFacts({"gripping": 0}), stated)
        assert result.dimensions[-1].key == "gripping"
        assert result.dimensions[-1].verdict is Verdict.UNKNOWN

        heavy = DemandFacts({**stated.demands, "gripping": Demand(2)})
        result = compare_all(CapacityFacts({"gripping": 0}), heavy)
        assert [r.key for r in result.conflicts] == ["gripping"]
        assert len(wl.all_dimensions()) == 22
    assert "gripping" not in [d.key for d in wl.all_dimensions()]
    assert len(wl.all_dimensions()) == 21


def test_every_registration_and_undo_changes_the_catalogue_version() -> None:
    """Caches derived from the catalogue are keyed on its version (the search's code
    layout and conflict bits among them): each change must give a new one."""
    before = wl.catalogue_version()
    with wl.register_dimension(extra_dimension()):
        during = wl.catalogue_version()
        assert during != before
    assert wl.catalogue_version() not in (before, during)


def test_registration_can_be_undone_by_hand_and_rejects_duplicates() -> None:
    registration = wl.register_dimension(extra_dimension("reaching"))
    try:
        with pytest.raises(ValueError):
            wl.register_dimension(extra_dimension("reaching"))
        with pytest.raises(ValueError):
            wl.register_dimension(extra_dimension("lifting"))
    finally:
        registration.undo()
    registration.undo()  # idempotent
    assert wl.all_dimensions() == wl.DIMENSIONS


def test_optional_dimension_is_skipped_when_the_place_does_not_state_it() -> None:
    with wl.register_dimension(extra_dimension("reaching", optional=True)):
        result = compare_all(CapacityFacts({"reaching": 0}), DemandFacts())
        assert "reaching" not in [r.key for r in result.dimensions]
        assert "reaching" not in completeness(DemandFacts())[1]
        stated = DemandFacts({"reaching": Demand(2)})
        assert [r.key for r in compare_all(CapacityFacts({"reaching": 0}), stated).conflicts] == [
            "reaching"
        ]


@given(st.integers(0, 2), st.integers(0, 2))
def test_registered_dimension_follows_the_same_rules(capacity: int, demand: int) -> None:
    with wl.register_dimension(extra_dimension()) as extra:
        result = compare_all(
            CapacityFacts({"gripping": capacity}), DemandFacts({"gripping": Demand(demand)})
        )
        mine = next(r for r in result.dimensions if r.key == extra.key)
        assert mine.verdict is (Verdict.FIT if demand <= capacity else Verdict.CONFLICT)


# --------------------------------------------------------------------------- issue 12


def test_without_a_profile_every_item_is_unknown_with_the_reason():
    """No current profile is not a perfect fit: every dimension, exposure and condition
    is unknown with the reason "no capacity profile", whatever the place asks."""
    demand = DemandFacts(
        {d.key: Demand(0) for d in wl.DIMENSIONS},
        exposures=frozenset(),
        offers_conditions=frozenset(),
        min_hours_week=8,
    )
    result = compare_all(CapacityFacts.without_profile(), demand)
    items = (*result.dimensions, *result.exposures, *result.conditions)
    assert items and all(r.verdict is Verdict.UNKNOWN for r in items)
    assert all(r.reason == wl.NO_PROFILE for r in items)
    assert not result.is_fit and not result.conflicts
    assert result.hours.verdict is Verdict.UNKNOWN  # no hours stated either
    # a profile that exists keeps the FML reading: an unlimited dimension is normal
    normal = compare_all(CapacityFacts(), demand)
    assert all(r.verdict is Verdict.FIT and r.reason is None for r in normal.dimensions)


@given(st.integers(0, 4), st.integers(0, 4), st.floats(0, 12), st.floats(0, 60))
def test_the_lower_of_profile_and_hours_now_is_the_limit(day, week, now_day, now_week):
    profile = wl.person_week_hours(day, week)
    now = min(now_day * wl.WORKDAYS_PER_WEEK, now_week)
    limit, source = wl.week_limit(day, week, now_day, now_week)
    assert limit == min(profile, now)
    assert source is (wl.LimitSource.NOW if now < profile else wl.LimitSource.PROFILE)


def test_hours_now_decide_when_lower_and_the_result_says_so():
    # profile: about 8 h a day, about 40 h a week; now: 4 h a day -> 20 h a week
    capacity = CapacityFacts(hours_per_day=3, hours_per_week=3, now_hours_per_day=4)
    result = wl.compare_capacity_hours(capacity, 24)
    assert result.verdict is Verdict.CONFLICT and result.person_week_hours == 20
    assert result.limit_source is wl.LimitSource.NOW and result.shortfall == 4
    assert wl.compare_capacity_hours(capacity, 24, None, True).verdict is Verdict.SIGNAL
    # the profile is lower: the profile applies
    low = CapacityFacts(hours_per_day=0, hours_per_week=0, now_hours_per_week=30)
    result = wl.compare_capacity_hours(low, 16)
    assert result.person_week_hours == 10 and result.limit_source is wl.LimitSource.PROFILE
    # without a profile the hours now still count
    none = CapacityFacts.without_profile(now_hours_per_week=12)
    result = compare_all(none, DemandFacts(min_hours_week=16)).hours
    assert result.verdict is Verdict.CONFLICT and result.limit_source is wl.LimitSource.NOW
    # nothing stated at all: unknown, no source
    assert wl.compare_capacity_hours(CapacityFacts.without_profile(), 16).limit_source is None


def test_rulings_the_search_already_makes():
    """Held rulings (README "Matching"): a condition the place did not state is unknown;
    per-day hours times five workdays limit the weekly hours; without a minimum, the
    usual hours are the minimum; a lower start the place allows is a signal."""
    assert compare_conditions({"predictable"}, None)[1].verdict is Verdict.UNKNOWN
    assert wl.person_week_hours(1, None) == 4 * wl.WORKDAYS_PER_WEEK
    assert compare_hours(None, 0, None, 16).verdict is Verdict.CONFLICT  # usual 16 > 10
    assert compare_hours(None, 0, 12, 16, True).verdict is Verdict.SIGNAL
