"""Dialect-specific tuning of the match search: the only place that knows the database.

The search query itself is portable SQL (the same statement on SQLite and PostgreSQL).
What differs is how its rows are best consumed:

- SQLite steps its cursor lazily, so the search reads the distance-ordered candidates in
  small chunks and stops as soon as the top results are certain; the network check sits
  in an outer query so it only runs for the rows actually read.
- PostgreSQL (psycopg's client-side cursor) sends the whole result at once, so the
  search fetches it in one go; the planner turns the network check into a semi-join.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

SQLITE_CHUNK = 96
DEFAULT_CHUNK = 100_000


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def chunk_size(session: Session) -> int:
    """Rows to read from the distance-ordered prefilter at a time."""
    return SQLITE_CHUNK if dialect_name(session) == "sqlite" else DEFAULT_CHUNK


def defer_network_check(session: Session) -> bool:
    """Apply the network EXISTS after ordering (lazy engines) or inside the scan."""
    return dialect_name(session) == "sqlite"
