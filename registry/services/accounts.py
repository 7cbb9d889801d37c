"""Use cases around accounts: sign in, sign-in delay, password reset, invitations, roles."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.domain.permissions import Action, Actor, Role
from registry.models import (
    CoachOrganisation,
    Employer,
    Membership,
    MembershipStatus,
    Network,
    User,
    UserRole,
)
from registry.services import mail, paging, sessions, throttle
from registry.services.context import Context
from registry.services.errors import NotFound, ServiceError, ValidationFailed

_hasher = PasswordHasher()
_dummy_hashes: dict[int, str] = {}
MIN_PASSWORD_LENGTH = 8


class InvalidCredentials(ServiceError):
    """Wrong e-mail address, password or code, or a sign-in during the delay: one answer."""

    status = 401

    def __init__(self) -> None:
        super().__init__(_l("Unknown e-mail address or wrong password."))


class InvalidToken(ServiceError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def actor_for(session: Session, user: User) -> Actor:
    """The plain facts the permission rules need about a user."""
    employer_ids = frozenset(e.id for e in user.employers)
    member_networks: frozenset[int] = frozenset()
    if employer_ids:
        member_networks = frozenset(
            session.scalars(
                select(Membership.network_id).where(
                    Membership.employer_id.in_(employer_ids),
                    Membership.status == MembershipStatus.ADMITTED,
                )
            )
        )
    return Actor(
        user_id=user.id,
        roles=user.role_set,
        coordinated_network_ids=frozenset(n.id for n in user.coordinated_networks),
        employer_ids=employer_ids,
        coach_organisation_id=user.coach_organisation_id,
        member_network_ids=member_networks,
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=dt.UTC)
    return value


def authenticate(ctx: Context, email: str, password: str) -> User:
    """Check the first step of a sign-in. Unknown, inactive and delayed accounts cost the
    same password check and get the same answer as a wrong password. A user without a
    second factor is signed in here; with one, :func:`two_factor.verify_sign_in` finishes."""
    user = find_user_by_email(ctx.session, email)
    known = user is not None and user.active and bool(user.password_hash)
    keys = throttle.keys_for(email, ctx.remote_addr)
    delayed = throttle.is_delayed(ctx, keys)
    password_hash = user.password_hash if known and not delayed else None
    correct = _safe_verify(password_hash or _dummy_hash(), password)
    if delayed or not known or not correct:
        reason = "delayed" if delayed else ("password" if known else "unknown_account")
        record_failure(ctx, keys, user if known else None, reason)
        raise InvalidCredentials()
    assert user is not None and user.password_hash
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not user.two_factor_enabled:
        complete_sign_in(ctx, user, method="password")
    else:
        with ctx.transaction():
            ctx.audit("user.login_password_ok", "user", user.id)
    return user


def record_failure(ctx: Context, keys: list[str], user: User | None, reason: str) -> None:
    """Count a failed sign-in (unless it came during the delay) and audit it."""
    with ctx.transaction():
        if reason != "delayed":
            throttle.count_failure(ctx, keys)
        ctx.audit("user.login_failed", "user", user.id if user else None, reason=reason)


def complete_sign_in(ctx: Context, user: User, method: str) -> None:
    """Every step passed: clear the account's delay, note the time, audit."""
    with ctx.transaction():
        throttle.clear(ctx, throttle.account_key(user.email))
        user.last_login_at = ctx.now()
        ctx.audit("user.login", "user", user.id, method=method)


def _dummy_hash() -> str:
    """A hash made with the current hasher's cost, so checking it takes as long as a real one."""
    key = id(_hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash("not a real password")
    return _dummy_hashes[key]


def _safe_verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- password reset and invitation links -------------------------------------------------


def _serializer(ctx: Context) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(ctx.settings["SECRET_KEY"], salt="registry.password-link")


def _fingerprint(user: User) -> str:
    """Changes whenever the password changes, which makes every link single-use."""
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:20]


def make_password_token(ctx: Context, user: User) -> str:
    return _serializer(ctx).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(ctx: Context, token: str) -> User:
    hours = int(ctx.settings.get("RESET_TOKEN_HOURS", 24))
    try:
        data = _serializer(ctx).loads(token, max_age=hours * 3600)
    except SignatureExpired as exc:
        raise InvalidToken(_l("This link has expired. Request a new one.")) from exc
    except BadSignature as exc:
        raise InvalidToken(_l("This link is not valid.")) from exc
    user = ctx.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise InvalidToken(_l("This link has already been used or is no longer valid."))
    return user


def _password_link(ctx: Context, user: User) -> str:
    base = str(ctx.settings.get("BASE_URL", "")).rstrip("/")
    return f"{base}/auth/password/{make_password_token(ctx, user)}"


def request_password_reset(ctx: Context, email: str) -> None:
    """Mail a reset link if the address belongs to an active account; say nothing otherwise."""
    user = find_user_by_email(ctx.session, email)
    if user is None or not user.active:
        return
    with ctx.transaction():
        with force_locale(user.language):
            subject = gettext("Reset your password")
            body = ngettext(
                "Hello %(name)s,\n\nUse this link to choose a new password (valid for "
                "%(num)s hour, once):\n%(link)s\n\nDid you not ask for this? "
                "Then ignore this message.",
                "Hello %(name)s,\n\nUse this link to choose a new password (valid for "
                "%(num)s hours, once):\n%(link)s\n\nDid you not ask for this? "
                "Then ignore this message.",
                int(ctx.settings.get("RESET_TOKEN_HOURS", 24)),
                name=user.display_name,
                link=_password_link(ctx, user),
            )
        mail.enqueue(ctx.session, user.email, subject, body, kind="password_reset")
        ctx.audit("user.reset_requested", "user", user.id)


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.field(
            "password", _l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
        )
    if len(password) > 256:
        raise ValidationFailed.field("password", _l("That password is too long."))


def set_password_with_token(ctx: Context, token: str, password: str) -> User:
    user = user_for_token(ctx, token)
    validate_password(password)
    with ctx.transaction():
        user.password_hash = hash_password(password)
        ended = sessions.end_all_for_user(ctx, user.id)
        throttle.clear(ctx, throttle.account_key(user.email))
        ctx.audit("user.password_set", "user", user.id, sessions_ended=ended)
    return user


def change_password(
    ctx: Context, user: User, current: str, new: str, keep_session: str | None
) -> int:
    """A signed-in user chooses a new password, proving the current one (which counts
    towards the sign-in delay). Every other session of the user ends; returns how many."""
    keys = throttle.keys_for(user.email, ctx.remote_addr)
    delayed = throttle.is_delayed(ctx, keys)
    if delayed or not _safe_verify(user.password_hash or _dummy_hash(), current):
        record_failure(ctx, keys, user, "delayed" if delayed else "password_change")
        raise ValidationFailed.field(
            "current",
            _l("This is not your current password, or you have to wait a moment first."),
        )
    validate_password(new)
    with ctx.transaction():
        user.password_hash = hash_password(new)
        ended = sessions.end_all_for_user(ctx, user.id, keep=keep_session)
        ctx.audit("user.password_changed", "user", user.id, sessions_ended=ended)
    return ended


# --- administration ------------------------------------------------------------------------


@dataclass(frozen=True)
class UserInput:
    email: str
    display_name: str
    roles: frozenset[Role]
    language: str = "nl"
    coordinated_network_ids: frozenset[int] = frozenset()
    employer_ids: frozenset[int] = frozenset()
    coach_organisation_id: int | None = None


def _check_links(ctx: Context, data: UserInput) -> dict[str, list[object]]:
    errors: dict[str, list[object]] = {}
    if Role.COORDINATOR in data.roles and not data.coordinated_network_ids:
        errors["coordinated_network_ids"] = [_l("A coordinator needs at least one network.")]
    if Role.EMPLOYER in data.roles and not data.employer_ids:
        errors["employer_ids"] = [_l("An employer contact needs at least one employer.")]
    if Role.COACH in data.roles and data.coach_organisation_id is None:
        errors["coach_organisation_id"] = [_l("A coach belongs to a coach organisation.")]
    if not data.roles:
        errors["roles"] = [_l("Choose at least one role.")]
    return errors


def _apply_links(ctx: Context, user: User, data: UserInput) -> None:
    s = ctx.session
    user.roles = [UserRole(role=r) for r in sorted(data.roles)]
    networks = _load_all(s, Network, data.coordinated_network_ids, "coordinated_network_ids")
    employers = _load_all(s, Employer, data.employer_ids, "employer_ids")
    user.coordinated_networks = networks if Role.COORDINATOR in data.roles else []
    user.employers = employers if Role.EMPLOYER in data.roles else []
    if Role.COACH in data.roles:
        if s.get(CoachOrganisation, data.coach_organisation_id) is None:
            raise ValidationFailed.field("coach_organisation_id", _l("Unknown organisation."))
        user.coach_organisation_id = data.coach_organisation_id
    else:
        user.coach_organisation_id = None


def _load_all(session: Session, model: type, ids: Iterable[int], field: str) -> list:
    ids = set(ids)
    rows = list(session.scalars(select(model).where(model.id.in_(ids)))) if ids else []
    if len(rows) != len(ids):
        raise ValidationFailed.field(field, _l("One of the chosen items does not exist."))
    return rows


def invite_user(ctx: Context, data: UserInput) -> User:
    """Create an account without a password and mail a link to set one."""
    ctx.require(Action.USER_MANAGE)
    errors = _check_links(ctx, data)
    if find_user_by_email(ctx.session, data.email):
        errors.setdefault("email", []).append(_l("An account with this e-mail already exists."))
    if errors:
        raise ValidationFailed(errors)
    with ctx.transaction():
        user = User(
            email=normalise_email(data.email),
            display_name=data.display_name.strip(),
            language=data.language,
            active=True,
        )
        ctx.session.add(user)
        _apply_links(ctx, user, data)
        ctx.session.flush()
        with force_locale(user.language):
            subject = gettext("You are invited to the placement registry")
            body = ngettext(
                "Hello %(name)s,\n\nAn account has been created for you in the second-track "
                "placement registry. Choose your password with this link (valid for %(num)s "
                "hour):\n%(link)s",
                "Hello %(name)s,\n\nAn account has been created for you in the second-track "
                "placement registry. Choose your password with this link (valid for %(num)s "
                "hours):\n%(link)s",
                int(ctx.settings.get("RESET_TOKEN_HOURS", 24)),
                name=user.display_name,
                link=_password_link(ctx, user),
            )
        mail.enqueue(ctx.session, user.email, subject, body, kind="invitation")
        ctx.audit("user.invited", "user", user.id, roles=data.roles)
    return user


def update_user(ctx: Context, user_id: int, data: UserInput, active: bool) -> User:
    ctx.require(Action.USER_MANAGE)
    user = get_user(ctx, user_id)
    errors = _check_links(ctx, data)
    other = find_user_by_email(ctx.session, data.email)
    if other is not None and other.id != user.id:
        errors.setdefault("email", []).append(_l("An account with this e-mail already exists."))
    if user.id == ctx.actor_id and (not active or Role.ADMIN not in data.roles):
        errors.setdefault("roles", []).append(
            _l("You cannot remove your own administrator role or deactivate yourself.")
        )
    if errors:
        raise ValidationFailed(errors)
    with ctx.transaction():
        user.email = normalise_email(data.email)
        user.display_name = data.display_name.strip()
        user.language = data.language
        user.active = active
        _apply_links(ctx, user, data)
        ctx.audit("user.updated", "user", user.id, roles=data.roles, active=active)
    return user


def get_user(ctx: Context, user_id: int) -> User:
    ctx.require(Action.USER_MANAGE)
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("This user does not exist."))
    return user


def list_users(ctx: Context) -> list[User]:
    ctx.require(Action.USER_MANAGE)
    return list(ctx.session.scalars(select(User).order_by(func.lower(User.display_name))))


def users_page(ctx: Context, page: int = 1) -> paging.Page[User]:
    """One page (50) of the users by name (issue 17)."""
    ctx.require(Action.USER_MANAGE)
    query = select(User).order_by(func.lower(User.display_name), User.id)
    return paging.paginate(ctx.session, query, page)


def set_language(ctx: Context, user: User, language: str) -> None:
    if language not in ctx.settings.get("LANGUAGES", ("nl", "en")):
        raise ValidationFailed.field("language", _l("Unknown language."))
    with ctx.transaction():
        user.language = language
