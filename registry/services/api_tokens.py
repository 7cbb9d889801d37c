"""Partner API tokens (issue 18): create, list, revoke, and authenticate a bearer token.

A token is ``tsr_<prefix>_<secret>``: the prefix finds the row, and only the SHA-256 of the
whole token is stored (the secret has 256 bits of entropy, so a plain hash is enough).
A token acts as the user who created it (their :class:`Actor`, recomputed on every
request, so a user who loses a role or is deactivated takes their tokens' rights along),
restricted to the token's scopes. Every audit event written through a token's context
names the token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.permissions import Action
from registry.models import ApiToken, User
from registry.services.context import Context
from registry.services.errors import NotFound, ValidationFailed

SCOPES: tuple[str, ...] = (
    "places:read",
    "places:write",
    "candidates:read",
    "candidates:write",
    "search",
    "placements:read",
    "placements:write",
    "reciprocity:read",
)
TOKEN_RE = re.compile(r"^tsr_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
MAX_DAYS = 366
MAX_ACTIVE = 25
NAME_MAX = 80
TOUCH_SECONDS = 60  # last use is written at most once a minute per token


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=dt.UTC)
    return value


def is_active(token: ApiToken, now: dt.datetime) -> bool:
    expires = _aware(token.expires_at)
    return token.revoked_at is None and expires is not None and expires > now


@dataclass
class TokenContext(Context):
    """A service context acting through an API token: audit events name the token."""

    token_id: int | None = None

    def audit(self, action: str, obj_type: str, obj_id: int | None, **detail: Any) -> None:
        super().audit(action, obj_type, obj_id, api_token=self.token_id, **detail)

    def audit_each(self, action: str, obj_type: str, obj_ids, **detail: Any) -> None:
        super().audit_each(action, obj_type, obj_ids, api_token=self.token_id, **detail)


def _check(ctx: Context, name: str, scopes: list[str], expires_on: object) -> dict:
    errors: dict[str, list[object]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_l("Give the token a name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_l("Use at most %(n)s characters.", n=NAME_MAX)]
    chosen = [s for s in SCOPES if s in set(scopes or ())]
    if not chosen or len(chosen) != len(set(scopes or ())):
        errors["scopes"] = [_l("Choose at least one scope from the list.")]
    today = ctx.today()
    if not isinstance(expires_on, dt.date):
        errors["expires_on"] = [_l("Enter a date.")]
    elif expires_on <= today:
        errors["expires_on"] = [_l("The expiry date must be after today.")]
    elif expires_on > today + dt.timedelta(days=MAX_DAYS):
        errors["expires_on"] = [_l("A token is valid for at most a year.")]
    if errors:
        raise ValidationFailed(errors)
    return {"name": name, "scopes": chosen}


def create_token(
    ctx: Context, name: str, scopes: list[str], expires_on: dt.date
) -> tuple[ApiToken, str]:
    """A new token for the acting user; returns it with the plain token (shown once)."""
    actor = ctx.require(Action.API_TOKEN_MANAGE)
    values = _check(ctx, name, scopes, expires_on)
    now = ctx.now()
    active = [t for t in _own(ctx) if is_active(t, now)]
    if len(active) >= MAX_ACTIVE:
        raise ValidationFailed.field(
            "name", _l("You have %(n)s active tokens: revoke one first.", n=len(active))
        )
    prefix = secrets.token_hex(6)
    raw = f"tsr_{prefix}_{secrets.token_urlsafe(32)}"
    expires = dt.datetime.combine(expires_on, dt.time(23, 59, 59), tzinfo=dt.UTC)
    with ctx.transaction():
        token = ApiToken(
            user_id=actor.user_id,
            name=values["name"],
            prefix=prefix,
            secret_hash=hash_token(raw),
            scopes=values["scopes"],
            created_at=now,
            expires_at=expires,
        )
        ctx.session.add(token)
        ctx.session.flush()
        ctx.audit("api_token.created", "api_token", token.id, scopes=values["scopes"])
    return token, raw


def _own(ctx: Context) -> list[ApiToken]:
    actor = ctx.require(Action.API_TOKEN_MANAGE)
    return list(
        ctx.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == actor.user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            .limit(200)
        )
    )


def list_tokens(ctx: Context) -> list[ApiToken]:
    """The acting user's tokens, newest first (revoked and expired ones too)."""
    return _own(ctx)


def revoke_token(ctx: Context, token_id: int) -> ApiToken:
    """Revoke one of the acting user's tokens at once (another user's token: not found)."""
    actor = ctx.require(Action.API_TOKEN_MANAGE)
    token = ctx.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None or token.user_id != actor.user_id:
        raise NotFound(_l("This token does not exist."))
    if token.revoked_at is None:
        with ctx.transaction():
            token.revoked_at = ctx.now()
            ctx.audit("api_token.revoked", "api_token", token.id)
    return token


def authenticate(
    session: Session, raw: str, now: dt.datetime, remote_addr: str | None = None
) -> ApiToken | None:
    """The active token for this bearer value (its user active), else None. Records the
    last use (at most once a minute)."""
    match = TOKEN_RE.match(raw or "")
    if match is None:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == match.group(1)))
    if token is None or not hmac.compare_digest(token.secret_hash, hash_token(raw)):
        return None
    user = session.get(User, token.user_id)
    if not is_active(token, now) or user is None or not user.active:
        return None
    last = _aware(token.last_used_at)
    if last is None or (now - last).total_seconds() >= TOUCH_SECONDS:
        token.last_used_at = now
        token.last_used_addr = (remote_addr or "")[:45] or None
        session.commit()
    return token
