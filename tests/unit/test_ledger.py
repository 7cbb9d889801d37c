"""Reciprocity ledger arithmetic: examples and hypothesis properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.ledger import (
    Balance,
    Discrepancy,
    EntryKind,
    LedgerEntry,
    LedgerError,
    PlacementFacts,
    PolicyVerdict,
    Unit,
    balances,
    check_policy,
    diff,
    entries_for,
    is_balanced,
    net,
    postings_for,
    recompute,
    reconcile,
    reverse,
)
from registry.domain.placement import Status

START = date(2025, 1, 6)
PL, WK = Unit.PLACEMENTS, Unit.WEEKS
S, E, R = EntryKind.START, EntryKind.END, EntryKind.REVERSAL


def facts(
    status: Status,
    *,
    pid: int = 1,
    network: int = 10,
    host: int = 100,
    home: int = 200,
    started_on: date | None = START,
    ended_on: date | None = None,
) -> PlacementFacts:
    return PlacementFacts(pid, network, host, home, started_on, ended_on, status)


def nonzero(balance_map: dict[tuple[int, int], Balance]) -> dict[tuple[int, int], Balance]:
    return {key: b for key, b in balance_map.items() if b != Balance()}


# --- examples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Status.PROPOSED, Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN]
)
def test_nothing_before_start(status: Status) -> None:
    assert entries_for(facts(status, started_on=None)) == []


def test_cancelled_before_start_posts_nothing() -> None:
    assert entries_for(facts(Status.CANCELLED, started_on=None)) == []


def test_start_posts_one_placement_each_way() -> None:
    assert entries_for(facts(Status.STARTED)) == [
        LedgerEntry(10, 1, 100, PL, 1, S),
        LedgerEntry(10, 1, 200, PL, -1, S),
    ]


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.ENDED_EARLY])
def test_end_posts_weeks(status: Status) -> None:
    entries = entries_for(facts(status, ended_on=START + timedelta(days=27)))  # 27 // 7 = 3
    assert entries[2:] == [LedgerEntry(10, 1, 100, WK, 3, E), LedgerEntry(10, 1, 200, WK, -3, E)]
    assert balances(entries) == {
        (10, 100): Balance(hosted_placements=1, hosted_weeks=3),
        (10, 200): Balance(sent_placements=1, sent_weeks=3),
    }
    assert balances(entries)[(10, 200)].balance_weeks == -3


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.ENDED_EARLY])
@pytest.mark.parametrize(("days", "weeks"), [(0, 0), (6, 0), (7, 1), (13, 1), (14, 2)])
def test_weeks_are_the_real_weeks_between_the_recorded_dates(
    status: Status, days: int, weeks: int
) -> None:
    entries = entries_for(facts(status, ended_on=START + timedelta(days=days)))
    assert [e.amount for e in entries if e.unit is WK] == ([weeks, -weeks] if weeks else [])
    assert balances(entries)[(10, 100)] == Balance(hosted_placements=1, hosted_weeks=weeks)


def test_completed_on_the_day_it_started_adds_no_week() -> None:
    entries = entries_for(facts(Status.COMPLETED, ended_on=START))
    assert [e.unit for e in entries] == [PL, PL]
    assert balances(entries)[(10, 200)] == Balance(sent_placements=1)


def test_self_placement_posts_nothing() -> None:
    assert entries_for(facts(Status.COMPLETED, host=5, home=5, ended_on=START)) == []


def test_missing_dates_are_errors() -> None:
    with pytest.raises(LedgerError):
        entries_for(facts(Status.STARTED, started_on=None))
    with pytest.raises(LedgerError):
        entries_for(facts(Status.COMPLETED, ended_on=None))
    with pytest.raises(ValueError):
        entries_for(facts(Status.COMPLETED, ended_on=START - timedelta(days=1)))


def test_entry_validation() -> None:
    with pytest.raises(LedgerError):
        LedgerEntry(1, 1, 1, PL, 0, S)
    with pytest.raises(LedgerError):
        LedgerEntry(1, 1, 1, PL, 1, S, reverses=4)


def test_reverse_points_at_stored_rows_and_refuses_reversals() -> None:
    stored = [replace(e, entry_id=i) for i, e in enumerate(entries_for(facts(Status.STARTED)))]
    reversed_ = reverse(stored)
    assert reversed_ == [
        LedgerEntry(10, 1, 100, PL, -1, R, reverses=0),
        LedgerEntry(10, 1, 200, PL, 1, R, reverses=1),
    ]
    assert nonzero(balances(stored + reversed_)) == {}
    assert net(stored + reversed_) == {}
    with pytest.raises(LedgerError):
        reverse(reversed_)


def test_correcting_an_end_date_appends_reversal_and_repost() -> None:
    ended = facts(Status.COMPLETED, ended_on=START + timedelta(days=7))
    ledger = postings_for(ended, [])
    corrected = replace(ended, ended_on=START + timedelta(days=14))
    appended = postings_for(corrected, ledger)
    assert [(e.employer_id, e.unit, e.amount, e.kind) for e in appended] == [
        (100, PL, -1, R),
        (100, WK, -1, R),
        (200, PL, 1, R),
        (200, WK, 1, R),
        (100, PL, 1, S),
        (200, PL, -1, S),
        (100, WK, 2, E),
        (200, WK, -2, E),
    ]
    ledger += appended
    assert postings_for(corrected, ledger) == []
    assert diff(recompute([corrected]), ledger) == []
    assert balances(ledger)[(10, 100)] == Balance(hosted_placements=1, hosted_weeks=2)


def test_diff_reports_net_discrepancies() -> None:
    expected = entries_for(facts(Status.COMPLETED, ended_on=START + timedelta(days=14)))
    stored = expected[:2] + [LedgerEntry(10, 1, 100, WK, 1, E), LedgerEntry(10, 1, 200, WK, -1, E)]
    assert diff(expected, stored) == [
        Discrepancy(10, 1, 100, WK, expected=2, stored=1),
        Discrepancy(10, 1, 200, WK, expected=-2, stored=-1),
    ]
    assert diff(expected, stored)[0].difference == 1
    assert diff(expected, expected + reverse(expected) + expected) == []


def test_is_balanced_detects_one_sided_postings() -> None:
    assert is_balanced([])
    assert not is_balanced([LedgerEntry(1, 1, 1, PL, 1, S)])
    # Balanced overall but not within each network.
    assert not is_balanced([LedgerEntry(1, 1, 1, PL, 1, S), LedgerEntry(2, 1, 2, PL, -1, S)])


@pytest.mark.parametrize(
    ("hosted", "sent", "soft", "hard", "warn", "block"),
    [
        (0, 0, None, True, False, False),  # no policy
        (0, 9, None, True, False, False),
        (0, 2, 3, True, False, False),
        (0, 3, 3, False, True, False),  # soft limit reached: warn only
        (0, 3, 3, True, True, True),  # hard limit: block too
        (1, 3, 3, True, False, False),  # hosting earns room
        (2, 5, 3, True, True, True),
        (5, 1, 1, True, False, False),  # giver
        (0, 1, 1, True, True, True),
    ],
)
def test_check_policy(
    hosted: int, sent: int, soft: int | None, hard: bool, warn: bool, block: bool
) -> None:
    balance = Balance(hosted_placements=hosted, sent_placements=sent)
    assert check_policy(balance, soft, hard) == PolicyVerdict(warn, block)


def test_check_policy_rejects_nonpositive_limit() -> None:
    with pytest.raises(LedgerError):
        check_policy(Balance(), 0, False)


# --- properties -----------------------------------------------------------------------

NETWORKS = st.integers(1, 3)
EMPLOYERS = st.integers(1, 5)


@st.composite
def placement_facts(draw: st.DrawFn, pid: int, *, self_placement: bool = False) -> PlacementFacts:
    status = draw(st.sampled_from(Status))
    host = draw(EMPLOYERS)
    home = host if self_placement else draw(EMPLOYERS)
    started_on = ended_on = None
    if status in {Status.STARTED, Status.COMPLETED, Status.ENDED_EARLY}:
        started_on = draw(st.dates(date(2020, 1, 1), date(2027, 12, 31)))
    if started_on is not None and status in {Status.COMPLETED, Status.ENDED_EARLY}:
        # Short placements often: the first week (0 placement-weeks) is the edge case.
        days = draw(st.one_of(st.integers(0, 15), st.integers(0, 730)))
        ended_on = started_on + timedelta(days=days)
    return PlacementFacts(pid, draw(NETWORKS), host, home, started_on, ended_on, status)


@st.composite
def placement_lists(draw: st.DrawFn) -> list[PlacementFacts]:
    count = draw(st.integers(0, 25))
    return [draw(placement_facts(pid)) for pid in range(count)]


@st.composite
def histories(draw: st.DrawFn) -> list[list[PlacementFacts]]:
    """Per placement, one to four successive versions of its facts (corrections included)."""
    count = draw(st.integers(0, 12))
    return [
        [draw(placement_facts(pid)) for _ in range(draw(st.integers(1, 4)))] for pid in range(count)
    ]


def assert_sound(entries: list[LedgerEntry]) -> None:
    assert is_balanced(entries)
    per_network: dict[int, list[int]] = {}
    for (network, _), b in balances(entries).items():
        assert min(b.hosted_placements, b.sent_placements, b.hosted_weeks, b.sent_weeks) >= 0
        totals = per_network.setdefault(network, [0, 0])
        totals[0] += b.balance_placements
        totals[1] += b.balance_weeks
    assert all(totals == [0, 0] for totals in per_network.values())


@given(placement_lists())
def test_recomputed_ledger_balances(placements: list[PlacementFacts]) -> None:
    assert_sound(recompute(placements))


@given(placement_lists())
def test_weeks_posted_are_days_over_seven_rounded_down(placements: list[PlacementFacts]) -> None:
    entries = recompute(placements)
    for p in placements:
        if (
            p.is_transfer
            and p.ended_on is not None
            and p.status
            in {
                Status.COMPLETED,
                Status.ENDED_EARLY,
            }
        ):
            hosted = sum(
                e.amount
                for e in entries
                if e.placement_id == p.placement_id
                and e.employer_id == p.host_employer_id
                and e.unit is WK
            )
            assert hosted == (p.ended_on - p.started_on).days // 7


@settings(max_examples=200)
@given(histories(), st.data())
def test_incremental_ledger_equals_recompute(
    history: list[list[PlacementFacts]], data: st.DataObject
) -> None:
    ledger: list[LedgerEntry] = []
    pending = {pid: list(versions) for pid, versions in enumerate(history)}
    while pending:  # interleave the placements' changes in a random order
        pid = data.draw(st.sampled_from(sorted(pending)))
        version = pending[pid].pop(0)
        if not pending[pid]:
            del pending[pid]
        ledger += postings_for(version, ledger)
        assert_sound(ledger)
    final = [versions[-1] for versions in history]
    expected = recompute(final)
    assert diff(expected, ledger) == []
    assert reconcile(expected, ledger) == []
    assert all(postings_for(p, ledger) == [] for p in final)
    assert nonzero(balances(ledger)) == nonzero(balances(expected))
    # Closing the books with reversals only brings every balance to zero.
    closing = reconcile([], ledger)
    assert all(e.kind is EntryKind.REVERSAL for e in closing)
    assert nonzero(balances(ledger + closing)) == {}
    assert is_balanced(ledger + closing)


@given(placement_lists())
def test_reversing_everything_gives_zero(placements: list[PlacementFacts]) -> None:
    entries = recompute(placements)
    reversed_ = reverse(entries)
    assert is_balanced(reversed_)
    assert nonzero(balances(entries + reversed_)) == {}
    assert net(entries + reversed_) == {}
    assert diff([], entries + reversed_) == []


@given(placement_lists(), st.lists(placement_facts(10_000, self_placement=True), max_size=5))
def test_self_placement_never_moves_a_balance(
    placements: list[PlacementFacts], own: list[PlacementFacts]
) -> None:
    assert all(entries_for(p) == [] for p in own)
    assert balances(recompute(placements + own)) == balances(recompute(placements))


@given(placement_lists())
def test_full_reconcile_repairs_any_stored_ledger(placements: list[PlacementFacts]) -> None:
    expected = recompute(placements)
    damaged = expected[: len(expected) // 2]  # e.g. lost postings
    repaired = damaged + reconcile(expected, damaged)
    assert diff(expected, repaired) == []
    assert is_balanced(repaired)
