"""The search's dialect tuning: how its statements bind parameters and lists, and how
rows come back, on SQLite and on PostgreSQL (the only part of the search besides
:mod:`registry.search.sql` that knows the database).

- placeholders: sqlite3 takes ``:name``, psycopg ``%(name)s`` (statements are written
  with ``{name}`` and filled in by :func:`fetch_rows`);
- lists (kinds, networks, the shortlist's ids) are one array parameter each on
  PostgreSQL (``= ANY``), an ``IN`` list of one parameter per value on SQLite
  (:func:`member_sql`): so on PostgreSQL a statement's text does not change with the
  lists' lengths, psycopg keeps its parsing and prepares it once used often;
- SQLite is told to use ``ix_places_match`` (:func:`places_source`), and each SQLite
  connection gets a memory map and a larger page cache (:func:`prepare`);
- dates are bound as ISO text on SQLite, as dates on PostgreSQL (:func:`date_param`);
- both drivers (sqlite3, psycopg's client-side cursor) hand the whole narrow result
  over at once; the search runs its statements on a DBAPI cursor of the session's
  connection and takes the rows in one ``fetchall``, as plain tuples, skipping
  SQLAlchemy's per-row processing. That is safe because the selected columns are plain
  numbers, strings and dates (booleans may arrive as 0/1 on SQLite, which the search
  reads as booleans either way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from registry.search.geometry import padded_size


def in_list(params: dict[str, Any], prefix: str, values: Sequence[Any]) -> str:
    """Add ``values`` to ``params`` as ``prefix0``, ``prefix1``, ... and return the
    ``{prefix0}, {prefix1}, ...`` placeholders for an ``IN (...)`` list."""
    names = [f"{prefix}{i}" for i in range(len(values))]
    params.update(zip(names, values, strict=True))
    return ", ".join("{" + name + "}" for name in names) if names else "NULL"


def binds_arrays(conn: Connection) -> bool:
    """Whether lists are bound as one array parameter (PostgreSQL) rather than one
    parameter per value (SQLite, which has no arrays)."""
    return conn.dialect.name == "postgresql"


def member_sql(
    conn: Connection, params: dict[str, Any], column: str, prefix: str, values: Sequence[Any]
) -> str:
    """SQL that ``column`` is one of ``values`` (not empty). On PostgreSQL one array
    parameter (``= ANY``), so the statement's text does not change with the number of
    values: psycopg then caches its parsing (it parses anew any statement of more than 50
    parameters, about 0.3 ms for a shortlist of 70 ids) and prepares it once used often.
    Elsewhere an ``IN`` list of one parameter per value (padded: fewer distinct texts)."""
    if binds_arrays(conn):
        params[prefix] = list(values)
        return f"{column} = ANY({{{prefix}}})"
    return f"{column} IN ({in_list(params, prefix, padded(list(values)))})"


def places_source(conn: Connection) -> str:
    """The ``FROM`` item of the search's prefilter. SQLite is told to use the covering
    index: its planner counts every value of the kind and latitude-band ``IN`` lists as a
    seek and, for wide searches, would rather range-scan another index on latitude (tens
    of times slower). PostgreSQL's planner costs it properly and takes no hints."""
    if conn.dialect.name == "sqlite":
        return "places INDEXED BY ix_places_match"
    return "places"


def date_param(conn: Connection, day: dt.date) -> Any:
    """A date as the driver compares it with a ``Date`` column: SQLAlchemy stores dates
    as ISO text on SQLite (and the search binds straight on the DBAPI cursor, where
    sqlite3's date adapter is deprecated); psycopg takes the date itself."""
    if conn.dialect.name == "sqlite":
        return day.isoformat()
    return day


def _placeholder(conn: Connection) -> str:
    style = conn.dialect.paramstyle
    if style in ("pyformat", "format"):
        return "%({})s"
    return ":{}"  # named; sqlite3 also accepts it where its default style is qmark


# SQLite reads the index through its page cache (2 MB by default, per connection): a
# search in a new area then costs a system call per page. Memory-mapping the file and a
# larger cache make those reads plain memory accesses. Set once per DBAPI connection.
SQLITE_PRAGMAS = ("PRAGMA mmap_size = 1073741824", "PRAGMA cache_size = -65536")


def prepare(conn: Connection) -> None:
    """Per-connection tuning for the search (idempotent)."""
    if conn.dialect.name != "sqlite" or conn.info.get("search_tuned"):
        return
    raw = conn.connection.dbapi_connection  # not a write for registry.models.write_tracking
    for pragma in SQLITE_PRAGMAS:
        raw.execute(pragma).close()  # type: ignore[union-attr]
    conn.info["search_tuned"] = True


def fetch_rows(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (``{name}`` placeholders) with ``params`` and return all rows as
    DBAPI tuples, in one go.

    Straight on the DBAPI connection under ``conn`` (same connection, same transaction):
    these are read-only statements on the search's hot path, where SQLAlchemy's result
    machinery cost about as much as a small query itself. (So they bypass its statement
    logging and events.)"""
    prepare(conn)
    mark = _placeholder(conn)
    text = sql.format_map({name: mark.format(name) for name in params})
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(text, dict(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def padded(values: list[Any]) -> list[Any]:
    """``values`` (not empty) with the last repeated up to :func:`padded_size`: the
    same ``IN`` list."""
    return values + [values[-1]] * (padded_size(len(values)) - len(values))
