"""Reciprocity ledger arithmetic: double entry, append-only, per network.

Every placement between two different employers is a transfer. The host is credited
(+) and the home employer debited (-), in two units:

- ``placements``: +1 / -1 when the placement starts (status started, completed or
  ended_early);
- ``weeks``: +w / -w placement-weeks when it ends (completed or ended_early), with
  ``w = weeks_between(started_on, ended_on)``: the real weeks between the recorded dates
  (days // 7, rounded down). A placement that ends within seven days of its start (also
  on the day it started) has 0 weeks and posts no weeks entry.

A placement whose host and home employer are the same is no transfer and posts nothing;
neither does one that never started. Entries are never edited: a correction is a
``reversal`` posting (see :func:`reverse` and :func:`reconcile`), so the ledger of any
placement can be brought back in line with its facts by appending only, and
:func:`recompute` + :func:`diff` prove the stored ledger equals what the placements say.

Sides: a ``start``/``end`` posting with a positive amount is a credit (hosted), a negative
one a debit (sent). A ``reversal`` lies on the side it reverses, so a negative reversal
reduces *hosted* and a positive one reduces *sent*. Reversals are never reversed
themselves; to undo a wrong reversal, post the original facts again.

Network policy (:func:`check_policy`): an employer's *deficit* is ``sent_placements -
hosted_placements`` in that network. With a ``soft_limit`` of N, a deficit of N or more
warns (it placed N more of its own employees than it hosted). With ``hard_limit`` on, the
same condition also blocks new proposals in which the employer is the home employer,
until it hosts more or the limit changes. Without a soft limit nothing warns or blocks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from registry.domain.placement import ENDED_STATUSES, STARTED_STATUSES, Status, weeks_between


class Unit(StrEnum):
    """What a posting counts."""

    PLACEMENTS = "placements"
    WEEKS = "weeks"


class EntryKind(StrEnum):
    """Why a posting was made."""

    START = "start"
    END = "end"
    REVERSAL = "reversal"


class LedgerError(ValueError):
    """Inconsistent input to the ledger arithmetic (a programming or data error)."""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One posting. ``entry_id`` is the stored row id, if any; ``reverses`` points at one."""

    network_id: int
    placement_id: int
    employer_id: int
    unit: Unit
    amount: int
    kind: EntryKind
    reverses: int | None = None
    entry_id: int | None = None

    def __post_init__(self) -> None:
        if self.amount == 0:
            raise LedgerError("zero amount")
        if self.reverses is not None and self.kind is not EntryKind.REVERSAL:
            raise LedgerError("only a reversal may reverse an entry")

    @property
    def key(self) -> tuple[int, int, int, Unit]:
        """(network_id, placement_id, employer_id, unit): what nets together."""
        return (self.network_id, self.placement_id, self.employer_id, self.unit)

    @property
    def is_credit_side(self) -> bool:
        """True when the posting counts on the hosted side (see module docstring)."""
        return (self.amount > 0) != (self.kind is EntryKind.REVERSAL)


@dataclass(frozen=True, slots=True)
class PlacementFacts:
    """What the ledger needs to know about one placement."""

    placement_id: int
    network_id: int
    host_employer_id: int
    home_employer_id: int
    started_on: date | None
    ended_on: date | None
    status: Status

    @property
    def is_transfer(self) -> bool:
        """False for a self-placement (host is the home employer)."""
        return self.host_employer_id != self.home_employer_id


def _pair(facts: PlacementFacts, unit: Unit, amount: int, kind: EntryKind) -> list[LedgerEntry]:
    common = (facts.network_id, facts.placement_id)
    return [
        LedgerEntry(*common, facts.host_employer_id, unit, amount, kind),
        LedgerEntry(*common, facts.home_employer_id, unit, -amount, kind),
    ]


def entries_for(placement: PlacementFacts) -> list[LedgerEntry]:
    """The postings a placement's current facts call for (host credit, then home debit)."""
    status = Status(placement.status)
    if not placement.is_transfer or status not in STARTED_STATUSES:
        return []
    if placement.started_on is None:
        raise LedgerError(f"placement {placement.placement_id}: {status} without started_on")
    entries = _pair(placement, Unit.PLACEMENTS, 1, EntryKind.START)
    if status in ENDED_STATUSES:
        if placement.ended_on is None:
            raise LedgerError(f"placement {placement.placement_id}: {status} without ended_on")
        weeks = weeks_between(placement.started_on, placement.ended_on)
        if weeks:  # ended within its first week: no placement-week to post
            entries += _pair(placement, Unit.WEEKS, weeks, EntryKind.END)
    return entries


def recompute(placements: Iterable[PlacementFacts]) -> list[LedgerEntry]:
    """The whole ledger as the placements say it should be (no reversals)."""
    return [entry for placement in placements for entry in entries_for(placement)]


def reverse(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """Reversing postings for ``entries`` (same keys, opposite amounts, kind reversal)."""
    reversed_: list[LedgerEntry] = []
    for entry in entries:
        if entry.kind is EntryKind.REVERSAL:
            raise LedgerError("a reversal is not reversed; post the original facts again")
        reversed_.append(
            LedgerEntry(
                entry.network_id,
                entry.placement_id,
                entry.employer_id,
                entry.unit,
                -entry.amount,
                EntryKind.REVERSAL,
                reverses=entry.entry_id,
            )
        )
    return reversed_


Key = tuple[int, int, int, Unit]


def net(entries: Iterable[LedgerEntry]) -> dict[Key, int]:
    """Net amount per (network, placement, employer, unit); keys netting to zero dropped."""
    totals: dict[Key, int] = defaultdict(int)
    for entry in entries:
        totals[entry.key] += entry.amount
    return {key: amount for key, amount in totals.items() if amount}


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A key on which the stored ledger and the recomputed one disagree."""

    network_id: int
    placement_id: int
    employer_id: int
    unit: Unit
    expected: int
    stored: int

    @property
    def difference(self) -> int:
        """What the stored ledger lacks (positive) or has too much of (negative)."""
        return self.expected - self.stored


def diff(expected: Iterable[LedgerEntry], stored: Iterable[LedgerEntry]) -> list[Discrepancy]:
    """Keys whose net amounts differ, sorted; empty means the ledgers agree."""
    want, have = net(expected), net(stored)
    return [
        Discrepancy(*key, expected=want.get(key, 0), stored=have.get(key, 0))
        for key in sorted(want.keys() | have.keys())
        if want.get(key, 0) != have.get(key, 0)
    ]


def reconcile(expected: Iterable[LedgerEntry], stored: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """Postings to append so that ``stored`` comes to equal ``expected``.

    Works per (network, placement): where the nets differ, every nonzero stored net is
    reversed (one reversal per key, ``reverses`` unset) and the expected postings are
    posted afresh; agreeing placements get nothing. Pass the stored entries of exactly the
    placements that ``expected`` covers (or the whole ledger against a full recompute):
    a placement present only in ``stored`` is reversed to zero.
    """
    want_by: dict[tuple[int, int], list[LedgerEntry]] = defaultdict(list)
    have_by: dict[tuple[int, int], list[LedgerEntry]] = defaultdict(list)
    for entry in expected:
        want_by[(entry.network_id, entry.placement_id)].append(entry)
    for entry in stored:
        have_by[(entry.network_id, entry.placement_id)].append(entry)
    postings: list[LedgerEntry] = []
    for group in sorted(want_by.keys() | have_by.keys()):
        want, have = want_by.get(group, []), have_by.get(group, [])
        have_net = net(have)
        if net(want) == have_net:
            continue
        postings += [
            LedgerEntry(*key, amount=-amount, kind=EntryKind.REVERSAL)
            for key, amount in sorted(have_net.items())
        ]
        postings += want
    return postings


def postings_for(placement: PlacementFacts, stored: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """Postings to append after ``placement`` changed, given the stored ledger (any scope)."""
    own = [entry for entry in stored if entry.placement_id == placement.placement_id]
    return reconcile(entries_for(placement), own)


def is_balanced(entries: Iterable[LedgerEntry]) -> bool:
    """True when amounts sum to zero per network and unit."""
    totals: dict[tuple[int, Unit], int] = defaultdict(int)
    for entry in entries:
        totals[(entry.network_id, entry.unit)] += entry.amount
    return not any(totals.values())


@dataclass(frozen=True, slots=True)
class Balance:
    """An employer's give and take in one network (all counts non-negative when sound)."""

    hosted_placements: int = 0
    sent_placements: int = 0
    hosted_weeks: int = 0
    sent_weeks: int = 0

    @property
    def balance_placements(self) -> int:
        """Hosted minus sent placements: positive gives, negative takes."""
        return self.hosted_placements - self.sent_placements

    @property
    def balance_weeks(self) -> int:
        """Hosted minus sent placement-weeks."""
        return self.hosted_weeks - self.sent_weeks


def balances(entries: Iterable[LedgerEntry]) -> dict[tuple[int, int], Balance]:
    """Balance per (network_id, employer_id) for every employer that has postings."""
    sums: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        if entry.is_credit_side:
            field, amount = f"hosted_{entry.unit}", entry.amount
        else:
            field, amount = f"sent_{entry.unit}", -entry.amount
        sums[(entry.network_id, entry.employer_id)][field] += amount
    return {key: Balance(**fields) for key, fields in sorted(sums.items())}


@dataclass(frozen=True, slots=True)
class PolicyVerdict:
    """What a network's reciprocity policy says about one employer."""

    warn: bool
    block_new_proposals: bool


def check_policy(balance: Balance, soft_limit: int | None, hard_limit: bool) -> PolicyVerdict:
    """Apply a network policy to an employer's balance (rule in the module docstring)."""
    if soft_limit is None:
        return PolicyVerdict(warn=False, block_new_proposals=False)
    if soft_limit < 1:
        raise LedgerError(f"soft_limit must be at least 1, got {soft_limit}")
    warn = balance.sent_placements - balance.hosted_placements >= soft_limit
    return PolicyVerdict(warn=warn, block_new_proposals=warn and hard_limit)
