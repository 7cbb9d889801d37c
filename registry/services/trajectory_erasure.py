"""What erasing a trajectory removes from its placements' conversations and files (issue 20).

Called by the candidate erasure inside its transaction: every message text is blanked and
every attached file is deleted once the erasure commits; the rows stay as anonymous facts
(who wrote or attached what kind of thing, when), so no count changes.
"""

from __future__ import annotations

from sqlalchemy import select, update

from registry.models import Placement, PlacementAttachment, PlacementMessage
from registry.services.context import Context
from registry.services.file_storage import delete_after_commit, storage_for


def erase_talk(ctx: Context, candidate_id: int) -> tuple[int, int]:
    """Blank the messages and drop the files of the candidate's placements.
    Returns (messages blanked, files deleted)."""
    placements = select(Placement.id).where(Placement.candidate_id == candidate_id)
    blanked = ctx.session.execute(
        update(PlacementMessage)
        .where(
            PlacementMessage.placement_id.in_(placements),
            PlacementMessage.erased_at.is_(None),
        )
        .values(body="", erased_at=ctx.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    storage = storage_for(ctx.settings)
    files = ctx.session.scalars(
        select(PlacementAttachment).where(
            PlacementAttachment.placement_id.in_(placements),
            PlacementAttachment.storage_key.is_not(None),
        )
    ).all()
    for row in files:
        delete_after_commit(ctx.session, storage, row.storage_key)
        row.storage_key = None
        row.filename = ""
        row.erased_at = ctx.now()
    return blanked or 0, len(files)
