"""The stored reciprocity ledger: append postings, check it against a recompute, balances.

The arithmetic lives in :mod:`registry.domain.ledger`; this module only moves entries
between that arithmetic and the ``ledger_entries`` table. Postings are appended in the
transaction that changes a placement (see registry.services.placements); nothing here
ever updates or deletes a row: a correction is a reversing entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from registry.domain import ledger as rules
from registry.domain.ledger import Balance, Discrepancy, LedgerEntry, PolicyVerdict
from registry.models import LedgerEntryRecord, Network, Placement
from registry.models.base import utcnow


def facts_of(placement: Placement) -> rules.PlacementFacts:
    return rules.PlacementFacts(
        placement_id=placement.id,
        network_id=placement.network_id,
        host_employer_id=placement.host_employer_id,
        home_employer_id=placement.home_employer_id,
        started_on=placement.started_on,
        ended_on=placement.ended_on,
        status=placement.status,
    )


def _entry(row: LedgerEntryRecord) -> LedgerEntry:
    return LedgerEntry(
        network_id=row.network_id,
        placement_id=row.placement_id,
        employer_id=row.employer_id,
        unit=row.unit,
        amount=row.amount,
        kind=row.kind,
        reverses=row.reverses_id,
        entry_id=row.id,
    )


def stored_rows(
    session: Session,
    *,
    placement_id: int | None = None,
    network_id: int | None = None,
    employer_id: int | None = None,
) -> list[LedgerEntryRecord]:
    query = select(LedgerEntryRecord).order_by(LedgerEntryRecord.id)
    if placement_id is not None:
        query = query.where(LedgerEntryRecord.placement_id == placement_id)
    if network_id is not None:
        query = query.where(LedgerEntryRecord.network_id == network_id)
    if employer_id is not None:
        query = query.where(LedgerEntryRecord.employer_id == employer_id)
    return list(session.scalars(query))


def stored_entries(
    session: Session,
    *,
    placement_id: int | None = None,
    network_id: int | None = None,
    employer_id: int | None = None,
) -> list[LedgerEntry]:
    """The stored postings as domain entries, read as plain columns (no ORM objects: a
    network's ledger has tens of thousands of rows, issue 17)."""
    r = LedgerEntryRecord
    query = select(
        r.network_id, r.placement_id, r.employer_id, r.unit, r.amount, r.kind, r.reverses_id, r.id
    ).order_by(r.id)
    if placement_id is not None:
        query = query.where(r.placement_id == placement_id)
    if network_id is not None:
        query = query.where(r.network_id == network_id)
    if employer_id is not None:
        query = query.where(r.employer_id == employer_id)
    return [LedgerEntry(*row) for row in session.execute(query)]


def _append(
    session: Session, entries: Iterable[LedgerEntry], on: dt.date
) -> list[LedgerEntryRecord]:
    rows = [
        LedgerEntryRecord(
            network_id=e.network_id,
            placement_id=e.placement_id,
            employer_id=e.employer_id,
            unit=e.unit,
            amount=e.amount,
            kind=e.kind,
            reverses_id=e.reverses,
            posted_at=utcnow(),
            posted_on=on,
        )
        for e in entries
    ]
    session.add_all(rows)
    session.flush()
    return rows


def post_for(session: Session, placement: Placement, on: dt.date) -> list[LedgerEntryRecord]:
    """Append what ``placement``'s current facts call for (in the caller's transaction)."""
    stored = stored_entries(session, placement_id=placement.id)
    facts = facts_of(placement)
    expected = rules.entries_for(facts)
    have, want = rules.net(stored), rules.net(expected)
    if all(want.get(key) == amount for key, amount in have.items()):
        # The usual step (start, then end): only postings for new keys are missing, so
        # the history reads "start, end" instead of "start, reversal, start, end".
        postings = [e for e in expected if e.key not in have]
    else:
        postings = rules.postings_for(facts, stored)  # a correction: reverse and repost
    return _append(session, postings, on)


def _all_facts(session: Session) -> list[rules.PlacementFacts]:
    return [facts_of(p) for p in session.scalars(select(Placement).order_by(Placement.id))]


def check(session: Session) -> list[Discrepancy]:
    """Recompute the whole ledger from the placements; empty when the stored one agrees."""
    return rules.diff(rules.recompute(_all_facts(session)), stored_entries(session))


def repair(session: Session, on: dt.date) -> list[LedgerEntryRecord]:
    """Append reversing and fresh postings so that the stored ledger equals the recompute."""
    postings = rules.reconcile(rules.recompute(_all_facts(session)), stored_entries(session))
    rows = _append(session, postings, on)
    session.commit()
    return rows


def balances(session: Session, network_id: int | None = None) -> dict[tuple[int, int], Balance]:
    """Balance per (network_id, employer_id), summed in the database: one row per employer,
    unit and side instead of every posting (issue 17). ``rules.balances`` only adds amounts
    per side, so summing same-side postings first gives the same balances."""
    r = LedgerEntryRecord
    reversal = case((r.kind == rules.EntryKind.REVERSAL, 1), else_=0)
    positive = case((r.amount > 0, 1), else_=0)
    query = select(r.network_id, r.employer_id, r.unit, reversal, positive, func.sum(r.amount))
    if network_id is not None:
        query = query.where(r.network_id == network_id)
    query = query.group_by(r.network_id, r.employer_id, r.unit, reversal, positive)
    sums = [
        LedgerEntry(net, 0, employer, rules.Unit(unit), int(total),
                    rules.EntryKind.REVERSAL if rev else rules.EntryKind.START)
        for net, employer, unit, rev, _pos, total in session.execute(query)
        if total
    ]  # fmt: skip
    return rules.balances(sums)


def balance_of(session: Session, network_id: int, employer_id: int) -> Balance:
    entries = stored_entries(session, network_id=network_id, employer_id=employer_id)
    return rules.balances(entries).get((network_id, employer_id), Balance())


def policy_verdict(session: Session, network: Network, employer_id: int) -> PolicyVerdict:
    return rules.check_policy(
        balance_of(session, network.id, employer_id),
        network.reciprocity_soft_limit,
        bool(network.reciprocity_hard_limit),
    )


@dataclass(frozen=True)
class HistoryLine:
    """One posting of an employer with the running balance after it."""

    posted_on: dt.date
    placement_id: int
    unit: rules.Unit
    amount: int
    kind: rules.EntryKind
    balance_placements: int
    balance_weeks: int


def history(session: Session, network_id: int, employer_id: int) -> list[HistoryLine]:
    """An employer's postings in one network, oldest first, with the running balance."""
    rows = stored_rows(session, network_id=network_id, employer_id=employer_id)
    rows.sort(key=lambda r: (r.posted_on, r.id))
    lines: list[HistoryLine] = []
    totals = {rules.Unit.PLACEMENTS: 0, rules.Unit.WEEKS: 0}
    for row in rows:
        totals[row.unit] += row.amount
        lines.append(
            HistoryLine(
                row.posted_on,
                row.placement_id,
                row.unit,
                row.amount,
                row.kind,
                totals[rules.Unit.PLACEMENTS],
                totals[rules.Unit.WEEKS],
            )
        )
    return lines
