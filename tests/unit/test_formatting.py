"""Issue 15: numbers, dates and labels as a Dutch (or English) reader expects them."""

from __future__ import annotations

import datetime as dt
import enum
import re

import pytest
from babel.numbers import format_decimal
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain import workload
from registry.services import formatting as fmt
from registry.services import labels


@pytest.mark.parametrize(
    ("value", "nl", "en"),
    [(4.6, "4,6", "4.6"), (12.0, "12", "12"), (2.5, "2,5", "2.5"), (1234.56, "1.234,6", "1,234.6")],
)
def test_numbers_use_the_locale_decimal_sign(value, nl, en):
    assert fmt.number(value, locale="nl") == nl
    assert fmt.number(value, locale="en") == en


def test_distance_percent_and_infinity():
    assert fmt.distance(4.63, "nl") == "4,6\u00a0km"
    assert fmt.distance(4.63, "en") == "4.6\u00a0km"
    assert fmt.percent(0.834, "nl") == "83%"
    assert fmt.number(float("inf")) == "∞"
    assert fmt.number(None) == "" and fmt.distance(None) == ""


def test_dates_and_times():
    day = dt.date(2026, 12, 4)
    moment = dt.datetime(2026, 12, 4, 14, 5)
    assert fmt.date_long(day, "nl") == "4 december 2026"
    assert fmt.date_long(day, "en") == "4 December 2026"
    assert fmt.date_short(day, "nl") == "04-12-2026"
    assert fmt.date_short(day, "en") == "4 Dec 2026"
    assert fmt.time_24h(moment, "en") == "14:05"  # 24 h in English too
    assert fmt.date_time(moment, "nl") == "04-12-2026 14:05"
    assert fmt.date_short("2026-12-04", "nl") == "04-12-2026"
    assert fmt.date_long(None) == ""
    assert fmt.month_year(day, "nl") == "december 2026"


def test_outside_a_request_the_locale_is_dutch():
    assert fmt.current_locale() == "nl"
    assert fmt.current_locale("en_GB") == "en"


def _label_tables():
    return {
        name: table
        for name in labels.__all__
        if isinstance(table := getattr(labels, name), dict)
        and name not in ("VERDICT_MARK", "PLACE_FIELD")
    }


@pytest.mark.parametrize("name", sorted(_label_tables()))
def test_every_enum_member_has_a_label(app, name):
    table = _label_tables()[name]
    enum_type = type(next(iter(table)))
    assert issubclass(enum_type, enum.Enum)
    assert set(table) == set(enum_type), f"{name} misses {set(enum_type) - set(table)}"
    with app.test_request_context(), force_locale("nl"):
        for member in enum_type:
            text = labels.label(table, member)
            assert text and not re.fullmatch(r"[a-z]+(_[a-z]+)+", text), (name, member)


def test_label_finds_plain_values_and_never_shows_a_code(app):
    with app.test_request_context(), force_locale("nl"):
        assert labels.label(labels.PLACEMENT_STATUS, "ended_early") == "Voortijdig beëindigd"
        assert labels.label(labels.MEMBERSHIP_STATUS, "admitted") == "Toegelaten"
        assert labels.label(labels.PLACEMENT_STATUS, "some_new_state") == "some new state"


def test_one_vocabulary_for_outcomes(app):
    with app.test_request_context(), force_locale("nl"):
        words = [str(labels.VERDICT[v]) for v in workload.Verdict]
        assert words == ["past", "signaal", "past niet", "onbekend"]
        summary = labels.fit_summary(
            {workload.Verdict.FIT: 31, workload.Verdict.SIGNAL: 2, workload.Verdict.UNKNOWN: 1}
        )
        assert summary == "31 past · 2 signalen · 1 onbekend"
        assert labels.verdict_count(workload.Verdict.SIGNAL, 1) == "1 signaal"
    with app.test_request_context(), force_locale("en"):
        assert labels.fit_summary({workload.Verdict.CONFLICT: 2}) == "2 do not fit"
    assert set(labels.VERDICT_MARK) == set(workload.Verdict)


def test_the_three_place_kind_tables_are_one():
    from registry.web.candidates import KIND_LABELS as candidates_kinds
    from registry.web.places.labels import KIND_LABELS as places_kinds
    from registry.web.search import KIND_LABELS as search_kinds

    assert candidates_kinds is places_kinds is search_kinds is labels.PLACE_KIND


def test_every_place_field_the_history_names_has_a_label():
    from registry.services.places import SNAPSHOT_FIELDS

    assert {*SNAPSHOT_FIELDS, "networks"} <= set(labels.PLACE_FIELD)


@pytest.mark.parametrize(
    ("count", "dutch"),
    [(1, "1 voordracht wacht op je antwoord"), (3, "3 voordrachten wachten op je antwoord")],
)
def test_a_count_meets_its_noun_in_the_right_number(app, count, dutch):
    from flask import render_template_string

    template = (
        '{{ ngettext("%(num)s proposal waits for your answer", '
        '"%(num)s proposals wait for your answer", n) }}'
    )
    with app.test_request_context(), force_locale("nl"):
        assert render_template_string(template, n=count) == dutch


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.floats(min_value=-1e14, max_value=1e14, allow_nan=False),
        st.integers(-(10**6), 10**6).map(lambda n: n / 100),  # decimal ties: 4.65, 0.25
        st.integers(-(10**18), 10**18),  # whole numbers (hours, counts) take a path of their own
    ),
    digits=st.integers(0, 3),
    language=st.sampled_from(["nl", "en"]),
)
def test_the_fast_number_path_formats_as_babel_does(value, digits, language):
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    assert fmt.number(value, digits, language) == format_decimal(
        value, format=pattern, locale=language
    )
