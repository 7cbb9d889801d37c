"""Server-side sessions: every signed-in browser is a row that logout, a new password or
"log out everywhere" ends. The cookie only carries a random token; the row's id is its hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, scoped_session

from registry.models import User, UserSession
from registry.services.context import Context
from registry.services.errors import NotFound

TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _limits(settings: Mapping[str, Any]) -> tuple[dt.timedelta, dt.timedelta]:
    idle = dt.timedelta(minutes=int(settings.get("SESSION_IDLE_MINUTES", 30)))
    lifetime = dt.timedelta(hours=int(settings.get("SESSION_MAX_HOURS", 12)))
    return idle, lifetime


def start(ctx: Context, user: User, user_agent: str) -> str:
    """Open a session for a user who passed every sign-in step; returns the cookie token."""
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.transaction():
        ctx.session.add(
            UserSession(
                id=token_hash(token),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                user_agent=(user_agent or "")[:200],
                remote_addr=ctx.remote_addr,
            )
        )
    return token


def is_live(row: UserSession, settings: Mapping[str, Any], now: dt.datetime) -> bool:
    idle, lifetime = _limits(settings)
    return (
        row.ended_at is None
        and _aware(row.created_at) + lifetime > now
        and _aware(row.last_seen_at) + idle > now
    )


def load(
    session: Session, token: str, user_id: int, settings: Mapping[str, Any], now: dt.datetime
) -> User | None:
    """The user of a live session (one read), or None. Touches last_seen_at at most once a
    minute and ends a session that ran past its idle timeout or lifetime."""
    found = (
        session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.id == token_hash(token), UserSession.ended_at.is_(None))
            # what every request's permission checks read, in the same statement (a
            # handful of rows: roles x networks coordinated x employers represented)
            .options(
                joinedload(User.roles),
                joinedload(User.coordinated_networks),
                joinedload(User.employers),
            )
        )
        .unique()
        .first()
    )
    if found is None:
        return None
    row, user = found
    if user.id != user_id or not user.active:
        return None
    if not is_live(row, settings, now):
        session.execute(update(UserSession).where(UserSession.id == row.id).values(ended_at=now))
        session.commit()
        return None
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        session.execute(
            update(UserSession)
            .where(UserSession.id == row.id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        _commit_keeping_loaded(session)
    return user


def _commit_keeping_loaded(session: Session) -> None:
    """Commit the last-seen touch without expiring the user just loaded: the touch changed
    nothing the request reads, and an expired user would cost a reload of the user and
    their roles on this request (once a minute, so a page's statement count would
    depend on the clock)."""
    real = session() if isinstance(session, scoped_session) else session
    keep = real.expire_on_commit
    real.expire_on_commit = False
    try:
        real.commit()
    finally:
        real.expire_on_commit = keep


def end(ctx: Context, token: str) -> None:
    """Logout: end this browser's session."""
    with ctx.transaction():
        ctx.session.execute(
            update(UserSession)
            .where(UserSession.id == token_hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=ctx.now())
        )


def end_all_for_user(ctx: Context, user_id: int, keep: str | None = None) -> int:
    """End every open session of a user (except ``keep``, a session id); part of the
    caller's transaction. Returns how many ended."""
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=ctx.now())
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    return ctx.session.execute(stmt).rowcount or 0


def active_sessions(ctx: Context, user: User) -> list[UserSession]:
    """The user's open sessions, most recently used first."""
    now = ctx.now()
    rows = ctx.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    )
    return [row for row in rows if is_live(row, ctx.settings, now)]


def end_one(ctx: Context, user: User, session_id: str) -> None:
    """End one of the user's own sessions (never someone else's)."""
    with ctx.transaction():
        ended = ctx.session.execute(
            update(UserSession)
            .where(
                UserSession.id == session_id,
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
            )
            .values(ended_at=ctx.now())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not ended:
            raise NotFound(_l("This session does not exist or has already ended."))
        ctx.audit("user.session_ended", "user", user.id)


def end_others(ctx: Context, user: User, current_token: str) -> int:
    """ "Log out everywhere else": end all the user's sessions but this one."""
    with ctx.transaction():
        ended = end_all_for_user(ctx, user.id, keep=token_hash(current_token))
        ctx.audit("user.sessions_ended", "user", user.id, count=ended)
    return ended
