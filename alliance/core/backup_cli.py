"""``flask --app wsgi backup`` and ``flask --app wsgi restore FILE`` (see ``backup``)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from alliance.core.backup import BackupError, restore_backup, write_backup
from alliance.core.models import utcnow
from alliance.extensions import db


@click.command("backup")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Where to write the backup (default: instance/backups).")
@with_appcontext
def backup_command(output_dir):
    """Write a consistent backup of the database and the attachments."""
    config = current_app.config
    directory = output_dir or str(Path(current_app.instance_path) / "backups")
    try:
        # The engine's URL: Flask-SQLAlchemy has put a relative SQLite path in instance/.
        url = db.engine.url.render_as_string(hide_password=False)
        path = write_backup(engine=db.engine, url=url,
                            uploads=config["UPLOAD_FOLDER"], directory=directory, now=utcnow())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written: {path}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path, yes):
    """Replace the database and the attachments with a backup, then rebuild the
    search index. Stop the site first."""
    if not yes:
        click.confirm("This replaces every row of the database and every attachment. "
                      "Go on?", abort=True)
    config = current_app.config
    db.session.remove()
    try:
        url = db.engine.url.render_as_string(hide_password=False)
        manifest = restore_backup(engine=db.engine, url=url,
                                  uploads=config["UPLOAD_FOLDER"], path=path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    from alliance.search.cli import rebuild_index

    count = rebuild_index()
    click.echo(f"restored the backup of {manifest['created_at']} "
               f"(schema {manifest['schema_revision']}); search index rebuilt: {count} documents")
