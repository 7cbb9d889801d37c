"""Answer deadlines (issue 14): a proposal unanswered past its network's deadline reminds
the host once. Run by the scheduled ``flask --app registry notifications send`` before it
delivers; kept apart from the notifications module so that services import each other in
one direction only (notifications <- answer_deadlines -> todo)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.models import Placement
from registry.services import formatting, notifications
from registry.services.context import Context
from registry.services.todo import deadline_of, overdue_clause


def remind_overdue_proposals(ctx: Context) -> list[int]:
    """Remind the host of each proposal past its network's answer deadline, once per
    proposal (``deadline_reminded_at``); returns the placements reminded. Run by the
    scheduled notifications job."""
    due = ctx.session.scalars(
        select(Placement)
        .where(overdue_clause(ctx), Placement.deadline_reminded_at.is_(None))
        .order_by(Placement.id)
    ).all()
    reminded = []
    with ctx.transaction():
        for placement in due:
            placement.deadline_reminded_at = ctx.now()
            for user in notifications.employer_users(ctx.session, placement.host_employer_id):
                notifications.notify(
                    ctx.session,
                    user,
                    notifications.Kind.ANSWER_OVERDUE,
                    _l("A proposal is waiting past the answer deadline"),
                    _l(
                        "The proposal of %(pseudonym)s for %(place)s was due on %(date)s. "
                        "Please accept or decline it.",
                        pseudonym=placement.candidate.pseudonym,
                        place=placement.place.title,
                        date=formatting.lazy_date_long(deadline_of(placement)),
                    ),
                    f"/placements/{placement.id}",
                    dedup_key=f"overdue:{placement.id}",
                )
            ctx.audit("placement.deadline_reminder", "placement", placement.id)
            reminded.append(placement.id)
    return reminded
