"""``flask users ...``. (stub: to be built)"""
import click
from flask.cli import AppGroup

users = AppGroup("users", help="Manage user accounts.")
