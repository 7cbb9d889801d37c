"""Builders shared by the candidate tests (no tests here)."""

from __future__ import annotations

import datetime as dt

from registry.models import ConsentScope
from registry.services import candidates as svc

TODAY = dt.date(2026, 11, 25)
GIVEN, FAMILY, POSTCODE = "Henrike", "Zwanenburg", "7514 AE"
EMAIL, PHONE, NOTES = "henrike.zwanenburg@mail.example", "06 1234 5678", "Wil graag buiten werken"


def frozen(today: dt.date = TODAY):
    moment = dt.datetime.combine(today, dt.time(10), tzinfo=dt.UTC)
    return lambda: moment


def candidate_input(world, **kw) -> svc.CandidateInput:
    values = {
        "given_name": GIVEN,
        "family_name": FAMILY,
        "postcode": POSTCODE,
        "email": EMAIL,
        "phone": PHONE,
        "notes": NOTES,
        "home_employer_id": world.emp_a.id,
        "network_ids": (world.net_a.id,),
        "first_sick_day": TODAY - dt.timedelta(days=7 * 60),
        "preferred_functions": "administratie",
    }
    values.update(kw)
    return svc.CandidateInput(**values)


def profile_input(**kw) -> svc.ProfileInput:
    values = {
        "capacities": {"lifting": 1, "time_pressure": 1, "attention": None},
        "avoid_exposures": ("noise",),
        "needs_conditions": ("predictable",),
        "hours_per_day": 1,
        "hours_per_week": 1,
        "source": "company_doctor",
        "assessed_on": TODAY - dt.timedelta(days=30),
        "review_on": TODAY + dt.timedelta(days=90),
        "fml_version": "FML 2015",
    }
    values.update(kw)
    return svc.ProfileInput(**values)


def register(make_ctx, world, user=None, profile=True, **kw):
    ctx = make_ctx(user or world.coach, clock=frozen())
    return svc.register_candidate(
        ctx, candidate_input(world, **kw), profile_input() if profile else None
    )


def share(make_ctx, world, candidate_id, network_ids=None):
    ctx = make_ctx(world.coach, clock=frozen())
    return svc.record_consent(
        ctx,
        candidate_id,
        svc.ConsentInput(
            ConsentScope.SHARE_PROFILE,
            TODAY,
            network_ids=tuple(network_ids or (world.net_a.id,)),
            text="Akkoord met delen in het netwerk",
        ),
    )


def introduce(make_ctx, world, candidate_id, employer_id):
    ctx = make_ctx(world.coach, clock=frozen())
    return svc.record_consent(
        ctx,
        candidate_id,
        svc.ConsentInput(ConsentScope.INTRODUCE, TODAY, host_employer_id=employer_id),
    )
