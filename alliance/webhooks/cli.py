"""``flask webhooks deliver``: send the webhook deliveries that are due (cron)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from alliance.webhooks.deliver import deliver_due

webhooks = AppGroup("webhooks", help="Partners' webhook endpoints and their deliveries.")


@webhooks.command("deliver")
def deliver_command() -> None:
    """Send the pending deliveries whose next attempt is due (run it every minute)."""
    delivered, not_delivered = deliver_due()
    click.echo(f"{delivered} delivered, {not_delivered} not delivered (retried later or "
               f"given up)")
