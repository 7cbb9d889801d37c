"""search generation: the in-memory search copy's counter and triggers (issue 16)

Revision ID: e7snap000001
Revises: e6home000001
Create Date: 2026-12-06 00:00:00

The statements are a frozen copy of those in ``registry/models/search_generation.py``
(a migration never changes with the application code). A later migration that
recreates ``places`` or ``place_networks`` on SQLite (batch mode) drops their triggers
and must create them again.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "e7snap000001"
down_revision = "e6home000001"
branch_labels = None
depends_on = None

SQLITE = (
    'CREATE TRIGGER places_search_insert AFTER INSERT ON places FOR EACH ROW BEGIN INSERT INTO search_generation (id, value, epoch) VALUES (1, 1, lower(hex(randomblob(16)))) ON CONFLICT (id) DO UPDATE SET value = value + 1; UPDATE places SET search_gen = (SELECT value FROM search_generation WHERE id = 1) WHERE id = NEW.id; END',
    'CREATE TRIGGER places_search_update AFTER UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2 ON places FOR EACH ROW BEGIN INSERT INTO search_generation (id, value, epoch) VALUES (1, 1, lower(hex(randomblob(16)))) ON CONFLICT (id) DO UPDATE SET value = value + 1; UPDATE places SET search_gen = (SELECT value FROM search_generation WHERE id = 1) WHERE id = NEW.id; END',
    'CREATE TRIGGER places_search_delete AFTER DELETE ON places FOR EACH ROW BEGIN INSERT INTO search_generation (id, value, epoch) VALUES (1, 1, lower(hex(randomblob(16)))) ON CONFLICT (id) DO UPDATE SET value = value + 1, epoch = lower(hex(randomblob(16))); END',
    'CREATE TRIGGER place_networks_search_insert AFTER INSERT ON place_networks FOR EACH ROW BEGIN INSERT INTO search_generation (id, value, epoch) VALUES (1, 1, lower(hex(randomblob(16)))) ON CONFLICT (id) DO UPDATE SET value = value + 1; UPDATE places SET search_gen = (SELECT value FROM search_generation WHERE id = 1) WHERE id = NEW.place_id; END',
    'CREATE TRIGGER place_networks_search_delete AFTER DELETE ON place_networks FOR EACH ROW BEGIN INSERT INTO search_generation (id, value, epoch) VALUES (1, 1, lower(hex(randomblob(16)))) ON CONFLICT (id) DO UPDATE SET value = value + 1; UPDATE places SET search_gen = (SELECT value FROM search_generation WHERE id = 1) WHERE id = OLD.place_id; END',
)
SQLITE_DROP = (
    'DROP TRIGGER IF EXISTS places_search_insert',
    'DROP TRIGGER IF EXISTS places_search_update',
    'DROP TRIGGER IF EXISTS places_search_delete',
    'DROP TRIGGER IF EXISTS place_networks_search_insert',
    'DROP TRIGGER IF EXISTS place_networks_search_delete',
)
POSTGRESQL = (
    "\nCREATE FUNCTION search_generation_raise() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'places' THEN\n    INSERT INTO search_generation (id, value, epoch, xact)\n    VALUES (1, 1, md5(random()::text), txid_current())\n    ON CONFLICT (id) DO UPDATE SET value = search_generation.value + 1,\n      epoch = md5(random()::text), xact = txid_current();\n  ELSE\n    INSERT INTO search_generation (id, value, epoch, xact)\n    VALUES (1, 1, md5(random()::text), txid_current())\n    ON CONFLICT (id) DO UPDATE SET value = search_generation.value + 1, xact = txid_current()\n    WHERE search_generation.xact IS DISTINCT FROM txid_current();\n  END IF;\n  RETURN NULL;\nEND $$",
    '\nCREATE FUNCTION places_search_stamp() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.search_gen := (SELECT value FROM search_generation WHERE id = 1);\n  RETURN NEW;\nEND $$',
    "\nCREATE FUNCTION place_networks_search_stamp() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n  link place_networks;\nBEGIN\n  IF TG_OP = 'DELETE' THEN link := OLD; ELSE link := NEW; END IF;\n  UPDATE places SET search_gen = generation.value\n  FROM (SELECT value FROM search_generation WHERE id = 1) AS generation\n  WHERE id = link.place_id AND search_gen IS DISTINCT FROM generation.value;\n  RETURN NULL;\nEND $$",
    'CREATE TRIGGER places_search_raise BEFORE INSERT OR UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2 OR DELETE ON places FOR EACH STATEMENT EXECUTE FUNCTION search_generation_raise()',
    'CREATE TRIGGER places_search_stamp BEFORE INSERT OR UPDATE OF lat, lon, kind, employer_id, available_until, slots, taken_slots, sector, min_hours_week, usual_hours_week, lower_start_allowed, match_code, status, conflict_bits_1, conflict_bits_2 ON places FOR EACH ROW EXECUTE FUNCTION places_search_stamp()',
    'CREATE TRIGGER place_networks_search_raise BEFORE INSERT OR UPDATE OR DELETE ON place_networks FOR EACH STATEMENT EXECUTE FUNCTION search_generation_raise()',
    'CREATE TRIGGER place_networks_search_stamp AFTER INSERT OR UPDATE OR DELETE ON place_networks FOR EACH ROW EXECUTE FUNCTION place_networks_search_stamp()',
)
POSTGRESQL_DROP = (
    'DROP TRIGGER IF EXISTS place_networks_search_stamp ON place_networks',
    'DROP TRIGGER IF EXISTS place_networks_search_raise ON place_networks',
    'DROP TRIGGER IF EXISTS places_search_stamp ON places',
    'DROP TRIGGER IF EXISTS places_search_raise ON places',
    'DROP FUNCTION IF EXISTS place_networks_search_stamp()',
    'DROP FUNCTION IF EXISTS places_search_stamp()',
    'DROP FUNCTION IF EXISTS search_generation_raise()',
)


def upgrade() -> None:
    op.create_table(
        "search_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("xact", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_generation")),
    )
    # plain ALTER TABLE on both databases (a batch recreate on SQLite would lose the
    # expression indexes of places)
    op.add_column(
        "places", sa.Column("search_gen", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.create_index("ix_places_search_gen", "places", ["search_gen"], unique=False)
    op.execute(
        sa.text("INSERT INTO search_generation (id, value, epoch) VALUES (1, 0, :epoch)").bindparams(
            epoch=secrets.token_hex(16)
        )
    )
    name = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(name, ()):
        op.get_bind().exec_driver_sql(statement)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(name, ()):
        op.get_bind().exec_driver_sql(statement)
    op.drop_index("ix_places_search_gen", table_name="places")
    op.execute("ALTER TABLE places DROP COLUMN search_gen")  # SQLite 3.35+ and PostgreSQL
    op.drop_table("search_generation")
