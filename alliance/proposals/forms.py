"""The proposal form. Its own validation is lenient (types and lengths), so a draft
can be saved half-written; the service checks completeness on submission."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from alliance.proposals.services import (
    MAX_COST,
    MAX_DURATION_MONTHS,
    MAX_LENGTHS,
    ProposalContent,
    hideable_partners,
)

TRL_LEVELS = {
    1: _l("basic principles observed"),
    2: _l("technology concept formulated"),
    3: _l("experimental proof of concept"),
    4: _l("technology validated in the lab"),
    5: _l("technology validated in a relevant environment"),
    6: _l("technology demonstrated in a relevant environment"),
    7: _l("system prototype demonstrated in an operational environment"),
    8: _l("system complete and qualified"),
    9: _l("actual system proven in an operational environment"),
}


def trl_label(level: int | None) -> str:
    if level is None:
        return ""
    return f"TRL {level}: {TRL_LEVELS.get(level, '')}"


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


class EuroField(DecimalField):
    """An amount in euro; accepts "45000", "45.000,50", "45,000.50", "€ 45 000"."""

    widget = TextInput()  # a number input would refuse the Italian "45.000,50"

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = re.sub(r"[\s€]", "", valuelist[0] or "")
        if not text:
            self.data = None
            return
        if "," in text and "." in text:
            decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
            thousands = "." if decimal_sep == "," else ","
            text = text.replace(thousands, "").replace(decimal_sep, ".")
        else:
            for sep in ",.":
                if sep in text:
                    # Euro amounts have two decimals: three digits after a separator
                    # mean thousands ("45.000" is forty-five thousand).
                    if re.fullmatch(r"\d{1,3}(\%s\d{3})+" % sep, text):
                        text = text.replace(sep, "")
                    else:
                        text = text.replace(sep, ".")
        try:
            if not re.fullmatch(r"-?\d{1,15}(\.\d+)?", text):
                raise ValueError(text)
            self.data = Decimal(text).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            self.data = None
            raise ValueError(_l("Not a valid amount: write it like 45000 or "
                                "45000.50")) from None


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=MAX_LENGTHS["title"])],
                        render_kw={"maxlength": MAX_LENGTHS["title"]})
    abstract = TextAreaField(
        _l("Abstract"), validators=[Length(max=MAX_LENGTHS["abstract"])],
        description=_l("The proposal in a few sentences (at most 1,500 characters)."),
        render_kw={"rows": 4, "maxlength": MAX_LENGTHS["abstract"]},
    )
    description = TextAreaField(
        _l("Full description"), validators=[Length(max=MAX_LENGTHS["description"])],
        description=_l("The solution, how the pilot would run and what it would deliver. "
                       "Markdown is allowed: **bold**, *italic*, lists, ## headings."),
        render_kw={"rows": 14},
    )
    trl = SelectField(
        _l("Technology readiness level (TRL)"), coerce=_optional_int,
        choices=[SelectChoice("", _l("Choose a level"))] + [
            SelectChoice(str(n), _l("TRL %(n)s: %(text)s", n=n, text=text))
            for n, text in TRL_LEVELS.items()
        ],
        validate_choice=True,
    )
    pilot_duration_months = IntegerField(
        _l("Expected pilot duration (months)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_MONTHS)],
        render_kw={"min": 1, "max": MAX_DURATION_MONTHS, "inputmode": "numeric"},
    )
    pilot_cost_eur = EuroField(
        _l("Expected pilot cost (EUR)"), places=2,
        render_kw={"inputmode": "decimal"},
    )
    team = TextAreaField(
        _l("Team"), validators=[Length(max=MAX_LENGTHS["team"])],
        description=_l("Who would run the pilot: roles and relevant experience."),
        render_kw={"rows": 4},
    )
    attachment = FileField(
        _l("Attachment (PDF, at most 10 MB)"),
        description=_l("Optional but recommended: a presentation or business plan. A new file "
                       "replaces the previous one."),
        render_kw={"accept": "application/pdf,.pdf"},
    )
    hidden_from = SelectMultipleField(_l("Keep this proposal from"), coerce=int)
    accept_terms = BooleanField(_l("I accept the terms of this challenge"))

    def __init__(self, *args, challenge=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The challenge's sponsors are not offered: they read every proposal after the
        # deadline (choosing one anyway fails the choice check, and the service's).
        partners = hideable_partners(challenge) if challenge is not None else []
        self.hidden_from.choices = [SelectChoice(p.id, p.name) for p in partners]
        obj = kwargs.get("obj")
        if obj is not None and not self.is_submitted():
            self.hidden_from.data = [p.id for p in obj.hidden_from]

    def validate_pilot_cost_eur(self, field):
        if field.data is not None and not 0 <= field.data <= MAX_COST:
            raise ValidationError(_l("Give an amount in euro, zero or more."))

    def content(self) -> ProposalContent:
        return ProposalContent(
            title=(self.title.data or "").strip(),
            abstract=(self.abstract.data or "").strip(),
            description=self.description.data or "",
            trl=self.trl.data,
            pilot_duration_months=self.pilot_duration_months.data,
            pilot_cost_eur=self.pilot_cost_eur.data,
            team=self.team.data or "",
            hidden_from=tuple(self.hidden_from.data or ()),
        )
