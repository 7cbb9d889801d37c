"""The one way e-mail leaves the registry: an outbox table and a delivery run.

Services add messages to the outbox inside their own transaction, so a message exists
exactly when the change that caused it was committed. :func:`deliver_pending` sends
them (from a request in development, from ``flask --app registry mail send`` in
production) and retries failures with back-off; nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.models import OutboxMessage
from registry.models.base import utcnow

log = logging.getLogger("registry.mail")

MAX_BACKOFF_MINUTES = 60 * 6


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class LogTransport:
    """Development: print the message to the log instead of sending it."""

    def send(self, message: OutboxMessage) -> None:
        log.warning(
            "E-mail to %s\nSubject: %s\n\n%s", message.recipient, message.subject, message.body
        )


class SmtpTransport:
    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = settings

    def send(self, message: OutboxMessage) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"] = s["MAIL_SENDER"]
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        for item in message.attachments or ():  # e.g. a calendar invitation (issue 20)
            maintype, _, rest = item["content_type"].partition("/")
            subtype, _, param = rest.partition(";")
            key, _, value = param.strip().partition("=")
            mail.add_attachment(
                item["text"].encode(),
                maintype=maintype,
                subtype=subtype,
                filename=item["filename"],
                params={key: value} if key else {},
            )
        with smtplib.SMTP(s["SMTP_HOST"], s["SMTP_PORT"], timeout=30) as smtp:
            if s.get("SMTP_STARTTLS"):
                smtp.starttls()
            if s.get("SMTP_USERNAME"):
                smtp.login(s["SMTP_USERNAME"], s["SMTP_PASSWORD"] or "")
            smtp.send_message(mail)


def transport_for(settings: Mapping[str, Any]) -> Transport:
    return SmtpTransport(settings) if settings.get("MAIL_BACKEND") == "smtp" else LogTransport()


def enqueue(
    session: Session,
    recipient: str,
    subject: str,
    body: str,
    kind: str = "",
    attachments: list[dict[str, str]] | None = None,
) -> None:
    """Queue a message in the caller's transaction; ``attachments`` are text files
    (``filename``, ``content_type``, ``text``), e.g. a calendar invitation."""
    session.add(
        OutboxMessage(
            recipient=recipient, subject=subject, body=body, kind=kind, attachments=attachments
        )
    )


def deliver_pending(
    session: Session, transport: Transport, now: dt.datetime | None = None, limit: int = 200
) -> tuple[int, int]:
    """Send due messages; return (sent, failed). Each message is committed on its own."""
    now = now or utcnow()
    due = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .where(or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for message in due:
        message.attempts += 1
        try:
            transport.send(message)
        except Exception as exc:  # any transport failure is retried later
            failed += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            backoff = min(2 ** (message.attempts - 1), MAX_BACKOFF_MINUTES)
            message.next_attempt_at = now + dt.timedelta(minutes=backoff)
            log.warning("Sending outbox message %s failed: %s", message.id, exc)
        else:
            sent += 1
            message.sent_at = now
            message.last_error = None
        session.commit()
    return sent, failed
