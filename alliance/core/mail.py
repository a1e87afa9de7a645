"""Outgoing e-mail: rendered at once from templates, kept in the outbox, sent after
the commit.

Rendering happens while the request (and its data) is at hand. The message is
written to the outbox (:class:`~alliance.core.outbox.OutgoingMail`) in the caller's
transaction, so it exists if and only if the action committed; sending waits for the
commit. A message that cannot be sent stays in the outbox with its error and is
retried with back-off (``core/outbox_send.py``, ``flask mail retry``): a failed send
never loses the user's action, nor the message.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, render_template
from jinja2 import TemplateNotFound

from alliance.core.aftercommit import after_commit
from alliance.core.models import utcnow
from alliance.core.outbox import PENDING, OutgoingMail
from alliance.core.outbox_send import Message, next_attempt_at, send_message
from alliance.extensions import db

log = logging.getLogger(__name__)

SUBJECT_CHARS = 300  # OutgoingMail.subject


def queue_mail(*, to: str | list[str], subject: str, template: str,
               **context) -> OutgoingMail | None:
    """Render ``templates/mail/<template>.txt`` (and ``.html`` when present), keep the
    message in the outbox (in the current transaction) and send it to ``to`` once
    that transaction commits. Returns the outbox row (None when ``to`` is empty)."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return None
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    subject = str(subject)[:SUBJECT_CHARS]
    body = render_template(f"mail/{template}.txt", subject=subject, **context)
    html_body = _render_html(f"mail/{template}.html", subject=subject, **context)
    now = utcnow()
    # The first attempt is claimed at once (attempts=1): it runs right after the
    # commit; should this process die first, the message is due again later.
    row = OutgoingMail(template=template, recipients=recipients, subject=subject, body=body,
                       html_body=html_body, status=PENDING, attempts=1, last_error="",
                       created_at=now, next_attempt_at=next_attempt_at(1, now))
    db.session.add(row)
    app = current_app._get_current_object()

    def send() -> None:
        identity = sa.inspect(row).identity
        if identity is None:  # not written after all (expunged): nothing to send
            return
        with app.app_context():
            send_message(Message(identity[0], recipients, subject, body, html_body, attempt=1))

    after_commit(db.session(), send)
    return row


def _render_html(name: str, **context) -> str | None:
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return None
    return render_template(name, **context)


def site_context():
    """A request context on ``SITE_URL``, so that commands run by cron (outside any
    request) build full links in their e-mails with ``url_for(..., _external=True)``."""
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"])


def in_language_of(user):
    """``with in_language_of(user):`` renders a message (subject and body) in the
    recipient's language: the one they chose, or the site's default."""
    from flask_babel import force_locale

    return force_locale(getattr(user, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"])
