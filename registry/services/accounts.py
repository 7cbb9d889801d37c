"""Use cases around accounts: log in, lock-out, password reset, invitations, roles."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
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
from registry.services import mail
from registry.services.context import Context
from registry.services.errors import NotFound, ServiceError, ValidationFailed

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 8


class InvalidCredentials(ServiceError):
    status = 401


class AccountLocked(ServiceError):
    status = 429

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(_l("This account is temporarily locked after too many failed attempts."))
        self.until = until


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
    """Check a login. Failed attempts are counted in the database (atomically), so the
    lock-out holds across workers and app instances."""
    session = ctx.session
    now = ctx.now()
    user = find_user_by_email(session, email)
    if user is None or not user.active or not user.password_hash:
        _safe_verify(_DUMMY_HASH, password)  # same cost as a real check
        raise InvalidCredentials(_l("Unknown e-mail address or wrong password."))
    locked_until = _aware(user.locked_until)
    if locked_until and locked_until > now:
        raise AccountLocked(locked_until)
    if not _safe_verify(user.password_hash, password):
        _count_failure(ctx, user)
        raise InvalidCredentials(_l("Unknown e-mail address or wrong password."))
    with ctx.transaction():
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        ctx.audit("user.login", "user", user.id)
    return user


def _safe_verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(ctx: Context, user: User) -> None:
    session = ctx.session
    threshold = int(ctx.settings.get("LOCKOUT_THRESHOLD", 10))
    minutes = int(ctx.settings.get("LOCKOUT_MINUTES", 15))
    with ctx.transaction():
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        failures = session.scalar(select(User.failed_logins).where(User.id == user.id)) or 0
        if failures >= threshold:
            session.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_logins=0, locked_until=ctx.now() + dt.timedelta(minutes=minutes))
                .execution_options(synchronize_session=False)
            )
            ctx.audit("user.locked", "user", user.id, failures=failures)
        else:
            ctx.audit("user.login_failed", "user", user.id)
    session.expire(user)


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
            body = gettext(
                "Hello %(name)s,\n\nUse this link to choose a new password (valid for "
                "%(hours)s hours, once):\n%(link)s\n\nDid you not ask for this? "
                "Then ignore this message.",
                name=user.display_name,
                hours=ctx.settings.get("RESET_TOKEN_HOURS", 24),
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
        user.failed_logins = 0
        user.locked_until = None
        ctx.audit("user.password_set", "user", user.id)
    return user


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
            body = gettext(
                "Hello %(name)s,\n\nAn account has been created for you in the second-track "
                "placement registry. Choose your password with this link (valid for %(hours)s "
                "hours):\n%(link)s",
                name=user.display_name,
                hours=ctx.settings.get("RESET_TOKEN_HOURS", 24),
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


def set_language(ctx: Context, user: User, language: str) -> None:
    if language not in ctx.settings.get("LANGUAGES", ("nl", "en")):
        raise ValidationFailed.field("language", _l("Unknown language."))
    with ctx.transaction():
        user.language = language
