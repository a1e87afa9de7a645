"""Logging: one line per event, JSON in production, readable text in development.

``LOG_FORMAT`` (``json`` or ``text``; production defaults to ``json``) and
``LOG_LEVEL`` choose. Every line written while a request is served carries that
request's id (the ``X-Request-ID`` header the proxy sent, or a new one, echoed
in the response so a user's report can be found in the logs), its method and
path, and the signed-in user's id.
"""
from __future__ import annotations

import logging
import re
import sys
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect as sa_inspect

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it is short and plain: it ends up in every log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}


class RequestContext(logging.Filter):
    """Adds the request's id, method, path and user id to each record (``-`` and
    None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            record.method = request.method
            record.path = request.path
            user = g.get("_login_user")  # only if Flask-Login already loaded it
            # The identity map key: never a query (nor an error) for an expired user.
            state = sa_inspect(user, raiseerr=False) if user is not None else None
            record.user_id = state.identity[0] if state is not None and state.identity else None
        else:
            record.request_id, record.method, record.path, record.user_id = "-", None, None, None
        return True


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES,
                             static_fields={}, json_ensure_ascii=False)
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(app: Flask) -> None:
    """Install the site's handler on the root logger, once per process (a later
    app replaces it rather than adding a second one)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "alliance", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.alliance = True
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    handler.addFilter(RequestContext())
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def assign_request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response
