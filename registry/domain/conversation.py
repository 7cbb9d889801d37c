"""Pure rules of a placement's conversation, its meetings and its attached files (issue 20).

- A message can be edited or withdrawn by its author within :data:`GRACE` (5 minutes);
  after that it is part of the placement's history and stays as written.
- A file is accepted by what it *is*, never by its name: :func:`sniff` reads the first
  bytes (PDF, PNG or JPEG only).
- A meeting is planned in the future and lasts between 15 minutes and a working day.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

GRACE = dt.timedelta(minutes=5)
MAX_MESSAGE = 2000
MEETING_MINUTES = (15, 480)

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
ALLOWED_TYPES = (PDF, PNG, JPEG)
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def within_grace(created_at: dt.datetime, now: dt.datetime) -> bool:
    """True while the author may still edit or withdraw a message."""
    return _aware(now) - _aware(created_at) <= GRACE


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes show (PDF, PNG, JPEG), else None."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


class MeetingProblem(StrEnum):
    IN_THE_PAST = "in_the_past"
    DURATION = "duration"
    NO_PLACE = "no_place"


def check_meeting(
    starts_at: dt.datetime, minutes: int, location: str, video_link: str, now: dt.datetime
) -> list[MeetingProblem]:
    """What is wrong with a planned meeting (empty: nothing)."""
    problems = []
    if _aware(starts_at) < _aware(now):
        problems.append(MeetingProblem.IN_THE_PAST)
    if not MEETING_MINUTES[0] <= minutes <= MEETING_MINUTES[1]:
        problems.append(MeetingProblem.DURATION)
    if not (location.strip() or video_link.strip()):
        problems.append(MeetingProblem.NO_PLACE)
    return problems
