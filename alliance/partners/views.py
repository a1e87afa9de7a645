"""Public partner pages and the partner dashboard."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from alliance.auth import policy
from alliance.challenges import services as challenge_services
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching.pilot_queries import pilots_panel_context
from alliance.partners.models import Partner
from alliance.proposals.models import DRAFT, SUBMITTED, Proposal

bp = Blueprint("partners", __name__)

CURRENT_SHOWN, PAST_SHOWN = 12, 10  # challenges on a partner's page


@bp.get("/partners/")
def index():
    now = utcnow()
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    open_counts = challenge_services.open_counts_by_partner(now)
    return render_template("partners/index.html", partners=partners, open_counts=open_counts)


@bp.get("/partners/<slug>")
def detail(slug):
    partner = db.session.scalar(sa.select(Partner).where(Partner.slug == slug))
    policy.require(partner is not None, hide=True)
    now = utcnow()
    # The first few of each kind, with links to the full lists: a partner may have
    # hundreds of challenges.
    shown = challenge_services.partner_page_challenges(
        partner_id=partner.id, visible=policy.visible_challenges(current_user), now=now,
        current_limit=CURRENT_SHOWN, past_limit=PAST_SHOWN,
    )
    return render_template("partners/detail.html", partner=partner, current=shown.current,
                           past=shown.past, current_total=shown.current_total,
                           past_total=shown.past_total, now=now)


def proposal_counts(challenge_ids: list[int]) -> dict[int, dict[str, int]]:
    """Submitted and draft proposals per challenge, in one grouped query."""
    if not challenge_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Proposal.challenge_id,
            sa.func.sum(sa.case((Proposal.status == SUBMITTED, 1), else_=0)),
            sa.func.sum(sa.case((Proposal.status == DRAFT, 1), else_=0)),
        )
        .where(Proposal.challenge_id.in_(challenge_ids))
        .group_by(Proposal.challenge_id)
    )
    return {cid: {"submitted": int(sub or 0), "drafts": int(drafts or 0)}
            for cid, sub, drafts in rows}


@bp.get("/partner/dashboard")
@login_required
def dashboard():
    policy.require(policy.can_view_partner_dashboard(current_user))
    partner = current_user.partner
    now = utcnow()
    challenges = challenge_services.challenges_of_partner(partner.id)
    counts = proposal_counts([c.id for c in challenges])
    return render_template("partners/dashboard.html", partner=partner, challenges=challenges,
                           counts=counts, now=now,
                           **pilots_panel_context(user=current_user, now=now))
