"""The admin console's mail outbox: the messages not sent (given up, or waiting for
their next attempt) with their errors, and "retry now".

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from alliance.admin.views import bp
from alliance.auth import policy
from alliance.core.audit import record
from alliance.core.converters import id_arg
from alliance.core.models import utcnow
from alliance.core.outbox import FAILED, PENDING, SENT, OutgoingMail
from alliance.core.outbox_send import MAX_ATTEMPTS, retry_due, retry_now
from alliance.extensions import db

SHOWN = 200  # per status; the page says when there are more


def _rows(status: str, order) -> list[OutgoingMail]:
    return list(db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.status == status).order_by(*order)
        .limit(SHOWN)
    ))


@bp.get("/mail/")
def mail():
    policy.require(policy.can_manage_mail(current_user))
    counts = dict(db.session.execute(
        sa.select(OutgoingMail.status, sa.func.count()).group_by(OutgoingMail.status)
    ).all())
    now = utcnow()
    pending = _rows(PENDING, (OutgoingMail.next_attempt_at, OutgoingMail.id))
    return render_template(
        "admin/mail.html",
        failed=_rows(FAILED, (OutgoingMail.created_at.desc(), OutgoingMail.id.desc())),
        pending=pending, counts={s: counts.get(s, 0) for s in (PENDING, FAILED, SENT)},
        due=sum(1 for row in pending if row.next_attempt_at and row.next_attempt_at <= now),
        shown=SHOWN, max_attempts=MAX_ATTEMPTS, now=now,
    )


@bp.post("/mail/retry")
def mail_retry():
    """One message (``mail_id``) now, or, without it, every message that is due."""
    policy.require(policy.can_manage_mail(current_user))
    now = utcnow()
    mail_id = request.form.get("mail_id", type=id_arg)
    if mail_id is not None:
        outcome = retry_now(mail_id=mail_id, now=now)
        if outcome is None:
            flash(_("There was nothing to retry: the message was sent, or is being sent."),
                  "info")
        elif outcome:
            flash(_("The message was sent."), "success")
        else:
            flash(_("The message could not be sent again: see its error."), "warning")
        record(actor=current_user, action="mail.retried", obj=None, now=now, mail_id=mail_id,
               sent=bool(outcome))
    else:
        result = retry_due(now=now)
        text = ngettext("%(num)d message sent.", "%(num)d messages sent.", result.sent)
        if result.not_sent:
            text += " " + ngettext("%(num)d could not be sent: see its error.",
                                   "%(num)d could not be sent: see their errors.",
                                   result.not_sent)
        flash(text, "warning" if result.not_sent else "info")
        record(actor=current_user, action="mail.retried_due", obj=None, now=now,
               sent=result.sent, not_sent=result.not_sent)
    db.session.commit()
    return redirect(url_for(".mail"))
