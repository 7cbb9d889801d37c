"""Bulk curation (issue 14): a coordinator publishes several places, sends them back with
one reason, or reminds their employers to confirm them, in one action that reports per
place what happened. Each place goes through the single-place use case (same permission
checks, audit trail and signals) in its own transaction, so one refusal never undoes the
others."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from registry.domain.permissions import Action
from registry.models import Place, PlaceStatus
from registry.services import places as svc
from registry.services import review_signals
from registry.services.context import Context
from registry.services.errors import Conflict, NotFound, ServiceError, ValidationFailed

MAX_BULK = 100
REMINDABLE = frozenset({PlaceStatus.OPEN, PlaceStatus.FULL, PlaceStatus.PAUSED})


@dataclass(frozen=True)
class BulkResult:
    place_id: int
    title: str
    ok: bool
    message: object
    visible: bool = True  # the actor may open the place (else no link is shown)


def _ids(place_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(i for i in place_ids if isinstance(i, int) and 0 < i < 2**31))
    if not ids:
        raise ValidationFailed.field("place_ids", _l("Select at least one place."))
    if len(ids) > MAX_BULK:
        raise ValidationFailed.field(
            "place_ids", _l("Select at most %(n)s places at once.", n=MAX_BULK)
        )
    return ids


def _each(
    ctx: Context, place_ids: Iterable[int], step: Callable[[int], object], done: object
) -> list[BulkResult]:
    results = []
    for place_id in _ids(place_ids):
        title = _title(ctx, place_id)
        visible = not title.startswith("#")
        try:
            step(place_id)
        except svc.PermissionDenied:
            ctx.session.rollback()
            results.append(
                BulkResult(
                    place_id, title, False, visible=visible, message=_l("You may not do this.")
                )
            )
        except NotFound:
            ctx.session.rollback()
            results.append(
                BulkResult(place_id, title, False, visible=visible, message=_l("Not found."))
            )
        except ServiceError as error:
            ctx.session.rollback()
            results.append(
                BulkResult(place_id, title, False, visible=visible, message=error.message)
            )
        else:
            results.append(BulkResult(place_id, title, True, done, visible))
    return results


def _title(ctx: Context, place_id: int) -> str:
    place = ctx.session.get(Place, place_id)
    if place is None:
        return f"#{place_id}"
    try:
        svc.get_place(ctx, place_id, Action.PLACE_VIEW)
    except (svc.PermissionDenied, NotFound):
        return f"#{place_id}"
    return place.title


def publish_places(ctx: Context, place_ids: Iterable[int]) -> list[BulkResult]:
    return _each(ctx, place_ids, lambda pid: svc.publish_place(ctx, pid), _l("Published."))


def send_back_places(ctx: Context, place_ids: Iterable[int], reason: str) -> list[BulkResult]:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _l("Say what the employer should change."))
    return _each(
        ctx,
        place_ids,
        lambda pid: svc.send_back_place(ctx, pid, reason),
        _l("Sent back to the employer."),
    )


def remind_place(ctx: Context, place_id: int) -> Place:
    """Ask the employer's contacts to confirm an open, full or paused place."""
    place = svc.get_place(ctx, place_id, Action.PLACE_CURATE)
    if place.status not in REMINDABLE:
        raise Conflict(_l("Only open, full or paused places are confirmed."))
    with ctx.transaction():
        told = review_signals.confirm_reminder(ctx, place)
        if not told:
            raise Conflict(_l("The employer has no contact person with an account."))
        ctx.audit("place.confirm_requested", "place", place.id, told=told)
    return place


def remind_places(ctx: Context, place_ids: Iterable[int]) -> list[BulkResult]:
    return _each(
        ctx,
        place_ids,
        lambda pid: remind_place(ctx, pid),
        _l("The employer was asked to confirm."),
    )
