"""Backups that restore (issue 13): seed, back up, restore into a fresh database, and the
copy equals the original row for row; the ledger check passes on it; a damaged backup, a
newer schema and a non-empty target are refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, create_engine, select
from sqlalchemy.orm import Session

from registry.config import normalise_database_url
from registry.extensions import db
from registry.services import backups
from registry.services import ledger as ledger_service
from seed.demo import load_demo
from tests.conftest import make_test_app


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the same kind as ``backend``."""
    if backend.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    from tests.services.test_migrations import _empty_postgres_database

    with _empty_postgres_database("test_e_restore") as url:
        yield url


def rows_by_table(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key (else full-row) order."""
    metadata = MetaData()
    metadata.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


@pytest.fixture
def seeded(app, session):
    load_demo(session)
    session.commit()
    return session


def test_backup_restores_row_for_row_and_the_ledger_checks(seeded, backend, tmp_path):
    folder = tmp_path / "backup"
    manifest = backups.create_backup(db.engine, folder)
    on_disk = json.loads((folder / "manifest.json").read_text())
    assert on_disk["sha256"] == backups.sha256_of(folder / manifest.file)
    assert on_disk["schema_revision"] and on_disk["created_at"]
    assert manifest.tables["places"] > 0 and manifest.tables["placements"] > 0
    assert manifest.tables["ledger_entries"] > 0
    original = rows_by_table(db.engine)
    assert {name: len(rows) for name, rows in original.items()} == manifest.tables

    with fresh_database(backend, tmp_path) as url:
        engine = create_engine(normalise_database_url(url))
        try:
            backups.restore_backup(engine, folder)
            assert rows_by_table(engine) == original
            with Session(engine) as restored:
                assert ledger_service.check(restored) == []
                assert ledger_service.stored_rows(restored)
        finally:
            engine.dispose()


def test_the_cli_round_trips_and_refuses_a_non_empty_target(seeded, app, backend, tmp_path):
    folder = tmp_path / "cli-backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output

    refused = app.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
    assert refused.exit_code != 0
    assert "not empty" in refused.output

    with fresh_database(backend, tmp_path) as url:
        original = rows_by_table(db.engine)
        target = make_test_app(url)
        with target.app_context():  # the CLI acts on the current app's database
            result = target.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
            assert result.exit_code == 0, result.output
            assert "row counts checked" in result.output
            assert rows_by_table(db.engine) == original
            db.engine.dispose()


def test_a_backup_folder_is_never_overwritten(seeded, tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "something").write_text("x")
    with pytest.raises(backups.BackupError, match="not an empty folder"):
        backups.create_backup(db.engine, folder)


def _edit_manifest(folder: Path, **changes) -> None:
    path = folder / "manifest.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_a_backup_of_a_newer_schema_is_refused(seeded, backend, tmp_path):
    folder = tmp_path / "newer"
    backups.create_backup(db.engine, folder)
    _edit_manifest(folder, schema_revision="f9future0001")
    with fresh_database(backend, tmp_path) as url:
        engine = create_engine(normalise_database_url(url))
        try:
            with pytest.raises(backups.BackupError, match="newer version made it"):
                backups.restore_backup(engine, folder)
            assert rows_by_table(engine) == {}  # nothing was written
        finally:
            engine.dispose()


def test_a_damaged_backup_is_refused(seeded, backend, tmp_path):
    folder = tmp_path / "damaged"
    manifest = backups.create_backup(db.engine, folder)
    database = folder / manifest.file
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    with fresh_database(backend, tmp_path) as url:
        engine = create_engine(normalise_database_url(url))
        try:
            with pytest.raises(backups.BackupError, match="checksum"):
                backups.restore_backup(engine, folder)
        finally:
            engine.dispose()


def test_a_backup_of_another_kind_of_database_is_refused(seeded, backend, tmp_path):
    folder = tmp_path / "other-kind"
    backups.create_backup(db.engine, folder)
    other = "postgresql" if backend.startswith("sqlite") else "sqlite"
    _edit_manifest(folder, dialect=other)
    with pytest.raises(backups.BackupError, match=f"This is a {other} backup"):
        backups.restore_backup(db.engine, folder)


def test_versions_are_read_from_the_tools_output():
    assert backups._major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)") == 15
    assert backups._major("16.1") == 16
