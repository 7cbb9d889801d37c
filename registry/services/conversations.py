"""The conversation on a proposal or placement (issue 20): coach and host write, the
network's coordinator reads along and writes once invited.

Every message passes the free-text guard (no candidate name, no medical terms: it leaves
the coach's organisation), notifies the other side (inbox, and e-mail per each user's
setting; the mail says *that* there is a message, never its text), is audited without its
text, and can be edited or withdrawn by its author for five minutes only. Erasing the
trajectory blanks every text (services/trajectory_erasure.py); the rows stay, so counts
do not change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.domain.conversation import MAX_MESSAGE, within_grace
from registry.domain.permissions import Action, ConversationFacts, can
from registry.domain.placement import Party
from registry.models import Placement, PlacementMessage, TrajectoryStatus, User
from registry.services import free_text as shared_text
from registry.services import notifications, paging
from registry.services import placements as placement_service
from registry.services.context import Context
from registry.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

MESSAGE_KIND = "placement_message"


def talk_facts(placement: Placement) -> ConversationFacts:
    """The facts the conversation, calendar and attachment rules decide on."""
    return ConversationFacts(
        placement=placement_service.facts_of(placement),
        introduced=placement_service.introduced(placement),
        coordinator_invited=placement.coordinator_invited_at is not None,
    )


def may(ctx: Context, action: Action, placement: Placement) -> bool:
    return ctx.actor is not None and can(ctx.actor, action, talk_facts(placement))


def _erased(placement: Placement) -> bool:
    candidate = placement.candidate
    return candidate.status is TrajectoryStatus.ERASED or candidate.given_name is None


@dataclass(frozen=True)
class Conversation:
    """What the placement page shows of the conversation."""

    page: paging.Page[PlacementMessage]
    may_post: bool
    may_invite: bool
    coordinator_invited: bool
    actor_id: int | None
    closed: bool = False  # the candidate's data was erased

    @property
    def messages(self) -> list[PlacementMessage]:
        """The page's messages, oldest first (pages run from the newest back)."""
        return list(reversed(self.page.items))

    def may_change(self, message: PlacementMessage, now: dt.datetime) -> bool:
        return (
            message.author_id == self.actor_id
            and message.deleted_at is None
            and message.erased_at is None
            and within_grace(message.created_at, now)
        )


def conversation(ctx: Context, placement: Placement, page: int = 1) -> Conversation | None:
    """The conversation as the actor may see it (None: not theirs to read). A fixed number
    of statements for any number of messages: one count, one page, its authors."""
    facts = talk_facts(placement)
    if ctx.actor is None or not can(ctx.actor, Action.CONVERSATION_VIEW, facts):
        return None
    query = (
        select(PlacementMessage)
        .where(PlacementMessage.placement_id == placement.id)
        .options(selectinload(PlacementMessage.author))
        .order_by(PlacementMessage.id.desc())
    )
    found = paging.paginate(ctx.session, query, page)
    return Conversation(
        page=found,
        may_post=can(ctx.actor, Action.CONVERSATION_POST, facts) and not _erased(placement),
        may_invite=can(ctx.actor, Action.CONVERSATION_INVITE, facts)
        and placement.coordinator_invited_at is None,
        coordinator_invited=facts.coordinator_invited,
        actor_id=ctx.actor_id,
        closed=_erased(placement),
    )


def _checked_text(placement: Placement, text: str | None) -> str:
    errors: dict[str, list[object]] = {}
    value = shared_text.check_text(
        errors, "body", text, shared_text.candidate_names(placement.candidate)
    )
    if not value:
        errors.setdefault("body", []).append(_l("Write a message."))
    elif len(value) > MAX_MESSAGE:
        errors.setdefault("body", []).append(_l("At most 2000 characters."))
    if errors:
        raise ValidationFailed(errors)
    return value


def _author_party(parties: frozenset[Party]) -> Party:
    for party in (Party.COACH, Party.HOST, Party.COORDINATOR):
        if party in parties:
            return party
    raise PermissionDenied(Action.CONVERSATION_POST)


def _load_for_post(ctx: Context, placement_id: int) -> Placement:
    placement = placement_service.get_placement(ctx, placement_id)
    ctx.require(Action.CONVERSATION_POST, talk_facts(placement))
    if _erased(placement):
        raise Conflict(_l("This candidate's data was erased; the conversation is closed."))
    return placement


def post_message(ctx: Context, placement_id: int, text: str | None) -> PlacementMessage:
    """Add a message and tell the other side."""
    placement = _load_for_post(ctx, placement_id)
    body = _checked_text(placement, text)
    party = _author_party(placement_service.parties(ctx, placement))
    with ctx.transaction():
        message = PlacementMessage(
            placement_id=placement.id,
            author_id=ctx.actor_id,
            author_party=party,
            body=body,
            created_at=ctx.now(),
        )
        ctx.session.add(message)
        ctx.session.flush()
        ctx.audit(
            "placement.message_posted",
            "placement",
            placement.id,
            message_id=message.id,
            party=party,
            length=len(body),
        )
        _notify(ctx, placement, party)
    return message


def recipients(ctx: Context, placement: Placement, author_party: Party) -> list[User]:
    """The other side: the coach side, the host's contacts and (once invited) the
    network's coordinators, without the author's own side."""
    session = ctx.session
    sides: dict[Party, list[User]] = {
        Party.COACH: notifications.coach_users(session, placement),
        Party.HOST: notifications.employer_users(session, placement.host_employer_id),
    }
    if placement.coordinator_invited_at is not None:
        sides[Party.COORDINATOR] = notifications.coordinator_users(session, placement.network_id)
    users: dict[int, User] = {}
    for party, found in sides.items():
        if party is not author_party:
            users.update((u.id, u) for u in found if u.id != ctx.actor_id)
    return list(users.values())


def _notify(ctx: Context, placement: Placement, author_party: Party) -> int:
    subject = _l(
        "New message about %(pseudonym)s at %(place)s",
        pseudonym=placement.candidate.pseudonym,
        place=placement.place.title,
    )
    body = _l("Read and answer it on the placement's page.")
    link = f"/placements/{placement.id}#conversation"
    sent = 0
    for user in recipients(ctx, placement, author_party):
        sent += bool(notifications.notify(ctx.session, user, MESSAGE_KIND, subject, body, link))
    return sent


def _own_message(ctx: Context, placement_id: int, message_id: int) -> PlacementMessage:
    placement = _load_for_post(ctx, placement_id)
    message = ctx.session.get(PlacementMessage, message_id)
    if message is None or message.placement_id != placement.id:
        raise NotFound(_l("This message does not exist."))
    if message.author_id != ctx.actor_id or message.deleted_at is not None:
        raise PermissionDenied(Action.CONVERSATION_POST, "not the author")
    if not within_grace(message.created_at, ctx.now()):
        raise Conflict(
            _l("A message can be changed for five minutes only; it is now part of the history.")
        )
    return message


def edit_message(
    ctx: Context, placement_id: int, message_id: int, text: str | None
) -> PlacementMessage:
    """The author corrects a message within the grace period (checked like a new one)."""
    message = _own_message(ctx, placement_id, message_id)
    body = _checked_text(ctx.session.get(Placement, placement_id), text)
    with ctx.transaction():
        message.body = body
        message.edited_at = ctx.now()
        ctx.audit("placement.message_edited", "placement", placement_id, message_id=message.id)
    return message


def withdraw_message(ctx: Context, placement_id: int, message_id: int) -> PlacementMessage:
    """The author withdraws a message within the grace period: the text goes, the fact
    that a message was withdrawn stays."""
    message = _own_message(ctx, placement_id, message_id)
    with ctx.transaction():
        message.body = ""
        message.deleted_at = ctx.now()
        ctx.audit("placement.message_withdrawn", "placement", placement_id, message_id=message.id)
    return message


def invite_coordinator(ctx: Context, placement_id: int) -> Placement:
    """Coach or host lets the network's coordinators write in the conversation."""
    placement = placement_service.get_placement(ctx, placement_id)
    ctx.require(Action.CONVERSATION_INVITE, talk_facts(placement))
    if placement.coordinator_invited_at is not None:
        return placement
    with ctx.transaction():
        placement.coordinator_invited_at = ctx.now()
        ctx.audit("placement.coordinator_invited", "placement", placement.id)
        subject = _l("You were invited to a placement's conversation")
        body = _l(
            "Placement of %(pseudonym)s at %(place)s.",
            pseudonym=placement.candidate.pseudonym,
            place=placement.place.title,
        )
        for user in notifications.coordinator_users(ctx.session, placement.network_id):
            notifications.notify(
                ctx.session,
                user,
                MESSAGE_KIND,
                subject,
                body,
                f"/placements/{placement.id}#conversation",
            )
    return placement
