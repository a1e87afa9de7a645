"""Challenges: the public list and page, drafting (brief, criteria, terms), the lifecycle."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice as Choice

from alliance.auth import policy
from alliance.challenges import goals, lifecycle, services
from alliance.challenges.forms import (
    ChallengeForm,
    CriteriaForm,
    FilterForm,
    TermsForm,
    brief_form_data,
)
from alliance.challenges.models import Call, Challenge, ChallengeTerms
from alliance.core import page_cache
from alliance.core.converters import page_number, plain_digits
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.core.redirects import is_safe_next
from alliance.extensions import db
from alliance.matching.results import matching_of
from alliance.partners.models import Partner
from alliance.proposals.models import Proposal
from alliance.search import get_backend as get_search_backend

bp = Blueprint("challenges", __name__, url_prefix="/challenges")
log = logging.getLogger(__name__)

PER_PAGE = 20


def _form_status(form) -> int:
    return 422 if form.errors else 200


def _load(slug: str) -> Challenge:
    """The challenge at ``slug`` if the user may see it; 404 otherwise (drafts must not leak)."""
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == slug))
    policy.require(challenge is not None and policy.can_view_challenge(current_user, challenge),
                   hide=True)
    return challenge


def _locale() -> str:
    return str(get_locale())


# -- the public list and page --------------------------------------------------

@bp.get("/")
def index():
    now = utcnow()
    form = FilterForm(request.args)
    locale = _locale()
    themes = services.ordered_themes()
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    calls = db.session.scalars(sa.select(Call).order_by(Call.opens_at.desc())).all()
    form.theme.choices = [Choice("", _("All themes"))] + [Choice(t.slug, t.name(locale))
                                                          for t in themes]
    form.partner.choices = [Choice("", _("All partners"))] + [Choice(p.slug, p.name)
                                                              for p in partners]
    form.call.choices = [Choice("", _("All calls"))] + [Choice(c.slug, c.title) for c in calls]
    state = form.state.data if form.state.data in services.STATES else ""
    sort = "newest" if form.sort.data == "newest" else "deadline"
    pagination = services.public_challenges_page(
        visible=policy.visible_challenges(current_user), now=now,
        theme=form.theme.data or None, partner=form.partner.data or None,
        call=form.call.data or None, state=state, sort=sort,
        page=page_number(request.args.get("page", 1, type=int)), per_page=PER_PAGE,
    )
    filtered = any((form.theme.data, form.partner.data, form.call.data, state))
    return render_template("challenges/index.html", form=form, pagination=pagination,
                           challenges=pagination.items, now=now, filtered=filtered)


@bp.get("/<slug>")
def detail(slug):
    challenge = _load(slug)
    now = utcnow()
    proposal = None
    startup_id = policy.startup_id_of(current_user)
    if startup_id is not None:
        proposal = db.session.scalar(
            sa.select(Proposal).where(Proposal.challenge_id == challenge.id,
                                      Proposal.startup_id == startup_id)
        )
    shares = services.criteria_shares([c.weight for c in challenge.criteria])
    try:  # related challenges, among what this user may see
        related = get_search_backend().similar("challenge", challenge.id,
                                               policy.search_scope(current_user, now))
    except Exception:  # the index being unavailable must not hide the challenge
        log.exception("related challenges unavailable for challenge %s", challenge.id)
        related = []
        page_cache.skip()  # not kept without its related challenges
    return render_template(
        "challenges/detail.html", challenge=challenge, now=now, proposal=proposal,
        criteria=list(zip(challenge.criteria, shares)), terms=challenge.current_terms,
        related=related,
        call_results_visible=policy.can_view_call_results(current_user,
                                                          matching_of(challenge.call)),
    )


# -- drafting ------------------------------------------------------------------

def _setup_choices(form: ChallengeForm, *, lead_choice: bool,
                   lead_partner_id: int | None = None,
                   challenge: Challenge | None = None) -> None:
    """Fill the select boxes; a partner's own company is the lead, never a co-sponsor."""
    locale = _locale()
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    form.call.choices = [
        Choice(c.id, c.title)
        for c in db.session.scalars(sa.select(Call).order_by(Call.opens_at.desc()))
    ]
    form.theme.choices = [Choice(t.id, t.name(locale)) for t in services.ordered_themes()]
    form.city_goals.choices = [Choice(g.id, goals.goal_name(g, locale))
                               for g in goals.goal_choices(challenge)]
    form.cosponsors.choices = [Choice(p.id, p.name) for p in partners
                               if lead_choice or p.id != lead_partner_id]
    if lead_choice:
        form.lead_partner.choices = [Choice(p.id, p.name) for p in partners]
    else:
        del form.lead_partner


def _challenge_data(form: ChallengeForm, lead_partner_id: int) -> services.ChallengeData:
    return services.ChallengeData(
        call_id=form.call.data,
        lead_partner_id=lead_partner_id,
        cosponsor_ids=list(form.cosponsors.data or []),
        title=form.title.data,
        slug=form.slug.data,
        summary=form.summary.data,
        description=form.description.data,
        theme_id=form.theme.data,
        expected_outcomes=form.expected_outcomes.data,
        rewards=form.rewards.data,
        eligibility=form.eligibility.data,
        opens_at=form.opens_at.data,
        deadline=form.deadline.data,
        pilot_slots=form.pilot_slots.data,
        city_goal_ids=list(form.city_goals.data or []),
        locale=form.locale.data,
        translation=services.TranslationData(**form.translation_values()),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    policy.require(policy.can_create_challenge(current_user))
    is_admin = policy.is_admin(current_user)
    own = policy.partner_id_of(current_user)
    form = ChallengeForm(data={"lead_partner": own})
    _setup_choices(form, lead_choice=is_admin, lead_partner_id=own)
    if form.validate_on_submit():
        lead = form.lead_partner.data if is_admin else policy.partner_id_of(current_user)
        with saving(form) as outcome:
            challenge = services.create_challenge(
                data=_challenge_data(form, lead), user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Draft saved. Now add the evaluation criteria."), "success")
            return redirect(url_for(".criteria", slug=challenge.slug))
    return render_template("challenges/form.html", form=form, challenge=None,
                           lead_partner=db.session.get(Partner, own) if own else None), \
        _form_status(form)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    challenge = _load(slug)
    policy.require(policy.can_edit_challenge(current_user, challenge))
    is_admin = policy.is_admin(current_user)
    form = ChallengeForm(data={
        "call": challenge.call_id, "lead_partner": challenge.lead_partner_id,
        "cosponsors": [p.id for p in challenge.cosponsors], "title": challenge.title,
        "slug": challenge.slug, "summary": challenge.summary,
        "description": challenge.description, "theme": challenge.theme_id,
        "expected_outcomes": challenge.expected_outcomes, "rewards": challenge.rewards,
        "eligibility": challenge.eligibility, "opens_at": challenge.opens_at,
        "deadline": challenge.deadline, "pilot_slots": challenge.pilot_slots,
        **brief_form_data(challenge),
    })
    _setup_choices(form, lead_choice=is_admin, lead_partner_id=challenge.lead_partner_id,
                   challenge=challenge)
    if form.validate_on_submit():
        lead = form.lead_partner.data if is_admin else challenge.lead_partner_id
        with saving(form) as outcome:
            services.update_challenge(challenge=challenge, data=_challenge_data(form, lead),
                                      user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".detail", slug=challenge.slug))
    return render_template("challenges/form.html", form=form, challenge=challenge,
                           lead_partner=challenge.lead_partner), _form_status(form)


@bp.route("/<slug>/criteria", methods=["GET", "POST"])
@login_required
def criteria(slug):
    challenge = _load(slug)
    policy.require(policy.can_edit_challenge(current_user, challenge))
    if request.method == "POST":
        form = CriteriaForm()
        # Rows ticked "remove" go away at once (they need not be valid).
        form.criteria.entries = [e for e in form.criteria.entries if not e.form.remove.data]
    else:
        form = CriteriaForm(data={"criteria": [
            {"id": str(c.id), "name": c.name, "description": c.description,
             "weight": c.weight, "scale": c.scale, "comment_required": c.comment_required}
            for c in challenge.criteria
        ]})
        if not challenge.criteria:
            form.criteria.append_entry()
    if request.method == "POST" and "add_row" in request.form:
        form.criteria.append_entry()  # nothing saved: the rows typed so far stay on the page
    elif form.validate_on_submit():
        rows = [
            services.CriterionData(
                id=int(row.form.id.data) if plain_digits(row.form.id.data) else None,
                name=row.form.name.data, description=row.form.description.data or "",
                weight=row.form.weight.data, scale=row.form.scale.data,
                comment_required=bool(row.form.comment_required.data),
            )
            for row in form.criteria
        ]
        with saving(form) as outcome:
            services.save_criteria(challenge=challenge, criteria=rows, user=current_user,
                                   now=utcnow())
        if outcome.ok:
            flash(_("Evaluation criteria saved."), "success")
            return redirect(url_for(".criteria", slug=slug))
    shares = services.criteria_shares([row.form.weight.data for row in form.criteria])
    return render_template("challenges/criteria.html", challenge=challenge, form=form,
                           rows=list(zip(form.criteria, shares))), _form_status(form)


@bp.route("/<slug>/terms", methods=["GET", "POST"])
@login_required
def terms(slug):
    challenge = _load(slug)
    may_edit = policy.can_edit_terms(current_user, challenge)
    policy.require(may_edit or policy.can_manage_challenge(current_user, challenge))  # the history, read-only
    current = challenge.current_terms
    form = TermsForm(data={"text": current.text if current else ""})
    if request.method == "POST":
        policy.require(may_edit)
        if form.validate_on_submit():
            with saving(form) as outcome:
                version = services.add_terms(challenge=challenge, text=form.text.data,
                                             user=current_user, now=utcnow())
            if outcome.ok:
                flash(_("Version %(n)d of the terms saved.", n=version.version), "success")
                return redirect(url_for(".terms", slug=slug))
    versions = db.session.scalars(
        sa.select(ChallengeTerms).where(ChallengeTerms.challenge_id == challenge.id)
        .order_by(ChallengeTerms.version.desc())
    ).all()
    return render_template("challenges/terms.html", challenge=challenge, form=form,
                           versions=versions, may_edit=may_edit), _form_status(form)


# -- the lifecycle: one POST endpoint per transition ----------------------------

def _back(slug: str) -> str:
    target = request.form.get("next") or ""
    return target if is_safe_next(target) else url_for(".detail", slug=slug)


def _transition(slug: str, allowed, function, done: str, **kwargs):
    challenge = _load(slug)
    policy.require(allowed(challenge))
    try:
        function(challenge=challenge, user=current_user, now=utcnow(), **kwargs)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(_back(slug))


def _manager(challenge: Challenge) -> bool:
    return policy.can_manage_challenge(current_user, challenge)


def _moderator(challenge: Challenge) -> bool:
    return policy.can_moderate_challenge(current_user, challenge)


@bp.post("/<slug>/submit")
@login_required
def submit(slug):
    return _transition(slug, _manager, lifecycle.submit_for_approval,
                       _("The challenge was sent for approval."))


@bp.post("/<slug>/approve")
@login_required
def approve(slug):
    return _transition(slug, _moderator, lifecycle.approve, _("The challenge is published."))


@bp.post("/<slug>/return")
@login_required
def return_to_draft(slug):
    return _transition(slug, _moderator, lifecycle.return_to_draft,
                       _("The challenge went back to draft; its partner was told why."),
                       comment=request.form.get("comment", ""))


@bp.post("/<slug>/close")
@login_required
def close(slug):
    return _transition(slug, _moderator, lifecycle.close, _("The challenge is closed."))


@bp.post("/<slug>/start-evaluation")
@login_required
def start_evaluation(slug):
    return _transition(slug, _moderator, lifecycle.start_evaluation,
                       _("The evaluation has started."))


@bp.post("/<slug>/decide")
@login_required
def decide(slug):
    return _transition(slug, _moderator, lifecycle.decide, _("The challenge is decided."))


@bp.post("/<slug>/archive")
@login_required
def archive(slug):
    return _transition(slug, _moderator, lifecycle.archive, _("The challenge is archived."))


from alliance.challenges import translation_views as _translation_views  # noqa: E402,F401
