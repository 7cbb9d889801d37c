"""The Poortwachter clock: sickness week numbers, milestones and second-track flags.

Week 1 starts on the first day of sickness; week n covers days 7(n-1)+1 .. 7n. A
milestone's ``date`` is the last day of its week (the day it is due by); a milestone with
a window (for example the UWV reminder in weeks 44-48) has passed only after the last
day of its window. Labels are data (Dutch and English); everything else is dates and
numbers for the web layer to render.

A recorded event closes its milestone (``done``): once the second track's start is
recorded, "latest start of the second track" is no longer the next deadline, whatever
week it is. The next milestone is the first one neither passed nor done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

__all__ = [
    "DEFAULT_END_WEEK",
    "EVALUATION_INTERVAL",
    "MAX_END_WEEK",
    "MILESTONES",
    "SECOND_TRACK_DECIDE_WEEK",
    "SECOND_TRACK_LATEST_WEEK",
    "Clock",
    "Milestone",
    "MilestoneKey",
    "MilestoneSpec",
    "clock",
    "end_date",
    "evaluations",
    "milestones",
    "runs_past_end",
    "week_end",
    "week_number",
    "week_start",
]

DEFAULT_END_WEEK = 104
MAX_END_WEEK = 104 + 52  # extended by a loonsanctie of at most 52 weeks
SECOND_TRACK_DECIDE_WEEK = 46
SECOND_TRACK_LATEST_WEEK = 58
EVALUATION_INTERVAL = 6  # weeks between evaluations of the plan van aanpak


def _check_end_week(end_week: int) -> None:
    if not 1 <= end_week <= MAX_END_WEEK:
        raise ValueError(f"end week must be 1..{MAX_END_WEEK}, not {end_week}")


def week_number(first_sick_day: date, on: date) -> int:
    """Sickness week of ``on`` (week 1 = days 1..7); 0 or less before the first day."""
    return (on - first_sick_day).days // 7 + 1


def week_start(first_sick_day: date, week: int) -> date:
    """First day of sickness week ``week``."""
    return first_sick_day + timedelta(days=7 * (week - 1))


def week_end(first_sick_day: date, week: int) -> date:
    """Last day of sickness week ``week``."""
    return first_sick_day + timedelta(days=7 * week - 1)


def end_date(first_sick_day: date, end_week: int = DEFAULT_END_WEEK) -> date:
    """Last day of wage continuation: the last day of ``end_week``."""
    _check_end_week(end_week)
    return week_end(first_sick_day, end_week)


def runs_past_end(first_sick_day: date, end_week: int, until: date | None, ongoing: bool) -> bool:
    """Whether a placement running until ``until`` (or open-ended) outlasts the clock."""
    if ongoing:
        return True
    if until is None:
        return False
    return until > end_date(first_sick_day, end_week)


class MilestoneKey(StrEnum):
    SICK_REPORT = "sick_report"  # ziekmelding
    PROBLEM_ANALYSIS = "problem_analysis"  # probleemanalyse
    ACTION_PLAN = "action_plan"  # plan van aanpak
    EVALUATION = "evaluation"  # evaluatie / bijstelling plan van aanpak
    WEEK_42_REPORT = "week_42_report"  # 42e-weeksmelding
    UWV_REMINDER = "uwv_reminder"  # herinnering UWV
    FIRST_YEAR_EVALUATION = "first_year_evaluation"  # eerstejaarsevaluatie
    SECOND_TRACK_DEADLINE = "second_track_deadline"  # uiterste start 2e spoor
    WIA_FORM = "wia_form"  # WIA-aanvraagformulier
    WIA_APPLICATION = "wia_application"  # WIA-aanvraag / re-integratieverslag
    END_OF_WAGE_PAYMENT = "end_of_wage_payment"  # einde loondoorbetaling


@dataclass(frozen=True, slots=True)
class MilestoneSpec:
    """A milestone in the table: its week and the window it may fall in."""

    key: MilestoneKey
    week: int
    label_nl: str
    label_en: str
    first_week: int
    last_week: int


def _spec(
    key: MilestoneKey, week: int, nl: str, en: str, window: tuple[int, int] | None = None
) -> MilestoneSpec:
    first, last = window or (week, week)
    return MilestoneSpec(key, week, nl, en, first, last)


MILESTONES: tuple[MilestoneSpec, ...] = (
    _spec(MilestoneKey.SICK_REPORT, 1, "Ziekmelding", "Sickness reported"),
    _spec(MilestoneKey.PROBLEM_ANALYSIS, 6, "Probleemanalyse", "Problem analysis"),
    _spec(MilestoneKey.ACTION_PLAN, 8, "Plan van aanpak", "Action plan"),
    _spec(MilestoneKey.WEEK_42_REPORT, 42, "42e-weeksmelding", "Week-42 report to UWV"),
    _spec(MilestoneKey.UWV_REMINDER, 46, "Herinnering UWV", "UWV reminder", (44, 48)),
    _spec(MilestoneKey.FIRST_YEAR_EVALUATION, 52, "Eerstejaarsevaluatie", "First-year evaluation"),
    _spec(
        MilestoneKey.SECOND_TRACK_DEADLINE,
        58,
        "Uiterste start 2e spoor",
        "Latest start of the second track",
    ),
    _spec(MilestoneKey.WIA_FORM, 87, "WIA-aanvraagformulier", "WIA application form", (87, 88)),
    _spec(
        MilestoneKey.WIA_APPLICATION,
        91,
        "WIA-aanvraag en re-integratieverslag",
        "WIA application and reintegration report",
        (91, 93),
    ),
)
"""The fixed-week milestones; the end of wage payment follows the (editable) end week."""

_END = (MilestoneKey.END_OF_WAGE_PAYMENT, "Einde loondoorbetaling", "End of wage payment")
_EVALUATION = (
    MilestoneKey.EVALUATION,
    "Evaluatie en bijstelling plan van aanpak",
    "Evaluation and update of the action plan",
)


@dataclass(frozen=True, slots=True)
class Milestone:
    """A milestone for one candidate. ``date`` is the last day of ``week``; ``passed`` is
    true once ``today`` is after ``latest_date`` (the last day of ``last_week``); ``done``
    once the event it waits for was recorded (on or before ``today``)."""

    key: MilestoneKey
    week: int
    label_nl: str
    label_en: str
    date: date
    passed: bool
    first_week: int
    last_week: int
    latest_date: date
    done: bool = False

    @property
    def closed(self) -> bool:
        """No longer ahead: its time has passed or its event was recorded."""
        return self.passed or self.done

    def label(self, locale: object = None) -> str:
        if locale is not None and str(locale).lower().startswith("en"):
            return self.label_en
        return self.label_nl


def _milestone(
    first_sick_day: date,
    today: date,
    key: MilestoneKey,
    week: int,
    nl: str,
    en: str,
    first_week: int,
    last_week: int,
    recorded: date | None = None,
) -> Milestone:
    latest = week_end(first_sick_day, last_week)
    return Milestone(
        key,
        week,
        nl,
        en,
        week_end(first_sick_day, week),
        today > latest,
        first_week,
        last_week,
        latest,
        done=recorded is not None and recorded <= today,
    )


def milestones(
    first_sick_day: date,
    today: date,
    end_week: int = DEFAULT_END_WEEK,
    recorded: Mapping[MilestoneKey, date] | None = None,
) -> tuple[Milestone, ...]:
    """The table's milestones up to ``end_week`` (later ones fall away when the clock is
    shortened), ending with the end of wage payment in ``end_week``. ``recorded`` maps a
    milestone to the day its event was recorded; from that day on it is done."""
    _check_end_week(end_week)
    recorded = recorded or {}
    out = [
        _milestone(
            first_sick_day,
            today,
            s.key,
            s.week,
            s.label_nl,
            s.label_en,
            s.first_week,
            min(s.last_week, end_week),
            recorded.get(s.key),
        )
        for s in MILESTONES
        if s.week <= end_week
    ]
    key, nl, en = _END
    out.append(_milestone(first_sick_day, today, key, end_week, nl, en, end_week, end_week))
    return tuple(out)


def evaluations(
    first_sick_day: date, today: date, end_week: int = DEFAULT_END_WEEK
) -> tuple[Milestone, ...]:
    """Six-weekly evaluations of the action plan: weeks 14, 20, ... before ``end_week``."""
    _check_end_week(end_week)
    key, nl, en = _EVALUATION
    start = 8 + EVALUATION_INTERVAL
    return tuple(
        _milestone(first_sick_day, today, key, week, nl, en, week, week)
        for week in range(start, end_week, EVALUATION_INTERVAL)
    )


@dataclass(frozen=True, slots=True)
class Clock:
    """Where a candidate's trajectory stands on ``today``."""

    today: date
    first_sick_day: date
    current_week: int
    end_week: int
    end_date: date
    weeks_left: int  # whole weeks after the current one, never negative
    days_left: int  # days until end_date (negative once past it)
    milestones: tuple[Milestone, ...]
    next_milestone: Milestone | None
    second_track_start: date | None
    second_track_start_week: int | None
    decide_second_track: bool  # week >= 46 without a second-track start
    second_track_late: bool  # week > 58 without a second-track start

    @property
    def past_end(self) -> bool:
        return self.today > self.end_date

    @property
    def second_track_started_late(self) -> bool:
        """The second track started, but after the latest start week."""
        week = self.second_track_start_week
        return week is not None and week > SECOND_TRACK_LATEST_WEEK

    @property
    def urgency(self) -> tuple[bool, int]:
        """Sort key, most urgent first: running trajectories by days left, ended ones last."""
        return (self.past_end, self.days_left)


def clock(
    first_sick_day: date,
    today: date,
    end_week: int = DEFAULT_END_WEEK,
    second_track_start: date | None = None,
    recorded: Mapping[MilestoneKey, date] | None = None,
) -> Clock:
    """Compute the Poortwachter clock of one candidate on ``today``. A recorded second-track
    start closes the "latest start of the second track" milestone; ``recorded`` closes
    others the same way."""
    _check_end_week(end_week)
    week = week_number(first_sick_day, today)
    last = end_date(first_sick_day, end_week)
    events = dict(recorded or {})
    if second_track_start is not None:
        events[MilestoneKey.SECOND_TRACK_DEADLINE] = second_track_start
    stones = milestones(first_sick_day, today, end_week, events)
    upcoming = next((m for m in stones if not m.closed), None)
    started = second_track_start is not None
    return Clock(
        today=today,
        first_sick_day=first_sick_day,
        current_week=week,
        end_week=end_week,
        end_date=last,
        weeks_left=max(0, end_week - week),
        days_left=(last - today).days,
        milestones=stones,
        next_milestone=upcoming,
        second_track_start=second_track_start,
        second_track_start_week=(
            week_number(first_sick_day, second_track_start) if started else None
        ),
        decide_second_track=not started and week >= SECOND_TRACK_DECIDE_WEEK,
        second_track_late=not started and week > SECOND_TRACK_LATEST_WEEK,
    )
