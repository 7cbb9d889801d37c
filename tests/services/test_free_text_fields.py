"""Every free text that leaves the coach's organisation refuses the candidate's name and
medical terms, field by field, and writes nothing when it does."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import object_session

from registry.domain.placement import Status
from registry.services import placements as svc
from registry.services.errors import ValidationFailed
from tests.services.test_placement_support import (
    candidate,
    consent_introduce,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()
TODAY = dt.date.today()
EARLY = dt.datetime.combine(TODAY - dt.timedelta(days=30), dt.time(9), tzinfo=dt.UTC)

BAD = [
    ("Sanne past hier goed", "Sanne"),
    ("Mevrouw De Boer past hier goed", "de Boer"),
    ("S A N N E past hier goed", "Sanne"),
    ("Had een b u r n o u t", "burn-out"),
    ("Had een Burn-Out, nu hersteld", "burn-out"),
    ("Gebruikt médicatie", "medicatie"),
]
GOOD = "Start in januari met vier uur per dag; tilwerk wordt aangepast"


def early(make_ctx):
    return lambda user=None, **kw: make_ctx(user, clock=lambda: EARLY, **kw)


@pytest.fixture
def setup(session, world):
    pl = place(session, world.emp_a, [world.net_a], slots=2)
    cand = candidate(
        session, world.org, world.emp_b, [world.net_a], given_name="Sanne", family_name="de Boer"
    )
    session.commit()
    return pl, cand


def _refused(excinfo, field: str, found: str) -> None:
    messages = [str(m) for m in excinfo.value.errors[field]]
    assert any(found in m for m in messages), messages


def _started(make_ctx, world, setup):
    pl, cand = setup
    p = proposal(early(make_ctx), world.coach, cand, pl)
    svc.accept(early(make_ctx)(world.contact_a), p.id)
    session = object_session(p)
    consent_introduce(session, cand, world.emp_a)
    session.commit()
    return svc.start(make_ctx(world.coach), p.id, on=TODAY - dt.timedelta(days=14))


@pytest.mark.parametrize(("text", "found"), BAD)
def test_proposal_motivation(world, make_ctx, setup, text, found):
    pl, cand = setup
    with pytest.raises(ValidationFailed) as err:
        proposal(make_ctx, world.coach, cand, pl, motivation=text)
    _refused(err, "motivation", found)
    assert cand.id and not svc.list_placements(make_ctx(world.coach), candidate_id=cand.id)
    assert proposal(make_ctx, world.coach, cand, pl, motivation=GOOD).motivation == GOOD


@pytest.mark.parametrize(("text", "found"), BAD)
def test_signal_reasons(session, world, make_ctx, text, found):
    pl = place(session, world.emp_a, [world.net_a], demands={"lifting": {"band": 3}})
    cand = candidate(
        session, world.org, world.emp_b, [world.net_a], given_name="Sanne", family_name="de Boer"
    )
    session.commit()
    with pytest.raises(ValidationFailed) as err:
        proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": text})
    _refused(err, "signal_reasons", found)
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": GOOD})
    assert p.signal_reasons == {"lifting": GOOD}


@pytest.mark.parametrize(("text", "found"), BAD[:2] + BAD[3:4])
@pytest.mark.parametrize("step", ["decline", "withdraw"])
def test_decline_and_withdraw_texts(world, make_ctx, setup, step, text, found):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    who = world.contact_a if step == "decline" else world.coach
    with pytest.raises(ValidationFailed) as err:
        getattr(svc, step)(make_ctx(who), p.id, "other", text)
    _refused(err, "reason_text", found)
    assert svc.get_placement(make_ctx(world.coach), p.id).status is Status.PROPOSED
    assert getattr(svc, step)(make_ctx(who), p.id, "other", GOOD).reason_text == GOOD


@pytest.mark.parametrize(("text", "found"), BAD[:1] + BAD[3:4])
def test_cancel_text(world, make_ctx, setup, text, found):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    svc.accept(make_ctx(world.contact_a), p.id)
    with pytest.raises(ValidationFailed) as err:
        svc.cancel(make_ctx(world.coach), p.id, "other", text)
    _refused(err, "reason_text", found)
    assert svc.get_placement(make_ctx(world.coach), p.id).status is Status.ACCEPTED


@pytest.mark.parametrize(("text", "found"), BAD[:1] + BAD[3:4])
def test_end_early_text(world, make_ctx, setup, text, found):
    p = _started(make_ctx, world, setup)
    with pytest.raises(ValidationFailed) as err:
        svc.end_early(make_ctx(world.contact_a), p.id, "other", text)
    _refused(err, "reason_text", found)
    assert svc.get_placement(make_ctx(world.coach), p.id).status is Status.STARTED


RATINGS = {k: 4 for k in svc.EVALUATION_RATINGS}


@pytest.mark.parametrize("field", svc.EVALUATION_TEXTS)
@pytest.mark.parametrize(("text", "found"), BAD[:1] + BAD[2:4])
def test_evaluation_texts(world, make_ctx, setup, field, text, found):
    p = _started(make_ctx, world, setup)
    data = {"ratings": RATINGS, "overall": "Goed gewerkt", field: text}
    with pytest.raises(ValidationFailed) as err:
        svc.save_evaluation(make_ctx(world.contact_a), p.id, data)
    _refused(err, field, found)
    assert svc.get_placement(make_ctx(world.coach), p.id).evaluation is None


@pytest.mark.parametrize("field", ["build_up", "tasks"])
def test_agreement_texts(world, make_ctx, setup, field):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl)
    data = svc.AgreementInput(planned_start=None, planned_end=None, hours_per_week=None)
    setattr(data, field, "Sanne krijgt begeleiding na haar burnout")
    with pytest.raises(ValidationFailed) as err:
        svc.update_agreement(make_ctx(world.coach), p.id, data)
    _refused(err, field, "Sanne")
    _refused(err, field, "burn-out")
    setattr(data, field, "Begeleiding door de teamleider")
    svc.update_agreement(make_ctx(world.coach), p.id, data)


def test_the_message_says_what_and_why(world, make_ctx, setup):
    pl, cand = setup
    with pytest.raises(ValidationFailed) as err:
        proposal(make_ctx, world.coach, cand, pl, motivation="Sanne de Boer had een burn-out")
    messages = [str(m) for m in err.value.errors["motivation"]]
    assert len(messages) == 2
    assert "Sanne de Boer" in messages[0] and "burn-out" not in messages[0]
    assert "burn-out" in messages[1]


# --------------------------------------------------------------------------- candidate record


def test_end_week_reason_names_nobody(world, make_ctx):
    """Coordinators and the home employer read the reason for another end week."""
    from registry.services import candidates as candidates_svc
    from tests.services.test_candidates_support import FAMILY, GIVEN, candidate_input

    ctx = make_ctx(world.coach)
    bad = candidate_input(world, end_week=130, end_week_reason=f"{GIVEN} kreeg een loonsanctie")
    with pytest.raises(ValidationFailed) as err:
        candidates_svc.register_candidate(ctx, bad)
    _refused(err, "end_week_reason", GIVEN)
    also = candidate_input(world, end_week=130, end_week_reason=f"Loonsanctie voor {FAMILY}")
    with pytest.raises(ValidationFailed) as err:
        candidates_svc.register_candidate(ctx, also)
    _refused(err, "end_week_reason", FAMILY)
    ok = candidate_input(world, end_week=130, end_week_reason="Loonsanctie van 26 weken")
    assert candidates_svc.register_candidate(ctx, ok).end_week_reason == ok.end_week_reason


@pytest.mark.parametrize("notes", ["Had een b u r n o u t", "burn out", "Médicatie: onbekend"])
def test_coach_notes_refuse_spaced_or_accented_medical_terms(world, make_ctx, notes):
    """The coach's own notes may name the candidate, but never hold medical details."""
    from registry.services import candidates as candidates_svc
    from tests.services.test_candidates_support import GIVEN, candidate_input

    ctx = make_ctx(world.coach)
    with pytest.raises(ValidationFailed) as err:
        candidates_svc.register_candidate(ctx, candidate_input(world, notes=notes))
    assert "notes" in err.value.errors
    named = candidate_input(world, notes=f"{GIVEN} belt liever dan te mailen")
    assert candidates_svc.register_candidate(ctx, named).notes == named.notes
