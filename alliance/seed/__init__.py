"""``flask seed ...``: reference data (partners, themes) and the demo data set."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from alliance.core.models import utcnow
from alliance.core.taxonomy import DEFAULT_THEMES, Theme
from alliance.extensions import db
from alliance.partners.data import PARTNERS
from alliance.partners.models import Partner

seed = AppGroup("seed", help="Load reference and demo data.")


def ensure_partners() -> int:
    """Create the nine partners that are missing; return how many were added."""
    existing = set(db.session.scalars(sa.select(Partner.slug)))
    added = 0
    for data in PARTNERS:
        if data["slug"] not in existing:
            db.session.add(Partner(**data))
            added += 1
    db.session.flush()
    return added


def ensure_themes() -> int:
    """Create the default themes that are missing; return how many were added."""
    existing = set(db.session.scalars(sa.select(Theme.slug)))
    added = 0
    for position, (slug, name_it, name_en) in enumerate(DEFAULT_THEMES):
        if slug not in existing:
            db.session.add(Theme(slug=slug, name_it=name_it, name_en=name_en, position=position))
            added += 1
    db.session.flush()
    return added


@seed.command("partners")
def seed_partners() -> None:
    """Create the nine partner companies (and the default themes) if missing."""
    added = ensure_partners()
    themes = ensure_themes()
    db.session.commit()
    click.echo(f"partners added: {added}; themes added: {themes}")


@seed.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo data set: calls, challenges, start-ups, proposals and one account
    per role (password in the README). Adds only what is missing."""
    from alliance.auth.models import User
    from alliance.seed.demo import load_demo
    from alliance.seed.demo_startups import DEMO_PASSWORD

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        click.echo("The database already has users: demo data not loaded (--if-empty).")
        return
    ensure_partners()
    ensure_themes()
    created = load_demo(now=utcnow(), upload_folder=current_app.config.get("UPLOAD_FOLDER"))
    db.session.commit()
    click.echo(
        f"Demo data added: {created.users} users, {created.startups} start-ups, "
        f"{created.calls} calls, {created.challenges} challenges, {created.proposals} proposals "
        f"({created.submissions} submissions, {created.attachments} attachments), "
        f"{created.rounds} evaluation rounds, {created.invitations} invitations to apply."
    )
    click.echo(_totals())
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for email, role in created.logins:
        click.echo(f"  {role:<8} {email}")


def _totals() -> str:
    """What the database now holds, in one line."""
    from alliance.auth.models import User
    from alliance.challenges.models import PUBLIC_STATUSES, Call, Challenge
    from alliance.proposals.models import Proposal
    from alliance.startups.models import Startup

    def count(model, *where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return (
        f"In the database: {count(Call)} calls, {count(Challenge)} challenges "
        f"({count(Challenge, Challenge.status.in_(PUBLIC_STATUSES))} public), "
        f"{count(Startup)} start-ups, {count(Proposal)} proposals, {count(User)} users."
    )
