"""Two-factor sign-in with TOTP (an authenticator app) and single-use recovery codes."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from registry.domain.permissions import Action
from registry.models import RecoveryCode, User
from registry.services import accounts, sessions, throttle
from registry.services.context import Context
from registry.services.errors import ValidationFailed

RECOVERY_CODES = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def required_for(user: User, settings: Mapping[str, Any]) -> bool:
    """Whether one of the user's roles must use a second factor (TWO_FACTOR_REQUIRED_ROLES)."""
    required = settings.get("TWO_FACTOR_REQUIRED_ROLES") or frozenset()
    return any(role.value in required for role in user.role_set)


def pending_secret(ctx: Context, user: User) -> str:
    """The key being enrolled: made once, kept on the server (never in the cookie) until
    the first code confirms it."""
    if user.totp_pending_secret is None:
        with ctx.transaction():
            user.totp_pending_secret = pyotp.random_base32()
    assert user.totp_pending_secret is not None
    return user.totp_pending_secret


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The QR code as inline SVG, drawn on the server (no outside service sees the secret)."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=title, svgclass="qr-code"
    )


def _matching_step(secret: str, code: str, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step (now, or one step either side) whose code matches, if not used before."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _new_recovery_codes(ctx: Context, user: User) -> list[str]:
    ctx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)
    ]
    for code in codes:
        ctx.session.add(RecoveryCode(user_id=user.id, code_hash=accounts.hash_password(code)))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def confirm_enrolment(ctx: Context, user: User, code: str) -> list[str]:
    """Switch two-factor sign-in on once the app's first code matches; returns the ten
    recovery codes (shown once, stored hashed)."""
    secret = pending_secret(ctx, user)
    code = _clean(code)
    step = _matching_step(secret, code, ctx.now(), None) if code.isdigit() else None
    if step is None:
        raise ValidationFailed.field(
            "code", _l("This code is not right. Check the time on your phone and try again.")
        )
    with ctx.transaction():
        user.totp_secret = secret
        user.totp_pending_secret = None
        user.totp_enabled_at = ctx.now()
        user.totp_last_step = step
        codes = _new_recovery_codes(ctx, user)
        ctx.audit("user.two_factor_enabled", "user", user.id)
    return codes


def _use_totp(ctx: Context, user: User, code: str) -> bool:
    step = _matching_step(user.totp_secret or "", code, ctx.now(), user.totp_last_step)
    if step is None:
        return False
    claimed = ctx.session.execute(  # atomic: two requests with the same code, one wins
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(claimed)


def _use_recovery_code(ctx: Context, user: User, code: str) -> bool:
    rows = ctx.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in rows:
        if accounts._safe_verify(row.code_hash, code):
            claimed = ctx.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=ctx.now())
                .execution_options(synchronize_session=False)
            ).rowcount
            return bool(claimed)
    return False


def verify_sign_in(ctx: Context, user_id: int, code: str) -> User:
    """The second step of a sign-in: a code from the app or an unused recovery code. Wrong
    codes count towards the same sign-in delay as wrong passwords."""
    user = ctx.session.get(User, user_id)
    if user is None or not user.active or not user.two_factor_enabled:
        raise accounts.InvalidCredentials()
    keys = throttle.keys_for(user.email, ctx.remote_addr)
    if throttle.is_delayed(ctx, keys):
        accounts.record_failure(ctx, keys, user, "delayed")
        raise accounts.InvalidCredentials()
    code = _clean(code)
    method = "totp" if code.isdigit() and len(code) == 6 else "recovery_code"
    used = _use_totp(ctx, user, code) if method == "totp" else _use_recovery_code(ctx, user, code)
    if not used:
        ctx.session.rollback()
        accounts.record_failure(ctx, keys, user, "second_factor")
        raise accounts.InvalidCredentials()
    accounts.complete_sign_in(ctx, user, method=method)
    return user


def replace_recovery_codes(ctx: Context, user: User, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), after a code from the app."""
    code = _clean(code)
    if not (code.isdigit() and _use_totp(ctx, user, code)):
        ctx.session.rollback()
        raise ValidationFailed.field(
            "code", _l("This code is not right. Check the time on your phone and try again.")
        )
    with ctx.transaction():
        codes = _new_recovery_codes(ctx, user)
        ctx.audit("user.recovery_codes_replaced", "user", user.id)
    return codes


def unused_recovery_codes(ctx: Context, user: User) -> int:
    return len(
        ctx.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def reset(ctx: Context, user_id: int) -> User:
    """An administrator switches a user's second factor off (lost phone): the user enrols
    again at the next sign-in if their role requires it. Ends the user's sessions."""
    ctx.require(Action.USER_MANAGE)
    user = accounts.get_user(ctx, user_id)
    with ctx.transaction():
        user.totp_secret = None
        user.totp_pending_secret = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        ctx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        ended = sessions.end_all_for_user(ctx, user.id)
        ctx.audit("user.two_factor_reset", "user", user.id, sessions_ended=ended)
    return user
