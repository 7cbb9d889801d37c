"""Where attached files live (issue 20): a small storage interface and a directory
implementation. An S3-compatible store fits behind the same three methods.

Files of erased rows are deleted once the erasure is committed (never before: a rolled
back erasure keeps its files) through :func:`delete_after_commit`.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = re.compile(r"^[0-9a-f]{32}$")


class Storage(Protocol):
    """Where attachment files live: save returns a new random key."""

    def save(self, data: bytes) -> str: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a directory outside the web root, named by a random 128-bit key."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(".part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        temporary.replace(path)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()


def storage_for(settings: Any) -> Storage:
    """The configured storage (a directory; default ``instance/attachments``)."""
    root = settings.get("ATTACHMENT_DIR") if settings else None
    return LocalStorage(root or Path("instance") / "attachments")


_PENDING = "registry.attachments_to_delete"


@event.listens_for(Session, "after_commit")
def _delete_after_commit(session: Session) -> None:
    for storage, key in session.info.pop(_PENDING, []):
        storage.delete(key)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:  # noqa: ARG001
    session.info.pop(_PENDING, None)


def delete_after_commit(session: Session, storage: Storage, key: str) -> None:
    """Delete the file when the session's transaction commits (not when it rolls back)."""
    session.info.setdefault(_PENDING, []).append((storage, key))
