"""``flask --app wsgi reviews ...``."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from alliance.core.mail import site_context
from alliance.core.models import utcnow
from alliance.evaluation.progress import send_reminders
from alliance.extensions import db

reviews = AppGroup("reviews", help="Evaluation: reminders to jurors.")


@reviews.command("remind")
def remind() -> None:
    """E-mail every juror with reviews still to submit how many are left (for cron)."""
    with site_context():
        sent = send_reminders(now=utcnow())
        db.session.commit()
    click.echo(f"reminders sent: {sent}")
