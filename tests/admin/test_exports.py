"""Exports of a call's challenges, proposals and start-ups (CSV and XLSX), admins only."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from alliance.core.audit import AuditEvent
from alliance.extensions import db
from tests import factories

WHATS = ("challenges", "proposals", "startups")
SUBMITTED_AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 00:30 on 3 March in Rome


@pytest.fixture
def call():
    """A call with an open challenge (a submitted, a withdrawn and a draft proposal) and
    one in evaluation, scored; and another call's proposal, which no export shows."""
    call = factories.CallFactory(slug="milano-2026", title="Milano 2026")
    partner = factories.PartnerFactory(name="Città Energia S.p.A.")
    theme = factories.ThemeFactory(name_it="Città sostenibile", name_en="Sustainable city")
    open_ = factories.ChallengeFactory(call=call, lead_partner=partner, theme=theme,
                                       title="Aria più pulita", published=True)
    startup = factories.StartupFactory(name="Società Ünïcode", city="Milano",
                                       vat_number="12345678901")
    factories.ProposalFactory(challenge=open_, startup=startup, submitted=True,
                              title="Sensori sui tram", submitted_at=SUBMITTED_AT)
    factories.ProposalFactory(challenge=open_, title="Still a draft")
    factories.ProposalFactory(challenge=open_, withdrawn=True, title="Gave up",
                              submitted_at=SUBMITTED_AT)
    judged = factories.ChallengeFactory(call=call, lead_partner=partner, theme=theme,
                                        title="Scored one", closed=True,
                                        status="in_evaluation")
    round_ = factories.EvaluationRoundFactory(challenge=judged, reviewing=True)
    scored = factories.ProposalFactory(challenge=judged, startup=startup, submitted=True,
                                       title="Scored proposal", submitted_at=SUBMITTED_AT)
    for score in (5, 4):  # 100 and 75: 87.5
        assignment = factories.AssignmentFactory(round=round_, proposal=scored)
        factories.ReviewFactory(assignment=assignment, submitted=True, scores=score)
    factories.DecisionFactory(proposal=scored, outcome="winner")
    factories.ProposalFactory(submitted=True, title="Another call's proposal")
    return call


def _language(client, lang: str) -> None:
    with client.session_transaction() as session:
        session["lang"] = lang


def _csv(response) -> list[list[str]]:
    assert response.data.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _xlsx(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(response.data))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def _by_header(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_export_proposals_csv_never_drafts(client, login_as, admin, call):
    login_as(admin)
    _language(client, "en")
    response = client.get("/admin/calls/milano-2026/export/proposals.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="milano-2026-proposals.csv"' in response.headers["Content-Disposition"]
    rows = _by_header(_csv(response))
    assert {r["Title"] for r in rows} == {"Sensori sui tram", "Gave up", "Scored proposal"}
    tram = next(r for r in rows if r["Title"] == "Sensori sui tram")
    assert tram["Start-up"] == "Società Ünïcode"
    assert tram["Challenge"] == "Aria più pulita"
    assert tram["Status"] == "Submitted"
    assert tram["Submitted (Europe/Rome)"] == "2026-03-03 00:30"
    assert tram["Aggregated score"] == ""
    scored = next(r for r in rows if r["Title"] == "Scored proposal")
    assert scored["Aggregated score"] == "87.5"
    assert scored["Decision"] == "Winner"
    assert next(r for r in rows if r["Title"] == "Gave up")["Status"] == "Withdrawn"


def test_export_proposals_xlsx(client, login_as, admin, call):
    login_as(admin)
    _language(client, "en")
    response = client.get("/admin/calls/milano-2026/export/proposals.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = _by_header(_xlsx(response))
    scored = next(r for r in rows if r["Title"] == "Scored proposal")
    assert scored["Aggregated score"] == 87.5  # a number, not text
    assert scored["Submitted (Europe/Rome)"] == datetime(2026, 3, 3, 0, 30)
    assert scored["Pilot cost (EUR)"] == 45000
    assert "Still a draft" not in {r["Title"] for r in rows}


def test_export_challenges(client, login_as, admin, call):
    login_as(admin)
    _language(client, "en")
    rows = _by_header(_csv(client.get("/admin/calls/milano-2026/export/challenges.csv")))
    assert [r["Title"] for r in rows] == ["Scored one", "Aria più pulita"]  # by deadline
    open_ = rows[1]
    assert open_["Status"] == "Published"
    assert open_["Lead partner"] == "Città Energia S.p.A."
    assert open_["Theme"] == "Sustainable city"
    assert open_["Proposals submitted"] == "1"
    assert open_["Address"].endswith("/challenges/" + next(
        c.slug for c in call.challenges if c.title == "Aria più pulita"))
    xlsx = _by_header(_xlsx(client.get("/admin/calls/milano-2026/export/challenges.xlsx")))
    assert [(r["Title"], r["Proposals submitted"]) for r in xlsx] == [
        ("Scored one", 1), ("Aria più pulita", 1)]


def test_export_startups(client, login_as, admin, call):
    login_as(admin)
    _language(client, "en")
    rows = _by_header(_csv(client.get("/admin/calls/milano-2026/export/startups.csv")))
    names = [r["Name"] for r in rows]
    assert "Società Ünïcode" in names and len(names) == 2  # and the withdrawn one's
    ours = rows[names.index("Società Ünïcode")]
    assert ours["Proposals submitted"] == "2"
    assert ours["Challenges"] == "Aria più pulita; Scored one"
    assert ours["VAT number"] == "12345678901"
    xlsx = _by_header(_xlsx(client.get("/admin/calls/milano-2026/export/startups.xlsx")))
    assert sorted(r["Name"] for r in xlsx) == sorted(names)


def test_export_headers_in_the_users_language(client, login_as, admin, call):
    login_as(admin)
    _language(client, "it")
    header = _csv(client.get("/admin/calls/milano-2026/export/proposals.csv"))[0]
    assert "Titolo" in header and "Sfida" in header


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_neutralises_formulas(client, login_as, admin, fmt):
    call = factories.CallFactory(slug="evil")
    challenge = factories.ChallengeFactory(call=call, published=True, title="=HYPERLINK(1)")
    for title in ("=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tTab", "Plain - text"):
        factories.ProposalFactory(challenge=challenge, submitted=True, title=title,
                                  startup=factories.StartupFactory(name=f"@{title}"))
    login_as(admin)
    _language(client, "en")
    response = client.get(f"/admin/calls/evil/export/proposals.{fmt}")
    rows = _by_header(_csv(response) if fmt == "csv" else _xlsx(response))
    titles = sorted(r["Title"] for r in rows)
    assert titles == sorted(["'=1+2", "'+cmd", "'-2+3", "'@SUM(A1)", "'\tTab", "Plain - text"])
    assert all(r["Start-up"].startswith("'@") for r in rows)
    assert {r["Challenge"] for r in rows} == {"'=HYPERLINK(1)"}
    if fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(response.data))
        assert all(cell.data_type != "f" for row in workbook.active.iter_rows()
                   for cell in row)


def test_export_is_audited(client, login_as, admin, call):
    login_as(admin)
    client.get("/admin/calls/milano-2026/export/startups.xlsx")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "admin.export"))
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "call", call.id)
    assert event.data == {"what": "startups", "format": "xlsx", "rows": 2}


def test_export_unknown_call_or_kind_not_found(client, login_as, admin, call):
    login_as(admin)
    assert client.get("/admin/calls/nope/export/proposals.csv").status_code == 404
    assert client.get("/admin/calls/milano-2026/export/users.csv").status_code == 404
    assert client.get("/admin/calls/milano-2026/export/proposals.pdf").status_code == 404


@pytest.mark.parametrize("what", WHATS)
def test_export_anonymous_sent_to_login(client, call, what):
    response = client.get(f"/admin/calls/milano-2026/export/{what}.csv")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["partner", "startup", "jury"])
def test_export_forbidden_to_others(client, login_as, call, role):
    user = {"partner": factories.PartnerUserFactory, "startup": factories.StartupUserFactory,
            "jury": factories.JuryUserFactory}[role]()
    login_as(user)
    for what in WHATS:
        assert client.get(f"/admin/calls/milano-2026/export/{what}.xlsx").status_code == 403
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "admin.export")) is None


def test_export_empty_call(client, login_as, admin):
    factories.CallFactory(slug="empty")
    login_as(admin)
    _language(client, "en")
    for what in WHATS:
        rows = _csv(client.get(f"/admin/calls/empty/export/{what}.csv"))
        assert len(rows) == 1 and rows[0][0] == "ID"
        assert _xlsx(client.get(f"/admin/calls/empty/export/{what}.xlsx"))[0][0] == "ID"


def test_export_cost_is_a_number(client, login_as, admin, call):
    login_as(admin)
    _language(client, "en")
    rows = _by_header(_csv(client.get("/admin/calls/milano-2026/export/proposals.csv")))
    assert Decimal(rows[0]["Pilot cost (EUR)"]) == Decimal("45000")
