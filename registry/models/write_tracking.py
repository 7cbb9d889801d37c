"""Which connections have written in their current transaction.

Every statement SQLAlchemy runs is seen (``before_cursor_execute``, on every engine);
any but a ``SELECT`` marks the connection until its transaction ends (commit or
rollback). Used where a read-only transaction may be treated differently: the request's
read-only transaction is committed rather than rolled back (``registry.transaction_end``),
and the match search uses its shared in-memory copy of the places only when the
transaction has not written (``registry.search.snapshot``). Statements run straight on
the DBAPI cursor are not seen: the search's own are ``SELECT``s.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

WROTE = "registry_wrote"  # on the connection's info: a statement other than SELECT ran
_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)


def _note_write(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    if not _READ.match(statement):
        conn.info[WROTE] = True


def _forget_writes(conn: Any) -> None:
    conn.info.pop(WROTE, None)


def wrote(conn: Connection) -> bool:
    """Whether ``conn``'s current transaction has run a statement other than SELECT."""
    return bool(conn.info.get(WROTE, False))


def _install() -> None:
    if not event.contains(Engine, "before_cursor_execute", _note_write):
        event.listen(Engine, "before_cursor_execute", _note_write)
        event.listen(Engine, "commit", _forget_writes)
        event.listen(Engine, "rollback", _forget_writes)


_install()
