"""Backups: ``flask --app wsgi backup`` and ``flask --app wsgi restore FILE``.

A backup is one ``.tar`` file holding

* ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the
  site runs) or ``database.pgdump`` (``pg_dump --format=custom``, one snapshot);
* ``uploads/``: the attachments, copied *after* the database, so every file a
  database row names is there (files are written before their row is committed
  and never changed afterwards);
* ``manifest.json``: format, time, database kind, schema revision and the
  SHA-256 of the database file, checked before anything is restored.

The search index is not backed up: it is rebuilt from the restored database.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

FORMAT = "alliance-backup/1"
SQLITE_FILE, PG_FILE, MANIFEST = "database.sqlite3", "database.pgdump", "manifest.json"
UPLOADS = "uploads"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Database:
    """Where the data lives: a SQLite file or a PostgreSQL database."""

    url: sa.URL

    @classmethod
    def of(cls, url: str) -> Database:
        return cls(sa.make_url(url))

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.get_backend_name() == "sqlite" else "postgresql"

    @property
    def sqlite_path(self) -> str:
        if not self.url.database or self.url.database == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        return self.url.database

    def libpq(self) -> tuple[str, dict]:
        """A libpq connection string without the password, and an environment
        holding it (so it never shows in the process list)."""
        env = dict(os.environ)
        if self.url.password:
            env["PGPASSWORD"] = str(self.url.password)
        plain = self.url.set(drivername="postgresql", password=None)
        return plain.render_as_string(hide_password=False), env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _schema_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        try:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.DBAPIError:
            return None


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.returncode}")


def write_backup(*, engine: sa.Engine, url: str, uploads: str | Path, directory: str | Path,
                 now: datetime) -> Path:
    """Write a backup of the database at ``url`` and of ``uploads`` into
    ``directory``; returns the file written."""
    database = Database.of(url)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"alliance-{now:%Y%m%dT%H%M%SZ}.tar"
    with tempfile.TemporaryDirectory(dir=directory) as work:
        work = Path(work)
        if database.kind == "sqlite":
            dump = work / SQLITE_FILE
            source = sqlite3.connect(database.sqlite_path)
            copy = sqlite3.connect(dump)
            try:
                with copy:
                    source.backup(copy)  # page by page, consistent with concurrent writers
            finally:
                copy.close()
                source.close()
        else:
            dump = work / PG_FILE
            conninfo, env = database.libpq()
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={dump}", f"--dbname={conninfo}"], env)
        manifest = {
            "format": FORMAT, "created_at": now.isoformat(), "database": database.kind,
            "schema_revision": _schema_revision(engine), "database_sha256": _sha256(dump),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial = target.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(work / MANIFEST, arcname=MANIFEST)
            archive.add(dump, arcname=dump.name)
            if Path(uploads).is_dir():
                archive.add(uploads, arcname=UPLOADS)
        partial.replace(target)  # a backup file is complete or absent
    return target


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError, TypeError) as error:
        raise BackupError("not an Alliance backup: its manifest is missing or unreadable") \
            from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def restore_backup(*, engine: sa.Engine, url: str, uploads: str | Path, path: str | Path) -> dict:
    """Replace the database at ``url`` and the ``uploads`` folder with the backup
    at ``path``; returns its manifest. The archive is checked before anything is
    touched."""
    database = Database.of(url)
    with tempfile.TemporaryDirectory() as work, tarfile.open(path) as archive:
        work = Path(work)
        manifest = read_manifest(archive)
        if manifest["database"] != database.kind:
            raise BackupError(f"this backup is of a {manifest['database']} database; "
                              f"the site uses {database.kind}")
        try:  # the "data" filter refuses absolute paths, "..", links out and devices
            archive.extractall(work, filter="data")
        except tarfile.FilterError as error:
            raise BackupError(f"the backup holds an unsafe path: {error}") from error
        dump = work / (SQLITE_FILE if database.kind == "sqlite" else PG_FILE)
        if not dump.is_file() or _sha256(dump) != manifest["database_sha256"]:
            raise BackupError("the backup's database file is missing or damaged "
                              "(its checksum does not match the manifest)")
        engine.dispose()  # no pooled connection keeps the old data open
        if database.kind == "sqlite":
            source = sqlite3.connect(dump)
            live = sqlite3.connect(database.sqlite_path)
            try:
                with live:
                    source.backup(live)  # replaces every page, in one transaction
            finally:
                live.close()
                source.close()
        else:
            conninfo, env = database.libpq()
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", f"--dbname={conninfo}", str(dump)], env)
        uploads = Path(uploads)
        if uploads.exists():
            shutil.rmtree(uploads)
        if (work / UPLOADS).is_dir():
            shutil.copytree(work / UPLOADS, uploads)
        else:
            uploads.mkdir(parents=True)
    return manifest
