"""Who hears about a place's review (issue 14): submitting tells the coordinators of each
network the place is offered to that reviews new places; publishing or sending back tells
the employer's contacts, with the coordinator's reason. In-app and by e-mail per each
person's notification setting (registry.services.notifications.notify), inside the
caller's transaction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.models import Place
from registry.services import notifications as notes
from registry.services.context import Context


def _link(place: Place) -> str:
    return f"/places/{place.id}"


def submitted(ctx: Context, place: Place) -> int:
    """Tell the coordinators of each offered network that reviews new places that the
    place waits for them (networks that do not review see it open; no message)."""
    told: set[int] = set()
    for network in sorted(place.networks, key=lambda n: n.id):
        if not network.review_new_places:
            continue
        subject = _l("A place waits for your review: %(title)s", title=place.title)
        body = _l(
            "%(employer)s offered the place to %(network)s, which reviews new places. "
            "Publish it or send it back with what should change.",
            employer=place.employer.name,
            network=network.name,
        )
        for user in notes.coordinator_users(ctx.session, network.id):
            if user.id in told or user.id == ctx.actor_id:
                continue
            told.add(user.id)
            notes.notify(ctx.session, user, notes.Kind.PLACE_SUBMITTED, subject, body, _link(place))
    return len(told)


def _employer_contacts(ctx: Context, place: Place, kind: str, subject, body) -> int:
    count = 0
    for user in notes.employer_users(ctx.session, place.employer_id):
        if user.id != ctx.actor_id and notes.notify(
            ctx.session, user, kind, subject, body, _link(place)
        ):
            count += 1
    return count


def published(ctx: Context, place: Place) -> int:
    return _employer_contacts(
        ctx,
        place,
        notes.Kind.PLACE_PUBLISHED,
        _l("Your place is published: %(title)s", title=place.title),
        _l("The coordinator reviewed your place. Coaches can find it now."),
    )


def sent_back(ctx: Context, place: Place, reason: str) -> int:
    return _employer_contacts(
        ctx,
        place,
        notes.Kind.PLACE_SENT_BACK,
        _l("Your place was sent back for changes: %(title)s", title=place.title),
        _l(
            "The coordinator asks you to change the place before it is published:\n\n"
            "%(reason)s\n\nChange it and offer it again.",
            reason=reason,
        ),
    )


def confirm_reminder(ctx: Context, place: Place) -> int:
    """A coordinator asks the employer to confirm the place is still current."""
    return _employer_contacts(
        ctx,
        place,
        notes.Kind.LISTING_CONFIRMATION_DUE,
        _l("Please confirm your place is still current: %(title)s", title=place.title),
        _l(
            "The network's coordinator asks you to confirm the place. A place nobody "
            "confirms is paused and coaches no longer find it."
        ),
    )
