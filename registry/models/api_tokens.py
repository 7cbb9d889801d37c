"""Partner API tokens (issue 18): a user's bearer tokens, stored hashed, with scopes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, utcnow

if TYPE_CHECKING:
    from registry.models.accounts import User


class ApiToken(Base):
    """One API token. The secret is shown once; only its SHA-256 is kept. ``prefix`` (the
    public first part of the token) finds the row; the hash is compared in constant time.
    The token acts as its creator, restricted to ``scopes``."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    last_used_addr: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()
