"""Flask commands: ``flask --app wsgi <group> <command>``."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from alliance.auth.cli import users
    from alliance.challenges.cli import challenges
    from alliance.core.backup_cli import backup_command, restore_command
    from alliance.evaluation.cli import reviews
    from alliance.search.cli import search_cli
    from alliance.seed import seed

    app.cli.add_command(users)
    app.cli.add_command(challenges)
    app.cli.add_command(seed)
    app.cli.add_command(search_cli)
    app.cli.add_command(reviews)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
