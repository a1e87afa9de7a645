"""Webhook deliveries made from the audit log, so that no domain code imports webhooks.

A ``before_flush`` listener on every session looks at the new
:class:`~alliance.core.audit.AuditEvent` rows; for each one that stands for a
webhook event (``events.ACTIONS``) it adds one pending
:class:`~alliance.webhooks.models.WebhookDelivery` per active endpoint of the
concerned partners that asked for that event, in the same transaction: a rollback
leaves no delivery behind, a commit leaves every one of them. After the commit the
new deliveries get their first attempt, as ``WEBHOOKS_SEND_AFTER_COMMIT`` says:
``thread`` (in a background thread: the request never waits for a receiver),
``inline`` (before the request goes on: tests) or ``off``; what fails, or is not
sent, is sent by ``flask webhooks deliver`` (cron).
"""
from __future__ import annotations

import json
import logging
import uuid

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from alliance.core.aftercommit import after_commit
from alliance.core.audit import AuditEvent
from alliance.webhooks import events
from alliance.webhooks.models import PENDING, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

_QUEUED = "alliance_webhook_deliveries"


def _endpoints(session: Session, partner_ids: set[int], event_name: str):
    rows = session.scalars(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.partner_id.in_(partner_ids), WebhookEndpoint.active.is_(True)
    ).order_by(WebhookEndpoint.id))
    return [e for e in rows if event_name in (e.events or [])]


def payload(*, event_name: str, event_id: str, occurred_at, data: dict) -> str:
    """The exact body sent (and signed): compact JSON, keys sorted."""
    return json.dumps({"event": event_name, "event_id": event_id,
                       "occurred_at": events._iso(occurred_at), "data": data},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _add_deliveries(session: Session, flush_context, instances) -> None:
    if not has_app_context() or not current_app.config.get("WEBHOOKS_ENABLED", True):
        return
    audits = [obj for obj in session.new
              if isinstance(obj, AuditEvent) and obj.action in events.ACTIONS]
    if not audits:
        return
    queued = session.info.setdefault(_QUEUED, [])
    with session.no_autoflush:
        if not session.scalar(sa.select(sa.exists().where(WebhookEndpoint.active.is_(True)))):
            return  # nobody listens: one query, not one per event
        for audit in sorted(audits, key=lambda a: a.at):
            described = events.describe(session, audit)
            if described is None or not described.partner_ids:
                continue
            for endpoint in _endpoints(session, described.partner_ids, described.event):
                event_id = str(uuid.uuid4())
                session.add(WebhookDelivery(
                    endpoint_id=endpoint.id, event=described.event, event_id=event_id,
                    payload=payload(event_name=described.event, event_id=event_id,
                                    occurred_at=audit.at, data=described.data),
                    status=PENDING, attempts=0, next_attempt_at=audit.at,
                    created_at=audit.at))
                queued.append(event_id)
    if queued and not session.info.get(_QUEUED + "_scheduled"):
        session.info[_QUEUED + "_scheduled"] = True
        app = current_app._get_current_object()
        after_commit(session, lambda: _send_after_commit(app, session))


THREAD, INLINE, OFF = "thread", "inline", "off"


def send_mode(value) -> str:
    """``WEBHOOKS_SEND_AFTER_COMMIT`` as a mode; true/false (the old setting) mean
    thread/off, anything unknown the default, thread."""
    text = str(value).strip().lower()
    if text in (INLINE, OFF):
        return text
    return OFF if text in ("0", "false", "no", "none", "") else THREAD


def _send_after_commit(app, session: Session) -> None:
    event_ids = session.info.pop(_QUEUED, [])
    session.info.pop(_QUEUED + "_scheduled", None)
    mode = send_mode(app.config.get("WEBHOOKS_SEND_AFTER_COMMIT", THREAD))
    if not event_ids or mode == OFF:
        return
    from alliance.webhooks import deliver

    try:
        if mode == INLINE:
            deliver.send_pending(app, event_ids)
        else:
            deliver.start_sending(app, event_ids)
    except Exception:  # never into the request: the cron retries
        log.exception("webhook deliveries after commit failed; the cron will retry")


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_QUEUED, None)
        session.info.pop(_QUEUED + "_scheduled", None)


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "before_flush", _add_deliveries):
        event.listen(Session, "before_flush", _add_deliveries)
        event.listen(Session, "after_soft_rollback", _forget)
