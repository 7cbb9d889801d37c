"""Builders for the partner API tests (issue 18): tokens and bearer headers."""

from __future__ import annotations

import datetime as dt

from registry.services import api_tokens

ALL_SCOPES = list(api_tokens.SCOPES)


def token(make_ctx, user, scopes=None, days: int = 30) -> str:
    ctx = make_ctx(user)
    _row, raw = api_tokens.create_token(
        ctx, f"test {user.email}", list(scopes or ALL_SCOPES), ctx.today() + dt.timedelta(days=days)
    )
    return raw


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def place_body(network_ids, employer_id, **kw) -> dict:
    body = {
        "employer_id": employer_id,
        "kind": "stage",
        "title": "Stage administratie",
        "network_ids": list(network_ids),
        "function": "Administratief medewerker",
        "description": "Meewerken op de administratie.",
        "postcode": "7514 AE",
        "slots": 2,
        "min_hours_week": 8,
        "usual_hours_week": 16,
        "lower_start_allowed": True,
        "ongoing": True,
        "contact_name": "Jan de Vries",
        "contact_email": "jan@example.nl",
        "demands": {"lifting": {"band": 0}},
        "exposures": [],
        "offers_conditions": ["predictable"],
        "submit": True,
    }
    body.update(kw)
    return body


def candidate_body(home_employer_id, network_ids, **kw) -> dict:
    body = {
        "given_name": "Henrike",
        "family_name": "Zwanenburg",
        "postcode": "7514 AE",
        "home_employer_id": home_employer_id,
        "first_sick_day": (dt.date.today() - dt.timedelta(weeks=30)).isoformat(),
        "network_ids": list(network_ids),
        "email": "henrike@mail.example",
        "max_km": 30,
    }
    body.update(kw)
    return body


PROFILE = {
    "capacities": {"lifting": 1, "time_pressure": 1},
    "avoid_exposures": [],
    "needs_conditions": [],
    "hours_per_day": 1,
    "hours_per_week": 1,
    "source": "company_doctor",
}
