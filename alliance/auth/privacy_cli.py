"""``flask --app wsgi privacy purge [--dry-run]``: apply the retention period of the
proposals that were not selected (run it daily from cron)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from alliance.auth import retention
from alliance.extensions import db

privacy = AppGroup("privacy", help="Personal data: retention of proposals and e-mail.")


@privacy.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def purge_command(dry_run: bool) -> None:
    """Remove the content of proposals not selected once the retention period is over."""
    with force_locale("en"):
        result = retention.purge_proposals(folder=current_app.config["UPLOAD_FOLDER"],
                                           dry_run=dry_run)
        mails = retention.forget_old_mail(dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    click.echo(f"E-mail older than {retention.SENT_MAIL_KEPT_DAYS} days: {mails} message(s) "
               + ("would be deleted." if dry_run else "deleted."))
    days = result["retention_days"]
    if days is None:
        click.echo("No retention period is set: proposals are kept. Nothing to do.")
        return
    ids = ", ".join(f"#{i}" for i in result["proposal_ids"]) or "none"
    if dry_run:
        click.echo(f"Dry run (retention {days} days): {result['proposals']} proposal(s) "
                   f"would be purged: {ids}.")
        return
    click.echo(f"Retention {days} days: purged {result['proposals']} proposal(s) "
               f"({ids}), removed {result['attachments']} attachment(s).")
