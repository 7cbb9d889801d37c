"""The context every use case runs in: a session, the acting user, where the request came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session, scoped_session

from registry.domain.permissions import Action, Actor, Target, require
from registry.models import AuditEvent
from registry.models.base import utcnow


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass
class Context:
    session: Session
    actor: Actor | None
    remote_addr: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    clock: Any = None  # callable returning an aware datetime; tests may freeze time
    # ``after_response(work)``: run ``work(fresh_context)`` once the response has been
    # sent, in a context of its own (the web layer provides it); None: no such moment
    # (CLI, tests of services), so the caller does that work at once
    after_response: Any = None

    def now(self) -> dt.datetime:
        return self.clock() if self.clock else utcnow()

    def today(self) -> dt.date:
        """The calendar date where the registry's users live (``REGISTRY_TIMEZONE``, default
        Europe/Amsterdam): just after midnight Dutch time it is already the next day."""
        zone = self.settings.get("REGISTRY_TIMEZONE") if self.settings else None
        now = self.now()
        return now.astimezone(_zone(zone)).date() if zone else now.date()

    @property
    def actor_id(self) -> int | None:
        return self.actor.user_id if self.actor else None

    def require(self, action: Action, target: Target | None = None) -> Actor:
        """Check a permission for the acting user; anonymous actors never pass."""
        from registry.services.errors import PermissionDenied

        if self.actor is None:
            raise PermissionDenied(action, "anonymous")
        if target is None:
            require(self.actor, action)
        else:
            require(self.actor, action, target)
        return self.actor

    def audit(self, action: str, obj_type: str, obj_id: int | None, **detail: Any) -> None:
        """Add an audit event to the current transaction."""
        self.session.add(
            AuditEvent(
                at=self.now(),
                actor_id=self.actor_id,
                action=action,
                object_type=obj_type,
                object_id=obj_id,
                remote_addr=self.remote_addr,
                detail={k: _jsonable(v) for k, v in detail.items()},
            )
        )

    def audit_each(self, action: str, obj_type: str, obj_ids: Iterable[int], **detail: Any) -> None:
        """One audit event per object (e.g. every candidate shown in a list), in bulk."""
        ids = list(obj_ids)
        if not ids:
            return
        clean = {k: _jsonable(v) for k, v in detail.items()}
        now = self.now()
        self.session.execute(
            insert(AuditEvent),
            [
                {
                    "at": now,
                    "actor_id": self.actor_id,
                    "action": action,
                    "object_type": obj_type,
                    "object_id": obj_id,
                    "remote_addr": self.remote_addr,
                    "detail": clean,
                }
                for obj_id in ids
            ],
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit once on success, roll back on any error."""
        try:
            yield self.session
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

    @contextmanager
    def read_transaction(self) -> Iterator[Session]:
        """Like :meth:`transaction`, for a page that only reads and writes its audit rows:
        the commit keeps what the page loaded instead of expiring it, so the template
        reads it without one reload per row (issue 17). Nothing loaded changed in this
        transaction (it wrote only audit rows); writes keep using :meth:`transaction`."""
        real = self.session() if isinstance(self.session, scoped_session) else self.session
        keep = real.expire_on_commit
        real.expire_on_commit = False
        try:
            with self.transaction() as session:
                yield session
        finally:
            real.expire_on_commit = keep


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value"):
        return value.value
    return value
