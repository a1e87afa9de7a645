"""``flask backup`` and ``flask restore``: a backup brings back the rows and the
attachments as they were, on SQLite and on PostgreSQL; damaged or unsafe archives
are refused before anything is touched."""
from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from alliance import create_app
from alliance.extensions import db
from tests.conftest import _fresh_postgres_database


@pytest.fixture
def site(tmp_path, worker_id):
    """A site of its own (database, uploads, index), outside the test transaction."""
    base = os.environ.get("TEST_DATABASE_URL")
    url = (_fresh_postgres_database(base, f"backup_{worker_id}") if base
           else f"sqlite:///{tmp_path / 'site.db'}")
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {},
        "UPLOAD_FOLDER": str(tmp_path / "uploads"), "WHOOSH_INDEX_DIR": str(tmp_path / "search"),
        "SEARCH_BACKEND": "whoosh", "SEARCH_SYNC": False, "SEARCH_STARTUP_CHECK": False,
    })
    with app.app_context():
        flask_migrate.upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def _partners(app) -> list[str]:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT slug FROM partner ORDER BY slug")).scalars().all()


def _backup(app, tmp_path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "--output-dir", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "bk").glob("alliance-*.tar")
    return path


def test_restore_brings_back_rows_and_attachments(site, tmp_path):
    uploads = Path(site.config["UPLOAD_FOLDER"])
    (uploads / "7").mkdir(parents=True)
    (uploads / "7" / "plan.pdf").write_bytes(b"%PDF-1.4 business plan")
    before = _partners(site)
    assert len(before) == 9
    path = _backup(site, tmp_path)

    with db.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM partner WHERE slug IN ('tim', 'ibm')"))
    (uploads / "7" / "plan.pdf").unlink()
    (uploads / "stray.txt").write_text("written after the backup")
    assert len(_partners(site)) == 7

    result = site.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code == 0, result.output
    assert "search index rebuilt" in result.output
    assert _partners(site) == before
    assert (uploads / "7" / "plan.pdf").read_bytes() == b"%PDF-1.4 business plan"
    assert not (uploads / "stray.txt").exists()


def test_backup_manifest_names_the_schema_and_the_checksum(site, tmp_path):
    with tarfile.open(_backup(site, tmp_path)) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        names = archive.getnames()
    kind = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    assert manifest["database"] == kind
    assert manifest["schema_revision"] == db.session.execute(
        sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert len(manifest["database_sha256"]) == 64
    assert ("database.sqlite3" if kind == "sqlite" else "database.pgdump") in names


def _rewrite(path: Path, target: Path, change) -> Path:
    """A copy of the archive at ``path`` with ``change(name, data)`` applied."""
    with tarfile.open(path) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            member, data = change(member, data)
            out.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def test_damaged_backup_is_refused_and_nothing_changes(site, tmp_path):
    path = _backup(site, tmp_path)

    def damage(member, data):
        if member.name.startswith("database."):
            data = data[:-10] + b"0123456789"
        return member, data

    damaged = _rewrite(path, tmp_path / "damaged.tar", damage)
    with db.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM partner WHERE slug = 'tim'"))
    result = site.test_cli_runner().invoke(args=["restore", "--yes", str(damaged)])
    assert result.exit_code == 1
    assert "checksum does not match" in result.output
    assert "tim" not in _partners(site)  # not restored, not touched


def test_backup_with_a_path_outside_is_refused(site, tmp_path):
    path = _backup(site, tmp_path)

    def escape(member, data):
        if member.name.startswith("uploads"):
            member.name = "../" + member.name
        return member, data

    (Path(site.config["UPLOAD_FOLDER"]) / "a.txt").parent.mkdir(parents=True, exist_ok=True)
    (Path(site.config["UPLOAD_FOLDER"]) / "a.txt").write_text("x")
    evil = _rewrite(_backup(site, tmp_path / "second"), tmp_path / "evil.tar", escape)
    result = site.test_cli_runner().invoke(args=["restore", "--yes", str(evil)])
    assert result.exit_code == 1
    assert "unsafe path" in result.output
    assert path.exists()


def test_a_file_that_is_not_a_backup_is_refused(site, tmp_path):
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as archive:
        info = tarfile.TarInfo("notes.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    result = site.test_cli_runner().invoke(args=["restore", "--yes", str(other)])
    assert result.exit_code == 1
    assert "not an Alliance backup" in result.output
