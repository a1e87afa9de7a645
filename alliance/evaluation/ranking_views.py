"""The admin's ranking pages (a round's, a challenge's), their exports, a proposal's
reviews with score overrides, bulk decisions and their confirmation, and the frozen
decision records; on the ``evaluation`` blueprint of :mod:`admin_views`."""
from __future__ import annotations

import sqlalchemy as sa
from babel.numbers import get_decimal_symbol
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from alliance.auth import policy
from alliance.challenges.models import Challenge
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.evaluation import decisions, exports
from alliance.evaluation import ranking as rk
from alliance.evaluation.admin_forms import BulkDecisionForm, OverrideForm
from alliance.evaluation.admin_views import (
    _back,
    _challenge,
    _flash_error,
    _paginate,
    _round,
    _status,
    bp,
)
from alliance.evaluation.models import (
    Assignment,
    Decision,
    DecisionRecord,
    DiscussionComment,
    ScoreOverride,
)
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.models import SUBMITTED as PROPOSAL_SUBMITTED
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

# -- ranking --------------------------------------------------------------------------

def _second_score(row):
    return row.second.score if row.second is not None else None


def _range(row):
    return (row.totals[-1] - row.totals[0]) if row.totals else None


SORTS = {
    "rank": lambda r: r.rank,
    "title": lambda r: r.title.casefold(),
    "startup": lambda r: r.startup_name.casefold(),
    "final": lambda r: r.display_score,
    "mean": lambda r: r.mean,
    "median": lambda r: r.median,
    "sd": lambda r: r.sd,
    "range": _range,
    "normalised": lambda r: r.normalised,
    "second": _second_score,
    "reviews": lambda r: r.reviews,
    "state": lambda r: r.outcome,
}
STATE_FILTERS = ("none", "shortlisted", "winner", "not_selected")


def _sort_key(column: str):
    if column in SORTS:
        return SORTS[column]
    if column.startswith("c") and column[1:].isascii() and column[1:].isdigit():
        index = int(column[1:])
        return lambda r: r.criterion_means[index] if index < len(r.criterion_means) else None
    return None


def _sorted_rows(rows: list, column: str, descending: bool) -> list:
    """Rows ordered by ``column``; rows without a value come last either way."""
    key = _sort_key(column)
    if key is None or column == "rank":
        ordered = list(reversed(rows)) if descending else list(rows)
        valued = [r for r in ordered if r.rank is not None]
        return valued + [r for r in ordered if r.rank is None]
    valued = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    valued.sort(key=lambda r: (key(r), r.rank or 0), reverse=descending)
    return valued + missing


def _filtered_rows(rows: list, args) -> list:
    state = args.get("state") or ""
    if state == "none":
        rows = [r for r in rows if r.outcome is None]
    elif state in STATE_FILTERS:
        rows = [r for r in rows if r.outcome == state]
    if args.get("disagreement") == "1":
        rows = [r for r in rows if r.disagreement]
    min_reviews = args.get("min_reviews", type=int)
    if min_reviews:
        rows = [r for r in rows if r.reviews >= min_reviews]
    text = (args.get("q") or "").strip().casefold()
    if text:
        rows = [r for r in rows if text in r.title.casefold()
                or text in r.startup_name.casefold()]
    return rows


class TableFormat:
    """Formatting for the ranking table, in plain Python: Babel's formatting and
    Jinja macros cost too much for a table of many figures per row."""

    dash = Markup('<span class="text-body-secondary">–</span>')

    def __init__(self):
        self.sign = get_decimal_symbol(get_locale())
        self.totals_word = _("Jurors' totals")
        self.mean_word = _("mean")

    def num(self, value, digits: int = 1):
        """``value`` with ``digits`` decimals in the reader's locale (scores stay
        below 1,000: no grouping); a dash for None."""
        if value is None:
            return self.dash
        text = f"{value:.{digits}f}"
        return text if self.sign == "." else text.replace(".", self.sign)

    def spread_label(self, totals, mean) -> str:
        """What the spread drawing shows, in words (for screen readers)."""
        values = ", ".join(str(self.num(t)) for t in totals)
        return f"{self.totals_word}: {values}; {self.mean_word} {self.num(mean)}"


def _ranking_page(ranking: rk.Ranking, *, challenge: Challenge, round_=None):
    column = request.args.get("sort") or "rank"
    if _sort_key(column) is None:
        column = "rank"
    descending = request.args.get("dir") == "desc"
    rows = _sorted_rows(_filtered_rows(ranking.rows, request.args), column, descending)
    page = _paginate(rows)  # only this page's rows are rendered
    latest_record = db.session.execute(
        sa.select(DecisionRecord.id, DecisionRecord.created_at, DecisionRecord.digest)
        .where(DecisionRecord.challenge_id == challenge.id)
        .order_by(DecisionRecord.id.desc()).limit(1)
    ).first()
    first_round = next((r for r in ranking.rounds if r.number == 1), None)
    detail_round_id = round_.id if round_ is not None else (first_round.id if first_round
                                                            else None)
    # One url_for, not one per row: the proposals' pages share this prefix.
    detail_prefix = (url_for(".round", round_id=detail_round_id) + "/proposals/"
                     if detail_round_id else None)
    return render_template(
        "evaluation/ranking.html", ranking=ranking, challenge=challenge, round=round_,
        page=page, sort=column, descending=descending, latest_record=latest_record,
        decision_form=BulkDecisionForm(formdata=None), labels=decisions.OUTCOME_LABELS,
        detail_prefix=detail_prefix, args=request.args, active="ranking", fmt=TableFormat(),
        export_args={"round_id": round_.id} if round_ is not None
        else {"challenge_id": challenge.id},
    )


@bp.get("/rounds/<int:round_id>/ranking")
def ranking(round_id):
    round_ = _round(round_id)
    return _ranking_page(rk.round_ranking(round_), challenge=round_.challenge, round_=round_)


@bp.get("/challenges/<int:challenge_id>/ranking")
def challenge_ranking(challenge_id):
    challenge = _challenge(challenge_id)
    return _ranking_page(rk.challenge_ranking(challenge), challenge=challenge)


def _export(ranking: rk.Ranking, name: str, kind: str) -> Response:
    if kind == "csv":
        body, mimetype = exports.ranking_csv(ranking), "text/csv; charset=utf-8"
    else:
        body = exports.ranking_xlsx(ranking)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/rounds/<int:round_id>/ranking.<any(csv, xlsx):kind>")
def ranking_export(round_id, kind):
    round_ = _round(round_id)
    return _export(rk.round_ranking(round_),
                   f"ranking-{round_.challenge.slug}-round-{round_.number}", kind)


@bp.get("/challenges/<int:challenge_id>/ranking.<any(csv, xlsx):kind>")
def challenge_ranking_export(challenge_id, kind):
    challenge = _challenge(challenge_id)
    return _export(rk.challenge_ranking(challenge), f"ranking-{challenge.slug}", kind)


# -- decisions ------------------------------------------------------------------------

@bp.post("/challenges/<int:challenge_id>/decisions")
def decide(challenge_id):
    """Bulk decisions: the ranking's form leads to a confirmation page, whose form
    (with ``confirm``) takes them."""
    challenge = _challenge(challenge_id)
    back = _back(url_for(".challenge_ranking", challenge_id=challenge.id))
    form = BulkDecisionForm()
    form.proposal_ids.choices = [(i, str(i)) for i in db.session.scalars(
        sa.select(Proposal.id).where(Proposal.challenge_id == challenge.id,
                                     Proposal.status == PROPOSAL_SUBMITTED))]
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(" ".join(str(m) for m in messages) or _("Tick at least one proposal."),
              "danger")
        return redirect(back)
    if request.form.get("confirm") != "1":
        rows = db.session.execute(
            sa.select(Proposal.id, Proposal.title, Startup.name, Decision.outcome,
                      Decision.feedback)
            .join(Startup, Startup.id == Proposal.startup_id)
            .outerjoin(Decision, Decision.proposal_id == Proposal.id)
            .where(Proposal.id.in_(form.proposal_ids.data)).order_by(Proposal.title)
        ).all()
        return render_template("evaluation/decision_confirm.html", challenge=challenge,
                               form=form, rows=rows, back=back,
                               labels=decisions.OUTCOME_LABELS)
    try:
        taken = decisions.decide(challenge=challenge, proposal_ids=form.proposal_ids.data,
                                 outcome=form.outcome.data, feedback=form.feedback.data or None,
                                 user=current_user, now=utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("%(n)d decisions taken: %(outcome)s. A new decision record is frozen.",
                n=len(taken), outcome=decisions.OUTCOME_LABELS[form.outcome.data]), "success")
    return redirect(back)


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>", methods=["GET", "POST"])
def proposal(round_id, proposal_id):
    """Every review of a proposal in a round, its overrides, and the override form."""
    round_ = _round(round_id)
    proposal = db.get_or_404(Proposal, proposal_id)
    in_round = db.session.scalar(sa.select(sa.literal(proposal.id).in_(
        round_proposal_ids(round_))))
    policy.require(bool(in_round), hide=True)
    form = OverrideForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            decisions.override_score(round_=round_, proposal=proposal, score=form.score.data,
                                     reason=form.reason.data, user=current_user,
                                     now=utcnow())
        if outcome.ok:
            flash(_("Override recorded."), "success")
            return redirect(url_for(".proposal", round_id=round_.id, proposal_id=proposal.id))
    reviews = db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == round_.id,
                                    Assignment.proposal_id == proposal.id)
        .options(selectinload(Assignment.user), selectinload(Assignment.review))
        .order_by(Assignment.id)
    ).all()
    overrides = db.session.scalars(
        sa.select(ScoreOverride).where(ScoreOverride.round_id == round_.id,
                                       ScoreOverride.proposal_id == proposal.id)
        .options(selectinload(ScoreOverride.created_by)).order_by(ScoreOverride.id.desc())
    ).all()
    thread = db.session.scalars(
        sa.select(DiscussionComment).where(DiscussionComment.round_id == round_.id,
                                           DiscussionComment.proposal_id == proposal.id)
        .options(selectinload(DiscussionComment.author)).order_by(DiscussionComment.id)
    ).all()
    row = rk.round_ranking(round_).row(proposal.id)
    return render_template("evaluation/proposal.html", round=round_, challenge=round_.challenge,
                           proposal=proposal, assignments=reviews, overrides=overrides, row=row,
                           thread=thread, form=form, labels=decisions.OUTCOME_LABELS,
                           active="ranking"), _status(form)


# -- decision records ---------------------------------------------------------------------

def _record(challenge: Challenge, record_id: int) -> DecisionRecord:
    record = db.session.get(DecisionRecord, record_id)
    if record is None or record.challenge_id != challenge.id:
        abort(404)
    return record


@bp.get("/challenges/<int:challenge_id>/record/<int:record_id>")
def record(challenge_id, record_id):
    challenge = _challenge(challenge_id)
    frozen = _record(challenge, record_id)
    verified = decisions.verify_record(frozen)
    return render_template("evaluation/record.html", challenge=challenge, record=frozen,
                           verified=verified, labels=decisions.OUTCOME_LABELS)


@bp.get("/challenges/<int:challenge_id>/record/<int:record_id>.json")
def record_json(challenge_id, record_id):
    challenge = _challenge(challenge_id)
    frozen = _record(challenge, record_id)
    response = Response(decisions.canonical_json(frozen.content), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="decision-record-{challenge.slug}-{frozen.id}.json"')
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/challenges/<int:challenge_id>/record/<int:record_id>.<any(csv, xlsx):kind>")
def record_export(challenge_id, record_id, kind):
    """The ranking exactly as it was decided: rebuilt from the record, not the data."""
    challenge = _challenge(challenge_id)
    frozen = _record(challenge, record_id)
    ranking = rk.build(decisions.inputs_from_record(frozen.content))
    return _export(ranking, f"decision-record-{challenge.slug}-{frozen.id}", kind)
