"""Backups that restore (issue 13).

A backup is a folder with the database and a manifest (``manifest.json``): when it was
made, the schema revision, the row count of every table and the SHA-256 checksum of the
database file.

- SQLite: a copy made with SQLite's online backup API (consistent while the app runs);
  the manifest is read from the copy itself.
- PostgreSQL: ``pg_dump --format=custom`` run on a snapshot exported from a
  repeatable-read transaction, in which the manifest's row counts are taken too, so
  dump and manifest describe the same moment.

A restore checks the manifest (checksum, a schema revision this code knows, the same
kind of database) and refuses a target database that already has tables. After the
restore, every table's row count must equal the manifest's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

FORMAT = 1
MANIFEST = "manifest.json"
FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
CHUNK = 1 << 20


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why (exit code 1)."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    dialect: str
    schema_revision: str
    tables: dict[str, int]
    file: str
    sha256: str
    size: int
    format: int = FORMAT
    tool: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# --- shared helpers --------------------------------------------------------------------------


def _dialect(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def table_counts(conn: Connection) -> dict[str, int]:
    """The number of rows of every table in the database, by table name."""
    return {
        name: int(conn.scalar(select(func.count()).select_from(table(name))) or 0)
        for name in sorted(inspect(conn).get_table_names())
    }


def schema_revision(conn: Connection) -> str:
    """The Alembic revision(s) the database is at ('' when it has none)."""
    if "alembic_version" not in inspect(conn).get_table_names():
        return ""
    return ",".join(sorted(conn.scalars(text("SELECT version_num FROM alembic_version"))))


def known_revision(revision: str) -> bool:
    """True when this code's migrations contain every revision in ``revision``."""
    script = ScriptDirectory(str(MIGRATIONS))
    try:
        return all(script.get_revision(r) is not None for r in revision.split(",") if r)
    except Exception:  # alembic raises its own errors for unknown revisions
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} already exists and is not an empty folder.")
    folder.mkdir(parents=True, exist_ok=True)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a backup folder, checked against the database file it names."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
        manifest = Manifest(**data)
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: this is not a backup.") from None
    except (ValueError, TypeError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from None
    if manifest.format != FORMAT or manifest.dialect not in FILES:
        raise BackupError(f"{folder / MANIFEST}: unknown backup format.")
    database = folder / Path(manifest.file).name
    if not database.is_file():
        raise BackupError(f"The backup file {database} is missing.")
    if sha256_of(database) != manifest.sha256:
        raise BackupError(f"The checksum of {database} does not match the manifest: damaged.")
    return manifest


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n", "utf-8")


def _now(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("Only a SQLite database in a file can be backed up or restored.")
    return Path(database)


def _sqlite_counts(path: Path) -> tuple[dict[str, int], str]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return table_counts(conn), schema_revision(conn)
    finally:
        engine.dispose()


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with SQLite's online backup API (consistent while others write)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_create(engine: Engine, folder: Path, now: dt.datetime | None) -> Manifest:
    source = _sqlite_file(engine)
    if not source.is_file():
        raise BackupError(f"The database {source} does not exist.")
    target = folder / FILES["sqlite"]
    _sqlite_copy(source, target)
    tables, revision = _sqlite_counts(target)
    return Manifest(
        created_at=_now(now),
        dialect="sqlite",
        schema_revision=revision,
        tables=tables,
        file=target.name,
        sha256=sha256_of(target),
        size=target.stat().st_size,
        tool=f"sqlite3 {sqlite3.sqlite_version} online backup",
    )


def _sqlite_restore(engine: Engine, folder: Path, manifest: Manifest) -> None:
    target = _sqlite_file(engine)
    if target.exists() and _sqlite_counts(target)[0]:
        raise _not_empty()
    engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(folder / manifest.file, target)


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_env(engine: Engine) -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore (the password never on the command line)."""
    url = make_url(engine.url)
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value not in (None, ""):
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} was not found. Install the PostgreSQL client tools "
            "(the same major version as the server) or set PG_DUMP / PG_RESTORE."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _pg_dump() -> str:
    return os.environ.get("PG_DUMP", "pg_dump")


def _pg_restore() -> str:
    return os.environ.get("PG_RESTORE", "pg_restore")


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)", version_text)
    if not match:
        raise BackupError(f"Cannot read the version from {version_text!r}.")
    return int(match.group(1))


def check_tool_version(tool: str, conn: Connection, env: dict[str, str]) -> str:
    """The tool's version line; BackupError when it is older than the server."""
    line = _run([tool, "--version"], env).strip()
    server = int(conn.scalar(text("SHOW server_version_num")) or 0) // 10000
    if _major(line) < server:
        raise BackupError(
            f"{line} is older than the PostgreSQL {server} server; use version {server}."
        )
    return line


def _pg_create(engine: Engine, folder: Path, now: dt.datetime | None) -> Manifest:
    target = folder / FILES["postgresql"]
    env = _pg_env(engine)
    with engine.connect() as plain:
        conn = plain.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            tool = check_tool_version(_pg_dump(), conn, env)
            tables, revision = table_counts(conn), schema_revision(conn)
            _run(
                [
                    _pg_dump(),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                env,
            )
    return Manifest(
        created_at=_now(now),
        dialect="postgresql",
        schema_revision=revision,
        tables=tables,
        file=target.name,
        sha256=sha256_of(target),
        size=target.stat().st_size,
        tool=tool,
    )


def _pg_restore_into(engine: Engine, folder: Path, manifest: Manifest) -> None:
    env = _pg_env(engine)
    with engine.connect() as conn:
        if inspect(conn).get_table_names():
            raise _not_empty()
        check_tool_version(_pg_restore(), conn, env)
    engine.dispose()
    _run(
        [
            _pg_restore(),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={env.get('PGDATABASE', '')}",
            str(folder / manifest.file),
        ],
        env,
    )


# --- use cases -------------------------------------------------------------------------------


def _not_empty() -> BackupError:
    return BackupError(
        "The target database is not empty. Restore only into a new, empty database "
        "(create it, do not run the migrations, then restore)."
    )


def create_backup(engine: Engine, folder: Path, *, now: dt.datetime | None = None) -> Manifest:
    """Write a consistent backup of the database behind ``engine`` into ``folder``."""
    dialect = _dialect(engine)
    folder = Path(folder)
    _prepare_folder(folder)
    maker = _sqlite_create if dialect == "sqlite" else _pg_create
    manifest = maker(engine, folder, now)
    if not manifest.schema_revision:
        manifest.notes.append("The database has no schema revision (never migrated).")
    _write_manifest(folder, manifest)
    return manifest


def restore_backup(engine: Engine, folder: Path) -> Manifest:
    """Restore the backup in ``folder`` into the EMPTY database behind ``engine``."""
    dialect = _dialect(engine)
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest.dialect != dialect:
        raise BackupError(
            f"This is a {manifest.dialect} backup; restore it into a {manifest.dialect} "
            f"database, not {dialect}."
        )
    if not known_revision(manifest.schema_revision):
        raise BackupError(
            f"The backup has schema revision {manifest.schema_revision or '(none)'}, which "
            "this version of the registry does not know: a newer version made it. Restore "
            "it with that version or a later one."
        )
    (_sqlite_restore if dialect == "sqlite" else _pg_restore_into)(engine, folder, manifest)
    with engine.connect() as conn:
        restored = table_counts(conn)
    if restored != manifest.tables:
        different = sorted(
            name
            for name in set(restored) | set(manifest.tables)
            if restored.get(name) != manifest.tables.get(name)
        )
        raise BackupError(f"Restored row counts differ from the manifest: {', '.join(different)}")
    return manifest
