"""Proposals: apply, edit, submit, withdraw, receipts, attachments. (stub: to be built)"""
from flask import Blueprint

bp = Blueprint("proposals", __name__)
