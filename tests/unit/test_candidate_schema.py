"""The schema has no place for a diagnosis or other medical details, anywhere."""

from __future__ import annotations

import re

import pytest

from registry.models import Base
from registry.services.candidates import medical_terms_in
from registry.services.pseudonyms import ADJECTIVES, NOUNS, is_pseudonym, make_pseudonym

FORBIDDEN = re.compile(
    r"diagnos|medic|medicat|cause|illness|disease|ziekte|sickness_reason|condition_name|"
    r"symptom|treatment|behandel|therap|klacht|complaint|health_|gezondheid|icd|dsm",
    re.IGNORECASE,
)


def all_columns():
    return [(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns]


def test_the_schema_is_inspected():
    names = {t for t, _c in all_columns()}
    assert {"candidates", "capacity_profiles", "consents"} <= names


def test_no_column_or_table_can_hold_medical_details():
    offending = [
        f"{table}.{column}"
        for table, column in all_columns()
        if FORBIDDEN.search(column) or FORBIDDEN.search(table)
    ]
    # first_sick_day is the start of the Poortwachter clock, not a medical detail
    assert offending == []


@pytest.mark.parametrize("name", ["diagnosis", "medication", "cause", "illness", "ziekte"])
def test_the_check_would_catch_such_a_column(name):
    assert FORBIDDEN.search(name)


def test_pseudonyms_have_two_words_and_a_number():
    for _ in range(200):
        p = make_pseudonym()
        adjective, noun, number = p.split(" ")
        assert adjective in ADJECTIVES and noun in NOUNS and 10 <= int(number) <= 99
        assert is_pseudonym(p)
    assert not is_pseudonym("Jan Jansen")
    assert len(ADJECTIVES) * len(NOUNS) * 90 > 50_000


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Heeft een burn-out gehad", ["burn-out"]),
        ("Diagnose onbekend; gebruikt Medicatie", ["diagnose", "medicatie"]),
        ("Wil graag in de zorg werken, max 4 uur per dag", []),
        ("Werkt graag met planten, geen tilwerk", []),
        ("fysiotherapie", []),  # a compound is not the listed word itself
        ("", []),
        (None, []),
    ],
)
def test_medical_terms_in_free_text(text, found):
    assert medical_terms_in(text) == found
