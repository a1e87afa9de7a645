"""Forms for challenges: the brief, the criteria editor, the terms, the list's filters."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from alliance.core.forms import FiniteDecimalField as DecimalField
from alliance.core.timezones import NonexistentLocalTime, rome_to_utc, utc_to_rome

_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class RomeDateTimeField(DateTimeLocalField):
    """A date and time typed as Europe/Rome wall-clock time (``<input type=datetime-local>``).

    ``data`` is always an aware UTC instant; the input shows it back in Rome time.
    A time skipped by the spring daylight-saving change is a field error.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", _FORMATS)
        kwargs.setdefault("description", _l("Milan time (Europe/Rome)."))
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not (2000 <= self.data.year <= 2100):
            self.data = None
            raise ValueError(_("Enter a date between the years 2000 and 2100."))
        if self.data is not None:
            try:
                self.data = rome_to_utc(self.data)
            except NonexistentLocalTime:
                local = self.data
                self.data = None
                raise ValueError(_(
                    "%(time)s does not exist in Milan: the clocks jump from 02:00 to 03:00 "
                    "that night. Choose another time.", time=local.strftime("%d/%m/%Y %H:%M"),
                )) from None

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if not self.data:
            return ""
        return utc_to_rome(self.data).replace(tzinfo=None).strftime(self.format[0])


class ChallengeForm(FlaskForm):
    call = SelectField(_l("Call"), coerce=int, validators=[InputRequired()])
    lead_partner = SelectField(_l("Lead partner"), coerce=int, validators=[InputRequired()])
    cosponsors = SelectMultipleField(_l("Co-sponsoring partners"), coerce=int,
                                     validators=[Optional()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Address"), validators=[Optional(), Length(max=120)],
        description=_l("The last part of the page's address, e.g. “cleaner-air-near-schools”. "
                       "Leave it empty to make one from the title."),
    )
    summary = TextAreaField(
        _l("Summary"), validators=[DataRequired(), Length(max=500)],
        description=_l("One or two sentences shown in lists (at most 500 characters)."),
        render_kw={"rows": 3},
    )
    description = TextAreaField(
        _l("Description"), validators=[DataRequired()],
        description=_l("Markdown: **bold**, *italic*, lists with “-”, headings with “##”, links. "
                       "HTML is not allowed."),
        render_kw={"rows": 12},
    )
    theme = SelectField(_l("Theme"), coerce=int, validators=[InputRequired()])
    expected_outcomes = TextAreaField(_l("Expected outcomes"), validators=[DataRequired()],
                                      render_kw={"rows": 4})
    rewards = TextAreaField(
        _l("What the winner gets"), validators=[DataRequired()],
        description=_l("Pilot, budget, mentoring, access to data or sites..."),
        render_kw={"rows": 3},
    )
    eligibility = TextAreaField(_l("Eligibility"), validators=[DataRequired()],
                                render_kw={"rows": 3})
    opens_at = RomeDateTimeField(_l("Opening"), validators=[InputRequired()])
    deadline = RomeDateTimeField(_l("Deadline"), validators=[InputRequired()])
    pilot_slots = IntegerField(
        _l("Pilot slots"), default=1, validators=[InputRequired(), NumberRange(min=0, max=50)],
        description=_l("How many start-ups can run a pilot."),
    )


class CriterionForm(Form):
    """One row of the criteria editor (a plain Form: the page's form carries the CSRF token)."""

    id = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional()],
                                render_kw={"rows": 2})
    weight = DecimalField(_l("Weight"), places=2, default=Decimal("1"),
                          validators=[InputRequired(), NumberRange(min=Decimal("0.01"),
                                                                   max=Decimal("999.99"))])
    scale = IntegerField(_l("Scale (scored 1 to...)"), default=5,
                         validators=[InputRequired(), NumberRange(min=2, max=100)])
    comment_required = BooleanField(_l("Jurors explain their score"))
    remove = BooleanField(_l("Remove this criterion"))


class CriteriaForm(FlaskForm):
    criteria = FieldList(FormField(CriterionForm), min_entries=0, max_entries=30)


class TermsForm(FlaskForm):
    text = TextAreaField(
        _l("Terms"), validators=[DataRequired()],
        description=_l("Intellectual property and confidentiality, in Markdown. Saving adds a "
                       "new version; start-ups accept the version in force when they submit."),
        render_kw={"rows": 12},
    )


class FilterForm(Form):
    """The list's filters: a GET form that works without JavaScript (no CSRF needed)."""

    theme = SelectField(_l("Theme"), validators=[Optional()], validate_choice=False)
    partner = SelectField(_l("Partner"), validators=[Optional()], validate_choice=False)
    call = SelectField(_l("Call"), validators=[Optional()], validate_choice=False)
    state = SelectField(_l("Status"), validators=[Optional()], validate_choice=False, choices=[
        SelectChoice("", _l("Any")), SelectChoice("open", _l("Open")),
        SelectChoice("upcoming", _l("Opening soon")),
        # "current" (open or opening soon) is what a partner's page links to.
        SelectChoice("current", _l("Open or opening soon")), SelectChoice("closed", _l("Closed")),
    ])
    sort = SelectField(_l("Sort by"), validators=[Optional()], validate_choice=False, choices=[
        SelectChoice("deadline", _l("Deadline (soonest first)")),
        SelectChoice("newest", _l("Newest")),
    ])
