"""``flask --app wsgi mail ...`` and ``flask --app wsgi reminders ...`` (both for cron)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from alliance.core.mail import site_context
from alliance.core.models import utcnow
from alliance.core.outbox_send import retry_due
from alliance.extensions import db
from alliance.notifications.models import DEADLINE_7D, DEADLINE_24H
from alliance.notifications.reminders import send_deadline_reminders

mail_cli = AppGroup("mail", help="The mail outbox: retries of messages not sent.")
reminders = AppGroup("reminders", help="Deadline reminders to start-ups with a draft.")


@mail_cli.command("retry")
def retry() -> None:
    """Send again the messages whose next attempt is due (for cron, every few minutes)."""
    result = retry_due(now=utcnow())
    click.echo(f"mail sent: {result.sent}, not sent (kept for later): {result.not_sent}")


@reminders.command("send")
def send() -> None:
    """Send the deadline reminders due now, 7 days and 24 hours before each deadline,
    each once only (for cron, hourly)."""
    with site_context():
        try:
            run = send_deadline_reminders(now=utcnow())
            db.session.commit()
        except IntegrityError:  # another run is sending the same reminders right now
            db.session.rollback()
            raise click.ClickException("another run was sending the same reminders: "
                                       "this one sent none (run it again)") from None
    click.echo(f"reminders sent: {run.count(DEADLINE_7D)} at 7 days, "
               f"{run.count(DEADLINE_24H)} at 24 hours")
