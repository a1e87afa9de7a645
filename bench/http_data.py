"""The scaled data set of the HTTP benchmark (``bench.http``): 10,000 challenges of the
nine partners under six calls (with criteria, terms and co-sponsors), 20,000
start-ups (with a founder each), 100,000 proposals (mostly submitted), and the
Whoosh index built from them.

Rows go in by bulk inserts (executemany through the models' tables) from one seed,
with the texts of ``bench.datagen``; the schema comes from the migrations. The
result (``alliance.db`` plus ``search/``) is kept under ``/tmp`` in a folder named
after ``VERSION`` and the sizes, so a second run starts at once: bump ``VERSION``
whenever the rows or the schema change.
"""
from __future__ import annotations

import os
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from bench import datagen

VERSION = 2
SEED = datagen.SEED
CHALLENGES, STARTUPS, PROPOSALS = 10_000, 20_000, 100_000
BATCH = 5_000
PASSWORD_HASH = "bench:no-password"  # nobody logs in with a password here
CREATED = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)

# Calls around the real date (late 2026): some past, one open, some upcoming.
CALLS = [*datagen.CALLS,
         ("dati-aperti-2027", "Dati aperti 2027",
          datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 3, 31, 22, tzinfo=UTC)),
         ("energia-di-quartiere-2027", "Energia di quartiere 2027",
          datetime(2027, 1, 15, tzinfo=UTC), datetime(2027, 6, 30, 22, tzinfo=UTC))]
CRITERIA = [("Innovation", Decimal("40")), ("Feasibility", Decimal("35")),
            ("Impact on the city", Decimal("25"))]
# A challenge whose deadline passed is closed, being evaluated or decided.
PAST_STATUSES = ["published"] * 2 + ["closed", "in_evaluation", "decided"]


def folder_for(scale: float = 1.0) -> Path:
    return Path(os.environ.get("BENCH_HTTP_DIR", "/tmp")) / f"alliance-http-bench-v{VERSION}-x{scale:g}"


def bench_config(folder: Path) -> dict:
    """The app's settings for building (and profiling) the data set in ``folder``."""
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/alliance.db",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WHOOSH_INDEX_DIR": str(folder / "search"),
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "MAIL_FILE_PATH": str(folder / "mail"),
        "MAIL_BACKEND": "locmem",
        "SEARCH_SYNC": False,
        "SEARCH_STARTUP_CHECK": False,
        "RATELIMIT_ENABLED": False,
    }


class Builder:
    """Every table's rows from one seed, inserted in batches."""

    def __init__(self, scale: float = 1.0, seed: int = SEED):
        from alliance.extensions import db

        self.db = db
        self.rng = random.Random(seed)
        self.text = datagen.Generator(0, seed)
        self.n_challenges = int(CHALLENGES * scale)
        self.n_startups = int(STARTUPS * scale)
        self.n_proposals = int(PROPOSALS * scale)

    def insert(self, model_or_table, rows: list[dict]) -> None:
        table = getattr(model_or_table, "__table__", model_or_table)
        for start in range(0, len(rows), BATCH):
            self.db.session.execute(sa.insert(table), rows[start:start + BATCH])

    def build(self) -> dict:
        from alliance.auth.models import User
        from alliance.challenges import models as cm
        from alliance.core.taxonomy import Theme
        from alliance.partners.models import Partner, PartnerMembership

        themes = list(datagen.THEMES)
        # The migrations create the partners and themes; the rows here use their ids.
        theme_ids = dict(self.db.session.execute(sa.select(Theme.slug, Theme.id)).all())
        partner_ids = dict(self.db.session.execute(sa.select(Partner.slug, Partner.id)).all())
        self.theme_id = {t: theme_ids[t] for t in themes}
        self.partners = [partner_ids[slug] for _pid, slug, _name in datagen.PARTNERS]
        self.insert(cm.Call, [{"id": i + 1, "slug": slug, "title": title, "opens_at": opens,
                               "closes_at": closes, "description": "",
                               "created_at": CREATED, "updated_at": CREATED}
                              for i, (slug, title, opens, closes) in enumerate(CALLS)])
        # One member per partner (for the logged-in figures of the profile).
        self.insert(User, [{"id": n, "email": f"staff{n}@partner.example.com",
                            "name": f"Partner staff {n}", "password_hash": PASSWORD_HASH,
                            "confirmed_at": CREATED, "active": True,
                            "created_at": CREATED, "updated_at": CREATED}
                           for n, _pid in enumerate(self.partners, start=1)])
        self.insert(PartnerMembership, [{"user_id": n, "partner_id": pid, "added_at": CREATED}
                                        for n, pid in enumerate(self.partners, start=1)])
        published = self._challenges(themes)
        self._startups(themes)
        self._proposals(published, themes)
        self.db.session.commit()
        return {"challenges": self.n_challenges, "startups": self.n_startups,
                "proposals": self.n_proposals}

    def _challenges(self, themes: list[str]) -> list[tuple[int, str]]:
        from alliance.challenges import models as cm

        rng, text = self.rng, self.text
        now = datetime.now(UTC)
        rows, criteria, terms, cosponsors, published = [], [], [], [], []
        partner_ids = self.partners
        for cid in range(1, self.n_challenges + 1):
            theme = rng.choice(themes)
            call = rng.randrange(len(CALLS))
            _slug, _title, opens, closes = CALLS[call]
            deadline = closes + timedelta(days=rng.randint(-20, 0), hours=rng.randint(0, 23))
            lang = 0 if rng.random() < 0.6 else 1
            roll = rng.random()
            if roll < 0.04:
                status = cm.DRAFT
            elif roll < 0.06:
                status = cm.SUBMITTED
            elif deadline < now:
                status = rng.choice(PAST_STATUSES)
            else:
                status = cm.PUBLISHED
            lead = rng.choice(partner_ids)
            rows.append({
                "id": cid, "call_id": call + 1, "lead_partner_id": lead,
                "theme_id": self.theme_id[theme], "slug": f"challenge-{cid}-{theme}",
                "title": text._fill(rng.choice(datagen.TITLES[lang]), lang, theme)[:200],
                "summary": text._text(lang, theme, 25)[:500],
                "description": "## " + ("Contesto" if lang == 0 else "Context") + "\n\n"
                               + text._text(lang, theme, 120),
                "expected_outcomes": text._text(lang, theme, 30),
                "rewards": "A six-month pilot and 50,000 euro.", "eligibility": "EU start-ups.",
                "opens_at": opens, "deadline": deadline, "pilot_slots": rng.randint(1, 3),
                "status": status, "status_comment": "",
                "published_at": opens if status not in (cm.DRAFT, cm.SUBMITTED) else None,
                "created_at": opens - timedelta(days=30), "updated_at": opens - timedelta(days=30),
            })
            criteria += [{"challenge_id": cid, "position": i, "name": name, "description": "",
                          "weight": weight, "scale": 5, "comment_required": False}
                         for i, (name, weight) in enumerate(CRITERIA)]
            terms.append({"challenge_id": cid, "version": 1, "created_at": CREATED,
                          "text": "Confidentiality: **all** data stays with the start-up."})
            if rng.random() < 0.4:
                cosponsors.append({"challenge_id": cid,
                                   "partner_id": rng.choice([p for p in partner_ids if p != lead])})
            if status not in (cm.DRAFT, cm.SUBMITTED):
                published.append((cid, theme))
        self.insert(cm.Challenge, rows)
        self.insert(cm.Criterion, criteria)
        self.insert(cm.ChallengeTerms, terms)
        self.insert(cm.challenge_cosponsor, cosponsors)
        return published

    def _startups(self, themes: list[str]) -> None:
        from alliance.auth.models import User
        from alliance.startups.models import Startup, StartupMembership, startup_sector

        rng, text = self.rng, self.text
        startups, sectors, users, members = [], [], [], []
        first_user = 100
        for s in range(1, self.n_startups + 1):
            lang = 0 if rng.random() < 0.6 else 1
            chosen = rng.sample(themes, rng.randint(1, 2))
            startups.append({
                "id": s, "slug": f"startup-{s}", "name": text._startup_name(s),
                "vat_number": f"{s:011d}", "country": "IT",
                "city": rng.choice(["Milano"] * 6 + ["Torino", "Bergamo", "Bologna", "Monza"]),
                "founded_year": rng.randint(2015, 2025), "team_size": rng.randint(2, 40),
                "stage": rng.choice(["idea", "prototype", "mvp", "revenue", "growth"]),
                "website": "", "pitch": text._text(lang, chosen[0], 40),
                "is_public": rng.random() < 0.85, "created_at": CREATED, "updated_at": CREATED,
            })
            sectors += [{"startup_id": s, "theme_id": self.theme_id[t]} for t in chosen]
            users.append({"id": first_user + s, "email": f"founder@startup{s}.example.it",
                          "name": f"Founder {s}", "password_hash": PASSWORD_HASH,
                          "confirmed_at": CREATED, "active": True,
                          "created_at": CREATED, "updated_at": CREATED})
            members.append({"user_id": first_user + s, "startup_id": s, "is_founder": True,
                            "joined_at": CREATED})
        self.insert(Startup, startups)
        self.insert(startup_sector, sectors)
        self.insert(User, users)
        self.insert(StartupMembership, members)

    def _proposals(self, published: list[tuple[int, str]], themes: list[str]) -> None:
        from alliance.proposals.models import DRAFT, SUBMITTED, WITHDRAWN, Proposal

        rng, text = self.rng, self.text
        seen: set[tuple[int, int]] = set()
        rows = []
        while len(rows) < self.n_proposals:
            cid, theme = rng.choice(published)
            sid = rng.randint(1, self.n_startups)
            if (cid, sid) in seen:
                continue
            seen.add((cid, sid))
            lang = 0 if rng.random() < 0.6 else 1
            roll = rng.random()
            status = SUBMITTED if roll < 0.85 else DRAFT if roll < 0.96 else WITHDRAWN
            when = CREATED + timedelta(minutes=rng.randint(0, 60 * 24 * 600))
            rows.append({
                "id": len(rows) + 1, "challenge_id": cid, "startup_id": sid,
                "title": text._fill(rng.choice(datagen.TITLES[lang]), lang, theme)[:200],
                "abstract": text._text(lang, theme, 40),
                "description": text._text(lang, theme, 110),
                "trl": rng.choices(range(1, 10), datagen.TRL_WEIGHTS)[0],
                "pilot_duration_months": 6, "pilot_cost_eur": Decimal("45000"),
                "team": "Three engineers and a data scientist.", "status": status,
                "submitted_at": when if status != DRAFT else None,
                "withdrawn_at": when if status == WITHDRAWN else None,
                "created_at": when, "updated_at": when,
            })
        self.insert(Proposal, rows)


def build(folder: Path, scale: float = 1.0, log=print) -> dict:
    """Build the data set and its index into ``folder`` (replaced); return the counts."""
    import flask_migrate

    from alliance import create_app
    from alliance.extensions import db
    from alliance.search.cli import rebuild_index

    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    app = create_app(bench_config(tmp))
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        started = time.perf_counter()
        counts = Builder(scale).build()
        counts["rows_s"] = round(time.perf_counter() - started, 1)
        log(f"rows inserted in {counts['rows_s']} s; indexing...")
        started = time.perf_counter()
        counts["indexed"] = rebuild_index()
        counts["index_s"] = round(time.perf_counter() - started, 1)
        log(f"indexed {counts['indexed']} documents in {counts['index_s']} s")
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    (folder / "READY").write_text(repr(counts))
    return counts


def ensure(scale: float = 1.0, log=print) -> Path:
    """The folder of the data set, built first unless a finished one is there."""
    folder = folder_for(scale)
    if not (folder / "READY").exists():
        log(f"building the data set in {folder} (once; later runs reuse it)")
        build(folder, scale, log)
    return folder


if __name__ == "__main__":
    import sys

    print(ensure(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0))
