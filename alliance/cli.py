"""Flask commands: ``flask --app wsgi <group> <command>``."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from alliance.auth.cli import users
    from alliance.challenges.cli import challenges
    from alliance.evaluation.cli import reviews
    from alliance.search.cli import search_cli
    from alliance.seed import seed

    app.cli.add_command(users)
    app.cli.add_command(challenges)
    app.cli.add_command(seed)
    app.cli.add_command(search_cli)
    app.cli.add_command(reviews)
