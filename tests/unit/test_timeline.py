"""The Poortwachter clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.timeline import (
    DEFAULT_END_WEEK,
    MAX_END_WEEK,
    MilestoneKey,
    clock,
    end_date,
    evaluations,
    milestones,
    runs_past_end,
    week_end,
    week_number,
    week_start,
)

FIRST = date(2024, 1, 1)
dates = st.dates(date(1996, 1, 1), date(2060, 12, 31))  # many leap years, incl. 2000
end_weeks = st.integers(1, MAX_END_WEEK)


def on_week(week: int, first: date = FIRST, day: int = 0) -> date:
    """Day ``day`` (0..6) of sickness week ``week``."""
    return first + timedelta(days=7 * (week - 1) + day)


# --------------------------------------------------------------------------- weeks


@pytest.mark.parametrize(
    ("offset", "week"), [(0, 1), (6, 1), (7, 2), (13, 2), (14, 3), (727, 104), (728, 105)]
)
def test_week_number(offset: int, week: int) -> None:
    assert week_number(FIRST, FIRST + timedelta(days=offset)) == week


def test_week_number_before_the_first_day() -> None:
    assert week_number(FIRST, FIRST - timedelta(days=1)) == 0


@given(dates, st.integers(0, 2000))
def test_every_day_lies_inside_its_week(first: date, offset: int) -> None:
    on = first + timedelta(days=offset)
    week = week_number(first, on)
    assert week >= 1
    assert week_start(first, week) <= on <= week_end(first, week)
    assert (week_end(first, week) - week_start(first, week)).days == 6


def test_end_date_examples() -> None:
    assert end_date(FIRST) == date(2025, 12, 28)
    assert end_date(date(2024, 2, 29)) == date(2026, 2, 25)  # leap day start
    assert end_date(FIRST, 1) == date(2024, 1, 7)


@given(dates, end_weeks)
def test_end_date_is_the_last_day_of_the_end_week(first: date, end_week: int) -> None:
    last = end_date(first, end_week)
    assert (last - first).days == 7 * end_week - 1
    assert week_number(first, last) == end_week
    assert week_number(first, last + timedelta(days=1)) == end_week + 1


@pytest.mark.parametrize("bad", [0, -1, MAX_END_WEEK + 1])
def test_end_week_out_of_bounds(bad: int) -> None:
    with pytest.raises(ValueError):
        end_date(FIRST, bad)
    with pytest.raises(ValueError):
        clock(FIRST, FIRST, bad)


def test_runs_past_end() -> None:
    last = end_date(FIRST)
    assert runs_past_end(FIRST, 104, None, ongoing=True)
    assert not runs_past_end(FIRST, 104, None, ongoing=False)
    assert not runs_past_end(FIRST, 104, last, ongoing=False)
    assert runs_past_end(FIRST, 104, last + timedelta(days=1), ongoing=False)
    assert runs_past_end(FIRST, 60, last, ongoing=False)  # shortened clock


# --------------------------------------------------------------------------- milestones


def test_milestones_of_the_table() -> None:
    stones = milestones(FIRST, FIRST)
    assert [(m.key, m.week) for m in stones] == [
        (MilestoneKey.SICK_REPORT, 1),
        (MilestoneKey.PROBLEM_ANALYSIS, 6),
        (MilestoneKey.ACTION_PLAN, 8),
        (MilestoneKey.WEEK_42_REPORT, 42),
        (MilestoneKey.UWV_REMINDER, 46),
        (MilestoneKey.FIRST_YEAR_EVALUATION, 52),
        (MilestoneKey.SECOND_TRACK_DEADLINE, 58),
        (MilestoneKey.WIA_FORM, 87),
        (MilestoneKey.WIA_APPLICATION, 91),
        (MilestoneKey.END_OF_WAGE_PAYMENT, 104),
    ]
    by_key = {m.key: m for m in stones}
    reminder = by_key[MilestoneKey.UWV_REMINDER]
    assert (reminder.first_week, reminder.last_week) == (44, 48)
    wia = by_key[MilestoneKey.WIA_APPLICATION]
    assert wia.last_week == 93 and wia.latest_date == week_end(FIRST, 93)
    assert by_key[MilestoneKey.END_OF_WAGE_PAYMENT].date == end_date(FIRST)
    assert by_key[MilestoneKey.PROBLEM_ANALYSIS].date == date(2024, 2, 11)
    assert all(m.label_nl and m.label_en for m in stones)
    assert by_key[MilestoneKey.SICK_REPORT].label("nl") == "Ziekmelding"
    assert by_key[MilestoneKey.SICK_REPORT].label("en") == "Sickness reported"
    assert not any(m.passed for m in stones)


def test_window_milestone_passes_only_after_its_window() -> None:
    in_window = {m.key: m for m in milestones(FIRST, on_week(48, day=6))}
    assert not in_window[MilestoneKey.UWV_REMINDER].passed
    after = {m.key: m for m in milestones(FIRST, on_week(49))}
    assert after[MilestoneKey.UWV_REMINDER].passed


def test_shortened_and_extended_clocks() -> None:
    short = milestones(FIRST, FIRST, end_week=50)
    assert [m.week for m in short] == [1, 6, 8, 42, 46, 50]
    assert short[4].last_week == 48
    cut = milestones(FIRST, FIRST, end_week=92)
    assert cut[-2].key is MilestoneKey.WIA_APPLICATION and cut[-2].last_week == 92
    long = milestones(FIRST, FIRST, end_week=MAX_END_WEEK)
    assert long[-1].key is MilestoneKey.END_OF_WAGE_PAYMENT
    assert long[-1].week == 156 and long[-1].date == end_date(FIRST, 156)
    assert len(long) == 10


def test_six_weekly_evaluations() -> None:
    weeks = [m.week for m in evaluations(FIRST, FIRST)]
    assert weeks[:3] == [14, 20, 26]
    assert weeks[-1] == 98 and all(w < DEFAULT_END_WEEK for w in weeks)
    assert {m.key for m in evaluations(FIRST, FIRST)} == {MilestoneKey.EVALUATION}
    assert evaluations(FIRST, FIRST, end_week=10) == ()


@given(dates, st.integers(-30, 1200), end_weeks)
def test_milestones_are_ordered_and_consistent(first: date, offset: int, end_week: int) -> None:
    today = first + timedelta(days=offset)
    stones = milestones(first, today, end_week)
    assert [m.week for m in stones] == sorted(m.week for m in stones)
    assert stones[-1].key is MilestoneKey.END_OF_WAGE_PAYMENT
    assert all(m.week <= end_week and m.last_week <= end_week for m in stones)
    for m in stones:
        assert m.first_week <= m.week <= m.last_week
        assert m.date == week_end(first, m.week) <= m.latest_date
        assert m.passed == (today > m.latest_date)
    c = clock(first, today, end_week)
    expected = next((m for m in stones if not m.passed), None)
    assert c.next_milestone == expected


# --------------------------------------------------------------------------- clock


def test_clock_basics() -> None:
    c = clock(FIRST, on_week(10, day=3))
    assert c.current_week == 10
    assert c.weeks_left == 94
    assert c.end_date == date(2025, 12, 28)
    assert c.days_left == (c.end_date - c.today).days
    assert c.next_milestone is not None
    assert c.next_milestone.key is MilestoneKey.WEEK_42_REPORT
    assert not c.decide_second_track and not c.second_track_late and not c.past_end


@pytest.mark.parametrize(
    ("week", "decide", "late"),
    [(45, False, False), (46, True, False), (58, True, False), (59, True, True)],
)
def test_second_track_flags(week: int, decide: bool, late: bool) -> None:
    c = clock(FIRST, on_week(week, day=6))
    assert (c.decide_second_track, c.second_track_late) == (decide, late)
    started = clock(FIRST, on_week(week), second_track_start=on_week(40))
    assert not started.decide_second_track and not started.second_track_late
    assert started.second_track_start_week == 40
    assert not started.second_track_started_late


def test_second_track_started_late() -> None:
    c = clock(FIRST, on_week(70), second_track_start=on_week(60))
    assert c.second_track_started_late
    assert not c.second_track_late  # it did start


def test_clock_past_the_end() -> None:
    c = clock(FIRST, on_week(110))
    assert c.past_end and c.weeks_left == 0 and c.days_left < 0
    assert c.next_milestone is None


def test_urgency_puts_the_closest_end_first_and_ended_last() -> None:
    today = date(2025, 6, 1)
    firsts = {
        "early": date(2023, 9, 1),  # ends soon
        "late": date(2025, 1, 1),
        "ended": date(2022, 1, 1),
        "extended": date(2023, 9, 1),
    }
    clocks = {name: clock(first, today) for name, first in firsts.items()}
    clocks["extended"] = clock(firsts["extended"], today, end_week=130)
    order = sorted(clocks, key=lambda name: clocks[name].urgency)
    assert order == ["early", "extended", "late", "ended"]


@given(dates, st.integers(0, 1100), end_weeks)
def test_clock_properties(first: date, offset: int, end_week: int) -> None:
    today = first + timedelta(days=offset)
    c = clock(first, today, end_week)
    assert c.current_week == offset // 7 + 1
    assert c.weeks_left == max(0, end_week - c.current_week)
    assert c.end_date == end_date(first, end_week)
    assert c.decide_second_track == (c.current_week >= 46)
    assert c.second_track_late == (c.current_week > 58)
    assert c.past_end == (c.current_week > end_week)


# --------------------------------------------------------------------------- recorded events


def test_a_recorded_second_track_start_closes_its_milestone() -> None:
    today = on_week(56)
    waiting = clock(FIRST, today)
    assert waiting.next_milestone is not None
    assert waiting.next_milestone.key is MilestoneKey.SECOND_TRACK_DEADLINE
    started = clock(FIRST, today, second_track_start=on_week(55))
    assert started.next_milestone is not None
    assert started.next_milestone.key is MilestoneKey.WIA_FORM  # week 87, not week 58
    deadline = {m.key: m for m in started.milestones}[MilestoneKey.SECOND_TRACK_DEADLINE]
    assert deadline.done and deadline.closed and not deadline.passed
    assert [m.key for m in started.milestones if m.done] == [MilestoneKey.SECOND_TRACK_DEADLINE]


def test_a_start_planned_for_later_does_not_close_it_yet() -> None:
    c = clock(FIRST, on_week(56), second_track_start=on_week(57))
    assert c.next_milestone is not None
    assert c.next_milestone.key is MilestoneKey.SECOND_TRACK_DEADLINE
    assert not any(m.done for m in c.milestones)


def test_other_recorded_events_close_their_milestones() -> None:
    c = clock(FIRST, on_week(40), recorded={MilestoneKey.WEEK_42_REPORT: on_week(39)})
    assert c.next_milestone is not None
    assert c.next_milestone.key is MilestoneKey.UWV_REMINDER


@given(dates, st.integers(0, 1100), end_weeks, st.integers(0, 1100))
def test_next_milestone_is_the_first_neither_passed_nor_done(
    first: date, offset: int, end_week: int, start_offset: int
) -> None:
    today = first + timedelta(days=offset)
    start = first + timedelta(days=start_offset)
    c = clock(first, today, end_week, second_track_start=start)
    assert c.next_milestone == next((m for m in c.milestones if not m.closed), None)
    for m in c.milestones:
        recorded = m.key is MilestoneKey.SECOND_TRACK_DEADLINE and start <= today
        assert m.done == recorded
        assert m.passed == (today > m.latest_date)
    if start <= today and c.next_milestone is not None:
        assert c.next_milestone.key is not MilestoneKey.SECOND_TRACK_DEADLINE
