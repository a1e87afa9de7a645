"""Evaluation benchmark: ``python -m bench.evaluation``; prints one JSON object.

1. Builds a temporary SQLite database (bulk inserts straight into the tables,
   deterministic from one seed) with two challenges:
   A. 1,000 submitted proposals, a committee of 60 jurors (tags and expertise,
      some employed by partners or by companies the start-ups name), declared
      conflicts, partners the proposals are hidden from, stated interests;
   B. 2,000 submitted proposals, 30 jurors, 6,000 reviews with scores (nine in
      ten submitted), the round under review.
2. ``assignment_s``: ``run_assignment`` on A (k = 3): loading, conflicts,
   expertise, the optimisation and the writes.
3. ``aggregation_s``: A's 3,000 assignments get submitted reviews; the median
   time of ``evaluation.ranking.challenge_ranking`` on A with normalisation
   (the ranking cache off: the work itself).
4. ``ranking_page_ms`` (admin, B's ranking page, as admins use it: the ranking
   cached until its inputs change), ``ranking_page_uncached_ms`` (the same page
   computing the ranking on every request, as right after each juror's
   submission) and ``jury_dashboard_ms`` (a B juror with 200 assignments,
   ``/jury/``): median of 20 requests through the Flask test client, logged in
   through the session.

A figure whose code does not exist yet is null, with a note in ``notes``.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from bench import datagen

REQUESTS = 20
WARMUP = 2
NOW = datagen.NOW
PASSWORD_HASH = "bench:no-password"  # nobody logs in with a password here

A_PROPOSALS, A_JURORS, K = 1000, 60, 3
B_PROPOSALS, B_JURORS, B_PER_PROPOSAL = 2000, 30, 3

COMPANIES = ["Fondo Navigli S.p.A.", "Banca Lombarda S.p.A.", "Ventures Milano S.r.l.",
             "Metro Servizi S.p.A.", "Energia Nord S.r.l.", "Verde Urbano S.r.l."]
CRITERIA = [("Innovation", Decimal("40")), ("Feasibility", Decimal("35")),
            ("Impact on the city", Decimal("25"))]


def make_app(folder: str):
    from alliance import create_app
    from alliance.extensions import db

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WTF_CSRF_ENABLED": False,
        "SEARCH_SYNC": False,
        "SEARCH_STARTUP_CHECK": False,
        "WHOOSH_INDEX_DIR": f"{folder}/search",
        "UPLOAD_FOLDER": f"{folder}/uploads",
        "MAIL_BACKEND": "locmem",
        "MAIL_FILE_PATH": f"{folder}/mail",
        "BABEL_DEFAULT_LOCALE": "en",
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
    return app


# -- the data -------------------------------------------------------------------------

class Builder:
    """Rows for every table, inserted in bulk (executemany) through the models' tables."""

    def __init__(self, seed: int):
        from alliance.extensions import db

        self.db = db
        self.rng = random.Random(seed)
        self.text = datagen.Generator(0, seed)
        self.next_user = 1

    def insert(self, model_or_table, rows: list[dict]) -> None:
        if rows:
            table = getattr(model_or_table, "__table__", model_or_table)
            self.db.session.execute(sa.insert(table), rows)

    def users(self, rows: list[dict]) -> list[int]:
        from alliance.auth.models import User

        ids = []
        for row in rows:
            row.setdefault("id", self.next_user)
            row.setdefault("password_hash", PASSWORD_HASH)
            row.setdefault("confirmed_at", NOW - timedelta(days=100))
            ids.append(row["id"])
            self.next_user += 1
        self.insert(User, rows)
        return ids

    def build(self) -> dict:
        from alliance.auth.models import UserRole
        from alliance.challenges import models as cm
        from alliance.core.taxonomy import Theme
        from alliance.evaluation import models as em
        from alliance.partners.models import Partner, PartnerMembership
        from alliance.proposals.models import SUBMITTED, Proposal, proposal_hidden_from
        from alliance.startups.models import Startup, StartupMembership, StartupRelation

        rng = self.rng
        themes = list(datagen.THEMES)
        self.insert(Theme, [{"id": i + 1, "slug": slug, "name_it": it, "name_en": en,
                             "position": i}
                            for i, (slug, (it, en)) in enumerate(datagen.THEMES.items())])
        self.insert(Partner, [{"id": pid, "slug": slug, "name": f"{name} S.p.A."}
                              for pid, slug, name in datagen.PARTNERS])
        slug, title, opens, closes = datagen.CALLS[1]
        self.insert(cm.Call, [{"id": 1, "slug": slug, "title": title, "opens_at": opens,
                               "closes_at": closes}])
        challenges = {}
        for cid, theme in ((1, "mobility"), (2, "energy")):
            challenges[cid] = theme
        self.insert(cm.Challenge, [{
            "id": cid, "call_id": 1, "lead_partner_id": cid, "theme_id": themes.index(t) + 1,
            "slug": f"bench-challenge-{cid}", "title": f"Bench challenge {cid}",
            "summary": "A challenge for the benchmark.", "description": "Benchmark.",
            "opens_at": NOW - timedelta(days=120), "deadline": NOW - timedelta(days=30),
            "status": cm.IN_EVALUATION, "published_at": NOW - timedelta(days=120),
        } for cid, t in challenges.items()])
        self.insert(cm.Criterion, [
            {"challenge_id": cid, "position": i, "name": name, "weight": weight, "scale": 5}
            for cid in challenges for i, (name, weight) in enumerate(CRITERIA)])

        admin = self.users([{"email": "admin@alliance.example", "name": "Ada Admin"}])[0]
        self.insert(UserRole, [{"user_id": admin, "role": "admin"}])

        jurors = self.users([{"email": f"juror{i}@jury-{i % 7}.example.it",
                              "name": f"Juror {i:02d}"} for i in range(A_JURORS)])
        self.insert(UserRole, [{"user_id": j, "role": "jury"} for j in jurors])
        # A third work for partner companies; a third name a company in their profile.
        self.insert(PartnerMembership, [
            {"user_id": j, "partner_id": (i % len(datagen.PARTNERS)) + 1}
            for i, j in enumerate(jurors) if i % 3 == 0])
        profiles = []
        for i, j in enumerate(jurors):
            theme = rng.choice(themes)
            lang = rng.randrange(2)
            tags = rng.sample(datagen.TOPICS[theme][lang], 3) + rng.sample(datagen.TECH[lang], 1)
            profiles.append({"user_id": j, "tags": ", ".join(tags),
                             "expertise": self.text._text(lang, theme, 30),
                             "organisation": rng.choice(COMPANIES) if i % 3 == 1 else ""})
        self.insert(em.JurorProfile, profiles)

        n_startups = max(A_PROPOSALS, B_PROPOSALS)
        self.insert(Startup, [{
            "id": s, "slug": f"startup-{s}", "name": self.text._startup_name(s),
            "vat_number": f"{s:011d}",
            "city": "Milano", "founded_year": 2020, "team_size": 5, "stage": "mvp",
            "pitch": "We build things for the city.",
        } for s in range(1, n_startups + 1)])
        founders = self.users([{"email": f"founder@startup{s}.it", "name": f"Founder {s}"}
                               for s in range(1, n_startups + 1)])
        self.insert(StartupMembership, [{"user_id": u, "startup_id": s, "is_founder": True}
                                        for s, u in enumerate(founders, start=1)])
        relations = []
        for s in range(1, n_startups + 1):
            for kind in rng.sample(["customer", "investor", "competitor"], rng.randint(0, 2)):
                if rng.random() < 0.5:
                    pid, _slug, name = rng.choice(datagen.PARTNERS)
                    relations.append({"startup_id": s, "kind": kind, "company_name": name,
                                      "partner_id": pid})
                else:
                    relations.append({"startup_id": s, "kind": kind,
                                      "company_name": rng.choice(COMPANIES).upper(),
                                      "partner_id": None})
        unique = {(r["startup_id"], r["kind"], r["company_name"]): r for r in relations}
        self.insert(StartupRelation, list(unique.values()))

        proposals, hidden = [], []
        pid = 0
        counts = {1: A_PROPOSALS, 2: B_PROPOSALS}
        ids_of: dict[int, list[int]] = {1: [], 2: []}
        for cid, theme in challenges.items():
            for s in range(1, counts[cid] + 1):
                pid += 1
                lang = 0 if rng.random() < 0.6 else 1
                proposals.append({
                    "id": pid, "challenge_id": cid, "startup_id": s,
                    "title": self.text._fill(rng.choice(datagen.TITLES[lang]), lang, theme)[:200],
                    "abstract": self.text._text(lang, theme, 40),
                    "description": self.text._text(lang, theme, 110), "trl": 5,
                    "status": SUBMITTED, "submitted_at": NOW - timedelta(days=40),
                })
                ids_of[cid].append(pid)
                if rng.random() < 0.05:
                    hidden.append({"proposal_id": pid,
                                   "partner_id": rng.randint(1, len(datagen.PARTNERS))})
        self.insert(Proposal, proposals)
        self.insert(proposal_hidden_from, hidden)

        # Each juror declares a few conflicts.
        self.insert(em.ConflictDeclaration, [
            {"user_id": j, "startup_id": s, "reason": "Advisor", "declared_at": NOW}
            for j in jurors for s in sorted(rng.sample(range(1, n_startups + 1), 5))])

        # Round A: set-up, the whole committee has declared, interests stated.
        rounds = {}
        for rid, cid, status in ((1, 1, em.SETUP), (2, 2, em.REVIEWING)):
            self.insert(em.EvaluationRound, [{
                "id": rid, "challenge_id": cid, "number": 1, "status": status,
                "reviewers_per_proposal": K, "normalise": True, "name": "Round 1",
                "opened_at": NOW - timedelta(days=20) if status == em.REVIEWING else None,
            }])
            self.insert(em.EvaluationCriterion, [
                {"id": (rid - 1) * 10 + i + 1, "round_id": rid, "position": i, "name": name,
                 "weight": weight, "scale": 5} for i, (name, weight) in enumerate(CRITERIA)])
            rounds[rid] = cid
        self.insert(em.CommitteeMember, [
            {"round_id": 1, "user_id": j, "invited_by_id": admin, "invited_at": NOW,
             "conflicts_declared_at": NOW} for j in jurors])
        self.insert(em.CommitteeMember, [
            {"round_id": 2, "user_id": j, "invited_by_id": admin, "invited_at": NOW,
             "conflicts_declared_at": NOW} for j in jurors[:B_JURORS]])
        interests = {}
        for j in jurors:
            for p in rng.sample(ids_of[1], 30):
                interests[(j, p)] = rng.choice([em.WANT, em.WANT, em.WILLING, em.RATHER_NOT])
        self.insert(em.ReviewInterest, [{"round_id": 1, "user_id": j, "proposal_id": p,
                                         "level": level}
                                        for (j, p), level in interests.items()])

        # Round B: round-robin assignments (200 each), reviews, 9 in 10 submitted.
        b_jurors = jurors[:B_JURORS]
        pairs = [(b_jurors[(i + r) % B_JURORS], p) for i, p in enumerate(ids_of[2])
                 for r in range(B_PER_PROPOSAL)]
        self.insert(em.Assignment, [{"id": n, "round_id": 2, "proposal_id": p, "user_id": j,
                                     "source": em.AUTO, "created_at": NOW,
                                     "created_by_id": admin}
                                    for n, (j, p) in enumerate(pairs, start=1)])
        self.reviews(2, list(enumerate(pairs, start=1)), criteria_base=10, draft_share=0.1)
        self.db.session.commit()
        return {"admin": admin, "jurors": jurors, "round_a": 1, "round_b": 2,
                "challenge_a": 1, "challenge_b": 2, "b_juror": b_jurors[0]}

    def reviews(self, round_id: int, assignments: list[tuple[int, tuple[int, int]]], *,
                criteria_base: int, draft_share: float) -> None:
        """Reviews with scores: each juror harsh or lenient, each proposal better or worse."""
        from alliance.evaluation import models as em

        rng = self.rng
        bias = {j: rng.gauss(0, 0.6) for _n, (j, _p) in assignments}
        quality = {p: rng.gauss(3, 0.8) for _n, (_j, p) in assignments}
        total_weight = sum(w for _name, w in CRITERIA)
        reviews, scores = [], []
        for n, (j, p) in assignments:
            draft = rng.random() < draft_share
            values = [min(5, max(1, round(quality[p] + bias[j] + rng.gauss(0, 0.7))))
                      for _c in CRITERIA]
            total = sum(w * Decimal(v - 1) / 4 for (_name, w), v in zip(CRITERIA, values,
                                                                        strict=True))
            reviews.append({
                "id": n, "assignment_id": n, "status": em.DRAFT if draft else em.SUBMITTED,
                "comment_for_startup": "Clear plan; the budget needs detail.",
                "comment_for_committee": "",
                "total": None if draft else (total * 100 / total_weight).quantize(
                    Decimal("0.01")),
                "submitted_at": None if draft else NOW - timedelta(days=rng.randint(1, 15)),
            })
            for i, v in enumerate(values):
                scores.append({"review_id": n, "criterion_id": criteria_base + i + 1,
                               "score": None if draft and i == 2 else v, "comment": ""})
        self.insert(em.Review, reviews)
        self.insert(em.ReviewScore, scores)


# -- the measures ---------------------------------------------------------------------

def measure_assignment(app, ids: dict, notes: dict) -> dict:
    from alliance.auth.models import User
    from alliance.evaluation import assignment
    from alliance.evaluation.models import EvaluationRound
    from alliance.extensions import db

    with app.test_request_context():
        round_ = db.session.get(EvaluationRound, ids["round_a"])
        admin = db.session.get(User, ids["admin"])
        started = time.perf_counter()
        report = assignment.run_assignment(round_=round_, user=admin, now=NOW)
        db.session.commit()
        elapsed = time.perf_counter() - started
        loads = [line.load for line in report.loads]
        return {"assignment_s": round(elapsed, 3), "assignment": {
            "proposals": report.proposals, "jurors": len(loads), "k": K,
            "created": report.created, "shortfalls": len(report.shortfalls),
            "load_min": min(loads), "load_max": max(loads),
            "objective": round(report.objective, 2),
        }}


def measure_aggregation(app, builder: Builder, ids: dict, notes: dict) -> float | None:
    from alliance.challenges.models import Challenge
    from alliance.evaluation import models as em
    from alliance.extensions import db

    with app.test_request_context():
        rows = db.session.execute(
            sa.select(em.Assignment.id, em.Assignment.user_id, em.Assignment.proposal_id)
            .where(em.Assignment.round_id == ids["round_a"]).order_by(em.Assignment.id)
        ).all()
        db.session.execute(sa.update(em.EvaluationRound).where(
            em.EvaluationRound.id == ids["round_a"]).values(status=em.REVIEWING))
        # Review ids = assignment ids: round B's come first, so they never collide.
        builder.reviews(ids["round_a"], [(r.id, (r.user_id, r.proposal_id)) for r in rows],
                        criteria_base=0, draft_share=0.0)
        db.session.commit()
        try:
            from alliance.evaluation.ranking import challenge_ranking
        except ImportError as error:
            notes["aggregation_s"] = f"missing: alliance.evaluation.ranking ({error})"
            return None
        times = []
        app.config["RANKING_CACHE"] = False  # the work itself, not the cache
        for _ in range(5):
            db.session.expire_all()
            challenge = db.session.get(Challenge, ids["challenge_a"])
            started = time.perf_counter()
            try:
                challenge_ranking(challenge)
            except Exception as error:  # the module is being written: report, go on
                notes["aggregation_s"] = f"error: {type(error).__name__}: {error}"
                db.session.rollback()
                return None
            times.append(time.perf_counter() - started)
        app.config["RANKING_CACHE"] = True
        return round(statistics.median(times), 3)


def measure_page(app, path: str, user_id: int, key: str, notes: dict) -> float | None:
    """Median milliseconds of ``REQUESTS`` GETs of ``path`` as ``user_id``."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.routing import RequestRedirect

    from alliance.auth.models import User
    from alliance.extensions import db

    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        notes[key] = f"missing: no route for GET {path}"
        return None
    except RequestRedirect:
        pass
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    times = []
    for i in range(WARMUP + REQUESTS):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        response.close()
        if response.status_code != 200:
            notes[key] = f"GET {path} answered {response.status_code}"
            return None
        if i >= WARMUP:
            times.append(elapsed)
    return round(statistics.median(times), 1)


def run(*, seed: int = datagen.SEED, log=None) -> dict:
    def say(message):
        if log:
            log(message)

    folder = tempfile.mkdtemp(prefix="bench-evaluation-")
    notes: dict[str, str] = {}
    try:
        app = make_app(folder)
        with app.app_context():
            started = time.perf_counter()
            builder = Builder(seed)
            ids = builder.build()
            build_s = time.perf_counter() - started
        say(f"data built in {build_s:.1f} s under {folder}")
        figures: dict = {"assignment_s": None, "aggregation_s": None, "ranking_page_ms": None,
                         "jury_dashboard_ms": None}
        say("running the assignment (1,000 proposals, 60 jurors, k = 3)")
        figures.update(measure_assignment(app, ids, notes))
        say("aggregating 3,000 reviews")
        with app.app_context():
            figures["aggregation_s"] = measure_aggregation(app, builder, ids, notes)
        say("the admin's ranking page (2,000 proposals, 6,000 reviews)")
        ranking_path = f"/admin/evaluation/rounds/{ids['round_b']}/ranking"
        figures["ranking_page_ms"] = measure_page(app, ranking_path, ids["admin"],
                                                  "ranking_page_ms", notes)
        # The same page when every request finds the ranking changed (a juror has just
        # submitted): the cache never hits.
        app.config["RANKING_CACHE"] = False
        figures["ranking_page_uncached_ms"] = measure_page(
            app, ranking_path, ids["admin"], "ranking_page_uncached_ms", notes)
        app.config["RANKING_CACHE"] = True
        say("a juror's dashboard (200 assignments)")
        figures["jury_dashboard_ms"] = measure_page(app, "/jury/", ids["b_juror"],
                                                    "jury_dashboard_ms", notes)
        figures["data_build_s"] = round(build_s, 2)
        figures["targets"] = {"assignment_s": 5, "aggregation_s": 1, "ranking_page_ms": 100,
                              "jury_dashboard_ms": 100}
        figures["notes"] = notes
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluation",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=datagen.SEED)
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    log = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(run(seed=args.seed, log=log)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
