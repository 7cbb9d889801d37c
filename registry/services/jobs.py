"""Runs of the scheduled jobs, recorded for the administrator's job health (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.models import JobRun
from registry.models.base import utcnow


@dataclass
class Outcome:
    """What a job reports: ``ok`` false marks the run failed (e.g. mail not delivered)."""

    ok: bool = True
    detail: str = ""


@contextmanager
def recorded(session: Session, job: str) -> Iterator[Outcome]:
    """Record one run of ``job``: successful unless it raises or sets ``ok`` false."""
    started = utcnow()
    outcome = Outcome()
    try:
        yield outcome
    except BaseException as error:
        session.rollback()
        record(session, job, started, False, f"{type(error).__name__}: {error}")
        raise
    record(session, job, started, outcome.ok, outcome.detail)


def record(session: Session, job: str, started, ok: bool, detail: str = "") -> None:
    """Store one run (the context manager calls this; so may a job that ran another's work)."""
    session.add(
        JobRun(job=job, started_at=started, finished_at=utcnow(), ok=ok, detail=detail[:2000])
    )
    session.commit()
