"""A call's challenges, proposals and start-ups as CSV and XLSX files for the admins.

``TABLES[what](call=call)`` builds a ``Table`` (translated headers, one list of cells
per row, in a fixed number of queries); ``to_csv`` and ``to_xlsx`` write it:

- CSV: UTF-8 with a BOM (Excel then reads accents right), comma, CRLF;
- XLSX: one sheet (openpyxl's write-only workbook), bold frozen header, numbers as
  numbers and times as dates.

Times are Europe/Rome wall-clock. Proposals: submitted ones and those withdrawn after
submitting, never drafts, with the aggregated score of the challenge's ranking when it
has one. Start-ups: those with such a proposal in the call.

Text that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) gets a leading apostrophe in both formats, so nothing a start-up
wrote can run on an admin's machine.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from alliance.admin.score_stats import final_scores
from alliance.challenges.models import Call, Challenge
from alliance.core.audit import record
from alliance.core.timezones import utc_to_rome
from alliance.evaluation.aggregation import displayed
from alliance.evaluation.decisions import OUTCOME_LABELS
from alliance.evaluation.models import Decision
from alliance.extensions import db
from alliance.proposals.models import DRAFT, SUBMITTED, WITHDRAWN, Proposal
from alliance.startups.forms import stage_label
from alliance.startups.models import Startup

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHALLENGE_STATUS_LABELS = {
    "draft": _l("Draft"), "submitted": _l("Waiting for approval"),
    "published": _l("Published"), "closed": _l("Closed"), "in_evaluation": _l("In evaluation"),
    "decided": _l("Decided"), "archived": _l("Archived"),
}
PROPOSAL_STATUS_LABELS = {SUBMITTED: _l("Submitted"), WITHDRAWN: _l("Withdrawn")}
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Table:
    sheet: str  # the XLSX sheet's name
    headers: list[str]
    rows: list[list]


def safe_text(value):
    """A string a spreadsheet would run as a formula, made plain text (others as is)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _rome(value: datetime | None) -> datetime | None:
    """Europe/Rome wall-clock time, without offset (what a spreadsheet can show)."""
    return utc_to_rome(value).replace(tzinfo=None) if value else None


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


# -- the tables ------------------------------------------------------------------------

def challenges_table(*, call: Call) -> Table:
    """Every challenge of ``call``, drafts included, with its submitted proposals."""
    challenges = db.session.scalars(
        sa.select(Challenge).where(Challenge.call_id == call.id)
        .order_by(Challenge.deadline, Challenge.title)
    ).unique().all()
    submitted = dict(db.session.execute(
        sa.select(Proposal.challenge_id, sa.func.count())
        .join(Challenge, Challenge.id == Proposal.challenge_id)
        .where(Challenge.call_id == call.id, Proposal.status == SUBMITTED)
        .group_by(Proposal.challenge_id)
    ).all())
    headers = [_("ID"), _("Title"), _("Status"), _("Lead partner"), _("Co-sponsors"),
               _("Theme"), _("Opens (Europe/Rome)"), _("Deadline (Europe/Rome)"),
               _("Pilot slots"), _("Proposals submitted"), _("Address")]
    rows = [
        [c.id, c.title, str(CHALLENGE_STATUS_LABELS.get(c.status, c.status)),
         c.lead_partner.name,
         "; ".join(p.name for p in c.cosponsors if p.id != c.lead_partner_id),
         c.theme.name(_locale()), _rome(c.opens_at), _rome(c.deadline), c.pilot_slots,
         submitted.get(c.id, 0), url_for("challenges.detail", slug=c.slug, _external=True)]
        for c in challenges
    ]
    return Table(_("Challenges"), headers, rows)


def proposals_table(*, call: Call) -> Table:
    """The proposals sent to ``call``'s challenges (never the drafts)."""
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.title, Startup.name, Challenge.id, Challenge.title,
                  Proposal.status, Proposal.submitted_at, Proposal.withdrawn_at, Proposal.trl,
                  Proposal.pilot_duration_months, Proposal.pilot_cost_eur, Decision.outcome)
        .select_from(Proposal)
        .join(Challenge, Challenge.id == Proposal.challenge_id)
        .join(Startup, Startup.id == Proposal.startup_id)
        .outerjoin(Decision, Decision.proposal_id == Proposal.id)
        .where(Challenge.call_id == call.id, Proposal.status != DRAFT,
               Proposal.submitted_at.is_not(None))
        .order_by(Challenge.title, Proposal.submitted_at, Proposal.id)
    ).all()
    scores = final_scores({row[3] for row in rows})
    headers = [_("ID"), _("Title"), _("Start-up"), _("Challenge"), _("Status"),
               _("Submitted (Europe/Rome)"), _("Withdrawn (Europe/Rome)"), _("TRL"),
               _("Pilot duration (months)"), _("Pilot cost (EUR)"), _("Aggregated score"),
               _("Decision")]
    table = []
    for (id_, title, startup, challenge_id, challenge, status, submitted_at, withdrawn_at,
         trl, months, cost, outcome) in rows:
        score = scores.get(challenge_id, {}).get(id_)
        table.append([
            id_, title, startup, challenge, str(PROPOSAL_STATUS_LABELS.get(status, status)),
            _rome(submitted_at), _rome(withdrawn_at), trl, months, cost, displayed(score),
            str(OUTCOME_LABELS[outcome]) if outcome else "",
        ])
    return Table(_("Proposals"), headers, table)


def startups_table(*, call: Call) -> Table:
    """The start-ups that sent a proposal to one of ``call``'s challenges."""
    sent = db.session.execute(
        sa.select(Proposal.startup_id, Proposal.status, Challenge.title)
        .join(Challenge, Challenge.id == Proposal.challenge_id)
        .where(Challenge.call_id == call.id, Proposal.status != DRAFT,
               Proposal.submitted_at.is_not(None))
        .order_by(Challenge.title)
    ).all()
    submitted: dict[int, int] = defaultdict(int)
    withdrawn: dict[int, int] = defaultdict(int)
    titles: dict[int, list[str]] = defaultdict(list)
    for startup_id, status, title in sent:
        (submitted if status == SUBMITTED else withdrawn)[startup_id] += 1
        titles[startup_id].append(title)
    startups = db.session.scalars(
        sa.select(Startup).where(Startup.id.in_(list(titles))).order_by(Startup.name)
    ).all() if titles else []
    locale = _locale()
    headers = [_("ID"), _("Name"), _("VAT number"), _("City"), _("Country"), _("Founded"),
               _("Team size"), _("Stage"), _("Website"), _("Sectors"),
               _("Proposals submitted"), _("Proposals withdrawn"), _("Challenges"),
               _("Public profile")]
    rows = [
        [s.id, s.name, s.vat_number or "", s.city, s.country, s.founded_year, s.team_size,
         stage_label(s.stage), s.website, "; ".join(t.name(locale) for t in s.sectors),
         submitted[s.id], withdrawn[s.id], "; ".join(titles[s.id]), _yes_no(s.is_public)]
        for s in startups
    ]
    return Table(_("Start-ups"), headers, rows)


def _locale() -> str:
    return str(get_locale() or "it")


TABLES = {"challenges": challenges_table, "proposals": proposals_table,
          "startups": startups_table}


# -- the files ---------------------------------------------------------------------------

def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return safe_text(str(value)) if isinstance(value, str) else str(value)


def to_csv(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a BOM, comma-separated, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_cell(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """The table as an Excel workbook: one sheet, bold frozen header."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.sheet[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers):
        width = min(40, max(10, len(header) + 2))
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    bold = Font(bold=True)

    def cell(value, font: Font | None = None):
        if isinstance(value, str):
            value = safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))
            item = WriteOnlyCell(sheet, value=value)
            item.data_type = "s"  # text, never a formula
        else:
            item = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                item.number_format = "yyyy-mm-dd hh:mm"
        if font is not None:
            item.font = font
        return item

    sheet.append([cell(h, bold) for h in table.headers])
    for row in table.rows:
        sheet.append([cell(c) for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_call(*, call: Call, what: str, fmt: str, user, now: datetime) -> bytes:
    """The file of ``what`` (a key of ``TABLES``) of ``call`` in ``fmt`` (csv, xlsx);
    every export is audited."""
    table = TABLES[what](call=call)
    record(actor=user, action="admin.export", obj=call, now=now, what=what, format=fmt,
           rows=len(table.rows))
    return to_csv(table) if fmt == "csv" else to_xlsx(table)


__all__ = ["MIMETYPES", "TABLES", "Table", "export_call", "safe_text", "to_csv", "to_xlsx"]
