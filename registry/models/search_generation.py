"""The search generation: a counter every write to a place's search columns raises.

The match search keeps the open places' search columns in memory per process
(``registry.search.snapshot``): what it selects and scores on, and what the coach's
page shows of a place (title, town, employer's name, ...). To know whether that copy
is current, a search reads the one row of ``search_generation``: ``value`` rises with
every write to a place's search columns (``SEARCH_COLUMNS``), its networks or its
employer's name, and each place written is stamped with the value in
``places.search_gen``, so a copy at value *g* catches up by loading the places stamped
after *g*. ``epoch`` changes when places are deleted (the copy is then loaded anew) and
tells one database from another.

Database triggers keep it, so no write can miss it (the ORM, bulk inserts, SQL by
hand):

- PostgreSQL: a statement trigger raises the value before a transaction's first
  writing statement (and so holds the row's lock until the transaction ends: the value
  a reader sees is committed together with the places stamped with it), and a row
  trigger stamps each place with it.
- SQLite (one writer at a time): a row trigger raises and stamps per place.

A change of an employer's name stamps every place of the employer the same way.

Created with the tables (``metadata.create_all``, for the benchmark and tools) and by
migrations ``e7snap000001`` and ``e8shown00001``, which hold their own copies of these
statements.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base

__all__ = ["EMPLOYER_NAME_COLUMNS", "SEARCH_COLUMNS", "SearchGeneration", "trigger_statements"]

# The place columns the search's in-memory copy holds (besides the id), in the order it
# reads them (registry.search.snapshot_rows.COLUMNS).
SEARCH_COLUMNS = (
    "lat",
    "lon",
    "kind",
    "employer_id",
    "available_until",
    "slots",
    "taken_slots",
    "sector",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "match_code",
    "status",
    "conflict_bits_1",
    "conflict_bits_2",
    # what the page shows of a place (and the matcher's preferences and end-week check)
    "function",
    "ongoing",
    "title",
    "town",
    "postcode",
    "completeness",
    "last_confirmed_at",
    "created_at",
    "intake_cap_per_month",
)
# The employer columns the page shows of a place (its name): a change stamps its places.
EMPLOYER_NAME_COLUMNS = ("legal_name", "trade_name")


class SearchGeneration(Base):
    """One row (``id`` 1): see the module docstring."""

    __tablename__ = "search_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    epoch: Mapped[str] = mapped_column(String(32))
    # PostgreSQL: the transaction that raised the value last. A transaction raises it
    # once, however many statements write places (a bulk load of 100,000 places through
    # one statement per row would otherwise update this row 100,000 times).
    xact: Mapped[int | None] = mapped_column(BigInteger)


_COLUMNS = ", ".join(SEARCH_COLUMNS)
_EMPLOYER_COLUMNS = ", ".join(EMPLOYER_NAME_COLUMNS)

_SQLITE_RAISE = (
    "INSERT INTO search_generation (id, value, epoch)"
    " VALUES (1, 1, lower(hex(randomblob(16))))"
    " ON CONFLICT (id) DO UPDATE SET value = value + 1{new_epoch};"
)
_SQLITE_STAMP = (
    "UPDATE places SET search_gen = (SELECT value FROM search_generation WHERE id = 1)"
    " WHERE {key} = {row}.{column};"
)


def _sqlite_trigger(name: str, event_sql: str, *body: str) -> str:
    return f"CREATE TRIGGER {name} AFTER {event_sql} FOR EACH ROW BEGIN {' '.join(body)} END"


SQLITE = (
    _sqlite_trigger(
        "places_search_insert",
        "INSERT ON places",
        _SQLITE_RAISE.format(new_epoch=""),
        _SQLITE_STAMP.format(key="id", row="NEW", column="id"),
    ),
    _sqlite_trigger(
        "places_search_update",
        f"UPDATE OF {_COLUMNS} ON places",
        _SQLITE_RAISE.format(new_epoch=""),
        _SQLITE_STAMP.format(key="id", row="NEW", column="id"),
    ),
    _sqlite_trigger(
        "places_search_delete",
        "DELETE ON places",
        _SQLITE_RAISE.format(new_epoch=", epoch = lower(hex(randomblob(16)))"),
    ),
    _sqlite_trigger(
        "place_networks_search_insert",
        "INSERT ON place_networks",
        _SQLITE_RAISE.format(new_epoch=""),
        _SQLITE_STAMP.format(key="id", row="NEW", column="place_id"),
    ),
    _sqlite_trigger(
        "place_networks_search_delete",
        "DELETE ON place_networks",
        _SQLITE_RAISE.format(new_epoch=""),
        _SQLITE_STAMP.format(key="id", row="OLD", column="place_id"),
    ),
    _sqlite_trigger(
        "employers_search_update",
        f"UPDATE OF {_EMPLOYER_COLUMNS} ON employers",
        _SQLITE_RAISE.format(new_epoch=""),
        _SQLITE_STAMP.format(key="employer_id", row="NEW", column="id"),
    ),
)
SQLITE_DROP = tuple(
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "places_search_insert",
        "places_search_update",
        "places_search_delete",
        "place_networks_search_insert",
        "place_networks_search_delete",
        "employers_search_update",
    )
)

_PG_RAISE = """
CREATE FUNCTION search_generation_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'places' THEN
    INSERT INTO search_generation (id, value, epoch, xact)
    VALUES (1, 1, md5(random()::text), txid_current())
    ON CONFLICT (id) DO UPDATE SET value = search_generation.value + 1,
      epoch = md5(random()::text), xact = txid_current();
  ELSE
    INSERT INTO search_generation (id, value, epoch, xact)
    VALUES (1, 1, md5(random()::text), txid_current())
    ON CONFLICT (id) DO UPDATE SET value = search_generation.value + 1, xact = txid_current()
    WHERE search_generation.xact IS DISTINCT FROM txid_current();
  END IF;
  RETURN NULL;
END $$"""
_PG_STAMP_PLACE = """
CREATE FUNCTION places_search_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_gen := (SELECT value FROM search_generation WHERE id = 1);
  RETURN NEW;
END $$"""
_PG_STAMP_LINK = """
CREATE FUNCTION place_networks_search_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  link place_networks;
BEGIN
  IF TG_OP = 'DELETE' THEN link := OLD; ELSE link := NEW; END IF;
  UPDATE places SET search_gen = generation.value
  FROM (SELECT value FROM search_generation WHERE id = 1) AS generation
  WHERE id = link.place_id AND search_gen IS DISTINCT FROM generation.value;
  RETURN NULL;
END $$"""

_PG_STAMP_EMPLOYER = """
CREATE FUNCTION employers_search_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE places SET search_gen = generation.value
  FROM (SELECT value FROM search_generation WHERE id = 1) AS generation
  WHERE employer_id = NEW.id AND search_gen IS DISTINCT FROM generation.value;
  RETURN NULL;
END $$"""

POSTGRESQL = (
    _PG_RAISE,
    _PG_STAMP_PLACE,
    _PG_STAMP_LINK,
    _PG_STAMP_EMPLOYER,
    f"CREATE TRIGGER places_search_raise BEFORE INSERT OR UPDATE OF {_COLUMNS} OR DELETE"
    " ON places FOR EACH STATEMENT EXECUTE FUNCTION search_generation_raise()",
    f"CREATE TRIGGER places_search_stamp BEFORE INSERT OR UPDATE OF {_COLUMNS}"
    " ON places FOR EACH ROW EXECUTE FUNCTION places_search_stamp()",
    "CREATE TRIGGER place_networks_search_raise BEFORE INSERT OR UPDATE OR DELETE"
    " ON place_networks FOR EACH STATEMENT EXECUTE FUNCTION search_generation_raise()",
    "CREATE TRIGGER place_networks_search_stamp AFTER INSERT OR UPDATE OR DELETE"
    " ON place_networks FOR EACH ROW EXECUTE FUNCTION place_networks_search_stamp()",
    f"CREATE TRIGGER employers_search_raise BEFORE UPDATE OF {_EMPLOYER_COLUMNS}"
    " ON employers FOR EACH STATEMENT EXECUTE FUNCTION search_generation_raise()",
    f"CREATE TRIGGER employers_search_stamp AFTER UPDATE OF {_EMPLOYER_COLUMNS}"
    " ON employers FOR EACH ROW EXECUTE FUNCTION employers_search_stamp()",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS employers_search_stamp ON employers",
    "DROP TRIGGER IF EXISTS employers_search_raise ON employers",
    "DROP FUNCTION IF EXISTS employers_search_stamp()",
    "DROP TRIGGER IF EXISTS place_networks_search_stamp ON place_networks",
    "DROP TRIGGER IF EXISTS place_networks_search_raise ON place_networks",
    "DROP TRIGGER IF EXISTS places_search_stamp ON places",
    "DROP TRIGGER IF EXISTS places_search_raise ON places",
    "DROP FUNCTION IF EXISTS place_networks_search_stamp()",
    "DROP FUNCTION IF EXISTS places_search_stamp()",
    "DROP FUNCTION IF EXISTS search_generation_raise()",
)


def trigger_statements(dialect: str) -> tuple[str, ...]:
    """The statements that create the triggers on ``dialect`` (none elsewhere)."""
    return {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect, ())


@event.listens_for(Base.metadata, "after_create")
def _create_triggers(target, connection, **kw) -> None:
    statements = trigger_statements(connection.dialect.name)
    if not statements:
        return
    for statement in statements:
        connection.exec_driver_sql(statement)
    connection.execute(
        text(
            "INSERT INTO search_generation (id, value, epoch) VALUES (1, 0, :epoch)"
            " ON CONFLICT (id) DO NOTHING"
        ),
        {"epoch": _new_epoch()},
    )


@event.listens_for(Base.metadata, "before_drop")
def _drop_triggers(target, connection, **kw) -> None:
    drops = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(connection.dialect.name)
    for statement in drops or ():
        connection.exec_driver_sql(statement)


def _new_epoch() -> str:
    import secrets

    return secrets.token_hex(16)
