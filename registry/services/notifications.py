"""In-app notifications, e-mailed through the outbox at once or in a daily digest.

Other services call :func:`notify` (or the helpers below) inside their own transaction, so
a notification exists exactly when the change that caused it was committed. E-mail only
ever leaves through :mod:`registry.services.mail` (outbox with retries); the scheduled
``flask --app registry notifications send`` queues reminders and digests and delivers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from registry.domain.placement import Status
from registry.models import (
    DeliveryMode,
    Network,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Placement,
    User,
    employer_contacts,
    network_coordinators,
)
from registry.models.base import utcnow
from registry.services import mail, paging
from registry.services.context import Context
from registry.services.errors import NotFound

STARTING_SOON_DAYS = 3
ENDING_SOON_DAYS = 7


class Kind:
    PROPOSAL_NEW = "proposal_new"
    PROPOSAL_ACCEPTED = "proposal_accepted"
    PROPOSAL_DECLINED = "proposal_declined"
    PLACEMENT_CHANGED = "placement_changed"
    STARTING_SOON = "starting_soon"
    ENDING_SOON = "ending_soon"
    EVALUATION_DUE = "evaluation_due"
    LISTING_CONFIRMATION_DUE = "listing_confirmation_due"  # from the places area
    PLACE_PAUSED = "place_paused"  # from the places area
    RECIPROCITY_WARNING = "reciprocity_warning"
    ANSWER_OVERDUE = "answer_overdue"  # a proposal past the network's answer deadline
    PLACE_SUBMITTED = "place_submitted"  # a place waits for the coordinator's review
    PLACE_PUBLISHED = "place_published"
    PLACE_SENT_BACK = "place_sent_back"
    DIGEST = "digest"


def preference(session: Session, user_id: int) -> DeliveryMode:
    pref = session.get(NotificationPreference, user_id)
    return pref.mode if pref else DeliveryMode.IMMEDIATE


def notify(
    session: Session,
    user: User,
    kind: str,
    subject: object,
    body: object = "",
    link: str = "",
    dedup_key: str | None = None,
) -> Notification | None:
    """Add a notification (and queue its e-mail when the user wants it at once).

    ``subject`` and ``body`` are lazy strings (English msgids), rendered in the user's
    language here.
    With ``dedup_key`` a user gets at most one notification per key.
    """
    if not user.active:
        return None
    if dedup_key is not None and session.scalar(
        select(Notification.id).where(
            Notification.user_id == user.id, Notification.dedup_key == dedup_key
        )
    ):
        return None
    with force_locale(user.language or "nl"):
        subject_t, body_t = str(subject), str(body) if body else ""
    note = Notification(
        user_id=user.id,
        kind=kind,
        subject=subject_t[:200],
        body=body_t,
        link=link,
        dedup_key=dedup_key,
        created_at=utcnow(),
    )
    if preference(session, user.id) is DeliveryMode.IMMEDIATE:
        mail.enqueue(session, user.email, subject_t[:200], _mail_body(body_t, link), kind)
        note.emailed_at = utcnow()
    session.add(note)
    return note


def notify_many(session: Session, messages: Iterable[tuple[User, str, object, object, str]]) -> int:
    """:func:`notify` for many users at once, each ``(user, kind, subject, body, link)``
    (match alerts: one published place can tell a hundred coaches): one statement reads
    the settings, one bulk insert writes the notifications and one the mails of those who
    want them at once. No dedup key. Returns the number of notifications."""
    items = [m for m in messages if m[0].active]
    if not items:
        return 0
    digest = set(
        session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.user_id.in_({m[0].id for m in items}),
                NotificationPreference.mode == DeliveryMode.DIGEST,
            )
        )
    )
    now = utcnow()
    rows, mails = [], []
    texts = {}
    for language in {m[0].language or "nl" for m in items}:
        with force_locale(language):  # once per language, not per user
            for i, (user, _kind, subject, body, _link) in enumerate(items):
                if (user.language or "nl") == language:
                    texts[i] = (str(subject)[:200], "" if body is None else str(body))
    for i, (user, kind, _subject, _body, link) in enumerate(items):
        subject_t, body_t = texts[i]
        immediate = user.id not in digest
        rows.append(
            {
                "user_id": user.id,
                "kind": kind,
                "subject": subject_t,
                "body": body_t,
                "link": link,
                "created_at": now,
                "emailed_at": now if immediate else None,
            }
        )
        if immediate:
            mails.append(
                {
                    "recipient": user.email,
                    "subject": subject_t,
                    "body": _mail_body(body_t, link),
                    "kind": kind,
                }
            )
    # Core inserts on the connection: one executemany each, without the ORM's bulk path.
    connection = session.connection()
    connection.execute(insert(Notification.__table__), rows)
    if mails:
        connection.execute(insert(OutboxMessage.__table__), mails)
    return len(rows)


def absolute_link(link: str) -> str:
    """E-mails need full addresses; in-app notifications keep the relative path."""
    from flask import current_app, has_app_context

    if not link or "://" in link or not has_app_context():
        return link
    return str(current_app.config.get("BASE_URL", "")).rstrip("/") + link


def _mail_body(body: str, link: str) -> str:
    return body + (f"\n\n{absolute_link(link)}" if link else "")


def employer_users(session: Session, employer_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(employer_contacts, employer_contacts.c.user_id == User.id)
            .where(employer_contacts.c.employer_id == employer_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def coordinator_users(session: Session, network_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(network_coordinators, network_coordinators.c.user_id == User.id)
            .where(network_coordinators.c.network_id == network_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def coach_users(session: Session, placement: Placement) -> list[User]:
    """The proposing coach, else every coach of the candidate's organisation."""
    if placement.proposed_by is not None and placement.proposed_by.active:
        return [placement.proposed_by]
    return list(
        session.scalars(
            select(User).where(
                User.coach_organisation_id == placement.coach_organisation_id,
                User.active.is_(True),
            )
        )
    )


def _link(placement: Placement) -> str:
    return f"/placements/{placement.id}"


# Which event goes to whom, with which (English msgid) subject.
_EVENTS = {
    "proposed": (Kind.PROPOSAL_NEW, ("host",), _l("New proposal for one of your places")),
    "accepted": (Kind.PROPOSAL_ACCEPTED, ("coach",), _l("Your proposal was accepted")),
    "declined": (Kind.PROPOSAL_DECLINED, ("coach",), _l("Your proposal was declined")),
    "withdrawn": (Kind.PLACEMENT_CHANGED, ("host",), _l("A proposal was withdrawn")),
    "introduced": (
        Kind.PLACEMENT_CHANGED,
        ("host",),
        _l("A candidate agreed to the introduction: you can now see the name and contact"),
    ),
    "started": (Kind.PLACEMENT_CHANGED, ("coach", "host", "home"), _l("A placement has started")),
    "cancelled": (
        Kind.PLACEMENT_CHANGED,
        ("coach", "host", "home"),
        _l("A placement was cancelled"),
    ),
    "completed": (
        Kind.PLACEMENT_CHANGED,
        ("coach", "host", "home"),
        _l("A placement was completed"),
    ),
    "ended_early": (
        Kind.PLACEMENT_CHANGED,
        ("coach", "host", "home"),
        _l("A placement ended early"),
    ),
}


def placement_event(
    session: Session, placement: Placement, event: str, actor_id: int | None = None
) -> int:
    """Notify the other parties of a placement event; returns how many were notified."""
    kind, audiences, subject = _EVENTS[event]
    users: dict[int, User] = {}
    for audience in audiences:
        if audience == "host":
            found = employer_users(session, placement.host_employer_id)
        elif audience == "home":
            found = employer_users(session, placement.home_employer_id)
        else:
            found = coach_users(session, placement)
        users.update((u.id, u) for u in found)
    count = 0
    body = _l(
        "Placement of %(pseudonym)s at %(place)s.",
        pseudonym=placement.candidate.pseudonym,
        place=placement.place.title,
    )
    for user in users.values():
        if user.id == actor_id:
            continue
        if notify(session, user, kind, subject, body, _link(placement)):
            count += 1
    return count


def reciprocity_warning(session: Session, network: Network, employer_id: int) -> int:
    """Warn the employer and the network's coordinators (once per week and employer)."""
    week = dt.date.today().isocalendar()
    key = f"reciprocity:{network.id}:{employer_id}:{week.year}-{week.week}"
    users = {u.id: u for u in employer_users(session, employer_id)}
    users.update((u.id, u) for u in coordinator_users(session, network.id))
    count = 0
    for user in users.values():
        if notify(
            session,
            user,
            Kind.RECIPROCITY_WARNING,
            _l("Reciprocity warning"),
            _l(
                "An employer in your network has placed more of its own employees than the "
                "network's policy allows without hosting others."
            ),
            f"/dashboards/networks/{network.id}",
            dedup_key=key,
        ):
            count += 1
    return count


def queue_reminders(session: Session, today: dt.date) -> int:
    """Starting soon, ending soon and evaluation due (each at most once per placement)."""
    count = 0
    soon = today + dt.timedelta(days=STARTING_SOON_DAYS)
    for p in session.scalars(
        select(Placement).where(
            Placement.status == Status.ACCEPTED,
            Placement.planned_start.is_not(None),
            Placement.planned_start <= soon,
        )
    ):
        for user in employer_users(session, p.host_employer_id) + coach_users(session, p):
            count += bool(
                notify(
                    session,
                    user,
                    Kind.STARTING_SOON,
                    _l("A placement starts soon"),
                    "",
                    _link(p),
                    f"starting:{p.id}",
                )
            )
    end_soon = today + dt.timedelta(days=ENDING_SOON_DAYS)
    for p in session.scalars(
        select(Placement).where(
            Placement.status == Status.STARTED,
            Placement.planned_end.is_not(None),
            Placement.planned_end <= end_soon,
        )
    ):
        for user in employer_users(session, p.host_employer_id) + coach_users(session, p):
            count += bool(
                notify(
                    session,
                    user,
                    Kind.ENDING_SOON,
                    _l("A placement ends soon"),
                    "",
                    _link(p),
                    f"ending:{p.id}",
                )
            )
    for p in session.scalars(
        select(Placement).where(
            Placement.status.in_((Status.COMPLETED, Status.ENDED_EARLY)),
            Placement.evaluated_at.is_(None),
        )
    ):
        for user in employer_users(session, p.host_employer_id):
            count += bool(
                notify(
                    session,
                    user,
                    Kind.EVALUATION_DUE,
                    _l("Evaluation due"),
                    _l("Please fill in the evaluation of a finished placement."),
                    f"{_link(p)}/evaluation",
                    f"evaluation:{p.id}",
                )
            )
    session.commit()
    return count


def send_digests(session: Session, now: dt.datetime | None = None) -> int:
    """One e-mail per digest user with everything not yet e-mailed (at most once a day)."""
    now = now or utcnow()
    sent = 0
    prefs = session.scalars(
        select(NotificationPreference).where(NotificationPreference.mode == DeliveryMode.DIGEST)
    ).all()
    for pref in prefs:
        last = pref.last_digest_at
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        if last is not None and now - last < dt.timedelta(hours=23):
            continue
        pending = session.scalars(
            select(Notification)
            .where(Notification.user_id == pref.user_id, Notification.emailed_at.is_(None))
            .order_by(Notification.id)
        ).all()
        user = session.get(User, pref.user_id)
        if not pending or user is None or not user.active:
            continue
        with force_locale(user.language or "nl"):
            subject = ngettext(
                "Your daily summary: %(num)s notification",
                "Your daily summary: %(num)s notifications",
                len(pending),
            )
        lines = [
            f"- {n.subject}" + (f" ({absolute_link(n.link)})" if n.link else "") for n in pending
        ]
        mail.enqueue(session, user.email, subject, "\n".join(lines), Kind.DIGEST)
        for n in pending:
            n.emailed_at = now
        pref.last_digest_at = now
        sent += 1
    session.commit()
    return sent


@dataclass(frozen=True)
class RunSummary:
    reminders: int
    digests: int
    sent: int
    failed: int


def run(session: Session, transport: mail.Transport, now: dt.datetime | None = None) -> RunSummary:
    """The scheduled job: reminders, digests, then deliver the outbox (failures retried)."""
    now = now or utcnow()
    reminders = queue_reminders(session, now.date())
    digests = send_digests(session, now)
    sent, failed = mail.deliver_pending(session, transport, now=now)
    return RunSummary(reminders, digests, sent, failed)


# --------------------------------------------------------------------------- the inbox


def inbox(ctx: Context, limit: int = 100) -> list[Notification]:
    if ctx.actor is None:
        return []
    return list(
        ctx.session.scalars(
            select(Notification)
            .where(Notification.user_id == ctx.actor_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def inbox_page(ctx: Context, page: int = 1) -> paging.Page[Notification]:
    """One page (50) of the actor's notifications, newest first (issue 17)."""
    if ctx.actor is None:
        return paging.Page([], 1, paging.PAGE_SIZE, 0)
    query = (
        select(Notification)
        .where(Notification.user_id == ctx.actor_id)
        .order_by(Notification.id.desc())
    )
    return paging.paginate(ctx.session, query, page)


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(ctx: Context, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all when ``notification_ids`` is None)."""
    if ctx.actor is None:
        raise NotFound()
    query = update(Notification).where(
        Notification.user_id == ctx.actor_id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(list(notification_ids)))
    with ctx.transaction():
        result = ctx.session.execute(query.values(read_at=ctx.now()))
    return result.rowcount or 0


def set_preference(ctx: Context, mode: DeliveryMode) -> None:
    if ctx.actor is None:
        raise NotFound()
    with ctx.transaction():
        pref = ctx.session.get(NotificationPreference, ctx.actor_id)
        if pref is None:
            pref = NotificationPreference(user_id=ctx.actor_id)
            ctx.session.add(pref)
        pref.mode = DeliveryMode(mode)
        ctx.audit("notifications.preference", "user", ctx.actor_id, mode=mode)
