"""Conflicts that appear after assignment: a start-up names a new customer, investor
or competitor, keeps a proposal from one more partner company, or a juror joins a
partner company. Before the transaction commits, the assignments those changes put
in conflict (in rounds not yet closed) are removed, so a conflicted juror never keeps
a proposal, in any list, search or ranking.

The code that makes those changes (start-ups, proposals, partners) knows nothing of
evaluation: this module listens to the session, as search and the audit log do.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from alliance.core.models import utcnow
from alliance.partners.models import PartnerMembership
from alliance.proposals.models import Proposal
from alliance.startups.models import StartupRelation

_KEY = "evaluation.conflict_watch"


def _note(session: Session, flush_context) -> None:
    noted = session.info.setdefault(_KEY, {"startups": set(), "proposals": set(),
                                           "users": set()})
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, StartupRelation) and obj.startup_id is not None:
            noted["startups"].add(obj.startup_id)
        elif isinstance(obj, PartnerMembership) and obj.user_id is not None:
            noted["users"].add(obj.user_id)
        elif isinstance(obj, Proposal) and sa.inspect(obj).attrs.hidden_from.history.added:
            noted["proposals"].add(obj.id)
    if not any(noted.values()):
        session.info.pop(_KEY, None)


def _apply(session: Session) -> None:
    session.flush()  # before_commit runs before the commit's own flush: note it all now
    noted = session.info.pop(_KEY, None)
    if not noted:
        return
    from alliance.evaluation.assignment import drop_conflicted

    drop_conflicted(startup_ids=noted["startups"], proposal_ids=noted["proposals"],
                    user_ids=noted["users"], now=utcnow())


def _forget(session: Session, previous_transaction) -> None:
    session.info.pop(_KEY, None)


def install() -> None:
    """Listen to every session (idempotent)."""
    if not event.contains(Session, "after_flush", _note):
        event.listen(Session, "after_flush", _note)
        event.listen(Session, "before_commit", _apply)
        event.listen(Session, "after_soft_rollback", _forget)
