"""Demo evaluation: committees, reviews and decisions for the demo's evaluated challenges.

* A challenge in evaluation gets round one in progress: a committee of the demo
  jurors (conflicts declared, profiles filled in), the automatic assignment, most
  reviews submitted, and the demo juror with one review submitted, one in draft and
  one still to do.
* A decided challenge gets a closed round with every review, a decision for every
  proposal (winner, shortlisted, not selected) and its frozen decision record.

The rules run through the evaluation services, as an admin and the jurors would
use them; only the round's state changes and times are written directly, as the
rest of the demo does, so that no e-mail leaves.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance.challenges import models as cm
from alliance.core.audit import record
from alliance.evaluation import assignment, committees, decisions, ranking, reviews
from alliance.evaluation import models as em
from alliance.evaluation.queries import round_proposals
from alliance.extensions import db

# Each demo juror's expertise (tags, text); the demo account's comes first.
PROFILES = {
    "jury@alliance.demo": (
        "mobilità, trasporto pubblico, dati",
        "Pianificazione della mobilità urbana e analisi dei dati di trasporto pubblico.",
        "Politecnico di Milano",
    ),
    "elena.marchetti@polimi.example.com": (
        "energia, reti elettriche, veicoli elettrici",
        "Sistemi elettrici per l'energia, ricarica dei veicoli e vehicle-to-grid.",
        "Politecnico di Milano",
    ),
    "roberto.fontana@unimi.example.com": (
        "sicurezza informatica, IoT, privacy",
        "Sicurezza dei dispositivi connessi e protezione dei dati personali.",
        "Università degli Studi di Milano",
    ),
    "giulia.rinaldi@unibocconi.example.com": (
        "innovazione, modelli di business, finanza",
        "Modelli di business delle start-up e valutazione degli investimenti pubblici.",
        "Università Bocconi",
    ),
    "davide.conti@unimib.example.com": (
        "sensori, qualità dell'aria, ambiente",
        "Reti di sensori ambientali e qualità dell'aria in città.",
        "Università di Milano-Bicocca",
    ),
}

COMMENTS_IT = (
    "Proposta chiara e ben strutturata; il piano del pilota è realistico.",
    "Buona idea, ma il budget va dettagliato voce per voce.",
    "Il team è solido; servono più dati sui risultati attesi.",
    "Soluzione interessante: chiarire l'integrazione con i sistemi esistenti.",
    "Il pilota è ben dimensionato; indicare come si misureranno i risultati.",
    "Tecnologia matura; il modello di business dopo il pilota va chiarito.",
)
COMMENTS_EN = (
    "A clear, well-structured proposal; the pilot plan is realistic.",
    "A good idea, but the budget needs a line-by-line breakdown.",
    "A strong team; we need more data on the expected results.",
    "An interesting solution: explain the integration with existing systems.",
    "A well-sized pilot; say how the results will be measured.",
    "Mature technology; the business model after the pilot needs work.",
)
FEEDBACK = {
    em.WINNER: "Congratulations: the committee ranked your proposal first. The partner will "
               "contact you to plan the pilot.",
    em.SHORTLISTED: "Your proposal is on the shortlist: the committee valued the solution and "
                    "the team.",
    em.NOT_SELECTED: "The committee appreciated the work but ranked other proposals higher. "
                     "The reviewers' comments below say where it can grow.",
}


def _score(proposal_id: int, juror_id: int, criterion_position: int, scale: int) -> int:
    """A stable, plausible score: a proposal's quality plus a juror's touch."""
    quality = int(hashlib.sha256(f"q{proposal_id}".encode()).hexdigest(), 16) % 3  # 0..2
    touch = int(hashlib.sha256(f"{proposal_id}:{juror_id}:{criterion_position}".encode())
                .hexdigest(), 16) % 3 - 1  # -1..1
    return max(1, min(scale, scale // 2 + 1 + quality + touch))


def _review(assignment_: em.Assignment, juror, *, when: datetime, submit: bool) -> None:
    round_ = assignment_.round
    scores = {c.id: _score(assignment_.proposal_id, juror.id, c.position, c.scale)
              for c in round_.criteria}
    italian = round_.challenge.slug in _italian_challenges()
    comments = COMMENTS_IT if italian else COMMENTS_EN
    text = comments[(assignment_.proposal_id + juror.id) % len(comments)]
    service = reviews.submit_review if submit else reviews.save_review
    review = service(assignment=assignment_, user=juror, scores=scores,
                     comments={c.id: "" for c in round_.criteria}, comment_for_startup=text,
                     comment_for_committee="", now=when)
    review.created_at = review.updated_at = when


def _italian_challenges() -> set[str]:
    from alliance.seed.demo_challenges import CHALLENGES

    return {c["slug"] for c in CHALLENGES if c["lang"] == "it"}


def build_evaluation(*, admin, jurors: dict[str, object], challenges: list[cm.Challenge]) -> int:
    """Evaluate the demo's challenges in evaluation or decided; returns the number of
    rounds created (none for a challenge that already has one)."""
    for email, (tags, expertise, organisation) in PROFILES.items():
        juror = jurors[email]
        if getattr(juror, "juror_profile", None) is None:
            db.session.add(em.JurorProfile(user=juror, tags=tags, expertise=expertise,
                                           organisation=organisation))
    db.session.flush()
    created = 0
    for challenge in challenges:
        if challenge.status not in (cm.IN_EVALUATION, cm.DECIDED):
            continue
        if db.session.scalar(sa.select(em.EvaluationRound.id).filter_by(
                challenge_id=challenge.id)) is not None:
            continue
        _evaluate(challenge, admin=admin, jurors=list(jurors.values()))
        created += 1
    return created


def _evaluate(challenge: cm.Challenge, *, admin, jurors: list) -> None:
    decided = challenge.status == cm.DECIDED
    opened = challenge.deadline + timedelta(days=7)
    if decided:  # the services decide while the challenge is in evaluation
        challenge.status = cm.IN_EVALUATION
    round_ = committees.open_round(challenge=challenge, user=admin, now=opened,
                                   name="Valutazione" if challenge.slug in _italian_challenges()
                                   else "Evaluation")
    for index, juror in enumerate(jurors):
        db.session.add(em.CommitteeMember(
            round=round_, user=juror, invited_by_id=admin.id,
            invited_at=opened + timedelta(hours=1),
            conflicts_declared_at=opened + timedelta(days=1, hours=index)))
    db.session.flush()
    assignment.run_assignment(round_=round_, user=admin, now=opened + timedelta(days=2))
    _move(round_, to=em.REVIEWING, user=admin, when=opened + timedelta(days=2, hours=1),
          action="evaluation.reviews_started")

    demo_juror = next(j for j in jurors if j.email == "jury@alliance.demo")
    assignments = db.session.scalars(
        sa.select(em.Assignment).filter_by(round_id=round_.id)
        .order_by(em.Assignment.proposal_id, em.Assignment.user_id)).all()
    mine = [a for a in assignments if a.user_id == demo_juror.id]
    for number, assignment_ in enumerate(assignments):
        juror = assignment_.user
        when = opened + timedelta(days=3 + number % 5, hours=number % 7)
        if decided:
            _review(assignment_, juror, when=when, submit=True)
        elif juror.id == demo_juror.id:
            position = mine.index(assignment_)
            if position < 2:  # one submitted, one draft, the rest still to do
                _review(assignment_, juror, when=when, submit=position == 0)
        elif number % 4 != 3:
            _review(assignment_, juror, when=when, submit=True)
    if not decided:
        return

    closed = opened + timedelta(days=12)
    _move(round_, to=em.CLOSED, user=admin, when=closed, action="evaluation.round_closed")
    round_.closed_at = closed
    order = [row.proposal_id for row in ranking.round_ranking(round_).rows]
    outcomes = {}
    for position, proposal_id in enumerate(order):
        outcome = em.WINNER if position == 0 else (
            em.SHORTLISTED if position == 1 else em.NOT_SELECTED)
        outcomes.setdefault(outcome, []).append(proposal_id)
    decided_at = challenge.call.results_at or closed + timedelta(days=2)
    for outcome, proposal_ids in outcomes.items():
        decisions.decide(challenge=challenge, proposal_ids=proposal_ids, outcome=outcome,
                         feedback=FEEDBACK[outcome], user=admin, now=decided_at)
    for decision in db.session.scalars(sa.select(em.Decision).join(em.Decision.proposal).where(
            em.Decision.proposal_id.in_(sa.select(round_proposals(round_).subquery().c.id)))):
        decision.notified_at = decided_at  # the e-mails went out with the results
    challenge.status = cm.DECIDED


def _move(round_: em.EvaluationRound, *, to: str, user, when: datetime, action: str) -> None:
    previous = round_.status
    round_.status = to
    if to == em.REVIEWING:
        round_.opened_at = when
    db.session.flush()
    record(actor=user, action=action, obj=round_, now=when, **{"from": previous, "to": to})
