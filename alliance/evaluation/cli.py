"""``flask --app wsgi reviews ...``."""
from __future__ import annotations

from flask.cli import AppGroup

reviews = AppGroup("reviews", help="Evaluation: reminders to jurors.")
