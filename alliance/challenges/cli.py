"""``flask challenges ...``: scheduled jobs on challenges."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from alliance.challenges import lifecycle
from alliance.core.models import utcnow
from alliance.extensions import db

challenges = AppGroup("challenges", help="Challenges: scheduled jobs.")


@challenges.command("close-expired")
def close_expired() -> None:
    """Close every published challenge whose deadline has passed (run it every few minutes)."""
    closed = lifecycle.close_expired(now=utcnow())
    db.session.commit()
    for challenge in closed:
        click.echo(f"closed {challenge.slug}")
    click.echo(f"challenges closed: {len(closed)}")
