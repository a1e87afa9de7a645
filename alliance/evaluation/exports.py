"""The ranking as files: ``ranking_csv(ranking)`` (UTF-8 with a BOM so that Excel
reads accents, comma-separated) and ``ranking_xlsx(ranking)`` (bold header row,
numbers as numbers). Both return bytes with the same columns: rank, tie, proposal,
start-up, final score, then per round the figures (reviews, assigned, mean,
median, sd, disagreement, normalised, override and its reason, round score) and the
per-criterion means, then the decision.

Text that a spreadsheet would run as a formula (starting with = + - @) is written
as text, so a proposal's title cannot execute anything on an admin's machine.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from alliance.evaluation.decisions import OUTCOME_LABELS
from alliance.evaluation.ranking import Ranking, RoundFigures, RoundInfo

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _plain(value: Decimal) -> str:
    """40.00 -> "40", 12.50 -> "12.5"."""
    return format(value.normalize() if value != value.to_integral_value()
                  else value.to_integral_value(), "f")


def _round_headers(round_: RoundInfo, prefix: str) -> list[str]:
    headers = [_("Reviews"), _("Assigned"), _("Mean"), _("Median"), _("Standard deviation"),
               _("Disagreement"), _("Normalised"), _("Override"), _("Override reason"),
               _("Round score")]
    headers += [_("%(criterion)s (1-%(scale)s, weight %(weight)s)", criterion=c.name,
                  scale=c.scale, weight=_plain(c.weight)) for c in round_.criteria]
    return [f"{prefix}{h}" for h in headers]


def _round_cells(figures: RoundFigures | None, round_: RoundInfo) -> list:
    if figures is None:
        return [None] * (10 + len(round_.criteria))
    override = figures.override
    return [
        figures.reviews, figures.assigned, _number(figures.mean), _number(figures.median),
        _number(figures.sd), _("yes") if figures.disagreement else _("no"),
        _number(figures.normalised),
        _number(float(override.score)) if override else None,
        override.reason if override else "",
        _number(figures.score),
    ] + [_number(m) for m in figures.criterion_means]


def ranking_table(ranking: Ranking) -> tuple[list[str], list[list]]:
    """The header and the rows both exports write."""
    headers = [_("Rank"), _("Tie"), _("Proposal ID"), _("Proposal"), _("Start-up"),
               _("Final score")]
    several = len(ranking.rounds) > 1
    for round_ in ranking.rounds:
        prefix = _("Round %(n)s: ", n=round_.number) if several else ""
        headers += _round_headers(round_, prefix)
    headers.append(_("Decision"))
    rows = []
    for row in ranking.rows:
        cells = [row.rank, _("tie") if row.tied else "", row.proposal_id, row.title,
                 row.startup_name, row.display_score]
        for index, round_ in enumerate(ranking.rounds):
            cells += _round_cells(row.figures if index == 0 else row.second, round_)
        cells.append(str(OUTCOME_LABELS[row.outcome]) if row.outcome else "")
        rows.append(cells)
    return headers, rows


def _safe_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def ranking_csv(ranking: Ranking) -> bytes:
    """The ranking as CSV (UTF-8 with BOM, comma, decimal point)."""
    headers, rows = ranking_table(ranking)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe_text(h) for h in headers])
    for cells in rows:
        writer.writerow(["" if c is None else _safe_text(c) for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def ranking_xlsx(ranking: Ranking) -> bytes:
    """The ranking as an Excel workbook: one sheet, bold header, numbers as numbers."""
    headers, rows = ranking_table(ranking)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Ranking")[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cell(value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula
        if font is not None:
            cell.font = font
        return cell

    sheet.append([text_cell(h, bold) for h in headers])
    for cells in rows:
        sheet.append([text_cell(c) if isinstance(c, str) and c.startswith(_FORMULA_START)
                      else c for c in cells])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


__all__ = ["ranking_csv", "ranking_table", "ranking_xlsx"]
