"""Free text that leaves the coach's organisation: names and medical terms are found."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.free_text import MEDICAL_TERMS, Finding, medical_terms_in, screen, words

NAMES = ("Jan", "Jansen")


@pytest.mark.parametrize(
    ("text", "names", "medical"),
    [
        ("Jan werkt graag buiten", ("Jan",), ()),
        ("jan werkt graag buiten", ("Jan",), ()),
        ("Gesprek met J A N over taken", ("Jan",), ()),
        ("Gesprek met J.A.N. over taken", ("Jan",), ()),
        ("Meneer Jansen is punctueel", ("Jansen",), ()),
        ("Jan Jansen is punctueel", ("Jan Jansen",), ()),  # the full name, once
        ("JAN-JANSEN is punctueel", ("Jan Jansen",), ()),
        ("Jan's werk is goed", ("Jan",), ()),
        ("Had een burn-out", (), ("burn-out",)),
        ("Had een burnout", (), ("burn-out",)),
        ("Had een b u r n o u t", (), ("burn-out",)),
        ("Had een B-U-R-N-O-U-T", (), ("burn-out",)),
        ("Had een burn out", (), ("burn-out",)),
        ("Had een Burn\u2011Out", (), ("burn-out",)),  # a non-breaking hyphen
        ("Gebruikt médicatie", (), ("medicatie",)),
        ("last van een heart-attack", (), ("heart attack",)),
        ("Jan, diagnose: depressie", ("Jan",), ("diagnose", "depressie")),
    ],
)
def test_screen_finds_names_and_terms(text, names, medical):
    assert screen(text, NAMES) == Finding(names, medical)


@pytest.mark.parametrize(
    "text",
    [
        "In januari begint de stage",  # "jan" inside a word
        "De janitor opent om acht uur",
        "Jansens-achtige aanpak",  # "jansens" is not "jansen"
        "Werkt in de fysiotherapiepraktijk als receptionist",
        "Werkt graag met planten, geen tilwerk",
        "",
        None,
    ],
)
def test_ordinary_text_passes(text):
    assert not screen(text, NAMES)


def test_accents_and_case_of_the_name_itself_are_ignored():
    assert screen("Gesprek met elise muller", ("Élise", "Müller")).names == ("Élise Müller",)
    assert screen("ÉLISE komt maandag", ("Elise", "Muller")).names == ("Elise",)


def test_family_name_particles():
    found = screen("Meneer Vries en mevrouw De Vries", ("Anna", "de Vries"))
    assert found.names == ("Vries", "de Vries")
    assert not screen("De vriesvakken", ("Anna", "de Vries"))


def test_no_names_after_erasure():
    assert screen("Jan Jansen", (None, None)) == Finding()
    assert screen("Jan Jansen", ()) == Finding()


def test_medical_terms_in_keeps_the_list_spelling():
    assert medical_terms_in("Heeft een burn-out gehad") == ["burn-out"]
    assert medical_terms_in("Diagnose onbekend; gebruikt Medicatie") == ["diagnose", "medicatie"]
    assert medical_terms_in("fysiotherapie") == []


# --- properties --------------------------------------------------------------------------

SEPARATORS = st.sampled_from([" ", "-", ".", "_", "  ", " - ", "/", "\u00a0", "\u200b", "'"])
names = st.from_regex(r"[A-Z][a-z]{2,9}", fullmatch=True)
ordinary = st.lists(st.sampled_from(["werkt", "graag", "met", "planten", "de", "stage"]))


def _spell(word: str, draw_sep, draw_case) -> str:
    """``word`` with each letter in a random case and random separators in between."""
    out = []
    for i, letter in enumerate(word):
        out.append(letter.upper() if draw_case(i) else letter.lower())
        if i < len(word) - 1 and draw_sep is not None:
            out.append(draw_sep(i))
    return "".join(out)


ACCENTS = {"a": "á", "e": "é", "i": "ï", "o": "ö", "u": "ü", "c": "ç", "n": "ñ"}


@given(
    st.sampled_from(MEDICAL_TERMS),
    st.data(),
    ordinary,
    ordinary,
)
def test_medical_terms_are_caught_however_spaced_cased_or_accented(term, data, before, after):
    spaced = data.draw(st.booleans())
    sep = data.draw(SEPARATORS)
    accent = data.draw(st.booleans())
    letters = "".join(words(term))
    if accent:
        letters = "".join(ACCENTS.get(c, c) for c in letters)
    cases = data.draw(st.lists(st.booleans(), min_size=len(letters), max_size=len(letters)))
    written = _spell(letters, (lambda _i: sep) if spaced else None, lambda i: cases[i])
    text = " ".join([*before, written, *after])
    glued = "".join(words(term))  # "burnout" is reported as the listed "burn-out"
    assert glued in {"".join(words(t)) for t in screen(text).medical}
    assert glued in {"".join(words(t)) for t in medical_terms_in(text)}


@given(names, names, st.data(), ordinary, ordinary)
def test_names_are_caught_however_spaced_cased_or_accented(given_, family, data, before, after):
    name = data.draw(st.sampled_from([given_, family, f"{given_} {family}"]))
    sep = data.draw(SEPARATORS)
    spaced = data.draw(st.booleans())
    cases = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    letters = name.replace(" ", "")
    if data.draw(st.booleans()):
        letters = "".join(ACCENTS.get(c, c) for c in letters)
    written = _spell(letters, (lambda _i: sep) if spaced else None, lambda i: cases[i])
    text = " ".join([*before, written, *after])
    assert screen(text, (given_, family)).names


@given(names, st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.booleans())
def test_a_name_inside_a_longer_word_is_not_refused(name, extra, at_start):
    word = f"{name.lower()}{extra}" if at_start else f"{extra}{name.lower()}"
    assert not screen(word, (name,)).names
    assert not screen(f"{word}, {word}-{word}", (name,)).names


@given(st.text(max_size=200), st.lists(st.text(max_size=20), max_size=3))
def test_screen_never_fails_and_finds_only_what_it_was_given(text, given_names):
    found = screen(text, given_names)
    assert set(found.medical) <= set(MEDICAL_TERMS)
    full = " ".join(n.strip() for n in given_names if n and n.strip())
    allowed = {n.strip() for n in given_names} | {full}
    assert all(any(n in a or a.endswith(n) for a in allowed) for n in found.names)
