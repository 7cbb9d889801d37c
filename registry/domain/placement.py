"""The placement lifecycle as a pure state machine.

``proposed -> accepted | declined | withdrawn``, ``accepted -> started | cancelled``,
``started -> completed | ended_early``. Declined, withdrawn, cancelled, completed and
ended_early are terminal. Nothing here touches a database or renders text: callers get
enum codes and typed errors, and the web layer turns those into labels and messages.

Who may do what (a caller holding several roles passes all of them; one suffices):

=========================  =========================================  ====================
transition                 parties                                    details
=========================  =========================================  ====================
proposed -> accepted       host                                       --
proposed -> declined       host                                       DeclineReason, req.
proposed -> withdrawn      coach, home, coordinator                   DeclineReason, opt.
accepted -> started        coach, host                                --
accepted -> cancelled      coach, host, home, coordinator             DeclineReason, opt.
started  -> completed      coach, host                                Outcome, required
started  -> ended_early    coach, host, home                          EndReason, required
=========================  =========================================  ====================

Decisions beyond the bare lifecycle:

- Only the host answers a proposal: nobody accepts or declines on the host's behalf.
- The network coordinator may withdraw a proposal or cancel a placement that has not
  started (e.g. a coach left, a place was withdrawn from the network), but does not
  start, complete or end a running placement: those are facts reported by the parties.
- The home employer may pull its own employee out (withdraw, cancel, end early), for
  example when work was found in the first track; it never answers for the host.
- The administrator runs the installation and has no part in a placement's lifecycle.
- Between accepted and started comes the introduction (*kennismakingsgesprek*): the coach
  records the candidate's consent to be introduced by name to the host. Starting is refused
  until that consent exists (:func:`require_introduction`); it is a fact on the accepted
  placement, not a status of its own, so slots and ledger are untouched by it.
- Dates must be able to be true (:func:`check_intended_start`, :func:`check_recorded_date`):
  an intended start is not in the past; a recorded start, end or outcome date is not in
  the future and not before the step that precedes it (the start not before the
  acceptance, the end not before the start).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType


class Status(StrEnum):
    """Lifecycle state of a placement."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    STARTED = "started"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"


TERMINAL: frozenset[Status] = frozenset(
    {Status.DECLINED, Status.WITHDRAWN, Status.CANCELLED, Status.COMPLETED, Status.ENDED_EARLY}
)
SLOT_HOLDING: frozenset[Status] = frozenset({Status.ACCEPTED, Status.STARTED})
STARTED_STATUSES: frozenset[Status] = frozenset(
    {Status.STARTED, Status.COMPLETED, Status.ENDED_EARLY}
)
ENDED_STATUSES: frozenset[Status] = frozenset({Status.COMPLETED, Status.ENDED_EARLY})


class Outcome(StrEnum):
    """What followed a completed placement."""

    HIRED = "hired"  # contract with the host employer
    SECONDMENT_CONTINUED = "secondment_continued"
    RETURNED_HOME = "returned_home"
    NO_FOLLOW_UP = "no_follow_up"


class DeclineReason(StrEnum):
    """Why a proposal or a not yet started placement did not go ahead."""

    NO_CAPACITY = "no_capacity"
    NOT_SUITABLE = "not_suitable"
    WORKLOAD_MISMATCH = "workload_mismatch"
    TIMING = "timing"
    CANDIDATE_UNAVAILABLE = "candidate_unavailable"
    OTHER = "other"


class EndReason(StrEnum):
    """Why a running placement ended early."""

    WORKLOAD_TOO_HIGH = "workload_too_high"
    NOT_SUITABLE = "not_suitable"
    CANDIDATE_REQUEST = "candidate_request"
    HOST_REQUEST = "host_request"
    HOME_REQUEST = "home_request"
    OTHER = "other"


Reason = DeclineReason | EndReason


class Party(StrEnum):
    """The role in which someone acts on a placement."""

    COACH = "coach"  # the candidate's coach organisation
    HOST = "host"  # host employer contact
    HOME = "home"  # home employer contact
    COORDINATOR = "coordinator"  # coordinator of a network the place is offered in
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Transition:
    """One edge of the lifecycle: who may take it and what it must carry."""

    source: Status
    target: Status
    parties: frozenset[Party]
    reason_type: type[DeclineReason] | type[EndReason] | None = None
    reason_required: bool = False
    outcome_required: bool = False


def _edge(
    source: Status,
    target: Status,
    parties: set[Party],
    reason_type: type[DeclineReason] | type[EndReason] | None = None,
    *,
    reason_required: bool = False,
    outcome_required: bool = False,
) -> Transition:
    return Transition(
        source, target, frozenset(parties), reason_type, reason_required, outcome_required
    )


_COACH, _HOST, _HOME, _COORD = Party.COACH, Party.HOST, Party.HOME, Party.COORDINATOR
_EDGES = (
    _edge(Status.PROPOSED, Status.ACCEPTED, {_HOST}),
    _edge(Status.PROPOSED, Status.DECLINED, {_HOST}, DeclineReason, reason_required=True),
    _edge(Status.PROPOSED, Status.WITHDRAWN, {_COACH, _HOME, _COORD}, DeclineReason),
    _edge(Status.ACCEPTED, Status.STARTED, {_COACH, _HOST}),
    _edge(Status.ACCEPTED, Status.CANCELLED, {_COACH, _HOST, _HOME, _COORD}, DeclineReason),
    _edge(Status.STARTED, Status.COMPLETED, {_COACH, _HOST}, outcome_required=True),
    _edge(
        Status.STARTED, Status.ENDED_EARLY, {_COACH, _HOST, _HOME}, EndReason, reason_required=True
    ),
)
TRANSITIONS: Mapping[tuple[Status, Status], Transition] = MappingProxyType(
    {(edge.source, edge.target): edge for edge in _EDGES}
)


class TransitionError(Exception):
    """Base of all lifecycle errors; ``code`` is a stable key for the web layer."""

    code = "transition_error"

    def __init__(self, current: Status, target: Status, detail: str = "") -> None:
        self.current = current
        self.target = target
        self.detail = detail
        super().__init__(f"{self.code}: {current} -> {target}" + (f" ({detail})" if detail else ""))


class TransitionNotAllowed(TransitionError):
    """The lifecycle has no such edge (including any move out of a terminal state)."""

    code = "transition_not_allowed"


class PartyNotAllowed(TransitionError):
    """The edge exists but none of the acting parties may take it."""

    code = "party_not_allowed"

    def __init__(self, current: Status, target: Status, parties: frozenset[Party]) -> None:
        self.parties = parties
        super().__init__(current, target, ",".join(sorted(parties)) or "-")


class ReasonRequired(TransitionError):
    """A reason is missing or is not a valid reason code for this edge."""

    code = "reason_required"


class OutcomeRequired(TransitionError):
    """Completing needs a valid outcome code."""

    code = "outcome_required"


class DetailNotExpected(TransitionError):
    """A reason or outcome was given to an edge that does not take one."""

    code = "detail_not_expected"


class IntroductionRequired(TransitionError):
    """Starting needs the candidate's consent to the introduction to the host."""

    code = "introduction_required"


def may_introduce(current: Status) -> bool:
    """The introduction is recorded between accepted and started."""
    return Status(current) is Status.ACCEPTED


def require_introduction(current: Status, target: Status, *, introduced: bool) -> None:
    """Raise IntroductionRequired when the move is a start and nobody was introduced yet."""
    if Status(target) is Status.STARTED and not introduced:
        raise IntroductionRequired(Status(current), Status(target))


class DateProblem(StrEnum):
    """Why a date cannot be true; the web layer words it per field."""

    IN_THE_PAST = "in_the_past"
    IN_THE_FUTURE = "in_the_future"
    BEFORE_PREVIOUS_STEP = "before_previous_step"


def check_intended_start(day: date | None, today: date) -> DateProblem | None:
    """A proposal's intended start may be today or later (or left open)."""
    if day is not None and day < today:
        return DateProblem.IN_THE_PAST
    return None


def check_recorded_date(day: date, today: date, previous: date | None) -> DateProblem | None:
    """A recorded start, end or outcome date: not after ``today`` and not before the date
    of the step that precedes it (``previous``; None when unknown)."""
    if day > today:
        return DateProblem.IN_THE_FUTURE
    if previous is not None and day < previous:
        return DateProblem.BEFORE_PREVIOUS_STEP
    return None


def _parties(party: Party | Iterable[Party]) -> frozenset[Party]:
    if isinstance(party, str):
        return frozenset({Party(party)})
    return frozenset(Party(p) for p in party)


def get_transition(current: Status, target: Status) -> Transition:
    """The edge ``current -> target``; raises TransitionNotAllowed when there is none."""
    current, target = Status(current), Status(target)
    try:
        return TRANSITIONS[(current, target)]
    except KeyError:
        raise TransitionNotAllowed(current, target) from None


def _checked_reason(edge: Transition, reason: Reason | str | None) -> Reason | None:
    if edge.reason_type is None:
        if reason is not None:
            raise DetailNotExpected(edge.source, edge.target, "reason")
        return None
    if reason is None:
        if edge.reason_required:
            raise ReasonRequired(edge.source, edge.target)
        return None
    if isinstance(reason, StrEnum) and not isinstance(reason, edge.reason_type):
        raise ReasonRequired(edge.source, edge.target, str(reason))
    try:
        return edge.reason_type(reason)
    except ValueError:
        raise ReasonRequired(edge.source, edge.target, str(reason)) from None


def _checked_outcome(edge: Transition, outcome: Outcome | str | None) -> Outcome | None:
    if not edge.outcome_required:
        if outcome is not None:
            raise DetailNotExpected(edge.source, edge.target, "outcome")
        return None
    try:
        return Outcome(outcome)  # type: ignore[arg-type]
    except ValueError:
        raise OutcomeRequired(edge.source, edge.target, str(outcome)) from None


def transition(
    current: Status,
    target: Status,
    party: Party | Iterable[Party],
    *,
    reason: Reason | str | None = None,
    outcome: Outcome | str | None = None,
) -> Status:
    """Check the move ``current -> target`` by ``party`` and return the new status.

    Checks run in this order: edge exists, party allowed, reason, outcome. Reasons and
    outcomes may be passed as enum members or their string codes.
    """
    edge = get_transition(current, target)
    parties = _parties(party)
    if not parties & edge.parties:
        raise PartyNotAllowed(edge.source, edge.target, parties)
    _checked_reason(edge, reason)
    _checked_outcome(edge, outcome)
    return edge.target


def allowed_targets(current: Status, parties: Party | Iterable[Party]) -> list[Status]:
    """Statuses the parties may move ``current`` to, in declaration order (for buttons)."""
    current, acting = Status(current), _parties(parties)
    return [
        target
        for target in Status
        if (edge := TRANSITIONS.get((current, target))) is not None and acting & edge.parties
    ]


def is_terminal(status: Status) -> bool:
    """True when no transition leaves ``status``."""
    return Status(status) in TERMINAL


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One stored step of a placement's history: who moved it where, and when."""

    from_status: Status
    to_status: Status
    actor_id: int | None
    at: datetime
    reason: Reason | None = None
    outcome: Outcome | None = None


def record_transition(
    current: Status,
    target: Status,
    party: Party | Iterable[Party],
    *,
    actor_id: int | None,
    at: datetime,
    reason: Reason | str | None = None,
    outcome: Outcome | str | None = None,
) -> TransitionRecord:
    """Validate like :func:`transition` and return the record to store."""
    transition(current, target, party, reason=reason, outcome=outcome)
    edge = TRANSITIONS[(Status(current), Status(target))]
    return TransitionRecord(
        from_status=edge.source,
        to_status=edge.target,
        actor_id=actor_id,
        at=at,
        reason=_checked_reason(edge, reason),
        outcome=_checked_outcome(edge, outcome),
    )


def occupies_slot(status: Status) -> bool:
    """True while a placement holds one of its place's slots (accepted or started)."""
    return Status(status) in SLOT_HOLDING


def weeks_between(start: date, end: date) -> int:
    """Whole placement-weeks from the recorded ``start`` to the recorded ``end``.

    ``(end - start).days // 7``: the real weeks worked, rounded down. A placement that
    ends on the day it started, or within six days, counts 0 weeks; seven days count one.
    Raises ValueError when ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError(f"end {end} before start {start}")
    return (end - start).days // 7


def certificate_weeks(status: Status, started_on: date | None, ended_on: date | None) -> int:
    """Weeks a certificate of experience states; 0 means no certificate (yet).

    A certificate is for work done: only a completed or early-ended placement with both
    dates recorded gets one, for the real weeks between them; one that ended within its
    first week (0 weeks) gets none.
    """
    if Status(status) not in ENDED_STATUSES or started_on is None or ended_on is None:
        return 0
    if ended_on < started_on:
        return 0
    return weeks_between(started_on, ended_on)
