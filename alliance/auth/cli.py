"""``flask --app wsgi users ...``: create admins, grant roles, list accounts."""
from __future__ import annotations

import functools

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from alliance.auth import services
from alliance.auth.models import GRANTED_ROLES, User
from alliance.core.errors import DomainError
from alliance.extensions import db

users = AppGroup("users", help="Manage user accounts.")


def _english(command):
    """Run ``command`` with English messages: there is no request (and so no
    session or user) from which to pick a language."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapper


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@users.command("create-admin")
@click.argument("email")
@click.option("--name", help="Full name of a new admin (default: the part of EMAIL before @).")
@click.option("--password", help="Password of a new admin (asked for when missing).")
@_english
def create_admin(email: str, name: str | None, password: str | None) -> None:
    """Create a confirmed admin EMAIL, or make an existing user an admin."""
    existing = services.find_user_by_email(email)
    if existing is None and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = services.create_admin(email=email, name=name, password=password)
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    if created:
        click.echo(f"Created admin {user.email} ({user.name}).")
    else:
        click.echo(f"{user.email} already had an account: it holds the admin role.")


@users.command("grant-role")
@click.argument("email")
@click.argument("role", type=click.Choice(GRANTED_ROLES))
@_english
def grant_role(email: str, role: str) -> None:
    """Grant ROLE (admin or jury) to the user EMAIL."""
    user = services.find_user_by_email(email)
    if user is None:
        _fail(f"No user with e-mail {services.normalise_email(email)}.")
    try:
        granted = services.grant_role(user=user, role=role)
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    if granted:
        click.echo(f"Granted the {role} role to {user.email}.")
    else:
        click.echo(f"{user.email} already holds the {role} role.")


@users.command("list")
@_english
def list_users() -> None:
    """List every account with its roles and state."""
    accounts = db.session.scalars(sa.select(User).order_by(User.email)).all()
    if not accounts:
        click.echo("No users.")
        return
    width = max(len(u.email) for u in accounts)
    for user in accounts:
        roles = ",".join(sorted(user.roles)) or "-"
        state = "active" if user.active else "inactive"
        confirmed = "confirmed" if user.is_confirmed else "unconfirmed"
        click.echo(f"{user.email:<{width}}  {roles:<22}  {state:<8}  {confirmed:<11}  {user.name}")
    click.echo(f"{len(accounts)} user(s).")
