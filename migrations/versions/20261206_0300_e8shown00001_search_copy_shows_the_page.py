"""search copy shows the page: the page's place columns and the employer's name raise the search generation (issue 16)

Revision ID: e8shown00001
Revises: e7snap000001
Create Date: 2026-12-06 03:00:00

The search's in-memory copy now also holds what the coach's page shows of a place
(title, function, town, postcode, completeness, confirmation and creation times, intake
cap, ongoing, and the employer's name), so a write to any of them must raise the search
generation and stamp the place. The statements are a frozen copy of those in
``registry/models/search_generation.py``. A new epoch makes every running copy load anew.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "e8shown00001"
down_revision = "e7snap000001"
branch_labels = None
depends_on = None

SQLITE = (
    'CREATE TRIGGER places_search_update AFTER UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2, function, ongoing, title, town, postcode, completeness, last_confirmed_at, created_at, intake_cap_per_month ON places FOR EACH ROW BEGIN INSERT INTO search_generation (id, value, epoch) VALUES (1, 1, lower(hex(randomblob(16)))) ON CONFLICT (id) DO UPDATE SET value = value + 1; UPDATE places SET search_gen = (SELECT value FROM search_generation WHERE id = 1) WHERE id = NEW.id; END',
    'CREATE TRIGGER employers_search_update AFTER UPDATE OF legal_name, trade_name ON employers FOR EACH ROW BEGIN INSERT INTO search_generation (id, value, epoch) VALUES (1, 1, lower(hex(randomblob(16)))) ON CONFLICT (id) DO UPDATE SET value = value + 1; UPDATE places SET search_gen = (SELECT value FROM search_generation WHERE id = 1) WHERE employer_id = NEW.id; END',
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS places_search_update",
    "DROP TRIGGER IF EXISTS employers_search_update",
)
SQLITE_OLD = (
    'CREATE TRIGGER places_search_update AFTER UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2 ON places FOR EACH ROW BEGIN INSERT INTO search_generation (id, value, epoch) VALUES (1, 1, lower(hex(randomblob(16)))) ON CONFLICT (id) DO UPDATE SET value = value + 1; UPDATE places SET search_gen = (SELECT value FROM search_generation WHERE id = 1) WHERE id = NEW.id; END',
)
POSTGRESQL = (
    '\nCREATE FUNCTION employers_search_stamp() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE places SET search_gen = generation.value\n  FROM (SELECT value FROM search_generation WHERE id = 1) AS generation\n  WHERE employer_id = NEW.id AND search_gen IS DISTINCT FROM generation.value;\n  RETURN NULL;\nEND $$',
    'CREATE TRIGGER places_search_raise BEFORE INSERT OR UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2, function, ongoing, title, town, postcode, completeness, last_confirmed_at, created_at, intake_cap_per_month OR DELETE ON places FOR EACH STATEMENT EXECUTE FUNCTION search_generation_raise()',
    'CREATE TRIGGER places_search_stamp BEFORE INSERT OR UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2, function, ongoing, title, town, postcode, completeness, last_confirmed_at, created_at, intake_cap_per_month ON places FOR EACH ROW EXECUTE FUNCTION places_search_stamp()',
    'CREATE TRIGGER employers_search_raise BEFORE UPDATE OF legal_name, trade_name ON employers FOR EACH STATEMENT EXECUTE FUNCTION search_generation_raise()',
    'CREATE TRIGGER employers_search_stamp AFTER UPDATE OF legal_name, trade_name ON employers FOR EACH ROW EXECUTE FUNCTION employers_search_stamp()',
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS employers_search_stamp ON employers",
    "DROP TRIGGER IF EXISTS employers_search_raise ON employers",
    "DROP FUNCTION IF EXISTS employers_search_stamp()",
    "DROP TRIGGER IF EXISTS places_search_stamp ON places",
    "DROP TRIGGER IF EXISTS places_search_raise ON places",
)
POSTGRESQL_OLD = (
    'CREATE TRIGGER places_search_raise BEFORE INSERT OR UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2 OR DELETE ON places FOR EACH STATEMENT EXECUTE FUNCTION search_generation_raise()',
    'CREATE TRIGGER places_search_stamp BEFORE INSERT OR UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2 ON places FOR EACH ROW EXECUTE FUNCTION places_search_stamp()',
)


def _run(statements) -> None:
    for statement in statements:
        op.get_bind().exec_driver_sql(statement)


def _new_epoch() -> None:
    op.execute(
        sa.text("UPDATE search_generation SET epoch = :epoch").bindparams(epoch=secrets.token_hex(16))
    )


def upgrade() -> None:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        _run(SQLITE_DROP + SQLITE)
    elif name == "postgresql":
        _run(POSTGRESQL_DROP + POSTGRESQL)
    _new_epoch()


def downgrade() -> None:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        _run(SQLITE_DROP + SQLITE_OLD)
    elif name == "postgresql":
        _run(POSTGRESQL_DROP + POSTGRESQL_OLD)
    _new_epoch()
