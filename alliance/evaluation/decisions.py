"""From the ranking to decisions: score overrides, decisions, the frozen decision
record, publication and the start-ups' e-mails.

    override_score(*, round_, proposal, score, reason, user, now) -> ScoreOverride
    decide(*, challenge, proposal_ids, outcome, feedback, user, now) -> list[Decision]
    freeze_record(*, challenge, user, now) -> DecisionRecord
    recompute(content) -> dict          the ``result`` part of a record, recomputed
    verify_record(record) -> bool       digest and recomputation both match
    notify_decisions(*, challenge, user, now) -> int
    publish_decisions(*, challenge, user, now) -> int

Overrides and decisions are taken while the challenge is in evaluation; publishing
moves it to decided (``lifecycle.decide``) and e-mails the start-ups: after that,
decisions no longer change (a public decision is corrected by re-opening, not
silently).

A decision record's ``content`` holds the rounds and their settings, criteria
(weights and scales), every assignment with its review's scores per criterion
(jurors under pseudonyms "J1", "J2", numbered by ascending user id), every
override with its reason, the decisions and the computed ``result``; ``digest`` is
the SHA-256 of its canonical JSON (sorted keys, no spaces, UTF-8).
``recompute(content) == content["result"]`` for every record.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alliance.auth import policy
from alliance.auth.models import User
from alliance.challenges import lifecycle
from alliance.challenges.models import IN_EVALUATION, Challenge
from alliance.core.audit import record as audit
from alliance.core.errors import DomainError, IllegalTransition
from alliance.core.mail import queue_mail
from alliance.evaluation import ranking as rk
from alliance.evaluation.models import (
    CLOSED,
    NOT_SELECTED,
    OUTCOMES,
    SHORTLISTED,
    WINNER,
    Decision,
    DecisionRecord,
    EvaluationRound,
    ScoreOverride,
)
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.models import SUBMITTED as PROPOSAL_SUBMITTED
from alliance.proposals.models import Proposal
from alliance.startups.models import StartupMembership

OUTCOME_LABELS = {
    SHORTLISTED: _l("Shortlisted"),
    WINNER: _l("Winner"),
    NOT_SELECTED: _l("Not selected"),
}
RECORD_FORMAT = "alliance-decision-record/1"
METHOD = (
    "Review total: weighted mean over criteria of (score - 1) / (scale - 1) * 100. "
    "Per proposal and round: mean, median, sample standard deviation of the totals; "
    "disagreement when sd > threshold. Normalisation (when on): each juror's totals as "
    "z-scores (population sd; z = 0 for a juror with one review or equal totals) mapped "
    "back with the round's mean and population sd of all totals, clipped to 0-100, then "
    "averaged. Round score: latest override, else normalised mean, else mean. Final score: "
    "round one's, or (w1 * s1 + w2 * s2) / (w1 + w2) for round-two entrants, ranked ahead "
    "of the others. Competition ranking on the score rounded to 2 decimals. Agreement: "
    "Krippendorff's alpha (interval) over the jurors' totals."
)


def _allowed(user, challenge: Challenge) -> None:
    if not policy.can_manage_evaluation(user, challenge):
        raise DomainError(_("You are not allowed to do this."))


def _in_evaluation(challenge: Challenge, message: str) -> None:
    if challenge.status != IN_EVALUATION:
        raise IllegalTransition(message)


# -- overrides -------------------------------------------------------------------------

def _parse_score(score) -> Decimal:
    error = _("Give a score between 0 and 100.")
    try:
        value = Decimal(str(score).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise DomainError(error, field_errors={"score": error}) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise DomainError(error, field_errors={"score": error})
    return value.quantize(Decimal("0.01"))


def override_score(*, round_: EvaluationRound, proposal: Proposal, score, reason: str,
                   user, now: datetime) -> ScoreOverride:
    """Replace ``proposal``'s aggregated score in ``round_`` by ``score`` (0-100), with
    a written reason; ``score=None`` lifts the override in force. Overrides are
    appended, never changed: the latest one is in force, all stay in the record."""
    challenge = round_.challenge
    _allowed(user, challenge)
    _in_evaluation(challenge, _("Scores can be overridden only while the challenge is in "
                                "evaluation."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Write why the score is overridden: the reason is kept in the decision record "
              "and shown with the ranking."),
            field_errors={"reason": _("A reason is required.")},
        )
    value = None if score is None or str(score).strip() == "" else _parse_score(score)
    in_round = db.session.scalar(
        sa.select(sa.literal(proposal.id).in_(round_proposal_ids(round_)))
    )
    if not in_round:
        raise DomainError(_("This proposal is not evaluated in this round."))
    if value is None:
        latest = db.session.scalar(
            sa.select(ScoreOverride.score).where(ScoreOverride.round_id == round_.id,
                                                 ScoreOverride.proposal_id == proposal.id)
            .order_by(ScoreOverride.id.desc()).limit(1)
        )
        if latest is None:
            raise DomainError(_("This score is not overridden."))
    override = ScoreOverride(round_id=round_.id, proposal_id=proposal.id, score=value,
                             reason=reason, created_by_id=getattr(user, "id", None),
                             created_at=now)
    db.session.add(override)
    db.session.flush()
    audit(actor=user, action="evaluation.score_overridden", obj=proposal, now=now,
          round=round_.number, score=None if value is None else str(value), reason=reason)
    return override


# -- decisions -------------------------------------------------------------------------

def decide(*, challenge: Challenge, proposal_ids, outcome: str, feedback: str | None,
           user, now: datetime) -> list[Decision]:
    """Give ``outcome`` (shortlisted, winner, not selected) to the proposals
    ``proposal_ids`` of ``challenge``, creating or updating their decisions.
    ``feedback`` replaces theirs (None keeps what each has). Freezes a new decision
    record and links these decisions to it."""
    _allowed(user, challenge)
    _in_evaluation(challenge, _("Decisions can be taken only while the challenge is in "
                                "evaluation."))
    if outcome not in OUTCOMES:
        message = _("Choose an outcome.")
        raise DomainError(message, field_errors={"outcome": message})
    ids = sorted({int(i) for i in proposal_ids})
    if not ids:
        raise DomainError(_("Select at least one proposal."))
    proposals = db.session.scalars(
        sa.select(Proposal).where(Proposal.id.in_(ids), Proposal.challenge_id == challenge.id,
                                  Proposal.status == PROPOSAL_SUBMITTED)
        .order_by(Proposal.id)
    ).all()
    if len(proposals) != len(ids):
        raise DomainError(_("Some of the selected proposals are not submitted proposals of "
                            "this challenge: nothing was decided."))
    existing = {d.proposal_id: d for d in db.session.scalars(
        sa.select(Decision).where(Decision.proposal_id.in_(ids)))}
    feedback = None if feedback is None else feedback.strip()
    decisions = []
    for proposal in proposals:
        decision = existing.get(proposal.id)
        if decision is None:
            decision = Decision(proposal_id=proposal.id, feedback="")
            db.session.add(decision)
        decision.outcome = outcome
        if feedback is not None:
            decision.feedback = feedback
        decision.decided_by_id = getattr(user, "id", None)
        decision.decided_at = now
        decision.notified_at = None
        decisions.append(decision)
    db.session.flush()
    for proposal, decision in zip(proposals, decisions, strict=True):
        audit(actor=user, action="evaluation.decided", obj=proposal, now=now,
              outcome=outcome, feedback=decision.feedback)
    frozen = freeze_record(challenge=challenge, user=user, now=now)
    for decision in decisions:
        decision.record_id = frozen.id
    db.session.flush()
    return decisions


# -- the decision record ---------------------------------------------------------------

def canonical_json(content: dict) -> bytes:
    """The one encoding a record's digest is computed on."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def digest_of(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _result(ranking: rk.Ranking) -> dict:
    """The computed part of a record: what ``recompute`` must give back."""

    def figures(f: rk.RoundFigures) -> dict:
        return {
            "round": f.round_number, "reviews": f.reviews, "assigned": f.assigned,
            "mean": f.mean, "median": f.median, "sd": f.sd, "disagreement": f.disagreement,
            "normalised": f.normalised,
            "override": _decimal(f.override.score) if f.override else None,
            "score": f.score, "criterion_means": list(f.criterion_means),
            "totals": list(f.totals),
        }

    return {
        "rounds": [{"number": r.number, "alpha": r.alpha, "jurors": r.jurors,
                    "reviews_done": r.reviews_done, "reviews_pending": r.reviews_pending}
                   for r in ranking.rounds],
        "rows": [{"proposal": row.proposal_id, "rank": row.rank, "tied": row.tied,
                  "final_score": row.final_score, "display_score": row.display_score,
                  "rounds": [figures(f) for f in (row.figures, row.second) if f is not None]}
                 for row in ranking.rows],
    }


def _content(challenge: Challenge, inputs: rk.Inputs, ranking: rk.Ranking, user,
             now: datetime) -> dict:
    jurors = sorted({a.juror for a in inputs.assignments})
    pseudonym = {juror: f"J{n}" for n, juror in enumerate(jurors, start=1)}
    criteria = {r.id: r.criteria for r in inputs.rounds}
    return {
        "format": RECORD_FORMAT,
        "method": METHOD,
        "challenge": {"id": challenge.id, "slug": challenge.slug, "title": challenge.title},
        "frozen_at": _iso(now),
        "frozen_by": getattr(user, "id", None),
        "rounds": [
            {"id": r.id, "number": r.number, "name": r.name, "status": r.status,
             "normalise": r.normalise,
             "disagreement_threshold": _decimal(r.disagreement_threshold),
             "weight": _decimal(r.weight), "share_reviews": r.share_reviews,
             "criteria": [{"id": c.id, "name": c.name, "weight": _decimal(c.weight),
                           "scale": c.scale, "position": c.position} for c in r.criteria],
             "proposals": list(inputs.members.get(r.id, ()))}
            for r in inputs.rounds
        ],
        "proposals": [{"id": p.id, "title": p.title, "startup": p.startup_name}
                      for p in inputs.proposals],
        "assignments": [
            {"round": a.round_id, "proposal": a.proposal_id, "juror": pseudonym[a.juror],
             "review": a.status,
             "scores": [[c.id, score] for c, score in zip(criteria[a.round_id], a.scores)]}
            for a in inputs.assignments
        ],
        "overrides": [
            {"round": o.round_id, "proposal": o.proposal_id, "score": _decimal(o.score),
             "reason": o.reason, "at": _iso(o.created_at), "by": o.created_by_id}
            for o in inputs.overrides
        ],
        "decisions": [
            {"proposal": proposal_id, "outcome": d.outcome, "feedback": d.feedback,
             "decided_at": _iso(d.decided_at), "decided_by": d.decided_by_id}
            for proposal_id, d in sorted(inputs.decisions.items())
        ],
        "result": _result(ranking),
    }


def inputs_from_record(content: dict) -> rk.Inputs:
    """The ranking's inputs as a record keeps them."""
    rounds = [
        rk.RoundInfo(
            id=r["id"], challenge_id=content["challenge"]["id"], number=r["number"],
            name=r["name"], status=r["status"], normalise=r["normalise"],
            disagreement_threshold=Decimal(r["disagreement_threshold"]),
            weight=Decimal(r["weight"]), share_reviews=r["share_reviews"],
            criteria=tuple(rk.CriterionInfo(c["id"], c["name"], Decimal(c["weight"]),
                                            c["scale"], c["position"]) for c in r["criteria"]),
        )
        for r in content["rounds"]
    ]
    criteria = {r.id: r.criteria for r in rounds}
    return rk.Inputs(
        challenge_id=content["challenge"]["id"],
        rounds=rounds,
        proposals=[rk.ProposalInfo(p["id"], p["title"], p["startup"])
                   for p in content["proposals"]],
        members={r["id"]: tuple(r["proposals"]) for r in content["rounds"]},
        assignments=[
            rk.AssignmentInput(a["round"], a["proposal"], a["juror"], a["review"],
                               _aligned(a["scores"], criteria[a["round"]]))
            for a in content["assignments"]
        ],
        overrides=[
            rk.Override(o["round"], o["proposal"],
                        None if o["score"] is None else Decimal(o["score"]), o["reason"],
                        o["at"], o["by"])
            for o in content["overrides"]
        ],
        decisions={d["proposal"]: rk.DecisionInfo(d["outcome"], d["feedback"], d["decided_at"],
                                                  d["decided_by"], None, None)
                   for d in content["decisions"]},
    )


def _aligned(pairs: list, criteria) -> tuple:
    if not pairs:
        return ()
    by_id = dict(pairs)
    return tuple(by_id.get(c.id) for c in criteria)


def recompute(content: dict) -> dict:
    """Recompute a record's ``result`` from the inputs it keeps (no database)."""
    return _result(rk.build(inputs_from_record(content)))


def verify_record(record: DecisionRecord) -> bool:
    """True when the record's digest matches its content and its result recomputes."""
    return digest_of(record.content) == record.digest and \
        recompute(record.content) == record.content["result"]


def freeze_record(*, challenge: Challenge, user, now: datetime) -> DecisionRecord:
    """Snapshot everything the challenge's ranking is decided on, with its digest."""
    _allowed(user, challenge)
    inputs = rk.load_inputs(challenge_id=challenge.id)
    ranking = rk.build(inputs)
    content = _content(challenge, inputs, ranking, user, now)
    # What is stored is what was hashed: a JSON round trip, as the database does.
    content = json.loads(canonical_json(content))
    frozen = DecisionRecord(challenge_id=challenge.id, created_at=now,
                            created_by_id=getattr(user, "id", None), content=content,
                            digest=digest_of(content))
    db.session.add(frozen)
    db.session.flush()
    audit(actor=user, action="evaluation.record_frozen", obj=challenge, now=now,
          record_id=frozen.id, digest=frozen.digest)
    return frozen


# -- publication -----------------------------------------------------------------------

def notify_decisions(*, challenge: Challenge, user, now: datetime) -> int:
    """E-mail each start-up whose decision is not yet notified its outcome and
    feedback (in each member's language), and mark it notified. Returns how many
    proposals were notified."""
    _allowed(user, challenge)
    decisions = db.session.scalars(
        sa.select(Decision).join(Proposal, Proposal.id == Decision.proposal_id)
        .where(Proposal.challenge_id == challenge.id, Decision.notified_at.is_(None))
        .order_by(Decision.proposal_id)
    ).all()
    if not decisions:
        return 0
    startup_ids = {d.proposal.startup_id for d in decisions}
    members: dict[int, dict[str | None, list[str]]] = {}
    for startup_id, email, locale in db.session.execute(
        sa.select(StartupMembership.startup_id, User.email, User.locale)
        .join(User, User.id == StartupMembership.user_id)
        .where(StartupMembership.startup_id.in_(startup_ids), User.active.is_(True))
        .order_by(User.id)
    ):
        members.setdefault(startup_id, {}).setdefault(locale, []).append(email)
    for decision in decisions:
        proposal = decision.proposal
        for locale, emails in members.get(proposal.startup_id, {}).items():
            with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
                queue_mail(to=emails,
                           subject=_("The result of your proposal to “%(title)s”",
                                     title=challenge.title),
                           template="decision", proposal=proposal, challenge=challenge,
                           outcome=decision.outcome,
                           outcome_label=str(OUTCOME_LABELS[decision.outcome]),
                           feedback=decision.feedback)
        decision.notified_at = now
    db.session.flush()
    audit(actor=user, action="evaluation.decisions_notified", obj=challenge, now=now,
          proposals=len(decisions))
    return len(decisions)


def publish_decisions(*, challenge: Challenge, user, now: datetime) -> int:
    """Publish the decisions: every submitted proposal must have one; the challenge
    moves to decided and the start-ups are e-mailed. Returns how many were notified."""
    _allowed(user, challenge)
    _in_evaluation(challenge, _("Only the decisions of a challenge in evaluation can be "
                                "published."))
    undecided = db.session.scalar(
        sa.select(sa.func.count(Proposal.id))
        .outerjoin(Decision, Decision.proposal_id == Proposal.id)
        .where(Proposal.challenge_id == challenge.id, Proposal.status == PROPOSAL_SUBMITTED,
               Decision.id.is_(None))
    )
    if undecided:
        raise DomainError(ngettext(
            "%(num)d proposal has no decision yet: decide every proposal before publishing.",
            "%(num)d proposals have no decision yet: decide every proposal before publishing.",
            undecided))
    open_rounds = db.session.scalar(
        sa.select(sa.func.count(EvaluationRound.id))
        .where(EvaluationRound.challenge_id == challenge.id, EvaluationRound.status != CLOSED)
    )
    if open_rounds:
        raise DomainError(_("Close the evaluation rounds before publishing the decisions: "
                            "reviews must not change after them."))
    # The record of what was published: every decision points at it.
    published = freeze_record(challenge=challenge, user=user, now=now)
    for decision in db.session.scalars(
        sa.select(Decision).join(Proposal, Proposal.id == Decision.proposal_id)
        .where(Proposal.challenge_id == challenge.id)
    ):
        decision.record_id = published.id
    lifecycle.decide(challenge=challenge, user=user, now=now)
    return notify_decisions(challenge=challenge, user=user, now=now)


__all__ = [
    "OUTCOME_LABELS", "canonical_json", "decide", "digest_of", "freeze_record",
    "inputs_from_record", "notify_decisions", "override_score", "publish_decisions",
    "recompute", "verify_record",
]
