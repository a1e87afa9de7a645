"""Flask commands: ``flask --app wsgi <group> <command>``."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from alliance.auth.cli import users
    from alliance.auth.privacy_cli import privacy
    from alliance.challenges.cli import challenges
    from alliance.core.backup_cli import backup_command, restore_command
    from alliance.evaluation.cli import reviews
    from alliance.notifications.cli import mail_cli, reminders
    from alliance.search.cli import search_cli
    from alliance.seed import seed
    from alliance.webhooks.cli import webhooks

    app.cli.add_command(users)
    app.cli.add_command(challenges)
    app.cli.add_command(seed)
    app.cli.add_command(search_cli)
    app.cli.add_command(reviews)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(reminders)
    app.cli.add_command(privacy)
    app.cli.add_command(webhooks)
