"""Runs of the scheduled jobs (mail, sweeps, notifications), for the administrator's home."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, utcnow


class JobRun(Base):
    """One run of a scheduled job: when it started and finished, and whether it worked."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_finished", "job", "ok", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    ok: Mapped[bool] = mapped_column(default=False)
    detail: Mapped[str] = mapped_column(Text, default="")
