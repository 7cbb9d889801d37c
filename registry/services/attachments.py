"""Files attached to a placement by its parties (issue 20): the signed agreement, other papers.

- PDF, PNG or JPEG only, recognised by content (the first bytes), never by name; images
  are opened and re-encoded with Pillow, which drops their metadata (EXIF: camera,
  place, time); anything Pillow cannot read is refused.
- At most ``ATTACHMENT_MAX_BYTES`` (default 5 MB).
- Stored outside the web root under a random name by a small :class:`Storage` interface
  (a directory, ``ATTACHMENT_DIR``; an S3-compatible store fits behind the same three
  methods), served only by a permission-checked view as a download with ``no-store``.
- Erasing the trajectory deletes the files (after the erasure is committed) and blanks
  the file names; the rows stay as anonymous facts.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.domain.conversation import EXTENSIONS, JPEG, PNG, sniff
from registry.domain.permissions import Action
from registry.models import Placement, PlacementAttachment
from registry.services import placements as placement_service
from registry.services.context import Context
from registry.services.conversations import may, talk_facts
from registry.services.errors import Conflict, NotFound, ValidationFailed
from registry.services.file_storage import storage_for

KINDS = ("agreement", "other")
MAX_PIXELS = 40_000_000


@dataclass
class Upload:
    filename: str
    data: bytes
    kind: str = "other"


def _clean_name(name: str, content_type: str) -> str:
    base = re.sub(r"[^\w.\- ]+", "_", Path(name or "").name).strip(" ._")[:120]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or 'document'}.{EXTENSIONS[content_type]}"


def _reencoded(data: bytes, content_type: str) -> bytes:
    """The image drawn again without its metadata; ValueError when it is no image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError("too many pixels")
            image.load()
            out = io.BytesIO()
            if content_type == JPEG:
                image.convert("RGB").save(out, format="JPEG", quality=90)
            else:
                keep = ("1", "L", "LA", "P", "RGB", "RGBA")
                clean = image if image.mode in keep else image.convert("RGBA")
                clean.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(str(exc)) from exc


def check_upload(ctx: Context, upload: Upload) -> tuple[bytes, str]:
    """(the bytes to store, their content type), or ValidationFailed."""
    limit = int(ctx.settings.get("ATTACHMENT_MAX_BYTES") or 5 * 1024 * 1024)
    if upload.kind not in KINDS:
        raise ValidationFailed.field("kind", _l("Choose what kind of document this is."))
    if not upload.data:
        raise ValidationFailed.field("file", _l("Choose a file."))
    if len(upload.data) > limit:
        raise ValidationFailed.field(
            "file", _l("The file is too large: at most %(mb)s MB.", mb=limit // (1024 * 1024))
        )
    content_type = sniff(upload.data[:16])
    not_allowed = _l(
        "Only PDF, PNG or JPEG files can be attached; this file is none of these, "
        "whatever its name says."
    )
    if content_type is None:
        raise ValidationFailed.field("file", not_allowed)
    if content_type in (PNG, JPEG):
        try:
            return _reencoded(upload.data, content_type), content_type
        except ValueError:
            raise ValidationFailed.field("file", not_allowed) from None
    if b"%%EOF" not in upload.data[-2048:]:
        raise ValidationFailed.field("file", not_allowed)
    return upload.data, content_type


def add(ctx: Context, placement_id: int, upload: Upload) -> PlacementAttachment:
    """Attach a checked file to a placement (coach, home employer, introduced host)."""
    placement = placement_service.get_placement(ctx, placement_id)
    ctx.require(Action.ATTACHMENT_ADD, talk_facts(placement))
    candidate = placement.candidate
    if candidate.given_name is None or candidate.erased_at is not None:
        raise Conflict(_l("This candidate's data was erased; no documents can be added."))
    data, content_type = check_upload(ctx, upload)
    parties = placement_service.parties(ctx, placement)
    party = next(p for p in parties if p.value in ("coach", "home", "host"))
    storage = storage_for(ctx.settings)
    key = storage.save(data)
    try:
        with ctx.transaction():
            attachment = PlacementAttachment(
                placement_id=placement.id,
                uploaded_by_id=ctx.actor_id,
                uploader_party=party,
                kind=upload.kind,
                content_type=content_type,
                size=len(data),
                filename=_clean_name(upload.filename, content_type),
                storage_key=key,
                created_at=ctx.now(),
            )
            ctx.session.add(attachment)
            ctx.session.flush()
            ctx.audit(
                "placement.attachment_added",
                "placement",
                placement.id,
                attachment_id=attachment.id,
                kind=upload.kind,
                content_type=content_type,
                size=len(data),
            )
    except BaseException:
        storage.delete(key)
        raise
    return attachment


def attachments_of(ctx: Context, placement: Placement) -> list[PlacementAttachment]:
    """The placement's files the actor may see, newest first (two statements)."""
    if not may(ctx, Action.ATTACHMENT_VIEW, placement):
        return []
    return list(
        ctx.session.scalars(
            select(PlacementAttachment)
            .where(
                PlacementAttachment.placement_id == placement.id,
                PlacementAttachment.storage_key.is_not(None),
            )
            .options(selectinload(PlacementAttachment.uploaded_by))
            .order_by(PlacementAttachment.id.desc())
            .limit(100)
        )
    )


def download(ctx: Context, placement_id: int, attachment_id: int):
    """(bytes, content type, file name) for someone who may see it; NotFound for everyone
    else (another organisation learns nothing, not even that the file exists). Audited."""
    missing = NotFound(_l("This document does not exist."))
    placement = ctx.session.get(Placement, placement_id)
    attachment = ctx.session.get(PlacementAttachment, attachment_id)
    if (
        placement is None
        or attachment is None
        or attachment.placement_id != placement.id
        or attachment.storage_key is None
        or not may(ctx, Action.ATTACHMENT_VIEW, placement)
    ):
        raise missing
    try:
        data = storage_for(ctx.settings).read(attachment.storage_key)
    except (OSError, ValueError):
        raise missing from None
    with ctx.transaction():
        ctx.audit(
            "placement.attachment_downloaded",
            "placement",
            placement.id,
            attachment_id=attachment.id,
        )
    return data, attachment.content_type, attachment.filename
