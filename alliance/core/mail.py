"""Outgoing e-mail: rendered at once from templates, sent after the commit.

Rendering happens while the request (and its data) is at hand; sending waits
for the transaction to commit, so a rolled-back action sends nothing.
"""
from __future__ import annotations

import logging

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives

from alliance.core.aftercommit import after_commit
from alliance.extensions import db

log = logging.getLogger(__name__)


def queue_mail(*, to: str | list[str], subject: str, template: str, **context) -> None:
    """Render ``templates/mail/<template>.txt`` (and ``.html`` when present) and
    send it to ``to`` once the current transaction commits."""
    recipients = [to] if isinstance(to, str) else list(to)
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    body = render_template(f"mail/{template}.txt", subject=subject, **context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=recipients,
    )
    app = current_app._get_current_object()

    def send() -> None:
        with app.app_context():
            try:
                message.send()
            except Exception:
                log.exception("could not send mail %r to %s", subject, recipients)

    after_commit(db.session(), send)


def site_context():
    """A request context on ``SITE_URL``, so that commands run by cron (outside any
    request) build full links in their e-mails with ``url_for(..., _external=True)``."""
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"])


def in_language_of(user):
    """``with in_language_of(user):`` renders a message (subject and body) in the
    recipient's language: the one they chose, or the site's default."""
    from flask_babel import force_locale

    return force_locale(getattr(user, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"])
