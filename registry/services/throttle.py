"""Sign-in delay: after a few failures per account or per address, each further attempt
has to wait longer (doubling, capped). Kept in the database so it holds across workers.

The account key is a hash of the typed e-mail address, whether or not an account exists,
so unknown and existing addresses behave the same."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from registry.models import SignInThrottle
from registry.services.context import Context

FORGET_AFTER = dt.timedelta(hours=24)  # a failure this old no longer counts


def account_key(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return f"account:{digest}"


def address_key(remote_addr: str | None) -> str:
    return f"address:{remote_addr or 'unknown'}"


def keys_for(email: str, remote_addr: str | None) -> list[str]:
    return [account_key(email), address_key(remote_addr)]


def delay_for(failures: int, free: int, base_seconds: int, max_minutes: int) -> dt.timedelta:
    """No delay for the first ``free - 1`` failures, then base, 2 x base, 4 x base ... capped."""
    if failures < free:
        return dt.timedelta(0)
    exponent = min(failures - free, 30)
    return min(dt.timedelta(seconds=base_seconds * 2**exponent), dt.timedelta(minutes=max_minutes))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=dt.UTC)
    return value


def is_delayed(ctx: Context, keys: list[str]) -> bool:
    """Whether any of the keys is still waiting out its delay."""
    now = ctx.now()
    rows = ctx.session.scalars(
        select(SignInThrottle.blocked_until).where(SignInThrottle.key.in_(keys))
    )
    return any((until := _aware(value)) is not None and until > now for value in rows)


def _free_attempts(ctx: Context, key: str) -> int:
    if key.startswith("address:"):
        return int(ctx.settings.get("SIGNIN_DELAY_AFTER_PER_ADDRESS", 20))
    return int(ctx.settings.get("SIGNIN_DELAY_AFTER", 5))


def count_failure(ctx: Context, keys: list[str]) -> None:
    """Add one failure to every key (atomically) and set its delay; part of the caller's
    transaction."""
    session = ctx.session
    now = ctx.now()
    for key in keys:
        row = session.get(SignInThrottle, key, populate_existing=True)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(SignInThrottle(key=key, failures=0, last_failure_at=now))
            except IntegrityError:  # another worker inserted it first
                pass
        else:
            last = _aware(row.last_failure_at)
            if last is not None and now - last > FORGET_AFTER:
                row.failures = 0
                session.flush()
        session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.key == key)
            .values(failures=SignInThrottle.failures + 1, last_failure_at=now)
            .execution_options(synchronize_session=False)
        )
        failures = session.scalar(select(SignInThrottle.failures).where(SignInThrottle.key == key))
        wait = delay_for(
            failures or 0,
            _free_attempts(ctx, key),
            int(ctx.settings.get("SIGNIN_DELAY_SECONDS", 2)),
            int(ctx.settings.get("SIGNIN_DELAY_MAX_MINUTES", 15)),
        )
        if wait:
            session.execute(
                update(SignInThrottle)
                .where(SignInThrottle.key == key)
                .values(blocked_until=now + wait)
                .execution_options(synchronize_session=False)
            )
    session.expire_all()


def clear(ctx: Context, key: str) -> None:
    """Forget a key's failures (after a successful sign-in or a new password)."""
    ctx.session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))
