"""``flask seed ...``: reference data (partners, themes) and the demo data set."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

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
    """Load the demo data set (stub: to be built)."""
    ensure_partners()
    ensure_themes()
    db.session.commit()
