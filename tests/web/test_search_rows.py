"""The result list's cells, formatted once per row in Python (``registry.web.search.rows``):
each branch in Dutch and English, as the template showed them before."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as NS

import flask_babel
import pytest

from registry.domain.matching import Blocker, BlockerKind
from registry.web.search.rows import row_text, row_texts


def _comparison(conflicts=0, signals=0, unknowns=0, fits=3):
    conflict, signal, unknown = ("c",) * conflicts, ("s",) * signals, ("u",) * unknowns
    return NS(
        conflicts=conflict,
        signals=signal,
        unknowns=unknown,
        results=(*conflict, *signal, *unknown, *("f",) * fits),
    )


def _hit(place_id=1, *, low=8, usual=24, ongoing=False, until=None, confirmed=None, **result):
    place = NS(
        id=place_id,
        kind="werkervaringsplaats",
        min_hours_week=low,
        usual_hours_week=usual,
        ongoing=ongoing,
        available_until=until,
        last_confirmed_at=confirmed,
    )
    result.setdefault("comparison", _comparison())
    result.setdefault("blockers", ())
    return NS(place=place, result=NS(distance_km=result.pop("km", 4.56), **result))


@pytest.mark.parametrize(
    ("lang", "want"),
    [
        ("nl", ("4,6\u00a0km", "Werkervaringsplaats", "8–24", "doorlopend", "nooit")),
        ("en", ("4.6\u00a0km", "Work-experience place", "8–24", "ongoing", "never")),
    ],
)
def test_a_match_row(app, lang, want):
    with app.test_request_context("/"), flask_babel.force_locale(lang):
        text = row_text(_hit(ongoing=True), "match", lang)
    assert (text.distance, text.kind, text.hours, text.period, text.confirmed) == want
    assert text.verdict == "fit" and text.blockers == ""


def test_hours_period_and_confirmation_variants(app):
    day = dt.date(2027, 3, 1)
    moment = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    with app.test_request_context("/"), flask_babel.force_locale("nl"):
        same = row_text(_hit(low=16, usual=16, until=day, confirmed=moment), "match", "nl")
        usual_only = row_text(_hit(low=None, usual=32.5), "match", "nl")
        none = row_text(_hit(low=None, usual=None), "match", "nl")
    assert (same.hours, same.period, same.confirmed) == (
        "16",
        "tot en met 01-03-2027",
        "30-11-2026",
    )
    assert (usual_only.hours, usual_only.period) == ("32,5", "?")
    assert none.hours == "?"


def test_a_near_miss_names_what_blocks_it_and_its_worst_verdict(app):
    blockers = (
        Blocker(BlockerKind.TOO_FAR, None, 2.14),
        Blocker(BlockerKind.DIMENSION, "lifting", 1),
    )
    hit = _hit(comparison=_comparison(conflicts=1, signals=1), blockers=blockers)
    with app.test_request_context("/"), flask_babel.force_locale("nl"):
        near = row_text(hit, "near_miss", "nl")
        listed = row_text(hit, "signal", "nl")
    assert near.blockers == "Te ver (+2,1\u00a0km), Belasting"
    assert near.verdict == "conflict" and listed.blockers == ""  # only near misses say it
    assert near.fit == listed.fit and "1" in near.fit


def test_row_texts_key_every_listed_hit_by_place(app):
    with app.test_request_context("/"), flask_babel.force_locale("en"):
        texts = row_texts(
            [("match", [_hit(1), _hit(2)]), ("near_miss", [_hit(3)])], flask_babel.get_locale()
        )
    assert sorted(texts) == [1, 2, 3] and texts[1].distance == "4.6\u00a0km"
