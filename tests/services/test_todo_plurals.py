"""Presentation (issue 15): the to-do page's counts meet their noun in the right form
(lazy ngettext, extracted into the catalogues): "1 dag", "3 dagen", "1 plaatsing"."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from registry.domain.ledger import Balance
from registry.services import todo


@pytest.fixture(autouse=True)
def _request_context(app):
    with app.test_request_context():
        yield


def _waited(make_ctx, days_ago: int, overdue: int = 0) -> str:
    now = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
    ctx = make_ctx(clock=lambda: now)
    return str(todo._waiting_detail(ctx, now - dt.timedelta(days=days_ago), overdue))


def test_waiting_days_in_singular_and_plural(make_ctx):
    with force_locale("nl"):
        assert _waited(make_ctx, 1) == "De oudste wacht al 1 dag."
        assert _waited(make_ctx, 3) == "De oudste wacht al 3 dagen."
        assert _waited(make_ctx, 1, 1) == "De oudste wacht al 1 dag; 1 over de reactietermijn."
    with force_locale("en"):
        assert _waited(make_ctx, 1) == "The oldest has waited 1 day."
        assert _waited(make_ctx, 2) == "The oldest has waited 2 days."


@pytest.mark.parametrize(
    ("hosted", "sent", "dutch"),
    [
        (1, 0, "U ontving 1 plaatsing meer dan u er plaatste: u geeft."),
        (4, 1, "U ontving 3 plaatsingen meer dan u er plaatste: u geeft."),
        (0, 1, "U plaatste 1 medewerker meer dan u er ontving: u neemt."),
        (0, 2, "U plaatste 2 medewerkers meer dan u er ontving: u neemt."),
    ],
)
def test_balance_meaning_in_singular_and_plural(hosted, sent, dutch):
    with force_locale("nl"):
        assert str(todo.balance_meaning(Balance(hosted, sent))) == dutch
