"""The placement state machine: every (from, to, party) combination, details, helpers."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.permissions import home_employer_visible
from registry.domain.placement import (
    TERMINAL,
    TRANSITIONS,
    DateProblem,
    DeclineReason,
    DetailNotExpected,
    EndReason,
    IntroductionRequired,
    Outcome,
    OutcomeRequired,
    Party,
    PartyNotAllowed,
    ReasonRequired,
    Status,
    TransitionError,
    TransitionNotAllowed,
    TransitionRecord,
    allowed_targets,
    check_intended_start,
    check_recorded_date,
    is_terminal,
    may_introduce,
    occupies_slot,
    record_transition,
    require_introduction,
    transition,
    weeks_between,
)

S, P = Status, Party

# Written out independently of the module: the specification under test.
EXPECTED: dict[tuple[Status, Status], set[Party]] = {
    (S.PROPOSED, S.ACCEPTED): {P.HOST},
    (S.PROPOSED, S.DECLINED): {P.HOST},
    (S.PROPOSED, S.WITHDRAWN): {P.COACH, P.HOME, P.COORDINATOR},
    (S.ACCEPTED, S.STARTED): {P.COACH, P.HOST},
    (S.ACCEPTED, S.CANCELLED): {P.COACH, P.HOST, P.HOME, P.COORDINATOR},
    (S.STARTED, S.COMPLETED): {P.COACH, P.HOST},
    (S.STARTED, S.ENDED_EARLY): {P.COACH, P.HOST, P.HOME},
}

# Minimal valid details per target.
DETAILS: dict[Status, dict[str, object]] = {
    S.DECLINED: {"reason": DeclineReason.NO_CAPACITY},
    S.ENDED_EARLY: {"reason": EndReason.WORKLOAD_TOO_HIGH},
    S.COMPLETED: {"outcome": Outcome.HIRED},
}

ALL = list(itertools.product(Status, Status, Party))


def test_table_matches_specification() -> None:
    assert {edge: set(t.parties) for edge, t in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("current", "target", "party"), ALL)
def test_every_combination(current: Status, target: Status, party: Party) -> None:
    details = DETAILS.get(target, {})
    if (current, target) not in EXPECTED:
        with pytest.raises(TransitionNotAllowed) as err:
            transition(current, target, party, **details)
    elif party not in EXPECTED[(current, target)]:
        with pytest.raises(PartyNotAllowed) as err:
            transition(current, target, party, **details)
        assert err.value.parties == frozenset({party})
    else:
        assert transition(current, target, party, **details) is target
        assert transition(current, target, frozenset({party}), **details) is target
        return
    assert (err.value.current, err.value.target) == (current, target)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_party_sets_need_one_allowed_member(current: Status, target: Status) -> None:
    details = DETAILS.get(target, {})
    allowed = EXPECTED.get((current, target), set())
    for size in range(len(Party) + 1):
        for combo in itertools.combinations(Party, size):
            parties = frozenset(combo)
            if (current, target) not in EXPECTED:
                with pytest.raises(TransitionNotAllowed):
                    transition(current, target, parties, **details)
            elif parties & allowed:
                assert transition(current, target, parties, **details) is target
            else:
                with pytest.raises(PartyNotAllowed):
                    transition(current, target, parties, **details)


@pytest.mark.parametrize("current", list(Status))
def test_allowed_targets_per_party(current: Status) -> None:
    for party in Party:
        expected = [t for t in Status if party in EXPECTED.get((current, t), set())]
        assert allowed_targets(current, party) == expected
    assert allowed_targets(current, frozenset()) == []
    everyone = allowed_targets(current, frozenset(Party))
    assert everyone == [t for t in Status if (current, t) in EXPECTED]


def test_terminal_states() -> None:
    assert frozenset({S.DECLINED, S.WITHDRAWN, S.CANCELLED, S.COMPLETED, S.ENDED_EARLY}) == TERMINAL
    for status in Status:
        assert is_terminal(status) == (allowed_targets(status, frozenset(Party)) == [])


def test_admin_has_no_lifecycle_rights() -> None:
    assert all(allowed_targets(status, Party.ADMIN) == [] for status in Status)


@pytest.mark.parametrize(
    ("current", "target", "party"),
    [(S.PROPOSED, S.DECLINED, P.HOST), (S.STARTED, S.ENDED_EARLY, P.COACH)],
)
def test_reason_required(current: Status, target: Status, party: Party) -> None:
    with pytest.raises(ReasonRequired):
        transition(current, target, party)
    with pytest.raises(ReasonRequired):
        transition(current, target, party, reason="no_such_reason")


def test_reason_must_fit_the_transition() -> None:
    with pytest.raises(ReasonRequired):
        transition(S.PROPOSED, S.DECLINED, P.HOST, reason=EndReason.NOT_SUITABLE)
    with pytest.raises(ReasonRequired):
        transition(S.STARTED, S.ENDED_EARLY, P.HOST, reason=DeclineReason.NOT_SUITABLE)
    with pytest.raises(ReasonRequired):
        transition(S.ACCEPTED, S.CANCELLED, P.HOST, reason=EndReason.HOST_REQUEST)


def test_reason_codes_as_strings() -> None:
    assert transition(S.PROPOSED, S.DECLINED, P.HOST, reason="timing") is S.DECLINED
    assert transition(S.STARTED, S.ENDED_EARLY, P.HOME, reason="home_request") is S.ENDED_EARLY


@pytest.mark.parametrize(
    ("current", "target", "party"),
    [(S.PROPOSED, S.WITHDRAWN, P.COACH), (S.ACCEPTED, S.CANCELLED, P.COORDINATOR)],
)
def test_optional_reason(current: Status, target: Status, party: Party) -> None:
    assert transition(current, target, party) is target
    assert transition(current, target, party, reason=DeclineReason.TIMING) is target


def test_outcome_required() -> None:
    with pytest.raises(OutcomeRequired):
        transition(S.STARTED, S.COMPLETED, P.HOST)
    with pytest.raises(OutcomeRequired):
        transition(S.STARTED, S.COMPLETED, P.HOST, outcome="promoted")
    for outcome in Outcome:
        assert transition(S.STARTED, S.COMPLETED, P.COACH, outcome=outcome) is S.COMPLETED
        assert transition(S.STARTED, S.COMPLETED, P.COACH, outcome=str(outcome)) is S.COMPLETED


def test_details_not_expected() -> None:
    with pytest.raises(DetailNotExpected):
        transition(S.PROPOSED, S.ACCEPTED, P.HOST, reason=DeclineReason.OTHER)
    with pytest.raises(DetailNotExpected):
        transition(S.STARTED, S.COMPLETED, P.HOST, outcome=Outcome.HIRED, reason="other")
    with pytest.raises(DetailNotExpected):
        transition(S.STARTED, S.ENDED_EARLY, P.HOST, reason="other", outcome=Outcome.HIRED)


def test_check_order_edge_then_party_then_details() -> None:
    with pytest.raises(TransitionNotAllowed):
        transition(S.COMPLETED, S.STARTED, P.ADMIN)
    with pytest.raises(PartyNotAllowed):
        transition(S.PROPOSED, S.DECLINED, P.COACH)  # no reason either


def test_errors_carry_codes() -> None:
    codes = {
        cls.code
        for cls in (
            TransitionNotAllowed,
            PartyNotAllowed,
            ReasonRequired,
            OutcomeRequired,
            DetailNotExpected,
        )
    }
    assert len(codes) == 5
    assert all(issubclass(cls, TransitionError) for cls in (TransitionNotAllowed, PartyNotAllowed))


def test_record_transition() -> None:
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    rec = record_transition(S.STARTED, S.COMPLETED, P.HOST, actor_id=7, at=at, outcome="hired")
    assert rec == TransitionRecord(S.STARTED, S.COMPLETED, 7, at, None, Outcome.HIRED)
    rec = record_transition(S.PROPOSED, S.DECLINED, {P.HOST}, actor_id=3, at=at, reason="timing")
    assert rec.reason is DeclineReason.TIMING and rec.outcome is None
    with pytest.raises(PartyNotAllowed):
        record_transition(S.PROPOSED, S.ACCEPTED, P.COACH, actor_id=1, at=at)


@pytest.mark.parametrize("status", list(Status))
def test_occupies_slot(status: Status) -> None:
    assert occupies_slot(status) == (status in {S.ACCEPTED, S.STARTED})


@pytest.mark.parametrize(
    ("start", "end", "weeks"),
    [
        (date(2025, 1, 6), date(2025, 1, 6), 0),  # ended on the first day: no week
        (date(2025, 1, 6), date(2025, 1, 12), 0),  # Mon..Sun: six days
        (date(2025, 1, 6), date(2025, 1, 13), 1),  # Mon..next Mon: seven days
        (date(2025, 1, 6), date(2025, 1, 19), 1),
        (date(2025, 1, 6), date(2025, 1, 20), 2),
        (date(2024, 2, 26), date(2024, 3, 4), 1),  # across a leap day
        (date(2024, 1, 1), date(2024, 12, 31), 52),
    ],
)
def test_weeks_between(start: date, end: date, weeks: int) -> None:
    assert weeks_between(start, end) == weeks


def test_weeks_between_rejects_end_before_start() -> None:
    with pytest.raises(ValueError):
        weeks_between(date(2025, 1, 7), date(2025, 1, 6))


# --------------------------------------------------------------------------- issue 12

TODAY = date(2026, 12, 4)
days = st.integers(min_value=-400, max_value=400)


def test_starting_needs_the_introduction() -> None:
    with pytest.raises(IntroductionRequired) as err:
        require_introduction(S.ACCEPTED, S.STARTED, introduced=False)
    assert err.value.code == "introduction_required"
    assert isinstance(err.value, TransitionError)
    require_introduction(S.ACCEPTED, S.STARTED, introduced=True)
    for target in (S.CANCELLED, S.COMPLETED, S.ENDED_EARLY, S.ACCEPTED):
        require_introduction(S.ACCEPTED, target, introduced=False)  # only the start waits


def test_the_introduction_sits_between_accepted_and_started() -> None:
    assert [s for s in S if may_introduce(s)] == [S.ACCEPTED]


@given(days)
def test_an_intended_start_is_never_in_the_past(offset: int) -> None:
    day = TODAY + timedelta(days=offset)
    expected = DateProblem.IN_THE_PAST if offset < 0 else None
    assert check_intended_start(day, TODAY) is expected
    assert check_intended_start(None, TODAY) is None


@given(days, days)
def test_a_recorded_date_is_neither_future_nor_before_the_previous_step(
    offset: int, previous_offset: int
) -> None:
    day, previous = TODAY + timedelta(days=offset), TODAY + timedelta(days=previous_offset)
    problem = check_recorded_date(day, TODAY, previous)
    if day > TODAY:
        assert problem is DateProblem.IN_THE_FUTURE
    elif day < previous:
        assert problem is DateProblem.BEFORE_PREVIOUS_STEP
    else:
        assert problem is None
    assert check_recorded_date(min(day, TODAY), TODAY, None) is None


def test_recorded_dates_at_the_edges() -> None:
    assert check_recorded_date(TODAY, TODAY, TODAY) is None  # accepted and started today
    assert check_recorded_date(TODAY + timedelta(1), TODAY, None) is DateProblem.IN_THE_FUTURE
    assert check_recorded_date(TODAY - timedelta(1), TODAY, TODAY) is (
        DateProblem.BEFORE_PREVIOUS_STEP
    )


@pytest.mark.parametrize(
    ("parties", "before", "after"),
    [
        ({P.COACH}, True, True),
        ({P.HOME}, True, True),
        ({P.HOST}, False, True),
        ({P.COORDINATOR}, False, True),
        ({P.HOST, P.HOME}, True, True),  # a contact of both employers knows their own
        ({P.ADMIN}, False, False),
        (set(), False, False),
    ],
)
def test_who_sees_the_home_employer(parties, before, after) -> None:
    assert home_employer_visible(frozenset(parties), introduced=False) is before
    assert home_employer_visible(frozenset(parties), introduced=True) is after
