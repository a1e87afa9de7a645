"""Themes: the list admins edit, used by challenges and by start-up sectors."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.extensions import db


class Theme(db.Model):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True, nullable=False)
    name_it: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    name_en: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    position: Mapped[int] = mapped_column(default=0, nullable=False)

    def name(self, locale: str = "it") -> str:
        return self.name_en if locale == "en" else self.name_it

    def __str__(self) -> str:
        return self.name_it

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


DEFAULT_THEMES = [
    ("energy", "Energia e decarbonizzazione", "Energy and decarbonisation"),
    ("mobility", "Mobilità", "Mobility"),
    ("cyber-security", "Sicurezza informatica", "Cyber security"),
    ("connectivity", "Connettività", "Connectivity"),
    ("urban-regeneration", "Rigenerazione urbana", "Urban regeneration"),
    ("green-infrastructure", "Infrastrutture verdi", "Green infrastructure"),
    ("buildings", "Edifici", "Buildings"),
    ("circular-economy", "Economia circolare", "Circular economy"),
]
